// Types of the dma_bench kernel module's interface (benches/dma_bench): the request line written
// to debugfs `run` and the result read back from `result` (format v4, see report.c; v1 to v3
// results, from modules before batches and merged ranges, before inflight and sg_build, or before
// cpus and duration_ms, parse without the fields later versions added).
import type { LatencyHistogram } from '../../model/latency-histogram.js';

export type MicrobenchApi = 'sg' | 'link' | 'phys';
export type MicrobenchDir = 'to_device' | 'from_device' | 'bidirectional';
export type MicrobenchLayout = 'contiguous' | 'scattered';
export type MicrobenchIrqs = 'on' | 'off';

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
  /** off: interrupts disabled around each timed batch too (preemption always is). */
  irqs?: MicrobenchIrqs;
  /** Requests per timed batch; 0: the module picks it so a clock read stays below 1% of a request. */
  batch?: number;
  /** Requests mapped before they are unmapped (a queue depth); a batch larger than it is in flight whole. */
  inflight?: number;
  /** 1 (api=sg only): the sg table is allocated, filled and freed inside the timed map and unmap, as 6.12's NVMe does per request. */
  sg_build?: 0 | 1;
  /** Instead of iters: each thread runs timed rounds for this many ms (the echo then says iters=0). */
  duration_ms?: number;
  /** The CPUs the threads run on, thread i on the i-th, in the kernel's list form (0-3,8). */
  cpus?: string;
}

/** The request keys a module echoes only from some format version on. */
type LaterEchoKeys = 'irqs' | 'batch' | 'inflight' | 'sg_build' | 'duration_ms' | 'cpus';

/**
 * The module's echo of a request, defaults filled in; irqs and batch are absent from v1 results,
 * inflight and sg_build from v1 and v2, duration_ms and cpus (v4: 0 for a run of iters, and the
 * online CPUs when the request named none) from v1 to v3.
 */
export type MicrobenchEcho = Required<Omit<MicrobenchRequest, LaterEchoKeys>> & Pick<MicrobenchRequest, LaterEchoKeys> & { segSize: number };

/**
 * What one thread's requests issued (v2): the physically contiguous ranges after merging (what
 * link and phys map one call each, and what iommu_map_sg maps for sg), the mapping calls per
 * request, the DMA segments a request came to (sg: dma_map_sgtable's merged nents), the timed
 * batches and how many of them an interrupt or a task switch disturbed.
 */
export interface WorkerStats {
  cpu: number;
  ranges: number;
  calls: number;
  dmaSegsMin: number;
  dmaSegsMax: number;
  batches: number;
  disturbed: number;
  /** Of the disturbed batches, those the CPU took an interrupt in, and those it switched task in (preemption off: none). */
  irqHit: number;
  switched: number;
  /** v4: the timed requests this thread mapped and unmapped (iters, or what duration_ms allowed). */
  requests?: number;
  /** v4: from leaving the start barrier to the end of its last timed round, ns. */
  timedNs?: number;
  /** v4: where its CPU sits, as /sys/devices/system/cpu/cpuC/topology says (read by the module as it bound the thread). */
  topology?: CpuTopology;
}

/** A CPU's place: core_id, physical_package_id, thread_siblings_list (itself included) and NUMA node. */
export interface CpuTopology {
  coreId: number;
  packageId: number;
  /** Its SMT siblings as a CPU list (0,4 or 0-1), itself included. */
  siblings: string;
  node: number;
}

/**
 * ok: ran the requested API. fallback: api=link but dma_iova_try_alloc refused (no IOMMU,
 * identity domain), so the per-segment dma_map_phys/dma_map_page path drivers fall back to was
 * timed instead. unsupported: this kernel lacks the API (link where the kernel's headers do not
 * declare it: before 6.16 unless backported). error: see errno/reason.
 */
export type MicrobenchStatus = 'ok' | 'unsupported' | 'fallback' | 'error';

/** What actually ran: `page` is per-range dma_map_page on kernels without dma_map_phys. */
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
  request?: MicrobenchEcho;
  status: MicrobenchStatus;
  path: MicrobenchPath;
  /** The mapping call of that path (dma_map_sgtable, dma_iova_link, dma_map_phys, dma_map_page); absent in v1. */
  function?: string;
  /** Requests per timed sample (v2); the map/unmap/total stats are of per-request batch means. 1 in v1. */
  batch: number;
  /** Requests that were in flight at once: max(the request's inflight, batch); 0 when nothing ran (v3). */
  inflight?: number;
  /** What the module was built with, found in the kernel's headers (v3): the link API, dma_map_phys. */
  kernelApis?: { link: boolean; mapPhys: boolean };
  /** The device's max segment size and segment boundary mask the ranges were merged within (v2). */
  maxSegSize?: number;
  segBoundary?: string;
  /** Per thread, indexed by thread number (v2; empty in v1 and when nothing ran). */
  workers: WorkerStats[];
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
  /**
   * Each phase's all-threads histogram (v2 `hist` records; none in v1 and from v2 modules before
   * the export), min and max taken from the phase's all-threads stats: the distribution behind
   * `all`'s percentiles, which model/latency-histogram.ts histogramQuantile recomputes.
   */
  histograms: Partial<Record<MicrobenchPhase, LatencyHistogram>>;
}
