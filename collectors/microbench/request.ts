// The request line the dma_bench module reads from debugfs `run`, and the check that a result
// answers it. The module validates every value itself; here we only refuse what cannot be written
// as one line of key=value tokens, so a bad request comes back from the module with its own reason.
import type { MicrobenchEcho, MicrobenchRequest } from './types.js';

function assertCount(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`microbench request: ${name}=${v} is not a non-negative integer`);
}

/** The keys a request line can carry, in the order they are written. */
const requestKeys = ['api', 'size', 'segs', 'dir', 'threads', 'iters', 'warmup', 'layout', 'irqs', 'batch', 'inflight', 'sg_build', 'duration_ms', 'cpus'] as const;

/** `api=link size=65536 segs=16 dir=to_device ...`, keys in a fixed order, omitted keys left to the module's defaults. */
export function formatMicrobenchRequest(r: MicrobenchRequest): string {
  for (const key of ['size', 'segs', 'threads', 'iters', 'warmup', 'batch', 'inflight', 'sg_build', 'duration_ms'] as const) assertCount(key, r[key]);
  if (r.iters !== undefined && r.duration_ms !== undefined) throw new RangeError('microbench request: iters and duration_ms are exclusive');
  const parts: string[] = [];
  for (const key of requestKeys) if (r[key] !== undefined) parts.push(`${key}=${r[key]}`);
  for (const p of parts) if (/\s/.test(p)) throw new RangeError(`microbench request: "${p}" contains white space`);
  return parts.join(' ');
}

/**
 * How the module's echo of a request differs from the request written, one `key: wrote X, module
 * says Y` per field; empty when the result answers this request. Every key written is compared
 * (the module fills in the ones left out). A result without an echo, or one whose echo lacks a key
 * written (a module older than the key), answers something else: the `result` file still holds
 * the previous request's result when a write failed before the module stored a new one.
 */
export function requestMismatches(sent: MicrobenchRequest, echo: MicrobenchEcho | undefined): string[] {
  if (!echo) return ['the result echoes no request'];
  const out: string[] = [];
  for (const key of requestKeys) {
    const wrote = sent[key];
    if (wrote === undefined) continue;
    const said = echo[key];
    if (said !== wrote) out.push(`${key}: wrote ${wrote}, module says ${said ?? '(nothing)'}`);
  }
  return out;
}
