// How the answer writes a number, a change and its interval: ASCII only (the same sentences go into
// mail), signs always shown, the interval's level when it is not the one asked for.
import type { Finding } from './types.js';

const TIME_UNITS = new Set(['ns', 'us', 'usec', 'ms', 'msec', 's', 'sec']);

/** A value with 4 significant digits at most, never in exponent notation for the ranges benchmarks give. */
export function formatValue(v: number | null, unit?: string): string {
  if (v === null) return 'absent';
  const abs = Math.abs(v);
  const text = abs >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : abs >= 100 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toPrecision(2);
  return unit ? `${text} ${unit}` : text;
}

export function formatPct(p: number): string {
  if (!Number.isFinite(p)) return p > 0 ? '+inf%' : '-inf%';
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** `[-14.1%, -9.8%] at 95%`. */
export function formatInterval(ci: NonNullable<Finding['ci']>): string {
  return `[${formatPct(ci.lowPct)}, ${formatPct(ci.highPct)}] at ${Math.round(100 * ci.level)}%`;
}

/** What a change means for this metric: faster/slower for a time, higher/lower otherwise. */
export function direction(f: Pick<Finding, 'unit' | 'better'>, changePct: number): string {
  if (TIME_UNITS.has(f.unit) && f.better === 'lower') return changePct < 0 ? 'faster' : 'slower';
  return changePct < 0 ? 'lower' : 'higher';
}

/**
 * `read.iops 5243 -> 6258 IOPS, +19.3% [+10.1%, +25.0%] at 95%: higher (improvement)`; without an
 * interval the estimate and why there is none, never a direction.
 */
export function formatFinding(f: Finding, opts: { values?: boolean } = {}): string {
  const values = opts.values === false ? '' : ` ${formatValue(f.base.median)} -> ${formatValue(f.candidate.median, f.unit)}`;
  if (f.changePct === null) return `${f.metric}${values}: no change computed (${f.verdict})`;
  const change = formatPct(f.changePct);
  if (!f.ci) return `${f.metric}${values}, ${change} without an interval (${f.verdict}: ${f.base.n} and ${f.candidate.n} values)`;
  const meaning =
    f.verdict === 'improvement' || f.verdict === 'regression'
      ? `${direction(f, f.changePct)} (${f.verdict})`
      : f.verdict;
  return `${f.metric}${values}, ${change} ${formatInterval(f.ci)}: ${meaning}`;
}

export function bundleRef(indexes: readonly number[]): string {
  return indexes.map((i) => `[${i}]`).join(', ');
}

/** `a, b and c`. */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
