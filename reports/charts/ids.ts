// Chart ids: [a-z0-9-]+, stable (the same inputs give the same ids: a published report is rebuilt
// incrementally, PNG files keep their names) and unique within a report.
import { createHash } from 'node:crypto';

const MAX_SLUG = 80;

/** `Nvme-Randread:bs=64k,iodepth=8` → `nvme-randread-bs-64k-iodepth-8`; a long one is cut and given a hash of the whole. */
export function slug(...parts: string[]): string {
  const whole = parts.join('-');
  const s = whole.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'chart';
  if (s.length <= MAX_SLUG) return s;
  const hash = createHash('sha256').update(whole).digest('hex').slice(0, 10);
  return `${s.slice(0, MAX_SLUG - 11).replace(/-+$/, '')}-${hash}`;
}

/** Makes ids unique in order of appearance: a second `x` becomes `x-2` (slugs of different text can meet). */
export function uniqueIds<T extends { id: string }>(charts: T[]): T[] {
  const used = new Set<string>();
  for (const c of charts) {
    let id = c.id;
    for (let n = 2; used.has(id); n++) id = `${c.id}-${n}`;
    used.add(id);
    c.id = id;
  }
  return charts;
}
