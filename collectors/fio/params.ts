// Parameters of one fio matrix cell, validated before anything runs so a typo in a campaign
// file fails at plan time instead of producing a silently different workload.
// The target (scratch file or block device) is not a parameter: it is given separately.
import { z } from 'zod';

/** Every `rw=` value fio 3.33 accepts (`fio --cmdhelp=rw`). */
export const FIO_RW_MODES = [
  'read',
  'write',
  'trim',
  'randread',
  'randwrite',
  'randtrim',
  'rw',
  'readwrite',
  'randrw',
  'trimwrite',
  'randtrimwrite',
] as const;
export type FioRw = (typeof FIO_RW_MODES)[number];

/** rw modes that never write or trim: the only ones allowed on a device without `destructive`. */
export const FIO_READ_ONLY_RW: ReadonlySet<FioRw> = new Set<FioRw>(['read', 'randread']);

/** rw modes that mix reads and writes, where `rwmixread` matters. */
export const FIO_MIXED_RW: ReadonlySet<FioRw> = new Set<FioRw>(['rw', 'readwrite', 'randrw']);

// fio size strings: a whole count with an optional unit (4k, 64k, 1m, 4KiB, 512b). Fractions
// are refused: fio 3.33 accepts `bs=1.5k` without complaint and then does 1-byte I/O.
// Ranges (`4k-64k`) and per-direction lists (`4k,64k`) are fio features too; accept them
// because fio does, each piece being a plain size.
const SIZE_PIECE = String.raw`\d+(?:[kmgtp](?:i?b)?|b)?`;
const SIZE_RANGE = String.raw`${SIZE_PIECE}(?:-${SIZE_PIECE})?`;
const FIO_SIZE_RE = new RegExp(`^${SIZE_RANGE}(?:,${SIZE_RANGE}){0,2}$`, 'i');

/** A fio size: a positive byte count, or a string fio parses as a size (`4k`, `64k`, `1m`). */
export const fioSizeSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .trim()
    .regex(FIO_SIZE_RE, 'expected a fio size such as 4k, 64k, 1m or a byte count'),
]);

// YAML matrices give numbers, but a value passed on a command line arrives as a string.
const digitsToNumber = (v: unknown): unknown => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v);
const intAtLeast = (min: number) => z.preprocess(digitsToNumber, z.number().int().min(min));

export const fioParamsSchema = z
  .object({
    rw: z.enum(FIO_RW_MODES),
    bs: fioSizeSchema,
    iodepth: intAtLeast(1).default(1),
    numjobs: intAtLeast(1).default(1),
    /** Engine name only; choosing a fallback when io_uring is missing is the campaign's business. */
    ioengine: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'expected a fio ioengine name such as io_uring, libaio, psync')
      .default('io_uring'),
    /** Seconds; makes the job time based (`--time_based`). */
    runtime: intAtLeast(1).optional(),
    /** Amount of I/O per job when no runtime is given (passed as `--io_size`). */
    size: fioSizeSchema.optional(),
    /** O_DIRECT: 1 (default) bypasses the page cache so the device and its DMA path do the work. */
    direct: z
      .union([z.literal(0), z.literal(1), z.boolean()])
      .default(1)
      .transform((v): 0 | 1 => (v === true || v === 1 ? 1 : 0)),
    rwmixread: intAtLeast(0).pipe(z.number().max(100)).optional(),
    ramp_time: intAtLeast(0).optional(),
  })
  .strict()
  .refine((p) => p.runtime !== undefined || p.size !== undefined, {
    message: 'give runtime (seconds) or size, otherwise fio would run over the whole target',
    path: ['runtime'],
  });

/** Parsed (defaults applied) parameters of one fio cell. */
export type FioParams = z.output<typeof fioParamsSchema>;
/** What a campaign file may write for one fio cell. */
export type FioParamsInput = z.input<typeof fioParamsSchema>;

/** True when the workload never writes or trims. */
export function isReadOnlyRw(rw: FioRw): boolean {
  return FIO_READ_ONLY_RW.has(rw);
}

const UNIT_BYTES: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * The byte counts a fio size names (every piece of a range or per-direction list), for estimates
 * only: powers of 1024 whatever the suffix (fio's default kb_base=1024 reads `k`, `kb` and even
 * `kib` as 1024 or 1000; an estimate does not care).
 */
export function fioSizePieces(size: number | string): number[] {
  if (typeof size === 'number') return [size];
  return size
    .trim()
    .split(/[,-]/)
    .map((piece) => {
      const m = /^(\d+)([kmgtp]?)(?:i?b)?$/i.exec(piece);
      if (!m) throw new Error(`not a fio size: ${size}`);
      return Number(m[1]) * UNIT_BYTES[m[2]!.toLowerCase()]!;
    });
}
