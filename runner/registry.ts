// Which collector runs which workload tool. Adding a tool = one entry here + its folder.
import type { ZodIssue } from 'zod';
import type { Workload } from '../model/campaign.js';
import type { CellParams } from '../model/measurement.js';
import type { WorkloadCollector } from '../model/workload-collector.js';
import { fioWorkload } from '../collectors/fio/workload.js';
import { microbenchWorkload } from '../collectors/microbench/workload.js';
import { ibWriteBwWorkload } from '../collectors/perftest/workload.js';

const collectors: Record<Workload['tool'], WorkloadCollector> = {
  fio: fioWorkload,
  microbench: microbenchWorkload,
  ib_write_bw: ibWriteBwWorkload,
};

export function collectorFor(tool: Workload['tool']): WorkloadCollector {
  return collectors[tool];
}

export function validateCellParams(tool: Workload['tool'], params: CellParams): ZodIssue[] {
  return collectorFor(tool).validateParams(params);
}
