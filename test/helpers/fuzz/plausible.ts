// What the parser fuzz test accepts as a parse result: the one place "plausible" is defined.
// A parser given bad input either raises ParseError or returns Measurements that pass here:
// every value null (absent) or a finite number of its family's range, every name present once.
// NaN, an infinity or an impossible value (a negative count, a fractional number of calls)
// returned as a measurement is a bug of the parser, not of the input.
import type { Measurement } from '../../../model/measurement.js';

/** Largest count a JavaScript number holds exactly; above it a count is a corrupted number. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

export interface MetricFamily {
  name: string;
  /** Why the range is what it is (printed with a finding). */
  why: string;
  applies(m: Measurement, tool: string): boolean;
  /** A problem with the value, or undefined when it is plausible. */
  check(value: number): string | undefined;
}

const nonNegative = (v: number): string | undefined => (v < 0 ? 'negative' : undefined);

/** First family that applies decides; the last one applies to everything. */
export const metricFamilies: readonly MetricFamily[] = [
  {
    name: 'percent',
    why: 'a percentage of a whole',
    applies: (m) => m.unit === '%',
    check: (v) => (v < 0 || v > 100 ? 'outside 0..100' : undefined),
  },
  {
    name: 'averaged counter',
    why: 'perf stat -r N prints the mean of N counts, which need not be a whole number',
    applies: (m, tool) => tool.startsWith('perf-stat') && m.unit === 'count',
    check: nonNegative,
  },
  {
    name: 'count',
    why: 'calls, events, samples, errors: whole numbers from 0 to 2^53',
    applies: (m) => m.unit === 'count',
    check: (v) => (v < 0 ? 'negative' : !Number.isInteger(v) ? 'not a whole number' : v > MAX_COUNT ? 'above 2^53' : undefined),
  },
  {
    name: 'rate, size, duration or per-I/O figure',
    why: 'bandwidth, IOPS, latencies, calls or bytes per I/O: no tool here reports a negative one',
    applies: () => true,
    check: nonNegative,
  },
];

export function familyOf(m: Measurement, tool: string): MetricFamily {
  return metricFamilies.find((f) => f.applies(m, tool))!;
}

/** Every problem with a parse result; empty when it is plausible. */
export function implausibilities(measurements: unknown, tool: string): string[] {
  if (!Array.isArray(measurements)) return [`result is not an array of measurements: ${typeof measurements}`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const raw of measurements as unknown[]) {
    const m = raw as Measurement;
    if (typeof m !== 'object' || m === null) {
      problems.push(`not a measurement: ${String(raw)}`);
      continue;
    }
    const full = typeof m.metric === 'string' ? m.metric : String(m.metric);
    // Stack names run to kilobytes: keep the message readable.
    const name = full.length > 100 ? `${full.slice(0, 100)}…` : full;
    if (typeof m.metric !== 'string' || m.metric === '') problems.push(`metric name ${JSON.stringify(m.metric)} is empty or not a string`);
    else if (seen.has(full)) problems.push(`metric ${name} appears twice`);
    seen.add(full);
    if (typeof m.unit !== 'string' || m.unit === '') problems.push(`${name}: unit ${JSON.stringify(m.unit)} is empty or not a string`);
    if (m.better !== 'higher' && m.better !== 'lower' && m.better !== 'none') problems.push(`${name}: better is ${JSON.stringify(m.better)}`);
    // Every measurement a parser emits says what compare may conclude from it (collectors/metric-spec.ts).
    if (m.role !== 'primary' && m.role !== 'informational' && m.role !== 'descriptive') problems.push(`${name}: role is ${JSON.stringify(m.role)}`);
    else if (m.role === 'primary' && m.better === 'none') problems.push(`${name}: primary, but neither direction is better`);
    if (m.value === null) continue;
    if (typeof m.value !== 'number') {
      problems.push(`${name}: value ${JSON.stringify(m.value)} is not a number`);
      continue;
    }
    if (!Number.isFinite(m.value)) {
      problems.push(`${name} = ${m.value}`);
      continue;
    }
    const family = familyOf(m, tool);
    const problem = family.check(m.value);
    if (problem !== undefined) problems.push(`${name} = ${m.value} ${m.unit}: ${problem} (${family.name})`);
  }
  return problems;
}
