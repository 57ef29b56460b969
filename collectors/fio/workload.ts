// Adapts the fio collector to the runner's WorkloadCollector interface: parameter validation,
// time estimates, preflight checks and the target (a scratch file in the bundle by default, laid
// out in `prepare`, before the workload's first pass).
// The target checks of device-safety.ts run at preflight and again in every run(); what
// preflight saw of a device is kept here so each repetition can tell it is still the same one.
import path from 'node:path';
import type { RepetitionEstimate, WorkloadCollector } from '../../model/workload-collector.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';
import { fioParamsSchema, fioSizePieces, isReadOnlyRw, type FioParams } from './params.js';
import { runFio } from './run.js';
import { fioTotalIos } from './metrics.js';
import { layOutTarget, preflightTarget, type TargetBaseline, type TargetSpec } from './device-safety.js';
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

const MiB = 1024 * 1024;

function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < MiB ? 3 : 0)} MiB`;
}

/**
 * What a size-based job (no `runtime`) is assumed to sustain at the least, for its estimate and
 * so its deadline (estimate × 3 + 60 s, which then holds down to a third of these rates). Nothing
 * faster can be assumed before the job has run: the development VM's shared virtio disk, under
 * load, did 4k random reads at queue depth 1 (psync) at 290 IOPS; an SSD or the TCG lab guest
 * (~10 000 4k reads a second) does far more, and the ETA corrects the plan's estimate by the speed
 * seen. A spinning disk doing small random I/O needs the workload's `timeout:`.
 */
export const SIZE_JOB_FLOOR = { mibPerSec: 20, iops: 500 } as const;

/** fio's start-up (clock calibration, job set-up) and report, about a second. */
const FIO_STARTUP_SEC = 1;

/**
 * Seconds one repetition takes: its runtime when it has one (fio's `--time_based`), else its
 * I/O at the assumed floor (SIZE_JOB_FLOOR), said in the basis: `size` per job × numjobs, as
 * many I/Os as the smallest block size makes, whichever of bytes or I/Os takes longer.
 */
export function estimateFioRepetition(p: FioParams): number | RepetitionEstimate {
  const fixed = (p.ramp_time ?? 0) + FIO_STARTUP_SEC;
  if (p.runtime !== undefined || p.size === undefined) return (p.runtime ?? 0) + fixed;
  const bytes = Math.max(...fioSizePieces(p.size)) * p.numjobs;
  const ios = Math.ceil(bytes / Math.min(...fioSizePieces(p.bs)));
  const ioSec = Math.max(bytes / (SIZE_JOB_FLOOR.mibPerSec * MiB), ios / SIZE_JOB_FLOOR.iops);
  const jobs = p.numjobs > 1 ? ` x ${p.numjobs} jobs` : '';
  return {
    seconds: Math.ceil(ioSec + fixed),
    basis: `size ${p.size}${jobs} = ${formatMiB(bytes)} in ${ios} I/Os, at an assumed floor of ${SIZE_JOB_FLOOR.mibPerSec} MiB/s and ${SIZE_JOB_FLOOR.iops} IOPS (a slower target needs the workload's timeout:)`,
  };
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

  estimateSeconds(_workload: Workload, params: CellParams) {
    return estimateFioRepetition(fioParamsSchema.parse(params) as FioParams);
  },

  async preflight(workload: Workload, cells: CellParams[], ctx): Promise<void> {
    await assertToolInstalled('fio', ['--version'], 'fio');
    const writes = cells.some((c) => !isReadOnlyRw((fioParamsSchema.parse(c) as FioParams).rw));
    const baseline = await preflightTarget(targetFor(workload, ctx.scratchDir), { destructive: workload.destructive, writes, scratchDir: ctx.scratchDir });
    baselines.set(workload.name, baseline);
  },

  async prepare(workload, cells, ctx) {
    // The scratch file is laid out here, before the first pass on it: with `warmup: 0` its writes
    // would otherwise land in the first timed repetition's span (and its deadline).
    const writes = cells.some((c) => !isReadOnlyRw((fioParamsSchema.parse(c) as FioParams).rw));
    const t0 = performance.now();
    const done = await layOutTarget(targetFor(workload, ctx.scratchDir), { destructive: workload.destructive, writes, scratchDir: ctx.scratchDir }, ctx.signal);
    for (const note of done?.notes ?? []) ctx.log(note);
    if (done && done.laidOutBytes > 0) {
      const sec = (performance.now() - t0) / 1000;
      ctx.log(`fio: ${workload.name}: laid out ${done.path} (${formatMiB(done.laidOutBytes)}, fsynced) in ${sec.toFixed(2)} s, before its first repetition`);
    }
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
