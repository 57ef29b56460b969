// One pass over a `trace` text (function, function_graph or nop tracer, with iommu tracepoints
// possibly mixed in) giving what the ftrace profiler and `dmabench ingest` report: calls per
// function, durations per function (function_graph), iommu map/unmap totals, and how much of the
// trace was lost. Then the Measurements, per I/O when the caller knows the I/O count.
import { requireFinite, type Measurement } from '../../model/measurement.js';
import { ParseError } from '../../model/parse-error.js';
import { eachLine, type LineSource } from '../../core/text/lines.js';
import { FunctionTraceAccumulator } from './function-trace.js';
import { FunctionGraphAccumulator } from './function-graph.js';
import { IommuEventAccumulator, type IommuEventsResult } from './iommu-events.js';
import type { DurationSummary } from './histogram.js';
import type { TraceHealth } from './trace-line.js';
import { callCountMeasurements } from './calls-per-io.js';
import { RequestEventAccumulator, type DiskRequests } from './request-events.js';
import { mapEntryMeasurements } from './map-entries.js';
import { measure, quantileResolved } from '../metric-spec.js';
import { durationIsPrimary, FTRACE_METRICS } from './metrics.js';

export type TraceTextKind = 'function' | 'function_graph' | 'nop';

export interface TraceSummary {
  tracer: TraceTextKind;
  health: TraceHealth;
  /** Function → calls. */
  calls: Map<string, number>;
  /**
   * Function → durations of its calls within which no other traced function ran (function_graph
   * only, functions with at least one such call; collectors/ftrace/function-graph.ts says why).
   */
  durations: Map<string, DurationSummary>;
  /** Function → calls whose durations are left out because traced functions ran within them. */
  nestedTimed: Map<string, number>;
  /** Tracepoint event name → records (function and nop traces). */
  events: Map<string, number>;
  iommu: IommuEventsResult;
  /** Disk (`major:minor`) → block requests issued (block:block_rq_issue records, request-events.ts). */
  requests: Map<string, DiskRequests>;
  /** Lines not understood (a high number means a format this parser does not know). */
  unparsed: number;
}

/** The tracer named by a trace's `# tracer: NAME` header, if it is one summarizeTrace reads. */
export function tracerOfHeader(head: string): TraceTextKind | undefined {
  const m = /^#\s*tracer:\s*(\S+)/m.exec(head);
  const name = m?.[1];
  return name === 'function' || name === 'function_graph' || name === 'nop' ? name : undefined;
}

export async function summarizeTrace(source: LineSource, tracer: TraceTextKind): Promise<TraceSummary> {
  const iommu = new IommuEventAccumulator();
  const requests = new RequestEventAccumulator();
  if (tracer === 'function_graph') {
    const graph = new FunctionGraphAccumulator();
    await eachLine(source, (line) => {
      graph.push(line);
      iommu.push(line);
      requests.push(line);
    });
    const result = graph.finish();
    const calls = new Map<string, number>();
    const durations = new Map<string, DurationSummary>();
    const nestedTimed = new Map<string, number>();
    for (const [name, f] of result.functions) {
      calls.set(name, f.calls);
      if (f.durations.count > 0) durations.set(name, f.durations.summary());
      if (f.nestedDurations.count > 0) nestedTimed.set(name, f.nestedDurations.count);
    }
    return { tracer, health: result.health, calls, durations, nestedTimed, events: new Map(), iommu: iommu.result, requests: requests.disks, unparsed: result.unparsed };
  }
  const fn = new FunctionTraceAccumulator();
  await eachLine(source, (line) => {
    fn.push(line);
    iommu.push(line);
    requests.push(line);
  });
  // A `# tracer: nop` header (events only) is read by the function accumulator too: say which it was.
  const named = fn.result.health.tracer === 'nop' ? 'nop' : tracer;
  return { tracer: named, health: fn.result.health, calls: fn.result.calls, durations: new Map(), nestedTimed: new Map(), events: fn.result.events, iommu: iommu.result, requests: requests.disks, unparsed: fn.result.unparsed };
}

/**
 * Events missing from the trace: `[LOST N EVENTS]` markers plus entries overwritten when the ring
 * buffer wrapped (entries-written − entries-in-buffer). A marker without a count counts as one.
 */
export function lostEvents(h: TraceHealth): number {
  return h.lostEvents + h.lostMarkersWithoutCount + (h.overwritten ?? 0);
}

export interface TraceMeasurementOptions {
  /**
   * The I/Os of the trace's window (ftrace.ios: the target's block requests in the trace, or the
   * workload's count): adds `.calls_per_io` and iommu per-I/O figures.
   */
  ios?: number;
  /** Tracepoints (by event name) the pass added to count I/Os: not reported as `events.*`. */
  ioEvents?: string[];
  /** Functions that were traced: those never called get `.calls` 0 (absent ones get nothing). */
  traced?: string[];
  /** Whether iommu:map/unmap were enabled (their totals are reported even when 0). */
  iommuEvents?: boolean;
  /**
   * Functions asked for that this kernel does not have (e.g. dma_iova_link on 6.12): reported
   * as absent (null), never 0, so a comparison across kernels shows both paths side by side.
   */
  absent?: string[];
}

export function traceMeasurements(s: TraceSummary, opts: TraceMeasurementOptions = {}): Measurement[] {
  const counts = new Map(s.calls);
  for (const name of opts.traced ?? []) if (!counts.has(name)) counts.set(name, 0);
  const ios = opts.ios !== undefined && opts.ios > 0 ? opts.ios : undefined;
  const out = callCountMeasurements(counts, ios);
  out.push(...mapEntryMeasurements(s.calls, ios, opts.traced));
  for (const name of opts.absent ?? []) {
    out.push(measure(`${name}.calls`, null, FTRACE_METRICS.calls));
    if (ios !== undefined) out.push(measure(`${name}.calls_per_io`, null, FTRACE_METRICS.calls_per_io));
  }
  for (const name of [...s.durations.keys()].sort()) {
    const d = s.durations.get(name);
    if (!d) continue;
    const primary = durationIsPrimary(name);
    out.push(
      measure(`${name}.duration.mean`, d.meanNs, FTRACE_METRICS['duration.mean']),
      measure(`${name}.duration.p50`, d.p50Ns, FTRACE_METRICS['duration.p50'], { resolved: primary && quantileResolved(0.5, d.count) }),
      measure(`${name}.duration.p99`, d.p99Ns, FTRACE_METRICS['duration.p99'], { resolved: primary && quantileResolved(0.99, d.count) }),
    );
  }
  if (opts.iommuEvents || s.iommu.map.count > 0 || s.iommu.unmap.count > 0) {
    for (const [op, stats] of [['map', s.iommu.map], ['unmap', s.iommu.unmap]] as const) {
      out.push(measure(`iommu.${op}.calls`, stats.count, FTRACE_METRICS['iommu.calls']));
      if (ios !== undefined) {
        out.push(
          measure(`iommu.${op}.calls_per_io`, stats.count / ios, FTRACE_METRICS['iommu.calls_per_io']),
          measure(`iommu.${op}.bytes_per_io`, stats.bytes / ios, FTRACE_METRICS['iommu.bytes_per_io']),
        );
      }
    }
  }
  // Other tracepoints (the iommu ones are above): `events.<name>.count`, syscall exits as `<name>.exit`.
  for (const [event, count] of [...s.events].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (event === 'map' || event === 'unmap' || opts.ioEvents?.includes(event)) continue;
    const name = `events.${event.endsWith('->') ? `${event.slice(0, -2)}.exit` : event}`;
    out.push(measure(`${name}.count`, count, FTRACE_METRICS['events.count']));
    if (ios !== undefined) out.push(measure(`${name}.per_io`, count / ios, FTRACE_METRICS['events.per_io']));
  }
  const lost = lostEvents(s.health);
  if (!Number.isSafeInteger(lost)) throw new ParseError(`trace: ${lost} lost events in all is out of range`);
  out.push(measure('ftrace.lost_events', lost, FTRACE_METRICS.lost_events));
  return requireFinite(out, 'trace');
}

/** Plain-object view for JSON output (`dmabench ingest --json`): calls and mean duration per function. */
export function traceSummaryJson(s: TraceSummary): Record<string, unknown> {
  const functions: Record<string, { calls: number; meanNs?: number; nestedCalls?: number }> = {};
  for (const [name, calls] of [...s.calls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const d = s.durations.get(name);
    const nested = s.nestedTimed.get(name);
    functions[name] = { calls, ...(d ? { meanNs: d.meanNs } : {}), ...(nested ? { nestedCalls: nested } : {}) };
  }
  return {
    tracer: s.tracer,
    functions,
    events: Object.fromEntries(s.events),
    iommu: { map: { calls: s.iommu.map.count, bytes: s.iommu.map.bytes }, unmap: { calls: s.iommu.unmap.count, bytes: s.iommu.unmap.bytes } },
    lostEvents: lostEvents(s.health),
    unparsed: s.unparsed,
  };
}
