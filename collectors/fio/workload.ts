// Adapts the fio collector to the runner's WorkloadCollector interface: parameter validation,
// time estimates, preflight checks and the target (scratch file by default).
import path from 'node:path';
import type { WorkloadCollector } from '../../model/workload-collector.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';
import { fioParamsSchema, isReadOnlyRw, type FioParams } from './params.js';
import { runFio } from './run.js';
import type { FioTarget } from './job.js';
import { assertDeviceWriteAllowed } from './device-safety.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';


function targetFor(workload: Workload, scratchDir: string): FioTarget {
  const t = workload.target ?? { kind: 'file' as const, size: '256M' };
  if (t.kind === 'device') return { kind: 'device', path: t.path };
  return { kind: 'file', path: t.path ?? path.join(scratchDir, `${workload.name}.fio`), size: t.size };
}

export const fioWorkload: WorkloadCollector = {
  tool: 'fio',

  validateParams(params: CellParams) {
    const result = fioParamsSchema.safeParse(params);
    return result.success ? [] : result.error.issues;
  },

  estimateSeconds(_workload: Workload, params: CellParams): number {
    const p = fioParamsSchema.parse(params) as FioParams;
    // fio's start-up and file lay-out add about a second to the configured runtime.
    return (Number(p.runtime ?? 5) || 5) + (Number(p.ramp_time ?? 0) || 0) + 1;
  },

  async preflight(workload: Workload, cells: CellParams[]): Promise<void> {
    await assertToolInstalled('fio', ['--version'], 'fio');
    if (workload.target?.kind !== 'device') return;
    for (const cell of cells) {
      const params = fioParamsSchema.parse(cell) as FioParams;
      if (!isReadOnlyRw(params.rw)) {
        await assertDeviceWriteAllowed(workload.target.path, { destructive: workload.destructive });
      }
    }
  },

  async run(ctx) {
    const params = fioParamsSchema.parse(ctx.params) as FioParams;
    const { result, measurements, toolMs } = await runFio(params, targetFor(ctx.workload, ctx.scratchDir), {
      rawDir: ctx.rawDir,
      signal: ctx.signal,
      jobName: ctx.workload.name,
      destructive: ctx.workload.destructive,
    });
    const ios = result.jobs.flatMap((j) => Object.values(j.directions)).reduce((n, d) => n + d.totalIos, 0);
    return { measurements, toolMs, ios };
  },
};
