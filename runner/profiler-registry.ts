// Which implementation attaches which profiler kind named in a campaign.
import type { ProfilerSpec } from '../model/campaign.js';
import type { Profiler } from '../model/profiler.js';
import { perfStatProfiler } from '../collectors/perf/stat-profiler.js';
import { perfRecordProfiler } from '../collectors/perf/record-profiler.js';
import { ftraceProfiler } from '../collectors/ftrace/profiler.js';

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
