// Parameters of one microbench matrix cell, checked when the campaign loads so an impossible
// combination (segments smaller than a page, a size the module refuses) fails at plan time with
// its line in the YAML, not halfway through a run. The module validates again (it knows the
// page size and the CPU count); whatever it refuses comes back with its own reason.
import { z } from 'zod';
import type { MicrobenchRequest } from './types.js';
import { isPciAddress } from '../../model/pci-address.js';
import { formatCpuList, parseCpuList } from './cpus.js';

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
/** A timed run's length (DMA_BENCH_MAX_DURATION_MS), for duration_ms instead of iters. */
export const maxDurationMs = 600_000;
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
/**
 * Keys with no value by default: without cpus the threads run on the first online CPUs, without
 * duration_ms each runs iters requests (DMA_BENCH_DEFAULT_DURATION_MS is 0: none). iters is filled
 * in only for a cell that names no duration_ms, so naming both is an error, not a default beaten.
 */
export const microbenchOptionalKeys = ['cpus', 'duration_ms'] as const;

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
    /** Requests timed per thread; the default only when the cell names no duration_ms. */
    iters: count(1, maxIters).optional(),
    /** Instead of iters: each thread runs timed rounds until this many ms have passed. */
    duration_ms: count(1, maxDurationMs).optional(),
    /**
     * The CPUs the threads run on, thread i on the i-th: a CPU list as sysfs writes one (`0,2`,
     * `0-3`, `0-1,4`) or one CPU number. A YAML list under `matrix` is an axis (one cell per
     * item), so a set of CPUs is one string. Kept in the kernel's form (`0,1,2` becomes `0-2`),
     * which the module's echo is compared with. Each must be online where the run happens
     * (checked before anything runs) and there must be at least `threads` of them.
     */
    cpus: z
      .preprocess(
        (v) => {
          const list = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? [v] : undefined) : typeof v === 'string' ? parseCpuList(v) : undefined;
          return list === undefined ? v : formatCpuList(list);
        },
        z.string().refine((v) => parseCpuList(v) !== undefined, 'expected a CPU list like 0,2 or 0-3 or 0-1,4 (or one CPU number)'),
      )
      .optional(),
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
    if (p.iters !== undefined && p.duration_ms !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['duration_ms'],
        message: `a run is iters requests or duration_ms milliseconds per thread, not both (iters ${p.iters}, duration_ms ${p.duration_ms})`,
      });
    }
    if (p.cpus !== undefined) {
      const n = parseCpuList(p.cpus)?.length ?? 0;
      if (p.threads > n) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['threads'], message: `threads ${p.threads} exceed the ${n} CPU${n === 1 ? '' : 's'} of cpus ${p.cpus}: one thread per CPU` });
      }
    }
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
  })
  // iters' default, for a cell that names neither iters nor duration_ms.
  .transform((p) => (p.iters === undefined && p.duration_ms === undefined ? { ...p, iters: microbenchDefaults.iters } : p));

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
    duration_ms: p.duration_ms,
    cpus: p.cpus,
  };
}

/** The CPUs a cell's threads run on, when it names them. */
export function requestedCpus(p: MicrobenchParams): number[] | undefined {
  return p.cpus === undefined ? undefined : parseCpuList(p.cpus);
}
