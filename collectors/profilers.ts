// Which implementation attaches which profiler kind named in a campaign.
import type { ProfilerSpec } from '../core/campaign/schema.js';
import type { Profiler } from './profiler.js';
import { perfStatProfiler } from './profilers/perf-stat.js';
import { perfRecordProfiler } from './profilers/perf-record.js';
import { ftraceProfiler } from './profilers/ftrace.js';

const profilers: Partial<Record<ProfilerSpec['kind'], Profiler>> = {
  'perf-stat': perfStatProfiler,
  'perf-record': perfRecordProfiler,
  ftrace: ftraceProfiler,
};

export function profilerFor(kind: ProfilerSpec['kind']): Profiler {
  const profiler = profilers[kind];
  if (!profiler) throw new Error(`profiler ${kind} is not available in this build`);
  return profiler;
}
