// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-rdma-failures.test.ts):
// drives the ib_write_bw collector against the real perftest over Soft-RoCE into the states that
// need a working RDMA device, with short deadlines, and after each one asks `pgrep` whether any
// ib_write_bw is left. Prints one JSON line (RDMA-FAILURES {...}) for the host to judge.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { parsePerftestParams } from '../../collectors/perftest/params.js';
import { PERFTEST_FILES, PerftestRunError, runIbWriteBw, type PerftestRunOptions } from '../../collectors/perftest/run.js';
import { setupSoftRoce } from '../../collectors/perftest/rxe.js';
import type { CellParams } from '../../model/cell.js';

export interface ScenarioReport {
  name: string;
  /** 'ok' when the run resolved (none should). */
  outcome: 'ok' | 'error';
  errorName?: string;
  reason?: string;
  message?: string;
  ms: number;
  /** Milliseconds from the abort to the end of the run (abort scenario). */
  afterAbortMs?: number;
  /** ib_write_bw processes seen during the run (abort scenario: before the abort). */
  seenRunning?: string;
  /** The collector's phase timings (ib_write_bw-timing.json). */
  timing?: Record<string, number>;
  serverStderr?: string;
  clientStarted: boolean;
  /** `pgrep -a ib_write_bw` after the run: must be empty. */
  left: string;
}

async function pgrep(): Promise<string> {
  return (await execa('pgrep', ['-a', 'ib_write_bw'], { reject: false })).stdout.trim();
}

async function readMaybe(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

async function scenario(
  name: string,
  params: CellParams,
  options: Partial<PerftestRunOptions>,
  during?: (abort: (reason: Error) => void) => Promise<{ abortedAt: number; seen: string } | undefined>,
): Promise<ScenarioReport> {
  const rawDir = await mkdtemp(path.join(tmpdir(), `rdma-${name}-`));
  const ac = new AbortController();
  const started = Date.now();
  const run = runIbWriteBw(parsePerftestParams(params), { rawDir, signal: ac.signal, log: (l) => process.stdout.write(`# ${name}: ${l}\n`), killGraceMs: 1000, ...options });
  const watcher = during?.((reason) => ac.abort(reason));
  const settled = await run.then(
    () => ({ outcome: 'ok' as const }),
    (err: unknown) => ({
      outcome: 'error' as const,
      errorName: err instanceof Error ? err.name : typeof err,
      reason: err instanceof PerftestRunError ? err.reason : undefined,
      message: err instanceof Error ? err.message : String(err),
    }),
  );
  const ended = Date.now();
  const watched = await watcher;
  const timing = await readMaybe(path.join(rawDir, PERFTEST_FILES.timing));
  const report: ScenarioReport = {
    name,
    ...settled,
    ms: ended - started,
    afterAbortMs: watched ? ended - watched.abortedAt : undefined,
    seenRunning: watched?.seen,
    timing: timing ? (JSON.parse(timing) as Record<string, number>) : undefined,
    serverStderr: await readMaybe(path.join(rawDir, PERFTEST_FILES.serverStderr)),
    clientStarted: (await readMaybe(path.join(rawDir, PERFTEST_FILES.clientStdout))) !== undefined,
    left: await pgrep(),
  };
  await rm(rawDir, { recursive: true, force: true });
  return report;
}

/** Aborts once a server and its client both run, one second into their test. */
async function abortMidRun(abort: (reason: Error) => void): Promise<{ abortedAt: number; seen: string } | undefined> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const seen = await pgrep();
    if (seen.split('\n').filter((l) => / -D 600 /.test(l)).length >= 2) {
      await sleep(1000);
      const stillSeen = await pgrep();
      abort(new Error('aborted by the test'));
      return { abortedAt: Date.now(), seen: stillSeen };
    }
    await sleep(100);
  }
  return undefined;
}

const reports: ScenarioReport[] = [];
let setupError: string | undefined;
try {
  const rxe = await setupSoftRoce('rxe0', { log: (l) => process.stdout.write(`# ${l}\n`) });
  try {
    const base = { device: 'rxe0', size: 4096 };
    // A device that does not exist, beside one that does: perftest's own "not found".
    reports.push(await scenario('no-such-device', { ...base, device: 'nosuchdev', iterations: 5, port: 18811 }, {}));
    // A server that does not listen by the listen deadline (zero: it cannot have listened yet).
    reports.push(await scenario('listen-deadline', { ...base, iterations: 5, port: 18812 }, { listenTimeoutMs: 0 }));
    // A server and client that connect and then run far past the run deadline.
    reports.push(await scenario('run-deadline', { ...base, duration: 600, port: 18813 }, { runTimeoutMs: 8000 }));
    // An abort while server and client are both mid-test.
    reports.push(await scenario('abort', { ...base, duration: 600, port: 18814 }, {}, abortMidRun));
  } finally {
    await rxe.teardown();
  }
} catch (err) {
  setupError = err instanceof Error ? err.message : String(err);
}
process.stdout.write(`RDMA-FAILURES ${JSON.stringify({ setupError, reports })}\n`);
