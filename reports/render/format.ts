// Number formatting shared by the human-readable renderers (terminal, text, markdown).
// Machine formats (JSON, CSV) keep full precision and never go through here.
import { TIME_UNITS } from '../compare/units.js';

const TIME_LADDER: [string, number][] = [
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
  ['ns', 1],
];

export interface Scale {
  /** Unit to print (ASCII `us` for microseconds, fit for plain-text mail). */
  unit: string;
  /** Multiply raw values by this to get values in `unit`. */
  factor: number;
}

/**
 * The unit a row is printed in: time units are moved up the ns/us/ms/s ladder so the reference
 * value (the base median) reads between 1 and 1000; other units are left as they are. One scale
 * serves the whole row, so base and candidate are always printed in the same unit.
 */
export function chooseScale(unit: string, reference: number | null): Scale {
  const nsPerUnit = TIME_UNITS[unit];
  if (nsPerUnit === undefined || reference === null || !Number.isFinite(reference) || reference === 0) {
    return { unit, factor: 1 };
  }
  const ns = Math.abs(reference) * nsPerUnit;
  const [name, size] = TIME_LADDER.find(([, size]) => ns >= size) ?? TIME_LADDER[TIME_LADDER.length - 1]!;
  return { unit: name, factor: nsPerUnit / size };
}

/** 4 significant digits, no exponent for everyday magnitudes, integers from 10000 up, '-' for absent. */
export function formatNumber(value: number | null, scale: Scale = { unit: '', factor: 1 }): string {
  if (value === null) return '-';
  const v = value * scale.factor;
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  if (Math.abs(v) >= 10000) return v.toFixed(0);
  const text = v.toPrecision(4);
  // 12.30 -> 12.3, 5.000 -> 5: trailing zeros after the point carry no information here.
  return text.includes('e') || !text.includes('.') ? text : text.replace(/\.?0+$/, '');
}

/** Signed percentage with precision falling as magnitude grows: +0.42%, -12.3%, +250%. */
export function formatPct(value: number | null): string {
  if (value === null) return '-';
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? '+inf%' : '-inf%';
  const magnitude = Math.abs(value);
  const digits = magnitude < 10 ? 2 : magnitude < 100 ? 1 : 0;
  const text = Math.abs(value).toFixed(digits);
  // A tiny negative change that rounds to zero prints as +0.00%, not -0.00%.
  const negative = value < 0 && Number(text) !== 0;
  return `${negative ? '-' : '+'}${text}%`;
}

/** Unsigned percentage with one decimal, for coefficients of variation. */
export function formatCov(value: number | null): string {
  if (value === null) return '-';
  return `${value.toFixed(1)}%`;
}

export function formatCi(ci: { lowPct: number; highPct: number } | null): string {
  if (ci === null) return '-';
  return `[${formatPct(ci.lowPct)}, ${formatPct(ci.highPct)}]`;
}

export function formatP(p: number | null): string {
  if (p === null) return '-';
  if (p < 0.001) return '<0.001';
  return p.toPrecision(2);
}

/** Percentage without the sign of the unit, for compact intervals: +3.1, -12.3, +140, inf. */
export function formatPctShort(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? '+inf' : '-inf';
  const magnitude = Math.abs(value);
  const text = magnitude.toFixed(magnitude < 100 ? 1 : 0);
  const negative = value < 0 && Number(text) !== 0;
  return `${negative ? '-' : '+'}${text}`;
}

/** An interval in percent, compact for narrow tables: [+3.1,+7.0] (the legend says they are %). */
export function formatCiShort(ci: { lowPct: number; highPct: number } | null): string {
  if (ci === null) return '-';
  return `[${formatPctShort(ci.lowPct)},${formatPctShort(ci.highPct)}]`;
}

/** A p- or q-value in at most 5 characters: <.001, 0.008, 0.05, 1.00. */
export function formatPShort(p: number | null): string {
  if (p === null) return '-';
  if (p < 0.001) return '<.001';
  if (p < 0.01) return p.toFixed(3);
  return p.toFixed(2);
}

/** A confidence level as a percentage with one decimal: 94.4%. */
export function formatLevel(level: number): string {
  return `${(100 * level).toFixed(1)}%`;
}
