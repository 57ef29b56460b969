// The `function` tracer's text (`trace`, `trace_pipe`): one record per traced call,
// `task-pid [cpu] flags timestamp: func <-parent`. Counts calls per function and per caller.
// Tracepoint records mixed into the same buffer (`name: fields`) are counted per event name.
import { eachLine, type LineSource } from '../../core/text/lines.js';
import { bareSymbol, newTraceHealth, parseTraceRecord, trackHealth, type TraceHealth } from './trace-line.js';

export interface FunctionTraceResult {
  health: TraceHealth;
  /** Function → number of calls traced. */
  calls: Map<string, number>;
  /** Function → parent → calls (from the `<-parent` column). */
  callers: Map<string, Map<string, number>>;
  /** Tracepoint event name → records (`event: ...`; syscall events as `sys_x` and `sys_x->`). */
  events: Map<string, number>;
  records: number;
  /** Non-comment lines that were not a record or a marker. */
  unparsed: number;
}

// `event: fields`, `sys_read(fd: ...)` or `sys_read -> 0x8`.
const EVENT_NAME = /^([A-Za-z_][\w.]*)(:|\(| ->)/;

export class FunctionTraceAccumulator {
  readonly result: FunctionTraceResult = {
    health: newTraceHealth(),
    calls: new Map(),
    callers: new Map(),
    events: new Map(),
    records: 0,
    unparsed: 0,
  };

  push(line: string): void {
    if (line.length === 0) return;
    if (trackHealth(this.result.health, line) !== undefined) return;
    const rec = parseTraceRecord(line);
    if (!rec) {
      if (line.trim() !== '') this.result.unparsed++;
      return;
    }
    this.result.records++;
    this.pushBody(rec.body);
  }

  /** A record body: `func <-parent` (trace) or, from trace-cmd, `func <-- parent`. */
  pushBody(body: string): void {
    const arrow = body.indexOf(' <-');
    if (arrow < 0) {
      const ev = EVENT_NAME.exec(body);
      if (!ev || ev[1] === undefined) {
        this.result.unparsed++;
        return;
      }
      // Syscall events print `sys_read(fd: 3, ...)` on entry and `sys_read -> 0x8` on exit.
      bump(this.result.events, ev[2] === ' ->' ? `${ev[1]}->` : ev[1]);
      return;
    }
    const fn = bareSymbol(body.slice(0, arrow));
    let parentText = body.slice(arrow + 3);
    if (parentText.startsWith('-')) parentText = parentText.slice(1);
    const parent = bareSymbol(parentText);
    bump(this.result.calls, fn);
    let byParent = this.result.callers.get(fn);
    if (!byParent) {
      byParent = new Map();
      this.result.callers.set(fn, byParent);
    }
    bump(byParent, parent);
  }
}

export async function parseFunctionTrace(source: LineSource): Promise<FunctionTraceResult> {
  const acc = new FunctionTraceAccumulator();
  await eachLine(source, (line) => acc.push(line));
  return acc.result;
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
