// Types of the dma_bench kernel module's interface (benches/dma_bench): the request line written
// to debugfs `run` and the result read back from `result` (format v1, see report.c).

export type MicrobenchApi = 'sg' | 'link' | 'phys';
export type MicrobenchDir = 'to_device' | 'from_device' | 'bidirectional';
export type MicrobenchLayout = 'contiguous' | 'scattered';

export interface MicrobenchRequest {
  api: MicrobenchApi;
  /** Bytes mapped per I/O. */
  size: number;
  /** Segments per I/O; each is size/segs bytes and must be a multiple of the page size. */
  segs: number;
  dir?: MicrobenchDir;
  threads?: number;
  iters?: number;
  warmup?: number;
  layout?: MicrobenchLayout;
}

/**
 * ok: ran the requested API. fallback: api=link but dma_iova_try_alloc refused (no IOMMU,
 * identity domain), so the per-segment dma_map_phys/dma_map_page path drivers fall back to was
 * timed instead. unsupported: this kernel lacks the API (link before 6.16). error: see errno/reason.
 */
export type MicrobenchStatus = 'ok' | 'unsupported' | 'fallback' | 'error';

/** What actually ran: `page` is per-segment dma_map_page on kernels without dma_map_phys. */
export type MicrobenchPath = 'sg' | 'link' | 'phys' | 'page' | 'none';

/** map and unmap are timed separately; total is their sum per iteration; timer is the empty timed loop. */
export type MicrobenchPhase = 'map' | 'unmap' | 'total' | 'timer';
export const microbenchPhases: readonly MicrobenchPhase[] = ['map', 'unmap', 'total', 'timer'];

/** Nanoseconds; percentiles come from a log-linear histogram (within 0.4%). */
export interface PhaseStats {
  count: number;
  mean: number;
  stdev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

export interface ThreadStats {
  /** CPU the kthread was pinned to; -1 for the all-threads aggregate. */
  cpu: number;
  phases: Partial<Record<MicrobenchPhase, PhaseStats>>;
}

export interface MicrobenchResult {
  formatVersion: number;
  /** uname -r of the kernel the module ran on. */
  kernel: string;
  clock: string;
  device: { bdf: string | null; iommuDomain: string };
  /** The module's echo of the request, with defaults filled in; absent when the line did not parse. */
  request?: Required<MicrobenchRequest> & { segSize: number };
  status: MicrobenchStatus;
  path: MicrobenchPath;
  /** Negative errno when status is error, else 0. */
  errno: number;
  /** One token saying why (size_not_divisible, dma_iova_try_alloc_false, ...); null for none. */
  reason: string | null;
  wallNs: number;
  /** Cost of reading the clock twice, in ns (p50 over all threads); absent when nothing ran. */
  timerOverheadNs?: number;
  /** Per thread, indexed by thread number. */
  threads: ThreadStats[];
  /** All threads merged. */
  all?: ThreadStats;
}
