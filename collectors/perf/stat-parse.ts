// Parser for `perf stat -x,` (CSV) and `perf stat -j` (one JSON object per line) output.
// perf's CSV is not real CSV: event names such as `software/config=2,config1=0/` contain unquoted
// commas and `-r N` inserts a variance column. Fields are therefore taken from both ends: value
// and unit from the left, metric unit, metric value, % running and run time from the right, and
// whatever is left in the middle is the event name.
import { ParseError } from '../../model/parse-error.js';

export interface PerfStatMetric {
  value: number;
  unit: string;
}

export interface PerfStatEvent {
  event: string;
  /** null for `<not supported>` / `<not counted>`: never 0. */
  value: number | null;
  /** perf's unit column (`msec` for task-clock, '' for plain counts). */
  unit: string;
  /** Why value is null, as perf printed it (`<not supported>`, `<not counted>`). */
  absent?: string;
  /** Aggregation prefix (`CPU0`, `S0`, `S0-D0`, `N0`) when perf ran with -A / --per-*. */
  cpu?: string;
  /** Time the counter ran, ns (perf's run-time column). */
  runtimeNs?: number;
  /** Percentage of the measurement the counter was scheduled (below 100: multiplexed, scaled). */
  runPct?: number;
  /** Relative standard deviation across `-r N` runs, in %. */
  variancePct?: number;
  /** perf's derived metric, e.g. 0.365 `CPUs utilized`. */
  metric?: PerfStatMetric;
}

export interface PerfStatResult {
  events: PerfStatEvent[];
}

const ABSENT = /^<not (supported|counted)>$/;
const AGGREGATION_PREFIX = /^(CPU\d+|S\d+(-D\d+)?(-C\d+)?|N\d+)$/;

/** Parses perf stat output, detecting CSV (`-x,`) or JSON lines (`-j`). */
export function parsePerfStat(text: string): PerfStatResult {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new ParseError('perf stat: no counter lines');
  const first = lines[0] ?? '';
  return first.trimStart().startsWith('{') ? parsePerfStatJson(lines) : parsePerfStatCsv(lines, ',');
}

/** Parses `perf stat -x SEP` lines (comments and blank lines already allowed). */
export function parsePerfStatCsv(input: string | string[], separator = ','): PerfStatResult {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input;
  const events: PerfStatEvent[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.trim() === '' || line.startsWith('#')) continue;
    const event = parseCsvLine(line.split(separator), line);
    if (event) events.push(event);
  }
  if (events.length === 0) throw new ParseError('perf stat -x: no counter lines');
  return { events };
}

function parseCsvLine(fields: string[], line: string): PerfStatEvent | undefined {
  let cpu: string | undefined;
  if (fields.length > 0 && AGGREGATION_PREFIX.test(fields[0] ?? '')) {
    cpu = fields.shift();
    // --per-socket/--per-die/--per-core/--per-node print the number of CPUs aggregated next.
    if (cpu !== undefined && !cpu.startsWith('CPU') && /^\d+$/.test(fields[0] ?? '')) fields.shift();
  }
  if (fields.length < 3) throw new ParseError(`perf stat -x: too few fields in ${JSON.stringify(line)}`);
  const valueText = (fields[0] ?? '').trim();
  const unit = (fields[1] ?? '').trim();
  // Newer perf prints extra metrics of an event on their own lines with empty leading columns.
  if (valueText === '' && (fields[2] ?? '').trim() === '') return undefined;

  let end = fields.length;
  let metric: PerfStatMetric | undefined;
  let runPct: number | undefined;
  let runtimeNs: number | undefined;
  let variancePct: number | undefined;
  if (fields.length >= 7) {
    const metricUnit = (fields[end - 1] ?? '').trim();
    const metricValue = (fields[end - 2] ?? '').trim();
    if (metricValue !== '' && Number.isFinite(Number(metricValue))) {
      metric = { value: Number(metricValue), unit: metricUnit };
    }
    runPct = optionalNumber(fields[end - 3]);
    runtimeNs = optionalNumber(fields[end - 4]);
    end -= 4;
    // `-r N` adds the variance (`1.26%`) between the event name and the run time.
    const maybeVariance = (fields[end - 1] ?? '').trim();
    if (end - 1 > 2 && /^-?\d+(\.\d+)?%$/.test(maybeVariance)) {
      variancePct = Number(maybeVariance.slice(0, -1));
      end -= 1;
    }
  } else {
    // Old or trimmed output: value, unit, event[, runtime, pct].
    runtimeNs = optionalNumber(fields[3]);
    runPct = optionalNumber(fields[4]);
    end = 3;
  }
  const event = fields.slice(2, end).join(',').trim();
  if (event === '') throw new ParseError(`perf stat -x: no event name in ${JSON.stringify(line)}`);
  return buildEvent({ event, valueText, unit, cpu, runtimeNs, runPct, variancePct, metric });
}

/** Parses `perf stat -j` output: one JSON object per counter line. */
export function parsePerfStatJson(input: string | string[]): PerfStatResult {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input;
  const events: PerfStatEvent[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new ParseError(`perf stat -j: not JSON: ${JSON.stringify(line.slice(0, 120))}`);
    }
    if (typeof obj !== 'object' || obj === null) throw new ParseError('perf stat -j: line is not an object');
    const rec = obj as Record<string, unknown>;
    if (typeof rec['event'] !== 'string') continue; // metric-only or interval summary objects
    const metricUnit = typeof rec['metric-unit'] === 'string' ? rec['metric-unit'] : '';
    const metricValue = typeof rec['metric-value'] === 'number' ? rec['metric-value'] : Number(rec['metric-value']);
    const cpuField = rec['cpu'] ?? rec['socket'] ?? rec['node'];
    events.push(
      buildEvent({
        event: rec['event'],
        valueText: String(rec['counter-value'] ?? '').trim(),
        unit: typeof rec['unit'] === 'string' ? rec['unit'] : '',
        cpu: cpuField === undefined ? undefined : String(cpuField),
        runtimeNs: optionalNumber(rec['event-runtime']),
        runPct: optionalNumber(rec['pcnt-running']),
        variancePct: optionalNumber(rec['variance']),
        // perf -j prints metric-value 0 with an empty unit when it has no metric.
        metric: metricUnit !== '' && Number.isFinite(metricValue) ? { value: metricValue, unit: metricUnit } : undefined,
      }),
    );
  }
  if (events.length === 0) throw new ParseError('perf stat -j: no counter lines');
  return { events };
}

interface EventParts {
  event: string;
  valueText: string;
  unit: string;
  cpu: string | undefined;
  runtimeNs: number | undefined;
  runPct: number | undefined;
  variancePct: number | undefined;
  metric: PerfStatMetric | undefined;
}

function buildEvent(p: EventParts): PerfStatEvent {
  const out: PerfStatEvent = { event: p.event, value: null, unit: p.unit };
  if (ABSENT.test(p.valueText)) {
    out.absent = p.valueText;
  } else {
    const value = Number(p.valueText);
    if (p.valueText === '' || !Number.isFinite(value)) {
      throw new ParseError(`perf stat: bad counter value ${JSON.stringify(p.valueText)} for ${p.event}`);
    }
    // Counters count up from 0 and clocks run forward: a negative value is a damaged line.
    if (value < 0) throw new ParseError(`perf stat: negative counter value ${p.valueText} for ${p.event}`);
    out.value = value;
  }
  if (p.cpu !== undefined) out.cpu = p.cpu;
  if (p.runtimeNs !== undefined) out.runtimeNs = p.runtimeNs;
  // The share of the window a counter ran: a multiplexed count is scaled up from it (reported as
  // perf.<event>.running_pct), so a value outside 0..100 is a damaged line, not a share.
  if (p.runPct !== undefined && !(p.runPct >= 0 && p.runPct <= 100)) throw new ParseError(`perf stat: running share ${p.runPct}% of ${p.event} is not a percentage`);
  if (p.runPct !== undefined) out.runPct = p.runPct;
  if (p.variancePct !== undefined) out.variancePct = p.variancePct;
  // A metric of an absent counter is perf's placeholder, not a measurement.
  if (p.metric !== undefined && out.value !== null) out.metric = p.metric;
  return out;
}

function optionalNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
