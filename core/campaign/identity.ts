// Whether two resolved campaigns are the same campaign: a canonical JSON form (keys sorted at
// every level, undefined members dropped, as JSON.stringify drops them), its sha256 for the
// manifest, and the first place two campaigns differ, for a refusal that says what changed.
// Cell keys alone miss most changes (target, profilers, repetitions, timeout, destructive).
import { createHash } from 'node:crypto';

/** JSON with object keys sorted: equal campaigns give equal text whatever order YAML gave the keys in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** `sha256:<hex>` of the canonical JSON of a resolved campaign. */
export function campaignHash(campaign: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(campaign)).digest('hex')}`;
}

function show(value: unknown): string {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The first field where two JSON values differ, as `path: old -> new`; undefined when equal. */
export function firstDifference(before: unknown, after: unknown, path = ''): string | undefined {
  const a = sortKeys(before);
  const b = sortKeys(after);
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  const here = path || '(whole campaign)';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const d = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
  }
  return `${here}: ${show(a)} -> ${show(b)}`;
}
