// The comparison as JSON, full precision, for scripts and the static site.
import type { Comparison } from '../compare/types.js';

export const COMPARISON_JSON_KIND = 'dmabench-comparison';
export const COMPARISON_JSON_VERSION = 1;

/** JSON has no Infinity or NaN (JSON.stringify would silently write null): spell them out. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

export function renderJson(c: Comparison): string {
  return `${JSON.stringify({ kind: COMPARISON_JSON_KIND, version: COMPARISON_JSON_VERSION, ...c }, replacer, 2)}\n`;
}
