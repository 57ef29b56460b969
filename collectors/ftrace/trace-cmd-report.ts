// `trace-cmd report` text: `task-pid [cpu] timestamp: event_name:   fields`. The function tracer
// shows up as `function: func <-- parent`, function_graph as `funcgraph_entry: 0.123 us | func();`
// and `funcgraph_exit: 1.234 us | }`, iommu events as `map: IOMMU: ...`. Each kind is handed to
// the same accumulator the raw `trace` parsers use, so both paths give the same statistics.
import { eachLine, type LineSource } from '../../core/text/lines.js';
import { bump, FunctionTraceAccumulator, type FunctionTraceResult } from './function-trace.js';
import { FunctionGraphAccumulator, parseDurationNs, type FunctionGraphResult } from './function-graph.js';
import { IommuEventAccumulator, type IommuEventsResult } from './iommu-events.js';
import { RequestEventAccumulator, type DiskRequests } from './request-events.js';
import { newTraceHealth, parseTraceRecord, trackHealth, type TraceHealth } from './trace-line.js';
import type { TraceSummary } from './trace-summary.js';

export interface TraceCmdReportResult {
  health: TraceHealth;
  /** Event name → records (every record, including function and funcgraph ones). */
  events: Map<string, number>;
  functions: FunctionTraceResult;
  graph: FunctionGraphResult;
  iommu: IommuEventsResult;
  /** Disk (`major:minor`) → block requests issued (request-events.ts). */
  requests: Map<string, DiskRequests>;
  records: number;
  /** Lines that were neither a record, a header nor a marker. */
  unparsed: number;
}

// Lines trace-cmd prints before the records: `cpus=2`, `version = 7`, `CPU 1 is empty`.
const PREAMBLE = /^(cpus=\d+|version\s*=|CPU\s*\d+ is empty|\s*$)/;

export class TraceCmdReportAccumulator {
  private readonly fn = new FunctionTraceAccumulator();
  private readonly graph = new FunctionGraphAccumulator();
  private readonly iommu = new IommuEventAccumulator();
  private readonly requests = new RequestEventAccumulator();
  private readonly health = newTraceHealth();
  private readonly events = new Map<string, number>();
  private records = 0;
  private unparsed = 0;

  push(line: string): void {
    if (line.length === 0) return;
    const marker = trackHealth(this.health, line);
    if (marker !== undefined) {
      // Lost events break the per-CPU call stacks of the graph accumulator as well.
      if (typeof marker === 'number') this.graph.push(line);
      return;
    }
    const rec = parseTraceRecord(line);
    if (!rec) {
      if (!PREAMBLE.test(line)) this.unparsed++;
      return;
    }
    this.records++;
    const colon = rec.body.indexOf(':');
    if (colon <= 0) {
      this.unparsed++;
      return;
    }
    const event = rec.body.slice(0, colon);
    const rest = rec.body.slice(colon + 1);
    bump(this.events, event);
    switch (event) {
      case 'function':
        this.fn.pushBody(rest.trim());
        break;
      case 'funcgraph_entry':
      case 'funcgraph_exit': {
        const bar = rest.indexOf('|');
        if (bar < 0) this.unparsed++;
        else this.graph.pushCall(rec.cpu, parseDurationNs(rest.slice(0, bar)), rest.slice(bar + 1));
        break;
      }
      case 'map':
      case 'unmap':
        this.iommu.push(`${event}:${rest.replace(/^\s+/, ' ')}`);
        break;
      case 'block_rq_issue':
        this.requests.push(`${event}: ${rest.trim()}`);
        break;
      default:
        break;
    }
  }

  finish(): TraceCmdReportResult {
    return {
      health: this.health,
      events: this.events,
      functions: this.fn.result,
      graph: this.graph.finish(),
      iommu: this.iommu.result,
      requests: this.requests.disks,
      records: this.records,
      unparsed: this.unparsed,
    };
  }
}

export async function parseTraceCmdReport(source: LineSource): Promise<TraceCmdReportResult> {
  const acc = new TraceCmdReportAccumulator();
  await eachLine(source, (line) => acc.push(line));
  return acc.finish();
}

/**
 * The report as a TraceSummary, the shape the `trace` text parsers give: function_graph records
 * give calls with durations, function records calls only; the tracer is named after what the
 * records show.
 */
export function traceCmdSummary(r: TraceCmdReportResult): TraceSummary {
  const graphCalls = new Map([...r.graph.functions].map(([name, f]) => [name, f.calls]));
  const durations = new Map([...r.graph.functions].filter(([, f]) => f.durations.count > 0).map(([name, f]) => [name, f.durations.summary()]));
  const nestedTimed = new Map([...r.graph.functions].filter(([, f]) => f.nestedDurations.count > 0).map(([name, f]) => [name, f.nestedDurations.count]));
  const calls = new Map([...r.functions.calls, ...graphCalls]);
  const events = new Map([...r.events].filter(([e]) => !['function', 'funcgraph_entry', 'funcgraph_exit'].includes(e)));
  return {
    tracer: graphCalls.size > 0 ? 'function_graph' : r.functions.calls.size > 0 ? 'function' : 'nop',
    health: r.health,
    calls,
    durations,
    nestedTimed,
    events,
    iommu: r.iommu,
    requests: r.requests,
    unparsed: r.unparsed,
  };
}
