// Profiler options come from the campaign as an untyped record (model/campaign.ts); each
// profiler validates its own with zod so a typo fails in preflight, before anything runs.
import type { ZodType, ZodTypeDef } from 'zod';

export class ProfilerOptionsError extends Error {
  override name = 'ProfilerOptionsError';
}

export function parseProfilerOptions<T>(kind: string, schema: ZodType<T, ZodTypeDef, unknown>, options: unknown): T {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(options)'}: ${i.message}`);
    throw new ProfilerOptionsError(`profiler ${kind}: bad options: ${issues.join('; ')}`);
  }
  return parsed.data;
}
