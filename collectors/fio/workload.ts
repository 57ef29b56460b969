// Adapts the fio collector to the runner's WorkloadCollector interface: parameter validation,
// time estimates, preflight checks and the target (a scratch file in the bundle by default).
// The target checks of device-safety.ts run at preflight and again in every run(); what
// preflight saw of a device is kept here so each repetition can tell it is still the same one.
import path from 'node:path';
import type { WorkloadCollector } from '../../model/workload-collector.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';
import { fioParamsSchema, isReadOnlyRw, type FioParams } from './params.js';
import { runFio } from './run.js';
import { fioTotalIos } from './metrics.js';
import { preflightTarget, type TargetBaseline, type TargetSpec } from './device-safety.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';

/** The file name of a workload's scratch file: a hint for people; ownership is in the bundle's ledger. */
export function scratchFileName(workload: string): string {
  return `${workload}.dmabench-scratch`;
}

function targetFor(workload: Workload, scratchDir: string): TargetSpec {
  const t = workload.target ?? { kind: 'file' as const, size: '256M', keep: false };
  if (t.kind === 'device') return { kind: 'device', path: t.path };
  return { kind: 'file', path: t.path ?? path.join(scratchDir, scratchFileName(workload.name)), size: t.size, keep: t.keep };
}

/** What preflight saw of each workload's target (by workload name), for this run. */
const baselines = new Map<string, TargetBaseline>();

export const fioWorkload: WorkloadCollector = {
  tool: 'fio',
  // fio's jobs mark their I/O through exec_prerun / exec_postrun (io-phase-hook.ts).
  marksIoPhase: true,

  validateParams(params: CellParams) {
    const result = fioParamsSchema.safeParse(params);
    return result.success ? [] : result.error.issues;
  },

  estimateSeconds(_workload: Workload, params: CellParams): number {
    const p = fioParamsSchema.parse(params) as FioParams;
    // fio's start-up and file lay-out add about a second to the configured runtime.
    return (Number(p.runtime ?? 5) || 5) + (Number(p.ramp_time ?? 0) || 0) + 1;
  },

  async preflight(workload: Workload, cells: CellParams[], ctx): Promise<void> {
    await assertToolInstalled('fio', ['--version'], 'fio');
    const writes = cells.some((c) => !isReadOnlyRw((fioParamsSchema.parse(c) as FioParams).rw));
    const baseline = await preflightTarget(targetFor(workload, ctx.scratchDir), { destructive: workload.destructive, writes, scratchDir: ctx.scratchDir });
    baselines.set(workload.name, baseline);
  },

  async benchTargets(workload, _cells, ctx) {
    const t = targetFor(workload, ctx.scratchDir);
    return [{ workload: workload.name, kind: t.kind === 'device' ? 'block' : 'file', path: t.path }];
  },

  async run(ctx) {
    const params = fioParamsSchema.parse(ctx.params) as FioParams;
    const { result, measurements, toolMs } = await runFio(params, targetFor(ctx.workload, ctx.scratchDir), {
      rawDir: ctx.rawDir,
      signal: ctx.signal,
      jobName: ctx.workload.name,
      destructive: ctx.workload.destructive,
      scratchDir: ctx.scratchDir,
      baseline: baselines.get(ctx.workload.name),
      log: ctx.log,
      ...(ctx.ioPhase ? { ioPhase: ctx.ioPhase } : {}),
    });
    return { measurements, toolMs, ios: fioTotalIos(result.jobs) };
  },

  async teardown() {
    baselines.clear();
  },
};
