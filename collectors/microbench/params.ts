// Parameters of one microbench matrix cell, checked when the campaign loads so an impossible
// combination (segments smaller than a page, a size the module refuses) fails at plan time with
// its line in the YAML, not halfway through a run. The module validates again (it knows the
// page size and the CPU count); whatever it refuses comes back with its own reason.
import { z } from 'zod';
import type { MicrobenchRequest } from './types.js';
import { isPciAddress } from '../../model/pci-address.js';

/** The smallest page size: segments must be whole pages (x86 and most arm64 kernels). */
export const minPageSize = 4096;
/**
 * The module's own limits and defaults: DMA_BENCH_MAX_* and DMA_BENCH_DEFAULT_* in
 * benches/dma_bench/dma_bench.h, the one place they are decided. These copies are checked against
 * the header by test/unit/microbench-request.test.ts, so a campaign never plans what the module
 * refuses, and a key left out means the same to both.
 */
export const maxSize = 64 * 1024 * 1024;
export const maxSegs = 16384;
export const maxThreads = 64;
export const maxIters = 100_000_000;
/** Requests per timed batch (DMA_BENCH_MAX_BATCH), and batch × segs at most maxBatchSegs. */
export const maxBatch = 256;
export const maxBatchSegs = 16384;
/** Requests in flight (DMA_BENCH_MAX_INFLIGHT), and inflight × segs at most maxBatchSegs. */
export const maxInflight = 256;
/** The module sizes batches from the warm-up (batch: auto) only with at least this many warm-up iterations. */
export const autoBatchMinWarmup = 10;

export const microbenchDefaults = {
  dir: 'to_device',
  layout: 'scattered',
  threads: 1,
  iters: 1000,
  warmup: 100,
  irqs: 'on',
  batch: 0,
  inflight: 1,
  sg_build: 0,
} as const;

export const eduKeyword = 'edu';

const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** 65536, "65536", "64k", "64K", "64KiB", "2m", "2M" → bytes. */
function sizeInBytes(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(v);
  if (!m) return v;
  return Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] ?? 1);
}

const digits = (v: unknown): unknown => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);
const count = (min: number, max?: number) => {
  const n = z.number().int().min(min);
  return z.preprocess(digits, max === undefined ? n : n.max(max));
};

export const microbenchParamsSchema = z
  .object({
    api: z.enum(['sg', 'link', 'phys']),
    size: z.preprocess(sizeInBytes, z.number({ invalid_type_error: 'expected bytes or a size like 64k, 2m' }).int().min(minPageSize).max(maxSize)),
    segs: count(1, maxSegs),
    layout: z.enum(['contiguous', 'scattered']).default(microbenchDefaults.layout),
    /** from_device is what NVMe reads map; to_device writes. */
    dir: z.enum(['to_device', 'from_device', 'bidirectional']).default(microbenchDefaults.dir),
    threads: count(1, maxThreads).default(microbenchDefaults.threads),
    iters: count(1, maxIters).default(microbenchDefaults.iters),
    warmup: count(0, maxIters).default(microbenchDefaults.warmup),
    /** on: interrupts stay enabled around the timed calls (preemption is always disabled); off: disabled too. */
    irqs: z.enum(['on', 'off']).default(microbenchDefaults.irqs),
    /**
     * Requests per timed sample. auto: one, unless a request takes less than 400 clock reads, then
     * the fewest that take at least that (the module decides from the warm-up). A number fixes it.
     */
    batch: z.preprocess((v) => (v === 'auto' ? 0 : digits(v)), z.number().int().min(0).max(maxBatch)).default(microbenchDefaults.batch),
    /**
     * Requests mapped before they are unmapped, a queue depth: the IOVA caches and the lazy flush
     * queue see that many mappings at once, as under a busy NVMe queue. A batch larger than it is
     * in flight whole (the result's `inflight` metric says what was).
     */
    inflight: count(1, maxInflight).default(microbenchDefaults.inflight),
    /**
     * api=sg only. 1: the sg table is allocated, filled and freed inside the timed map and unmap,
     * as 6.12's NVMe does per request (what the link API removes); 0: built once before the run.
     */
    sg_build: z
      .preprocess((v) => (v === true ? 1 : v === false ? 0 : digits(v)), z.union([z.literal(0), z.literal(1)], { errorMap: () => ({ message: 'expected 0 or 1 (or false, true)' }) }))
      .default(microbenchDefaults.sg_build),
    /** A PCI address (0000:00:03.0) or `edu` for QEMU's edu device (1234:11e8). Its driver is unbound during the run. */
    device: z
      .string()
      .refine((d) => d === eduKeyword || isPciAddress(d), 'expected a PCI address like 0000:00:03.0 or the keyword edu'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.batch === 0 && p.warmup < autoBatchMinWarmup) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['warmup'],
        message: `batch: auto sizes batches from the warm-up, which needs at least ${autoBatchMinWarmup} iterations (or set batch)`,
      });
    }
    if (p.batch * p.segs > maxBatchSegs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['batch'], message: `batch ${p.batch} × segs ${p.segs} exceeds ${maxBatchSegs}` });
    }
    if (p.inflight * p.segs > maxBatchSegs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['inflight'], message: `inflight ${p.inflight} × segs ${p.segs} exceeds ${maxBatchSegs}` });
    }
    if (p.sg_build === 1 && p.api !== 'sg') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sg_build'],
        message: `sg_build applies to api: sg only (link and phys build no table); api is ${p.api}: put sg_build cells in a workload of their own`,
      });
    }
    if (p.size % p.segs !== 0 || (p.size / p.segs) % minPageSize !== 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['segs'],
        message: `size ${p.size} in ${p.segs} segments: each segment must be a whole number of ${minPageSize}-byte pages (segs ≤ size/${minPageSize}, dividing it)`,
      });
    }
  });

export type MicrobenchParams = z.infer<typeof microbenchParamsSchema>;

export function requestFromParams(p: MicrobenchParams): MicrobenchRequest {
  return {
    api: p.api,
    size: p.size,
    segs: p.segs,
    dir: p.dir,
    threads: p.threads,
    iters: p.iters,
    warmup: p.warmup,
    layout: p.layout,
    irqs: p.irqs,
    batch: p.batch,
    inflight: p.inflight,
    sg_build: p.sg_build,
  };
}
