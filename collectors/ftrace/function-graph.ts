// The `function_graph` tracer's text. Lines look like
//   ` 1)               |  nvme_queue_rq [nvme]() {`
//   ` 1)   0.321 us    |    dma_iova_link();`
//   ` 1) + 12.345 us   |  } /* nvme_queue_rq [nvme] */`      (funcgraph-tail)
// optionally with an absolute time column first (funcgraph-abstime) and a `task-pid |` column
// after the CPU (funcgraph-proc). Durations sit on leaf lines (`func();`) and on closing braces;
// a closing brace belongs to the innermost open call of the same CPU, so a stack is kept per CPU;
// with funcgraph-tail the comment names the call it closes, and that name wins (review m8: after
// lost events or a task resumed elsewhere the top of the stack may be another call).
// Overhead markers (+ ! # * @ $) only flag long durations and are skipped.
//
// Two kinds of duration (review M10). A call within which no other traced function ran carries
// the tracer's entry and exit cost once, its own: its duration is `durations`. A call within
// which traced functions ran carries their entry and exit costs too, as many as there were, and
// the two DMA paths run different numbers of traced children: its duration is `nestedDurations`,
// kept apart so that it is never compared as if it were the call's own cost.
import { ParseError } from '../../model/parse-error.js';
import { eachLine, type LineSource } from '../../core/text/lines.js';
import { DurationHistogram, type DurationSummary } from './histogram.js';
import { newTraceHealth, trackHealth, type TraceHealth } from './trace-line.js';

export interface FunctionGraphStats extends DurationSummary {
  name: string;
  /** Calls seen: entries (leaf or opened) plus closings whose entry was before the trace began. */
  calls: number;
  /** Durations of calls within which traced functions ran (or whose entry the trace does not hold). */
  nested: DurationSummary;
}

export interface GraphFunction {
  calls: number;
  /** Calls within which no other traced function ran: the call's own cost plus one entry/exit of the tracer. */
  durations: DurationHistogram;
  /** Calls within which traced functions ran, or whose entry came before the trace began. */
  nestedDurations: DurationHistogram;
}

export interface FunctionGraphResult {
  health: TraceHealth;
  functions: Map<string, GraphFunction>;
  /**
   * Opened calls that never closed: the trace ended, events were lost on that CPU, or a closing
   * brace named (funcgraph-tail) a call further down the stack than the top.
   */
  unclosed: number;
  /** Closing braces with nothing open on their CPU and no name in a tail comment. */
  unmatchedExits: number;
  /** `/* ... *\/` comment lines: trace_printk output and tracepoint events inside the graph. */
  comments: number;
  /** IRQ entry/exit arrows (`==========>`, `<==========`). */
  irqMarkers: number;
  /** Non-empty, non-comment lines that were not understood. */
  unparsed: number;
}

interface OpenCall {
  name: string;
  /** A traced function ran within this call (its duration then holds that function's tracing cost). */
  hasChild: boolean;
}

export class FunctionGraphAccumulator {
  readonly result: FunctionGraphResult = {
    health: newTraceHealth(),
    functions: new Map(),
    unclosed: 0,
    unmatchedExits: 0,
    comments: 0,
    irqMarkers: 0,
    unparsed: 0,
  };
  private readonly stacks = new Map<number, OpenCall[]>();

  /** One line of the `trace` / `trace_pipe` text of the function_graph tracer. */
  push(line: string): void {
    if (line.length === 0) return;
    const marker = trackHealth(this.result.health, line);
    if (marker !== undefined) {
      if (typeof marker === 'number') this.dropCpu(marker);
      return;
    }
    let i = skipSpaces(line, 0);
    if (i >= line.length) return;
    if (line.charCodeAt(i) === 45 /* - */) return; // `------` context switch box
    // funcgraph-abstime: `  1234.567890 |   1)  ...`
    let bar = line.indexOf('|', i);
    const cpuParen = line.indexOf(')', i);
    if (bar >= 0 && (cpuParen < 0 || bar < cpuParen) && isTimestamp(line, i, bar)) i = skipSpaces(line, bar + 1);
    // CPU column `12)`; absent with nofuncgraph-cpu.
    let cpu = 0;
    const close = line.indexOf(')', i);
    if (close > i && isDigits(line, i, close)) {
      cpu = Number(line.slice(i, close));
      i = close + 1;
    }
    bar = line.indexOf('|', i);
    if (bar < 0) {
      // `  1)    <idle>-0    =>    dd-1234  ` lines between the dashes: a context switch.
      if (line.includes('=>')) return;
      this.result.unparsed++;
      return;
    }
    let duration = scanDuration(line, i, bar);
    if (duration === IRQ_ARROW) {
      this.result.irqMarkers++;
      return;
    }
    if (duration === NOT_A_DURATION) {
      // funcgraph-proc: `task-pid |` comes before the duration column.
      const bar2 = line.indexOf('|', bar + 1);
      if (bar2 < 0) {
        this.result.unparsed++;
        return;
      }
      duration = scanDuration(line, bar + 1, bar2);
      bar = bar2;
      if (duration === IRQ_ARROW) {
        this.result.irqMarkers++;
        return;
      }
      if (duration === NOT_A_DURATION) {
        this.result.unparsed++;
        return;
      }
    }
    this.pushBody(cpu, duration === NO_DURATION ? undefined : duration, line, bar + 1);
  }

  /**
   * One function_graph record split into CPU, duration and body (the part after `|`).
   * trace-cmd's funcgraph_entry / funcgraph_exit records arrive here too.
   */
  pushCall(cpu: number, durationNs: number | undefined, bodyWithIndent: string): void {
    this.pushBody(cpu, durationNs, bodyWithIndent, 0);
  }

  /** The body starts at `from` in `line`; scanned in place to avoid copies on the hot path. */
  private pushBody(cpu: number, durationNs: number | undefined, line: string, from: number): void {
    let i = from;
    while (i < line.length && line.charCodeAt(i) === 32) i++;
    if (i >= line.length) {
      this.result.unparsed++;
      return;
    }
    const first = line.charCodeAt(i);
    if (first === 125 /* } */) {
      this.exit(cpu, durationNs, line.slice(i));
      return;
    }
    if (first === 47 /* / */ && line.charCodeAt(i + 1) === 42 /* * */) {
      this.result.comments++;
      return;
    }
    // The name ends at `(` or at ` [module]`.
    let end = i;
    while (end < line.length) {
      const c = line.charCodeAt(end);
      if (c === 40 /* ( */ || c === 32) break;
      end++;
    }
    if (end === i || end >= line.length || line.indexOf('(', end) < 0) {
      this.result.unparsed++;
      return;
    }
    const name = line.slice(i, end);
    let last = line.length - 1;
    while (last > end && line.charCodeAt(last) === 32) last--;
    const stack = this.stack(cpu);
    const parent = stack[stack.length - 1];
    if (parent) parent.hasChild = true;
    if (line.charCodeAt(last) === 123 /* { */) {
      stack.push({ name, hasChild: false });
      return;
    }
    // Leaf `func();`, possibly followed by a return value comment.
    const entry = this.fn(name);
    entry.calls++;
    if (durationNs !== undefined) entry.durations.record(durationNs);
  }

  /** Call when the input ends: calls still open count as unclosed. */
  finish(): FunctionGraphResult {
    for (const [cpu, stack] of this.stacks) {
      for (const call of stack) this.fn(call.name).calls++;
      this.result.unclosed += stack.length;
      this.stacks.delete(cpu);
    }
    return this.result;
  }

  private exit(cpu: number, durationNs: number | undefined, body: string): void {
    const stack = this.stack(cpu);
    // funcgraph-tail names the function: `} /* vfs_read */` or `} /* vfs_read = 0x0 */`.
    const m = /^\}\s*\/\*\s*([^\s=*]+)/.exec(body);
    const tail = m?.[1] !== undefined ? functionName(m[1]) : undefined;
    let open: OpenCall | undefined;
    if (tail === undefined) {
      open = stack.pop();
    } else {
      // The tail's name wins over the top of the stack: unwind to the call it names; the calls
      // above it never closed (lost events, a migration), so they count as unclosed.
      let at = stack.length - 1;
      while (at >= 0 && stack[at]?.name !== tail) at--;
      if (at >= 0) {
        const skipped = stack.splice(at + 1);
        for (const call of skipped) this.fn(call.name).calls++;
        this.result.unclosed += skipped.length;
        open = stack.pop();
      }
    }
    const name = open?.name ?? tail;
    if (name === undefined) {
      this.result.unmatchedExits++;
      return;
    }
    const entry = this.fn(name);
    entry.calls++;
    if (durationNs === undefined) return;
    // A closing whose entry the trace does not hold: what ran within it is unknown.
    if (open === undefined || open.hasChild) entry.nestedDurations.record(durationNs);
    else entry.durations.record(durationNs);
  }

  /** Events were lost on this CPU: its open calls can no longer be matched with their closings. */
  private dropCpu(cpu: number): void {
    const stack = this.stacks.get(cpu);
    if (!stack) return;
    for (const call of stack) this.fn(call.name).calls++;
    this.result.unclosed += stack.length;
    this.stacks.set(cpu, []);
  }

  private stack(cpu: number): OpenCall[] {
    let s = this.stacks.get(cpu);
    if (!s) {
      s = [];
      this.stacks.set(cpu, s);
    }
    return s;
  }

  private fn(name: string): GraphFunction {
    let f = this.result.functions.get(name);
    if (!f) {
      f = { calls: 0, durations: new DurationHistogram(), nestedDurations: new DurationHistogram() };
      this.result.functions.set(name, f);
    }
    return f;
  }
}

/** Parses function_graph text (a whole string, a Readable, or lines). */
export async function parseFunctionGraph(source: LineSource): Promise<FunctionGraphResult> {
  const acc = new FunctionGraphAccumulator();
  await eachLine(source, (line) => acc.push(line));
  return acc.finish();
}

/** Per-function table: calls, total and mean ns, percentiles of the recorded durations. */
export function functionGraphStats(result: FunctionGraphResult): FunctionGraphStats[] {
  const out: FunctionGraphStats[] = [];
  for (const [name, f] of result.functions) out.push({ name, ...f.durations.summary(), calls: f.calls, nested: f.nestedDurations.summary() });
  return out.sort((a, b) => b.totalNs + b.nested.totalNs - (a.totalNs + a.nested.totalNs) || a.name.localeCompare(b.name));
}

/** `nvme_queue_rq [nvme]` → `nvme_queue_rq`; `func.cold` stays as is. */
function functionName(s: string): string {
  const t = s.trim();
  const sp = t.indexOf(' ');
  return sp < 0 ? t : t.slice(0, sp);
}

const NOT_A_DURATION = -1;
const NO_DURATION = -2;
const IRQ_ARROW = -3;

/**
 * The duration column between from and to: `  0.321 us  `, `+ 12.345 us`, `! 1234567 us` or blank.
 * Returns ns, NO_DURATION for a blank column, IRQ_ARROW for `==========>` / `<==========`, or
 * NOT_A_DURATION (e.g. the funcgraph-proc task column). Hand-rolled: it runs on every line.
 */
function scanDuration(s: string, from: number, to: number): number {
  let i = from;
  while (i < to && s.charCodeAt(i) === 32) i++;
  if (i === to) return NO_DURATION;
  let c = s.charCodeAt(i);
  if (c === 61 /* = */ || c === 60 /* < */) return s.slice(i, to).includes('==========') ? IRQ_ARROW : NOT_A_DURATION;
  // Overhead markers: + ! # * @ $
  if (c === 43 || c === 33 || c === 35 || c === 42 || c === 64 || c === 36) {
    i++;
    while (i < to && s.charCodeAt(i) === 32) i++;
  }
  let intPart = 0;
  let digits = 0;
  while (i < to && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    intPart = intPart * 10 + (c - 48);
    i++;
    digits++;
  }
  if (digits === 0) return NOT_A_DURATION;
  let frac = 0;
  let scale = 1;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < to && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      // The kernel prints three decimals (ns); digits past nine cannot matter and would make
      // the scale overflow.
      if (scale < 1e9) {
        frac = frac * 10 + (c - 48);
        scale *= 10;
      }
      i++;
    }
  }
  while (i < to && s.charCodeAt(i) === 32) i++;
  if (i + 1 >= to || s.charCodeAt(i) !== 117 /* u */ || s.charCodeAt(i + 1) !== 115 /* s */) return NOT_A_DURATION;
  i += 2;
  while (i < to && s.charCodeAt(i) === 32) i++;
  if (i !== to) return NOT_A_DURATION;
  // Integer arithmetic for the usual 3 decimals (ns resolution), so no float rounding creeps in.
  const ns = intPart * 1000 + (scale === 1000 ? frac : Math.round((frac * 1000) / scale));
  // A call lasting beyond 2^53 ns (104 days) is a damaged line, and past that a double no
  // longer holds the duration (400 digits are Infinity, and the mean of it NaN).
  if (!Number.isSafeInteger(ns)) throw new ParseError(`function_graph: duration ${JSON.stringify(s.slice(from, to).trim().slice(0, 40))} is out of range`);
  return ns;
}

/** Duration column text → ns (undefined when blank or not a duration). Used for trace-cmd report. */
export function parseDurationNs(s: string): number | undefined {
  const d = scanDuration(s, 0, s.length);
  return d >= 0 ? d : undefined;
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  return i;
}

function isDigits(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isTimestamp(s: string, from: number, to: number): boolean {
  return /^\s*\d+\.\d+\s*$/.test(s.slice(from, to));
}

