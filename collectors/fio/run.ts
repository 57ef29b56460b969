// Runs fio for one cell against one target and returns the parsed result and its measurements.
// fio's own json+ file and its stderr are kept in rawDir so any number can be traced back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Measurement } from '../../model/measurement.js';
import { startChild, type ChildOutcome } from '../../core/proc/child.js';
import { assertDeviceWriteAllowed } from './device-safety.js';
import { buildFioArgs, type FioTarget } from './job.js';
import { fioMeasurements } from './metrics.js';
import { isReadOnlyRw, type FioParams } from './params.js';
import { parseFioOutput, type FioResult } from './parse.js';
import { firstLine } from '../../core/text/lines.js';

export const FIO_OUTPUT_FILE = 'fio-output.json';
export const FIO_STDERR_FILE = 'fio-stderr.txt';
export const FIO_STDOUT_FILE = 'fio-stdout.txt';
export const FIO_ARGS_FILE = 'fio-args.json';

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
  /** The workload's `destructive` flag: required for write workloads on a device. */
  destructive?: boolean;
  /** Grace period between SIGTERM and SIGKILL on abort (ms). */
  killGraceMs?: number;
}

export async function runFio(
  params: FioParams,
  target: FioTarget,
  ctx: FioRunContext,
): Promise<{ result: FioResult; measurements: Measurement[]; toolMs: number }> {
  ctx.signal.throwIfAborted();
  if (target.kind === 'device' && !isReadOnlyRw(params.rw)) {
    await assertDeviceWriteAllowed(target.path, { destructive: ctx.destructive ?? false });
  }
  // fio lays out the scratch file itself; it only needs the directory.
  if (target.kind === 'file') await mkdir(path.dirname(target.path), { recursive: true });
  await mkdir(ctx.rawDir, { recursive: true });

  const outputFile = path.join(ctx.rawDir, FIO_OUTPUT_FILE);
  const args = buildFioArgs(params, target, { outputFile, jobName: ctx.jobName });
  await writeFile(path.join(ctx.rawDir, FIO_ARGS_FILE), JSON.stringify(['fio', ...args], null, 2) + '\n');

  const started = performance.now();
  const run = await runKillable(args, ctx.signal, ctx.killGraceMs ?? 5000);
  // fio's own wall time, so the runner can report its overhead beyond it.
  const toolMs = performance.now() - started;
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
  return { result, measurements: fioMeasurements(result), toolMs };
}

/**
 * Runs fio so that an abort reaches every process it started: fio's job processes leave its
 * process group (setsid), so startChild signals the whole tree found under /proc, SIGTERM first
 * (fio stops its jobs cleanly), then SIGKILL after the grace period.
 */
async function runKillable(args: string[], signal: AbortSignal, graceMs: number): Promise<ChildOutcome> {
  const outcome = await startChild('fio', args, { signal, graceMs, debianPackage: 'fio' }).done;
  signal.throwIfAborted();
  return outcome;
}

