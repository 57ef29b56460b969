// Runs a campaign into a run bundle: every cell × pass, with progress, per-repetition timeouts,
// clean interruption (SIGINT/SIGTERM kill every child and leave an incomplete bundle) and resume.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collectorFor, profilerFor } from './registry.js';

import type { CollectorOutput } from '../model/workload-collector.js';
import type { Measurement, PassKind, Sample } from '../model/measurement.js';
import type { ProfilerSpec, Workload } from '../model/campaign.js';
import { loadPlan, type Plan, type PlannedCell } from './plan.js';
import { expandMatrix } from '../core/campaign/matrix.js';
import { CAMPAIGN_COPY_FILE, rawRepDir, scratchDir } from '../core/bundle/layout.js';
import { BUNDLE_SCHEMA_VERSION, type Manifest, type SystemState } from '../model/bundle.js';
import { BundleWriter } from '../core/bundle/writer.js';
import { cleanScratch } from '../core/bundle/scratch.js';
import { DeviceSafetyError } from '../model/safety-error.js';
import { BundleError } from '../core/bundle/read.js';
import { Progress } from './progress.js';
import { dmabenchVersion } from '../core/version.js';

/** The campaign's profiler spec for a `profile:<kind>` pass. */
function profilerSpecFor(workload: Workload, pass: string): ProfilerSpec | undefined {
  return workload.profilers.find((p) => `profile:${p.kind}` === pass);
}

export interface RunOptions {
  campaignFile: string;
  label?: string;
  outDir?: string;
  resume?: boolean;
  progress?: Progress;
  /** Collects the system state for the manifest; injected so the runner does not own probing. */
  collectSystemState: () => Promise<SystemState>;
}

export interface RunResult {
  bundleDir: string;
  status: Manifest['status'];
  errors: Manifest['errors'];
  /** dmabench's own time per pass beyond the tool's run (ms), for the overhead figure. */
  overheadMs: number[];
}

function defaultOutDir(label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join('results', `${label.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`);
}

/** Stops children on the first SIGINT/SIGTERM; a second one exits at once. */
function interruptOnSignals(controller: AbortController, progress: Progress): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(130);
    progress.log(`\n${signal}: stopping; finished repetitions are kept (dmabench run --resume completes the bundle)`);
    controller.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export async function runCampaign(opts: RunOptions): Promise<RunResult> {
  const progress = opts.progress ?? new Progress();
  const { campaign, text, plan } = await loadPlan(opts.campaignFile);
  const label = opts.label ?? campaign.label ?? campaign.name;

  if (opts.resume && !opts.outDir) throw new BundleError('--resume needs --out DIR naming the interrupted bundle');
  const dir = opts.outDir ?? defaultOutDir(label);

  // Target checks need the scratch directory: on --resume its ledger says which files are ours.
  for (const workload of campaign.workloads) {
    await collectorFor(workload.tool).preflight(workload, expandMatrix(workload.matrix), { scratchDir: scratchDir(dir) });
    for (const p of workload.profilers) await profilerFor(p.kind).preflight(p.options);
  }

  let writer: BundleWriter;
  if (opts.resume) {
    writer = await BundleWriter.resume(dir);
    const planned = plan.cells.map((c) => c.key).join('\n');
    const recorded = writer.manifest.cells.map((c) => c.cell).join('\n');
    if (planned !== recorded) throw new BundleError(`${dir} was run from a different campaign: its cells do not match ${opts.campaignFile}`);
  } else {
    writer = await BundleWriter.create(dir, {
      schemaVersion: BUNDLE_SCHEMA_VERSION,
      label,
      status: 'running',
      startedAt: new Date().toISOString(),
      dmabenchVersion,
      campaign,
      campaignFile: opts.campaignFile,
      system: await opts.collectSystemState(),
      cells: plan.cells.map((c) => ({ workload: c.workload.name, cell: c.key, tool: c.workload.tool, params: c.params })),
      done: {},
      errors: [],
    });
    await writeFile(path.join(dir, CAMPAIGN_COPY_FILE), text);
  }

  const controller = new AbortController();
  const restoreSignals = interruptOnSignals(controller, progress);
  try {
    let overheadMs: number[];
    try {
      overheadMs = await executePlan(plan, writer, controller.signal, progress).finally(() => teardownCollectors(plan, progress));
    } catch (err) {
      // A refused target stops the run: the bundle stays incomplete, scratch kept for --resume.
      if (err instanceof DeviceSafetyError) await writer.finish('incomplete');
      throw err;
    }
    const interrupted = controller.signal.aborted ? String(controller.signal.reason) : undefined;
    const status = interrupted || writer.manifest.errors.length > 0 ? 'incomplete' : 'complete';
    await writer.finish(status, interrupted);
    if (!interrupted) {
      const { leftAlone } = await cleanScratch(scratchDir(writer.dir));
      for (const f of leftAlone) progress.log(`left ${f} in place: it is no longer the file this run created`);
    }
    return { bundleDir: writer.dir, status, errors: writer.manifest.errors, overheadMs };
  } finally {
    progress.end();
    restoreSignals();
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
async function runPass(cell: PlannedCell, pass: PassKind, rep: number, rawDir: string, signal: AbortSignal, ctx: PassContext): Promise<{ samples: Sample[]; toolMs?: number }> {
  const log = (line: string): void => ctx.progress.log(line);
  const spec = pass.startsWith('profile:') ? profilerSpecFor(cell.workload, pass) : undefined;
  const active = spec ? await profilerFor(spec.kind).start({ options: spec.options, rawDir, signal, log }) : undefined;
  let output: CollectorOutput;
  try {
    output = await collectorFor(cell.workload.tool).run({
      workload: cell.workload,
      params: cell.params,
      cell: cell.key,
      rep,
      pass,
      rawDir,
      scratchDir: ctx.scratch,
      signal,
      log,
    });
  } catch (err) {
    await active?.stop({ workloadOk: false });
    throw err;
  }
  const profiled = active ? await active.stop({ ios: output.ios, workloadOk: true }) : [];
  const stamp = (tool: string) => (m: Measurement): Sample => ({ ...m, workload: cell.workload.name, cell: cell.key, rep, pass, tool });
  return {
    samples: [...output.measurements.map(stamp(cell.workload.tool)), ...profiled.map(stamp(spec?.kind ?? cell.workload.tool))],
    toolMs: output.toolMs,
  };
}

async function executePlan(plan: Plan, writer: BundleWriter, signal: AbortSignal, progress: Progress): Promise<number[]> {
  const total = plan.totalPasses;
  const started = Date.now();
  let done = 0;
  let estimatedDone = 0;
  const overheadMs: number[] = [];
  const ctx: PassContext = { writer, scratch: scratchDir(writer.dir), signal, progress };
  await mkdir(ctx.scratch, { recursive: true });

  for (const cell of plan.cells) {
    for (const { pass, rep } of cell.passes) {
      if (signal.aborted) return overheadMs;
      if (!writer.isDone(cell.key, pass, rep)) {
        const elapsedSec = (Date.now() - started) / 1000;
        // Scale the plan's estimate by how fast we actually went so far.
        const speed = estimatedDone > 0 && elapsedSec > 0 ? elapsedSec / estimatedDone : 1;
        progress.update({ done, total, cell: cell.key, pass, rep, elapsedSec, etaSec: (plan.estimateSec - estimatedDone) * speed });

        const rawDir = rawRepDir(writer.dir, cell.dir, pass, rep);
        const partial = `${rawDir}.partial`;
        await rm(partial, { recursive: true, force: true });
        await mkdir(partial, { recursive: true });
        const timeoutSec = cell.workload.timeout ?? cell.estimateSec * 3 + 60;
        const passSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(timeoutSec * 1000))]);
        const t0 = performance.now();
        try {
          const { samples, toolMs } = await runPass(cell, pass, rep, partial, passSignal, ctx);
          if (signal.aborted) return overheadMs; // killed mid-run: not a whole repetition
          await rm(rawDir, { recursive: true, force: true });
          await rename(partial, rawDir);
          await writer.recordPass(cell.key, pass, rep, samples);
          if (toolMs !== undefined) overheadMs.push(performance.now() - t0 - toolMs);
        } catch (err) {
          if (signal.aborted) return overheadMs;
          if (err instanceof DeviceSafetyError) {
            // Not a failed repetition: the target is no longer safe to use, for any repetition.
            await writer.recordError(cell.key, pass, rep, err.message);
            throw err;
          }
          const message = passSignal.aborted ? `timed out after ${timeoutSec} s` : (err as Error).message;
          progress.log(`error: ${cell.key} ${pass} #${rep + 1}: ${message}`);
          await writer.recordError(cell.key, pass, rep, message);
        }
      }
      done++;
      estimatedDone += cell.estimateSec;
    }
  }
  return overheadMs;
}
