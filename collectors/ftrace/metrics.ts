// Every metric the ftrace profiler and the trace ingest parsers make, with its direction and
// role, and which functions' durations are primary.
import { dmaFunctionTable } from '../../model/dma-functions.js';
import type { MetricSpec } from '../metric-spec.js';

export const FTRACE_METRICS = {
  /**
   * `<fn>.calls`, `<fn>.calls_per_io`: neither direction is better. Per I/O is per `ftrace.ios`
   * (below): per block request issued to the target within the window, where there is one. The link API makes more
   * calls than dma_map_sg (one dma_iova_link per physically contiguous range), each cheaper;
   * 7.x's dma_map_sgtable going from 1 per I/O to 0 is a change of path, not an improvement.
   * Per-request counts are deterministic (ARCHITECTURE.md, "What the lab showed"): a change
   * is worth a mark, never a verdict.
   */
  calls: { unit: 'count', better: 'none', role: 'informational' },
  calls_per_io: { unit: 'calls/IO', better: 'none', role: 'informational' },
  /**
   * `<fn>.duration.p50|p99` (function_graph): the latency of a mapping call, lower is better,
   * primary for the mapping calls (model/dma-functions.ts `root`) and for functions the campaign
   * added (`functions:`), when the calls resolve the quantile (collectors/metric-spec.ts
   * quantileResolved: p99 needs 1 000 calls). The functions under a mapping call are parts of
   * it: their durations are descriptive (testing them too would count one change several times).
   *
   * Every duration includes the tracer's own cost: one function_graph entry and exit, the same
   * on both paths. Only calls within which no other traced function ran are timed (review M10):
   * a parent's duration would also hold the tracer's cost for each traced child, and the two
   * paths run different numbers of them (7.x links each range, 6.12 maps one scatterlist). A
   * graph pass therefore traces the mapping calls only, and a call that always runs traced calls
   * (nvme_map_data around dma_map_sgtable) has no duration there: a pass of its own, tracing it
   * alone (`functions: [nvme_map_data], dmaFunctions: false`), times it.
   */
  'duration.p50': { unit: 'ns', better: 'lower', role: 'primary' },
  'duration.p99': { unit: 'ns', better: 'lower', role: 'primary' },
  /** The mean: an interrupt taken inside a traced call adds its handler to that call. Includes tracing overhead, as above. */
  'duration.mean': { unit: 'ns', better: 'lower', role: 'descriptive' },
  /**
   * `dma.map_entries.calls`, `.calls_per_io`: the calls of the DMA API's entry points for one
   * request's mapping added up (model/dma-functions.ts `mapEntry`: dma_map_sgtable,
   * dma_map_sg_attrs, dma_iova_try_alloc, dma_map_page_attrs), 1 per request whichever path each
   * took (collectors/ftrace/map-entries.ts). A property of the window, not of the kernel's speed.
   */
  map_entries: { unit: 'count', better: 'none', role: 'informational' },
  map_entries_per_io: { unit: 'calls/IO', better: 'none', role: 'informational' },
  /**
   * `ftrace.ios`: the I/Os every per-I/O figure of the pass divides by. With a block target, the
   * data requests the block layer issued to the target's disk within the pass's window
   * (block:block_rq_issue records with bytes > 0, collectors/ftrace/request-events.ts): fio's
   * I/Os, unless the block layer split or merged them. Without one, the I/Os the workload counted
   * (dma_bench: the requests its threads mapped, warm-up included: (warmup + iters) × threads, or
   * the count a duration_ms run reports). `ftrace.workload_ios`: the workload's own count, kept as
   * a cross-check (fio does not count ramp_time's reads nor those in flight at its end).
   */
  ios: { unit: 'count', better: 'none', role: 'descriptive' },
  workload_ios: { unit: 'count', better: 'none', role: 'descriptive' },
  /** `iommu.map|unmap.calls`, `.calls_per_io`, `.bytes_per_io`: the IOMMU page-table work, a fact of the path. */
  'iommu.calls': { unit: 'count', better: 'none', role: 'informational' },
  'iommu.calls_per_io': { unit: 'calls/IO', better: 'none', role: 'informational' },
  'iommu.bytes_per_io': { unit: 'B/IO', better: 'none', role: 'informational' },
  /** `events.<name>.count`, `.per_io`: other tracepoints the campaign asked for. */
  'events.count': { unit: 'count', better: 'none', role: 'informational' },
  'events.per_io': { unit: 'count/IO', better: 'none', role: 'informational' },
  /** `ftrace.lost_events`: how complete the trace is (a property of the buffer, not of the kernel measured). */
  lost_events: { unit: 'count', better: 'none', role: 'descriptive' },
} as const satisfies Record<string, MetricSpec>;

const tableByName = new Map(dmaFunctionTable.map((f) => [f.name, f]));

/** A function whose duration quantiles are primary: a mapping call of the table, or one the table does not know (added by the campaign). */
export function durationIsPrimary(name: string): boolean {
  const f = tableByName.get(name);
  return f === undefined || f.root === true;
}
