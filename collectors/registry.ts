// Which collector runs which workload tool. Adding a tool = one entry here + its folder.
import type { ZodIssue } from 'zod';
import type { Workload } from '../core/campaign/schema.js';
import type { CellParams } from './types.js';
import type { WorkloadCollector } from './collector.js';
import { fioWorkload } from './fio/workload.js';
import { microbenchWorkload } from './microbench/workload.js';
import { ibWriteBwWorkload } from './perftest/workload.js';

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
