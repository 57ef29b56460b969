// Runs a campaign into a run bundle: every cell × pass, with progress, per-repetition timeouts,
// clean interruption (SIGINT, SIGTERM or SIGHUP stop every child, the collectors clean up, and the
// bundle is left incomplete; core/proc/signals.ts) and resume (runner/resume.ts).
import { randomInt } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { collectorFor, profilerFor } from './registry.js';

import type { CollectorOutput } from '../model/workload-collector.js';
import type { Measurement, PassKind, Sample } from '../model/measurement.js';
import type { Campaign, ProfilerSpec, Workload } from '../model/campaign.js';
import { estimateNote, formatDuration, loadPlan, repetitionDeadlineSec, type Plan, type PlannedCell } from './plan.js';
import { expandMatrix } from '../core/campaign/matrix.js';
import { rawRepDir, scratchDir } from '../core/bundle/layout.js';
import { BUNDLE_SCHEMA_VERSION, type Manifest, type RunSchedule, type SystemState } from '../model/bundle.js';
import { BundleWriter } from '../core/bundle/writer.js';
import { BundleError, readManifest } from '../core/bundle/read.js';
import { cleanScratch } from '../core/bundle/scratch.js';
import { campaignHash } from '../core/campaign/identity.js';
import { onTerminationSignals } from '../core/proc/signals.js';
import { DeviceSafetyError } from '../model/safety-error.js';
import { estimateRemainingSec, Progress } from './progress.js';
import { recordResumeBoot, resumeRefusal } from './resume.js';
import { benchTargetsOf } from './bench-targets.js';
import { closeKernelLogWindow, openKernelLogWindow } from '../core/system/kernel-log.js';
import type { BenchTarget } from '../model/dma-setup.js';
import { dmabenchVersion } from '../core/version.js';
import { dmabenchCheckout } from '../core/checkout.js';
import { isLastShare, passSequence, workLeft, type ScheduleOptions, type Share } from './schedule.js';
import { AdaptiveCells } from './adaptive-cells.js';
import { IoPhaseWindow } from './io-phase.js';

/** The campaign's profiler spec for a `profile:<kind>` pass. */
function profilerSpecFor(workload: Workload, pass: string): ProfilerSpec | undefined {
  return workload.profilers.find((p) => `profile:${p.kind}` === pass);
}

export interface RunOptions {
  campaignFile: string;
  label?: string;
  outDir?: string;
  resume?: boolean;
  /**
   * Run only this share of the timed repetitions (runner/schedule.ts Share), leaving the bundle
   * incomplete for `--resume --share` of the next; `lab run --boots N` runs one share per boot.
   */
  share?: Share;
  progress?: Progress;
  /**
   * Collects the system state for the manifest; injected so the runner does not own probing. It
   * is told the devices the campaign benchmarks (their IOMMU groups decide the mode recorded).
   */
  collectSystemState: (targets: readonly BenchTarget[]) => Promise<SystemState>;
  /**
   * The dmabench command doing this run, its arguments after `dmabench` (the CLI's argv), for the
   * manifest's `commands`: what a report's "reproduce with" block prints.
   */
  command?: string[];
  /** The kernel commit under test, as `--commit`/`--commit-date` gave it: the manifest's `kernelCommit`. */
  kernelCommit?: { commit: string; date?: string };
}

export interface RunResult {
  bundleDir: string;
  status: Manifest['status'];
  errors: Manifest['errors'];
  /** The signal that stopped the run, when one did. */
  interruptedBy?: string;
  /** The run ran its share (`K/N`, not the last) and stopped as asked: the next share completes it. */
  paused?: string;
  /** dmabench's own time per pass beyond the tool's run (ms), for the overhead figure. */
  overheadMs: number[];
}

function defaultOutDir(label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join('results', `${label.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`);
}

export async function runCampaign(opts: RunOptions): Promise<RunResult> {
  const progress = opts.progress ?? new Progress();
  const { campaign, text, plan } = await loadPlan(opts.campaignFile);
  const label = opts.label ?? campaign.label ?? campaign.name;

  const controller = new AbortController();
  // Until the bundle is opened there is nothing to keep or clean up: a signal simply ends us.
  let bundleOpen = false;
  const restoreSignals = onTerminationSignals({
    onFirst: (signal) => {
      if (!bundleOpen) {
        progress.log(`\n${signal}: stopped before the run began; nothing was written`);
        process.exit(130);
      }
      progress.log(`\n${signal}: stopping; finished repetitions are kept (dmabench run --resume completes the bundle)`);
      controller.abort(signal);
    },
    log: (line) => progress.log(line),
    cleanup: 'the collectors still clean up (device, module, tracefs, perf) and the bundle is marked incomplete',
  });
  try {
    const { writer, bootId } = await openBundle(opts, { campaign, text, plan, label }, progress, () => (bundleOpen = true));
    // What the kernel logs from here to the end of this run (its module unloads included) is kept.
    await openKernelLogWindow((writer.manifest.kernelLog ??= []));
    await writer.save();
    let overheadMs: number[];
    try {
      overheadMs = await executePlan(plan, writer, controller.signal, progress, { bootId, share: opts.share })
        .finally(() => teardownCollectors(plan, progress))
        .finally(() => closeKernelLogWindow(writer.manifest.kernelLog));
    } catch (err) {
      // A refused target stops the run: the bundle stays incomplete, scratch kept for --resume.
      if (err instanceof DeviceSafetyError) await writer.finish('incomplete');
      throw err;
    }
    const interrupted = controller.signal.aborted ? String(controller.signal.reason) : undefined;
    const paused = !interrupted && !isLastShare(opts.share) ? `share ${opts.share!.index}/${opts.share!.of}` : undefined;
    const status = interrupted || paused || writer.manifest.errors.length > 0 ? 'incomplete' : 'complete';
    await writer.finish(status, interrupted ?? paused);
    if (paused) progress.log(`${paused} done: dmabench run --resume --share ${opts.share!.index + 1}/${opts.share!.of} continues the bundle`);
    // A paused run keeps its scratch files (and their ledger) for the share that completes it.
    if (!interrupted && !paused) {
      const { leftAlone } = await cleanScratch(scratchDir(writer.dir));
      for (const f of leftAlone) progress.log(`left ${f} in place: it is no longer the file this run created`);
    }
    return { bundleDir: writer.dir, status, errors: writer.manifest.errors, interruptedBy: interrupted, paused, overheadMs };
  } finally {
    progress.end();
    restoreSignals();
  }
}

/**
 * The schedule of a new bundle: the campaign's order, and its seed or one drawn now. A bundle
 * written before schedules existed ran sequentially; resumed, it goes on so.
 */
function newSchedule(plan: Plan, resumed?: Manifest): RunSchedule {
  if (resumed) {
    const done = Object.values(resumed.done).reduce((n, reps) => n + reps.length, 0);
    return { order: 'sequential', seed: 0, nextOrder: done, spentSec: 0, cells: {} };
  }
  return { order: plan.order, seed: plan.campaign.seed ?? randomInt(0, 2 ** 32), nextOrder: 0, spentSec: 0, cells: {} };
}

/**
 * A new bundle, or the interrupted one to resume after checking that this campaign on this
 * system may complete it (nothing in the bundle changes before that check passes).
 * `opening` is called just before the bundle on disk is touched. Returns the boot this session
 * runs in, as read when the system state was collected.
 */
async function openBundle(
  opts: RunOptions,
  loaded: { campaign: Campaign; text: string; plan: Plan; label: string },
  progress: Progress,
  opening: () => void,
): Promise<{ writer: BundleWriter; bootId: string | undefined }> {
  const { campaign, plan } = loaded;
  if (opts.resume) {
    if (!opts.outDir) throw new BundleError('--resume needs --out DIR naming the interrupted bundle');
    const recorded = await readManifest(opts.outDir);
    const now = await opts.collectSystemState(await benchTargetsOf(campaign, scratchDir(opts.outDir)));
    const refusal = resumeRefusal(recorded, campaign, now);
    if (refusal) throw new BundleError(`cannot resume ${opts.outDir}: ${refusal}`);
    // Target checks need the scratch directory: its ledger says which files are ours.
    await preflight(campaign, scratchDir(opts.outDir));
    opening();
    const writer = await BundleWriter.resume(opts.outDir);
    const boot = recordResumeBoot(writer.manifest, campaign, now, new Date().toISOString());
    // A bundle from before commands were recorded keeps none: a list without its first run would mislead.
    if (opts.command && writer.manifest.commands) writer.manifest.commands.push(opts.command);
    if (boot) progress.log(`resuming on a new boot of ${now.kernel.release} (boot id ${boot.bootId})`);
    writer.manifest.schedule ??= newSchedule(plan, writer.manifest);
    await writer.save();
    return { writer, bootId: now.kernel.bootId };
  }
  const dir = opts.outDir ?? defaultOutDir(loaded.label);
  await preflight(campaign, scratchDir(dir));
  const startedAt = new Date().toISOString();
  const system = await opts.collectSystemState(await benchTargetsOf(campaign, scratchDir(dir)));
  const checkout = await dmabenchCheckout();
  opening();
  const writer = await BundleWriter.create(dir, {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    label: loaded.label,
    status: 'running',
    startedAt,
    dmabenchVersion,
    ...(checkout && { dmabenchCommit: checkout.commit }),
    ...(checkout?.dirty !== undefined && { dmabenchDirty: checkout.dirty }),
    ...(opts.command && { commands: [opts.command] }),
    ...(opts.kernelCommit && { kernelCommit: opts.kernelCommit }),
    campaign,
    campaignHash: campaignHash(campaign),
    campaignFile: opts.campaignFile,
    system,
    boots: system.kernel.bootId ? [{ bootId: system.kernel.bootId, at: startedAt }] : [],
    cells: plan.cells.map((c) => ({ workload: c.workload.name, cell: c.key, tool: c.workload.tool, params: c.params })),
    done: {},
    errors: [],
    schedule: newSchedule(plan),
  }, loaded.text);
  return { writer, bootId: system.kernel.bootId };
}

/** A tool or profiler refused to run this campaign here, with its advice (exit 2, not a bug). */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

/**
 * Each tool and profiler checks what it needs before anything runs. A plain Error they throw is a
 * refusal with advice; typed errors keep their type, and JavaScript's own (TypeError, ...) are bugs.
 */
async function preflight(campaign: Campaign, scratch: string): Promise<void> {
  const refused = (err: unknown): never => {
    if (!(err instanceof Error) || err.name !== 'Error') throw err;
    throw new PreflightError(err.message, { cause: err });
  };
  for (const workload of campaign.workloads) {
    await collectorFor(workload.tool).preflight(workload, expandMatrix(workload.matrix), { scratchDir: scratch }).catch(refused);
    for (const p of workload.profilers) await profilerFor(p.kind).preflight(p.options).catch(refused);
  }
}

/** Lets each collector undo what it kept between repetitions (a loaded module, a borrowed device). */
async function teardownCollectors(plan: Plan, progress: Progress): Promise<void> {
  for (const tool of new Set(plan.cells.map((c) => c.workload.tool))) {
    await collectorFor(tool).teardown?.().catch((err: unknown) => progress.log(`error: ${tool} clean-up: ${(err as Error).message}`));
  }
}

interface PassContext {
  writer: BundleWriter;
  scratch: string;
  signal: AbortSignal;
  progress: Progress;
}

/** One repetition of one pass of a cell: the workload, with the pass's profiler around it. */
async function runPass(
  cell: PlannedCell,
  pass: PassKind,
  rep: number,
  rawDir: string,
  signal: AbortSignal,
  timeoutSec: number,
  ctx: PassContext,
): Promise<{ samples: Sample[]; toolMs?: number }> {
  const log = (line: string): void => ctx.progress.log(line);
  const spec = pass.startsWith('profile:') ? profilerSpecFor(cell.workload, pass) : undefined;
  // The profiler ends by itself after the pass's timeout even if dmabench is killed meanwhile.
  const target = cell.workload.target;
  const ioTarget = target === undefined ? undefined : (target.path ?? ctx.scratch);
  const active = spec ? await profilerFor(spec.kind).start({ options: spec.options, rawDir, signal, log, deadlineSec: timeoutSec, ioTarget }) : undefined;
  const collector = collectorFor(cell.workload.tool);
  // The profiler is on for the workload's I/O only (review M7): a collector that marks its I/O
  // phase switches it (runner/io-phase.ts); for one that cannot, the runner switches it around run().
  const marks = collector.marksIoPhase === true;
  const phase = active ? new IoPhaseWindow(active, marks ? 'io' : 'workload') : undefined;
  let output: CollectorOutput;
  try {
    if (phase && !marks) await phase.start();
    output = await collector.run({
      workload: cell.workload,
      params: cell.params,
      cell: cell.key,
      rep,
      pass,
      rawDir,
      scratchDir: ctx.scratch,
      signal,
      log,
      ...(phase && marks ? { ioPhase: phase } : {}),
    });
    await phase?.end();
  } catch (err) {
    await phase?.end().catch(() => undefined);
    await active?.stop({ workloadOk: false });
    throw err;
  }
  let profiled: Measurement[] = [];
  if (active && phase) {
    if (!phase.opened) log(`${spec?.kind ?? 'profiler'}: ${cell.workload.tool} did no I/O in this pass: no profile`);
    profiled = await active.stop({ ios: output.ios, workloadOk: phase.opened, ...(phase.opened ? { window: phase.window } : {}) });
  }
  const stamp = (tool: string) => (m: Measurement): Sample => ({ ...m, workload: cell.workload.name, cell: cell.key, rep, pass, tool });
  return {
    samples: [...output.measurements.map(stamp(cell.workload.tool)), ...profiled.map(stamp(spec?.kind ?? cell.workload.tool))],
    toolMs: output.toolMs,
  };
}

/**
 * Each workload's collector `prepare`, once per session, right before the workload's first pass.
 * A failure is that pass's; the next pass of the workload tries again.
 */
class PreparedWorkloads {
  private readonly done = new Set<string>();
  constructor(
    private readonly plan: Plan,
    private readonly scratch: string,
  ) {}

  async ensure(workload: Workload, signal: AbortSignal, progress: Progress): Promise<void> {
    if (this.done.has(workload.name)) return;
    const collector = collectorFor(workload.tool);
    if (collector.prepare) {
      const cells = this.plan.cells.filter((c) => c.workload.name === workload.name).map((c) => c.params);
      try {
        await collector.prepare(workload, cells, { scratchDir: this.scratch, signal, log: (line) => progress.log(line) });
      } catch (err) {
        if (err instanceof Error && !(err instanceof DeviceSafetyError)) err.message = `preparing ${workload.name}: ${err.message}`;
        throw err;
      }
    }
    this.done.add(workload.name);
  }
}

/** Stamps the pass's samples with where and when in the run they were taken. */
function stamped(samples: Sample[], order: number, bootId: string | undefined): Sample[] {
  return samples.map((s) => ({ ...s, ...(bootId ? { bootId } : {}), order }));
}

interface ExecuteOptions {
  /** The boot this session runs in: stamped on every sample. */
  bootId?: string;
  share?: Share;
}

async function executePlan(plan: Plan, writer: BundleWriter, signal: AbortSignal, progress: Progress, opts: ExecuteOptions): Promise<number[]> {
  const manifest = writer.manifest;
  const schedule = manifest.schedule!;
  const scheduleOptions: ScheduleOptions = {
    order: schedule.order,
    seed: schedule.seed,
    bootIndex: Math.max(0, (manifest.boots?.length ?? 1) - 1),
    share: opts.share,
  };
  const started = Date.now();
  /** The plan's estimate of the passes this session ran. */
  let ranSec = 0;
  const overheadMs: number[] = [];
  const ctx: PassContext = { writer, scratch: scratchDir(writer.dir), signal, progress };
  await mkdir(ctx.scratch, { recursive: true });

  // A pass is run at most once per session: a failed one waits for --resume (as a failed
  // warm-up does, instead of being tried again before every repetition of its cell).
  const attempted = new Set<string>();
  const isDone = (cell: string, pass: PassKind, rep: number): boolean => writer.isDone(cell, pass, rep) || attempted.has(`${cell}|${pass}|${rep}`);
  const adaptive = new AdaptiveCells(plan, manifest, writer.resumedSamples);
  const runs = (cell: PlannedCell, rep: number): boolean => adaptive.runs(cell, rep);
  const prepared = new PreparedWorkloads(plan, ctx.scratch);
  /** Cells whose estimate basis this session has logged. */
  const noted = new Set<string>();
  const stoppedAt = (cell: PlannedCell): number | undefined => adaptive.stoppedAt(cell);

  let done = Object.values(manifest.done).reduce((n, reps) => n + reps.length, 0);
  const atStart = workLeft(plan, scheduleOptions, isDone, stoppedAt);
  if (done > 0) progress.log(`resumed: ${done} of ${atStart.atMost ? 'at most ' : ''}${done + atStart.passes} passes already done`);

  for (const { cell, pass, rep } of passSequence(plan, scheduleOptions, { isDone, runs })) {
    if (signal.aborted) return overheadMs;
    if (adaptive.unsaved) {
      await writer.save();
      adaptive.unsaved = false;
    }
    const left = workLeft(plan, scheduleOptions, isDone, stoppedAt);
    const elapsedSec = (Date.now() - started) / 1000;
    const etaSec = estimateRemainingSec({ leftSec: left.sec, ranSec, elapsedSec });
    progress.update({ done, total: done + left.passes, atMost: left.atMost, cell: cell.key, pass, rep, elapsedSec, etaSec });

    if (!noted.has(cell.key)) {
      noted.add(cell.key);
      const note = estimateNote(cell);
      if (note) progress.log(`${cell.key}: ~${formatDuration(cell.estimateSec)} per repetition (${note})`);
    }
    const rawDir = rawRepDir(writer.dir, cell.dir, pass, rep);
    const partial = `${rawDir}.partial`;
    const timeoutSec = repetitionDeadlineSec(cell);
    // A controller and a timer of our own, not AbortSignal.timeout(): inside AbortSignal.any() the
    // timeout signal is only weakly held and, once garbage-collected, never fires (seen under load:
    // a 1 s deadline that let fio run its whole 4 s). Armed once the workload is prepared.
    const deadline = new AbortController();
    let deadlineTimer: NodeJS.Timeout | undefined;
    const passSignal = AbortSignal.any([signal, deadline.signal]);
    let t0 = performance.now();
    /** What the schedule learns from this pass, saved with the record of the pass itself. */
    const account = (samples: Sample[] | undefined): void => {
      attempted.add(`${cell.key}|${pass}|${rep}`);
      schedule.nextOrder++;
      schedule.spentSec += (performance.now() - t0) / 1000;
      if (pass === 'timed') adaptive.afterTimed(cell, rep, samples);
    };
    try {
      // What the workload's repetitions share (fio's scratch file) is laid out before its first
      // pass starts: its writes and its time belong to no repetition, its deadline included.
      await prepared.ensure(cell.workload, signal, progress);
      await rm(partial, { recursive: true, force: true });
      await mkdir(partial, { recursive: true });
      t0 = performance.now();
      deadlineTimer = setTimeout(() => deadline.abort(new Error(`timed out after ${timeoutSec} s`)), Math.ceil(timeoutSec * 1000));
      deadlineTimer.unref();
      const result = await runPass(cell, pass, rep, partial, passSignal, timeoutSec, ctx);
      if (signal.aborted) return overheadMs; // killed mid-run: not a whole repetition
      // Past its deadline the repetition failed, even when the tool still printed a result: fio
      // sent SIGTERM at the deadline still writes its partial figures.
      if (passSignal.aborted) throw new Error(`timed out after ${timeoutSec} s`);
      const samples = stamped(result.samples, schedule.nextOrder, opts.bootId);
      account(samples);
      await writer.recordPass(cell.key, pass, rep, samples, { partial, dir: rawDir });
      if (result.toolMs !== undefined) overheadMs.push(performance.now() - t0 - result.toolMs);
    } catch (err) {
      if (signal.aborted) return overheadMs;
      account(undefined);
      if (err instanceof DeviceSafetyError) {
        // Not a failed repetition: the target is no longer safe to use, for any repetition.
        await writer.recordError(cell.key, pass, rep, err.message);
        throw err;
      }
      const message = passSignal.aborted ? `timed out after ${timeoutSec} s` : (err as Error).message;
      progress.log(`error: ${cell.key} ${pass} #${rep + 1}: ${message}`);
      await writer.recordError(cell.key, pass, rep, message);
    } finally {
      clearTimeout(deadlineTimer);
    }
    done++;
    ranSec += cell.estimateSec;
  }
  if (adaptive.unsaved) await writer.save();
  return overheadMs;
}
