// The comparison as JSON, full precision, for scripts and the static site.
import type { Comparison } from '../compare/types.js';

export const COMPARISON_JSON_KIND = 'dmabench-comparison';
/** 2: roles, Hodges-Lehmann intervals with their level, q-values, the new verdicts (issue 11). */
export const COMPARISON_JSON_VERSION = 2;

/** JSON has no Infinity or NaN (JSON.stringify would silently write null): spell them out. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

export function renderJson(c: Comparison): string {
  return `${JSON.stringify({ kind: COMPARISON_JSON_KIND, version: COMPARISON_JSON_VERSION, ...c }, replacer, 2)}\n`;
}
