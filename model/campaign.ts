// The campaign file's schema (YAML on disk). Tool-specific matrix parameters are validated
// per cell by the tool's collector (runner/registry.ts hands the check to core/campaign/load.ts), so this file stays tool-agnostic.
import { z } from 'zod';

export const paramValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** A matrix maps a parameter name to one value or a list of values; lists expand into cells. */
export const matrixSchema = z.record(z.string(), z.union([paramValueSchema, z.array(paramValueSchema).nonempty()]));

export const fileTargetSchema = z
  .object({
    kind: z.literal('file'),
    /**
     * Default: a scratch file in the bundle. A path where nothing exists becomes a file of this
     * run (removed afterwards unless `keep`); an existing file that this run did not create is
     * only read (--readonly, never past its size) unless `destructive: true`.
     */
    path: z.string().min(1).optional(),
    size: z.string().regex(/^\d+[kKmMgG]?$/, 'a size like 256M').default('256M'),
    /** Leave the file this run created in place when the run ends (a later run treats it as someone else's). */
    keep: z.boolean().default(false),
  })
  .strict();

export const deviceTargetSchema = z
  .object({
    kind: z.literal('device'),
    path: z.string().regex(/^\/dev\//, 'a block device path under /dev'),
  })
  .strict();

export const targetSchema = z.discriminatedUnion('kind', [fileTargetSchema, deviceTargetSchema]);

export const profilerSchema = z
  .object({
    kind: z.enum(['perf-stat', 'perf-record', 'ftrace']),
    /** Profiler-specific options (events, functions, tracer), validated by the profiler. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** `1%`, `2.5%`: the fraction it stands for (0.01, 0.025); undefined when `text` is not one. */
export function parsePercent(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const value = m ? Number(m[1]) / 100 : NaN;
  return value > 0 && value < 1 ? value : undefined;
}

/** `30m`, `1h30m`, `90s`, `2h`: seconds; undefined when `text` is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const sec = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return sec > 0 ? sec : undefined;
}

/**
 * Run until stable, bounded: every cell runs `min` timed repetitions, then more only while the
 * coefficient of variation of its primary metric exceeds `target_cov` (or its last repetition lies
 * beyond 3 MAD of the others), never past `max`, and none beyond `min` once the run has spent
 * `budget` (runner/stability.ts). Kept as written (`1%`, `30m`) so the resolved campaign in a
 * manifest reads as its file did; runner/plan.ts converts.
 */
const percentMessage = 'a percentage between 0% and 100% such as 1% or 2.5%';
const durationMessage = 'a duration such as 30m, 1h30m or 90s';

export const adaptiveRepetitionsSchema = z
  .object({
    /** At least 2: a coefficient of variation needs two values. */
    min: z.number().int().min(2).max(1000),
    max: z.number().int().min(2).max(1000),
    target_cov: z.string({ invalid_type_error: percentMessage }).refine((s) => parsePercent(s) !== undefined, percentMessage),
    budget: z.string({ invalid_type_error: durationMessage }).refine((s) => parseDuration(s) !== undefined, durationMessage).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.max < r.min) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['max'], message: `max (${r.max}) is below min (${r.min})` });
  });

export const fixedRepetitionsSchema = z.number().int().min(1).max(1000);

/**
 * A number (that many timed repetitions) or the adaptive form. Not a z.union: zod reports a
 * failed union as "Invalid input" at the union; this way a bad `max` is reported at its own line.
 */
export const repetitionsSchema = z.unknown().transform((value, ctx): number | AdaptiveRepetitions => {
  const schema = typeof value === 'object' && value !== null ? adaptiveRepetitionsSchema : fixedRepetitionsSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, path: issue.path, message: issue.message });
  return z.NEVER;
});

export type AdaptiveRepetitions = z.infer<typeof adaptiveRepetitionsSchema>;

/** In which order the passes of a run go (runner/schedule.ts). */
export const runOrderSchema = z.enum(['interleaved', 'sequential']);
export type RunOrder = z.infer<typeof runOrderSchema>;

export const workloadSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    tool: z.enum(['fio', 'ib_write_bw', 'microbench']),
    description: z.string().optional(),
    matrix: matrixSchema,
    target: targetSchema.optional(),
    /**
     * Must be true for any write to a block device (which must also be blank and unused) or to
     * an existing file this run did not create.
     */
    destructive: z.boolean().default(false),
    repetitions: repetitionsSchema.optional(),
    warmup: z.number().int().min(0).max(100).optional(),
    profilers: z.array(profilerSchema).default([]),
    /** Seconds before a single repetition is killed (default: estimate × 3 + 60). */
    timeout: z.number().positive().optional(),
  })
  .strict();

export const campaignSchema = z
  .object({
    name: z.string().min(1),
    label: z.string().min(1).optional(),
    description: z.string().optional(),
    repetitions: repetitionsSchema.default(5),
    warmup: z.number().int().min(0).max(100).default(1),
    /**
     * interleaved (the default): round after round, each cell's next timed repetition once, the
     * cells of a round in an order shuffled from `seed`; sequential: cell after cell. Without a
     * default value here, so campaigns written before it keep their hash (core/campaign/identity.ts).
     */
    order: runOrderSchema.optional(),
    /** Seed of the interleaved order (default: drawn at random when the bundle starts; recorded in its manifest). */
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    workloads: z.array(workloadSchema).nonempty(),
  })
  .strict();

export type Campaign = z.infer<typeof campaignSchema>;
export type Workload = z.infer<typeof workloadSchema>;
export type Target = z.infer<typeof targetSchema>;
export type ProfilerSpec = z.infer<typeof profilerSchema>;
