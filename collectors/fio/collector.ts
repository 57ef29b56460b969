// Runs fio for one cell against one target and returns the parsed result and its measurements.
// fio's own json+ file and its stderr are kept in rawDir so any number can be traced back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Measurement } from '../types.js';
import { MissingToolError } from '../tool-check.js';
import { processTree, signalAll } from '../../core/proc/tree.js';
import { assertDeviceWriteAllowed } from './device-safety.js';
import { buildFioArgs, type FioTarget } from './job.js';
import { fioMeasurements } from './metrics.js';
import { isReadOnlyRw, type FioParams } from './params.js';
import { parseFioOutput, type FioResult } from './parse.js';

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
  const run = await runKillable('fio', args, ctx.signal, ctx.killGraceMs ?? 5000);
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

interface ChildOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs fio so that an abort reaches every process it started. fio's job processes leave its
 * process group (setsid), so on abort we signal the whole tree found under /proc: SIGTERM first,
 * so fio stops its jobs cleanly, then SIGKILL for every pid we saw after a grace period.
 */
async function runKillable(file: string, args: string[], signal: AbortSignal, graceMs: number): Promise<ChildOutcome> {
  const child = execa(file, args, { stdin: 'ignore', reject: false });
  const seen = new Set<number>();
  let killTimer: NodeJS.Timeout | undefined;
  const signalTree = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    for (const pid of processTree(child.pid)) seen.add(pid);
    signalAll(seen, sig);
  };
  const onAbort = () => {
    signalTree('SIGTERM');
    killTimer = setTimeout(() => signalTree('SIGKILL'), graceMs);
    killTimer.unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    // A spawn failure has no exit code: checking here, not with `fio --version` before every
    // repetition, keeps a process start off the per-repetition path.
    if (r.failed && r.exitCode === undefined && /ENOENT/.test(r.message ?? '')) {
      throw new MissingToolError(`${file} not found: install it (Debian: apt-get install ${file})`);
    }
    signal.throwIfAborted();
    return { exitCode: r.exitCode, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Jobs can outlive the leader: once it is gone, make sure none we saw is left behind.
    if (signal.aborted) signalAll(seen, 'SIGKILL');
    if (killTimer) clearTimeout(killTimer);
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
