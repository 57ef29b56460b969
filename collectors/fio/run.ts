// Runs fio for one cell against one target and returns the parsed result and its measurements.
// fio's own json+ file and its stderr are kept in rawDir so any number can be traced back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Measurement } from '../../model/measurement.js';
import { startChild, type ChildOutcome } from '../../core/proc/child.js';
import { clearTarget, type TargetBaseline, type TargetSpec } from './device-safety.js';
import { buildFioArgs } from './job.js';
import { fioMeasurements } from './metrics.js';
import { isReadOnlyRw, type FioParams } from './params.js';
import { parseFioOutput, type FioResult } from '../../core/text/fio-output.js';
import { firstLine } from '../../core/text/lines.js';
import { FIO_OUTPUT_FILE } from '../../core/bundle/layout.js';
import { busyWindowCaveats, busyWindowRecord, clockTicksPerSecond } from '../../core/cpu/busy-window.js';
import { FioCpuWatch, POLL_MS, type FioCpuWindow } from './cpu-window.js';
import { FioIoPhaseHook } from './io-phase-hook.js';
import type { IoPhase } from '../../model/workload-collector.js';

/** Where fio's json+ result is kept (core/bundle/layout.ts: reports read it too). */
export { FIO_OUTPUT_FILE };
export const FIO_STDERR_FILE = 'fio-stderr.txt';
export const FIO_STDOUT_FILE = 'fio-stdout.txt';
export const FIO_ARGS_FILE = 'fio-args.json';
/** What device-safety.ts decided about the target for this repetition (resolved path, owner, identity). */
export const FIO_TARGET_FILE = 'fio-target.json';
/** /proc/stat around fio's run and the busy time taken from it (the source of `cpu.per_io`). */
export const FIO_CPU_FILE = 'cpu-time.json';
/** When fio's jobs said their I/O started and ended (profile passes: io-phase-hook.ts). */
export const FIO_IO_PHASE_FILE = 'fio-io-phase.json';

/** fio ran but failed (non-zero exit). `result` is set when it still wrote a parsable report. */
export class FioRunError extends Error {
  override name = 'FioRunError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly result?: FioResult,
  ) {
    super(message);
  }
}

export interface FioRunContext {
  /** Existing or creatable directory for fio's raw output. */
  rawDir: string;
  /** Aborting kills fio and every job process it forked. */
  signal: AbortSignal;
  jobName: string;
  /** The workload's `destructive` flag: required for writes to a device or to a file this run did not create. */
  destructive?: boolean;
  /** The bundle's scratch directory: its ledger says which files this run created. */
  scratchDir: string;
  /** What preflight saw (a device's identity); without it, this call's own first look is the reference. */
  baseline?: TargetBaseline;
  /** Where notes for the user go (a size lowered to an existing file's). */
  log?: (line: string) => void;
  /** Grace period between SIGTERM and SIGKILL on abort (ms). */
  killGraceMs?: number;
  /** A profile pass's switch: fio's jobs flip it right before their first I/O and after their last (io-phase-hook.ts). */
  ioPhase?: IoPhase;
}

/**
 * Runs fio against `target` once every check of device-safety.ts has passed again; a device
 * write holds the device with an exclusive open until fio has exited.
 */
export async function runFio(
  params: FioParams,
  target: TargetSpec,
  ctx: FioRunContext,
): Promise<{ result: FioResult; measurements: Measurement[]; toolMs: number }> {
  ctx.signal.throwIfAborted();
  await mkdir(ctx.rawDir, { recursive: true });
  const use = { destructive: ctx.destructive ?? false, writes: !isReadOnlyRw(params.rw), scratchDir: ctx.scratchDir };
  const cleared = await clearTarget(target, use, ctx.baseline);
  let run: ChildOutcome;
  let toolMs: number;
  let window: FioCpuWindow | undefined;
  // Absolute: with an I/O phase hook fio runs in the hook's directory.
  const outputFile = path.resolve(ctx.rawDir, FIO_OUTPUT_FILE);
  let hook: FioIoPhaseHook | undefined;
  try {
    for (const note of cleared.notes) ctx.log?.(note);
    await writeFile(path.join(ctx.rawDir, FIO_TARGET_FILE), JSON.stringify(cleared.record, null, 2) + '\n');
    const args = buildFioArgs(params, cleared.fio, { outputFile, jobName: ctx.jobName });
    if (ctx.ioPhase) {
      hook = await FioIoPhaseHook.create(ctx.ioPhase, { jobName: ctx.jobName, jobs: params.numjobs, log: ctx.log });
      args.push(...hook.fioArgs());
    }
    await writeFile(path.join(ctx.rawDir, FIO_ARGS_FILE), JSON.stringify(['fio', ...args], null, 2) + '\n');

    const ticks = await clockTicksPerSecond();
    // The busy time of the box while fio's jobs ran, for `cpu.per_io` (metrics.ts says why not
    // fio's own usr/sys, cpu-window.ts why not fio's whole run).
    const cpu = FioCpuWatch.begin(ctx.log);
    try {
      const started = performance.now();
      run = await runKillable(args, ctx.signal, ctx.killGraceMs ?? 5000, cleared.inheritFd, (pid) => cpu?.watch(pid), hook?.dir);
      // fio's own wall time, so the runner can report its overhead beyond it.
      toolMs = performance.now() - started;
      window = cpu?.end(ticks, ctx.log);
    } finally {
      cpu?.cancel();
    }
  } finally {
    await cleared.release();
    // fio has exited (or was killed): its I/O is over whatever its jobs said.
    await ctx.ioPhase?.end();
    if (hook) {
      await hook.close();
      const t0 = hook.events[0]?.atMs ?? 0;
      const events = hook.events.map((e) => ({ what: e.what, pid: e.pid, ms: Math.round((e.atMs - t0) * 1000) / 1000 }));
      await writeFile(path.join(ctx.rawDir, FIO_IO_PHASE_FILE), JSON.stringify({ what: "fio's jobs' exec_prerun / exec_postrun (collectors/fio/io-phase-hook.ts), ms after the first", events }, null, 2) + '\n');
    }
  }
  await writeFile(path.join(ctx.rawDir, FIO_STDERR_FILE), run.stderr);
  if (run.stdout.trim() !== '') await writeFile(path.join(ctx.rawDir, FIO_STDOUT_FILE), run.stdout);
  ctx.signal.throwIfAborted();

  const text = await readFile(outputFile, 'utf8').catch(() => '');
  let result: FioResult | undefined;
  let parseProblem: unknown;
  try {
    result = parseFioOutput(text, outputFile);
  } catch (err) {
    parseProblem = err;
  }
  if (run.exitCode !== 0) {
    const why = firstLine(run.stderr) || `exit code ${run.exitCode ?? run.signal}`;
    throw new FioRunError(`fio failed (${why}); raw output in ${ctx.rawDir}`, run.exitCode, result);
  }
  if (!result) throw parseProblem;
  if (hook?.failure) throw new FioRunError(`fio ran without its I/O: ${hook.failure}; raw output in ${ctx.rawDir}`, run.exitCode, result);
  const measurements = fioMeasurements(result, { busy: window?.busy, rampSeconds: params.ramp_time });
  if (window) await recordCpuWindow(ctx, window, measurements, params.ramp_time ?? 0);
  return { result, measurements, toolMs };
}

/** Writes cpu-time.json (both readings and the arithmetic) and says when the figure is coarse. */
async function recordCpuWindow(ctx: FioRunContext, window: FioCpuWindow, measurements: Measurement[], rampSeconds: number): Promise<void> {
  const perIo = measurements.find((m) => m.metric === 'cpu.per_io');
  const record = {
    ...busyWindowRecord(window),
    window: window.kind === 'jobs' ? `from the first of fio's job processes appearing to the last one gone (polled every ${POLL_MS} ms)` : `from just before fio started to just after it exited: ${window.note ?? ''}`,
    kind: window.kind,
    rampSeconds,
    cpuPerIoUs: perIo?.value ?? null,
    role: perIo?.role ?? null,
  };
  await writeFile(path.join(ctx.rawDir, FIO_CPU_FILE), JSON.stringify(record, null, 2) + '\n');
  if (window.kind === 'process') ctx.log?.(`fio: cpu.per_io over fio's whole run (${window.note ?? ''}): its start-up and exit are counted too`);
  for (const caveat of busyWindowCaveats(window.busy, 'cpu.per_io', 'a longer runtime')) ctx.log?.(`fio: ${caveat}`);
  if (perIo && rampSeconds > 0) ctx.log?.('fio: ramp_time: cpu.per_io is scaled to the measured share of the run and descriptive (use the campaign\'s warmup instead)');
}

/**
 * Runs fio so that an abort reaches every process it started: fio's job processes leave its
 * process group (setsid), so startChild signals the whole tree found under /proc, SIGTERM first
 * (fio stops its jobs cleanly), then SIGKILL after the grace period.
 */
async function runKillable(args: string[], signal: AbortSignal, graceMs: number, targetFd: number | undefined, onStart: (pid: number | undefined) => void, cwd?: string): Promise<ChildOutcome> {
  // The target's descriptor becomes fio's fd 3 (device-safety.ts INHERITED_TARGET_PATH).
  const inheritFds = targetFd === undefined ? undefined : [targetFd];
  const child = startChild('fio', args, { signal, graceMs, debianPackage: 'fio', inheritFds, ...(cwd !== undefined ? { cwd } : {}) });
  onStart(child.pid);
  const outcome = await child.done;
  signal.throwIfAborted();
  return outcome;
}

