// Which collector runs which workload tool, and which profiler attaches which profiler kind.
// The registry sits here, above collectors/ and core/, so the layers below stay unaware of the
// tools: the campaign loader is handed validateCellParams, the runner looks tools up here.
// Adding a tool = its folder under collectors/ + one entry here (see ARCHITECTURE.md).
import type { ZodIssue } from 'zod';
import type { ProfilerSpec, Workload } from '../model/campaign.js';
import type { CellParams } from '../model/cell.js';
import type { Profiler } from '../model/profiler.js';
import type { WorkloadCollector } from '../model/workload-collector.js';
import { fioWorkload } from '../collectors/fio/workload.js';
import { microbenchWorkload } from '../collectors/microbench/workload.js';
import { ibWriteBwWorkload } from '../collectors/perftest/workload.js';
import { perfStatProfiler } from '../collectors/perf/stat-profiler.js';
import { perfRecordProfiler } from '../collectors/perf/record-profiler.js';
import { ftraceProfiler } from '../collectors/ftrace/profiler.js';

const collectors: Record<Workload['tool'], WorkloadCollector> = {
  fio: fioWorkload,
  microbench: microbenchWorkload,
  ib_write_bw: ibWriteBwWorkload,
};

const profilers: Partial<Record<ProfilerSpec['kind'], Profiler>> = {
  'perf-stat': perfStatProfiler,
  'perf-record': perfRecordProfiler,
  ftrace: ftraceProfiler,
};

export function collectorFor(tool: Workload['tool']): WorkloadCollector {
  return collectors[tool];
}

export function validateCellParams(tool: Workload['tool'], params: CellParams): ZodIssue[] {
  return collectorFor(tool).validateParams(params);
}

export function profilerFor(kind: ProfilerSpec['kind']): Profiler {
  const profiler = profilers[kind];
  if (!profiler) throw new Error(`profiler ${kind} is not available in this build`);
  return profiler;
}
