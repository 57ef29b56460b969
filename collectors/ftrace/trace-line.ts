// Pieces every ftrace text format shares: the record prefix (`task-pid [cpu] flags timestamp:`),
// the header lines of the `trace` file, and the lost-event markers. Used by the function,
// function_graph, iommu-event and trace-cmd report parsers.
import { ParseError } from '../../model/parse-error.js';

/** A record of the `trace` / `trace_pipe` / `trace-cmd report` text, split into its columns. */
export interface TraceRecord {
  task: string;
  pid: number;
  cpu: number;
  /** irq-info flags (`d..1.`), absent with `noirq-info` and in trace-cmd's default report. */
  flags?: string;
  timestamp: number;
  /** Everything after `timestamp: `. */
  body: string;
}

// task may contain spaces and dashes: the pid is the last `-digits` before the CPU column.
// `(tgid)` appears with the record-tgid option; flags are 4 (older kernels) or 5 characters.
// Linear on damaged lines: the task starts with a non-blank (`^\s*(.+?)` would let the two
// overlap, and a long blank line then costs quadratic time), and the body is `[^]*`, not `.*`,
// which stops at a stray CR and sends the match back through every `-digits` of the line.
const RECORD = /^\s*(\S.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:([^\s\d][^\s]{2,5})\s+)?(\d+\.\d+):\s?([^]*)$/;

export function parseTraceRecord(line: string): TraceRecord | undefined {
  const m = RECORD.exec(line);
  if (!m) return undefined;
  const rec: TraceRecord = {
    task: m[1] ?? '',
    pid: Number(m[2]),
    cpu: Number(m[3]),
    timestamp: Number(m[5]),
    body: m[6] ?? '',
  };
  if (m[4] !== undefined) rec.flags = m[4];
  return rec;
}

/** What the header and markers of a trace said about completeness. */
export interface TraceHealth {
  /** From `# tracer: NAME`. */
  tracer?: string;
  /** From `# entries-in-buffer/entries-written: X/Y`. */
  entriesInBuffer?: number;
  entriesWritten?: number;
  /** Entries overwritten because the ring buffer wrapped: written − in buffer. */
  overwritten?: number;
  /** Sum of `CPU:N [LOST M EVENTS]` markers. */
  lostEvents: number;
  /** Lost markers without a count (`[LOST EVENTS]`). */
  lostMarkersWithoutCount: number;
  lostByCpu: Map<number, number>;
  /** `##### CPU N buffer started ####` markers: that CPU's older events were overwritten. */
  bufferStartedCpus: number[];
}

export function newTraceHealth(): TraceHealth {
  return { lostEvents: 0, lostMarkersWithoutCount: 0, lostByCpu: new Map(), bufferStartedCpus: [] };
}

const TRACER = /^#\s*tracer:\s*(\S+)/;
const ENTRIES = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)/;
// trace/trace_pipe print `CPU:1 [LOST 12 EVENTS]`; trace-cmd report prints `CPU:1 [12 EVENTS DROPPED]`.
const LOST = /CPU:\s*(\d+)\s*\[(?:LOST (\d+) EVENTS|(\d+) EVENTS DROPPED|LOST EVENTS)\]/;
const BUFFER_STARTED = /^#{3,}\s*CPU\s+(\d+)\s+buffer started/;

/**
 * Feeds one line to the health tracker. Returns the CPU whose events were lost when the line is a
 * lost marker (parsers then drop that CPU's in-flight state), 'header' for other consumed lines,
 * or undefined when the line is a record for the caller to parse.
 */
export function trackHealth(health: TraceHealth, line: string): number | 'header' | undefined {
  const c = line.charCodeAt(0);
  if (c === 35 /* # */) {
    let m = TRACER.exec(line);
    if (m) {
      health.tracer = m[1];
      return 'header';
    }
    m = ENTRIES.exec(line);
    if (m) {
      health.entriesInBuffer = traceCount(m[1]!, 'entries-in-buffer');
      health.entriesWritten = traceCount(m[2]!, 'entries-written');
      // The buffer holds at most what was written: more is a damaged header, and would make a
      // negative number of lost events.
      if (health.entriesInBuffer > health.entriesWritten) {
        throw new ParseError(`trace header: entries-in-buffer ${m[1]} exceeds entries-written ${m[2]}`);
      }
      health.overwritten = health.entriesWritten - health.entriesInBuffer;
      return 'header';
    }
    m = BUFFER_STARTED.exec(line);
    if (m) {
      const cpu = Number(m[1]);
      health.bufferStartedCpus.push(cpu);
      return cpu;
    }
    return 'header';
  }
  // Lost markers start their line (`CPU:1 [LOST 12 EVENTS]`), possibly after blanks: check the
  // first non-blank character before running a regex, this runs on every line.
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) === 67 /* C */ && line.startsWith('CPU:', i)) {
    const m = LOST.exec(line);
    if (m) {
      const cpu = Number(m[1]);
      const n = m[2] ?? m[3];
      if (n === undefined) health.lostMarkersWithoutCount++;
      else {
        const lost = traceCount(n, 'lost events');
        health.lostEvents += lost;
        health.lostByCpu.set(cpu, (health.lostByCpu.get(cpu) ?? 0) + lost);
      }
      return cpu;
    }
  }
  return undefined;
}

/**
 * A count the trace prints (entries, lost events, sizes): digits that a double holds exactly. The
 * kernel prints them from 64-bit counters, but a count beyond 2^53 means a damaged line, and as a
 * double it would no longer count exactly (or at all: 400 digits are Infinity).
 */
export function traceCount(digits: string, what: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 0) throw new ParseError(`trace: ${what} ${digits.length > 40 ? `${digits.slice(0, 40)}…` : digits} is out of range`);
  return n;
}

/** `vfs_read+0x4/0x150 [mod]` or `nvme_queue_rq [nvme]` → bare symbol name. */
export function bareSymbol(s: string): string {
  let name = s.trim();
  const sp = name.indexOf(' ');
  if (sp >= 0) name = name.slice(0, sp);
  const plus = name.indexOf('+0x');
  if (plus > 0) name = name.slice(0, plus);
  return name;
}
