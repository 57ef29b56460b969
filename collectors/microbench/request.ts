// The request line the dma_bench module reads from debugfs `run`. The module validates every
// value itself; here we only refuse what cannot be written as one line of key=value tokens, so
// a bad request comes back from the module with its own reason.
import type { MicrobenchRequest } from './types.js';

function assertCount(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`microbench request: ${name}=${v} is not a non-negative integer`);
}

/** `api=link size=65536 segs=16 dir=to_device ...`, keys in a fixed order, omitted keys left to the module's defaults. */
export function formatMicrobenchRequest(r: MicrobenchRequest): string {
  for (const key of ['size', 'segs', 'threads', 'iters', 'warmup'] as const) assertCount(key, r[key]);
  const parts: string[] = [`api=${r.api}`, `size=${r.size}`, `segs=${r.segs}`];
  if (r.dir !== undefined) parts.push(`dir=${r.dir}`);
  if (r.threads !== undefined) parts.push(`threads=${r.threads}`);
  if (r.iters !== undefined) parts.push(`iters=${r.iters}`);
  if (r.warmup !== undefined) parts.push(`warmup=${r.warmup}`);
  if (r.layout !== undefined) parts.push(`layout=${r.layout}`);
  for (const p of parts) if (/\s/.test(p)) throw new RangeError(`microbench request: "${p}" contains white space`);
  return parts.join(' ');
}
