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
    repetitions: z.number().int().min(1).max(1000).optional(),
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
    repetitions: z.number().int().min(1).max(1000).default(5),
    warmup: z.number().int().min(0).max(100).default(1),
    workloads: z.array(workloadSchema).nonempty(),
  })
  .strict();

export type Campaign = z.infer<typeof campaignSchema>;
export type Workload = z.infer<typeof workloadSchema>;
export type Target = z.infer<typeof targetSchema>;
export type ProfilerSpec = z.infer<typeof profilerSchema>;
