// Which implementation attaches which profiler kind named in a campaign.
import type { ProfilerSpec } from '../core/campaign/schema.js';
import type { Profiler } from './profiler.js';

const profilers: Partial<Record<ProfilerSpec['kind'], Profiler>> = {};

export function profilerFor(kind: ProfilerSpec['kind']): Profiler {
  const profiler = profilers[kind];
  if (!profiler) throw new Error(`profiler ${kind} is not available in this build`);
  return profiler;
}
