// Runs a campaign into a run bundle: every cell × pass, with progress, per-repetition timeouts,
// clean interruption (SIGINT/SIGTERM kill every child and leave an incomplete bundle) and resume.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sample } from '../../collectors/types.js';
import { collectorFor } from '../../collectors/registry.js';
import { loadCampaign } from '../campaign/load.js';
import { buildPlan, type Plan } from '../campaign/plan.js';
import { expandMatrix } from '../campaign/matrix.js';
import { CAMPAIGN_COPY_FILE, rawRepDir, scratchDir } from '../bundle/layout.js';
import { BUNDLE_SCHEMA_VERSION, type Manifest, type SystemState } from '../bundle/schema.js';
import { BundleWriter } from '../bundle/writer.js';
import { BundleError } from '../bundle/read.js';
import { Progress } from './progress.js';
import { dmabenchVersion } from '../version.js';

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
  const { campaign, text } = await loadCampaign(opts.campaignFile);
  const plan = buildPlan(campaign);
  const label = opts.label ?? campaign.label ?? campaign.name;

  for (const workload of campaign.workloads) {
    await collectorFor(workload.tool).preflight(workload, expandMatrix(workload.matrix));
  }

  let writer: BundleWriter;
  if (opts.resume) {
    if (!opts.outDir) throw new BundleError('--resume needs --out DIR naming the interrupted bundle');
    writer = await BundleWriter.resume(opts.outDir);
    const planned = plan.cells.map((c) => c.key).join('\n');
    const recorded = writer.manifest.cells.map((c) => c.cell).join('\n');
    if (planned !== recorded) throw new BundleError(`${opts.outDir} was run from a different campaign: its cells do not match ${opts.campaignFile}`);
  } else {
    const dir = opts.outDir ?? defaultOutDir(label);
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
    const overheadMs = await executePlan(plan, writer, controller.signal, progress);
    const interrupted = controller.signal.aborted ? String(controller.signal.reason) : undefined;
    const status = interrupted || writer.manifest.errors.length > 0 ? 'incomplete' : 'complete';
    await writer.finish(status, interrupted);
    if (!interrupted) await rm(scratchDir(writer.dir), { recursive: true, force: true });
    return { bundleDir: writer.dir, status, errors: writer.manifest.errors, overheadMs };
  } finally {
    progress.end();
    restoreSignals();
  }
}

async function executePlan(plan: Plan, writer: BundleWriter, signal: AbortSignal, progress: Progress): Promise<number[]> {
  const total = plan.totalPasses;
  const started = Date.now();
  let done = 0;
  let estimatedDone = 0;
  const overheadMs: number[] = [];
  const scratch = scratchDir(writer.dir);
  await mkdir(scratch, { recursive: true });

  for (const cell of plan.cells) {
    const collector = collectorFor(cell.workload.tool);
    for (const { pass, rep } of cell.passes) {
      if (signal.aborted) return overheadMs;
      if (writer.isDone(cell.key, pass, rep)) {
        done++;
        estimatedDone += cell.estimateSec;
        continue;
      }
      const elapsedSec = (Date.now() - started) / 1000;
      const remaining = plan.estimateSec - estimatedDone;
      // Scale the plan's estimate by how fast we actually went so far.
      const speed = estimatedDone > 0 && elapsedSec > 0 ? elapsedSec / estimatedDone : 1;
      progress.update({ done, total, cell: cell.key, pass, rep, elapsedSec, etaSec: remaining * speed });

      const rawDir = rawRepDir(writer.dir, cell.dir, pass, rep);
      const tmpRaw = `${rawDir}.partial`;
      await rm(tmpRaw, { recursive: true, force: true });
      await mkdir(tmpRaw, { recursive: true });
      const timeoutSec = cell.workload.timeout ?? cell.estimateSec * 3 + 60;
      const repSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutSec * 1000)]);
      const t0 = performance.now();
      try {
        const output = await collector.run({
          workload: cell.workload,
          params: cell.params,
          cell: cell.key,
          rep,
          pass,
          rawDir: tmpRaw,
          scratchDir: scratch,
          signal: repSignal,
          log: (line) => progress.log(line),
        });
        if (signal.aborted) return overheadMs; // killed mid-run: the output is not a whole repetition
        await rm(rawDir, { recursive: true, force: true });
        await rename(tmpRaw, rawDir);
        const samples: Sample[] = output.measurements.map((m) => ({
          ...m,
          workload: cell.workload.name,
          cell: cell.key,
          rep,
          pass,
          tool: cell.workload.tool,
        }));
        await writer.recordPass(cell.key, pass, rep, samples);
        if (output.toolMs !== undefined) overheadMs.push(performance.now() - t0 - output.toolMs);
      } catch (err) {
        if (signal.aborted) return overheadMs;
        const timedOut = repSignal.aborted && !signal.aborted;
        const message = timedOut ? `timed out after ${timeoutSec} s` : (err as Error).message;
        progress.log(`error: ${cell.key} ${pass} #${rep + 1}: ${message}`);
        await writer.recordError(cell.key, pass, rep, message);
      }
      done++;
      estimatedDone += cell.estimateSec;
    }
  }
  return overheadMs;
}
