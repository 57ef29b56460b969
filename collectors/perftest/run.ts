// One ib_write_bw run: (Soft-RoCE set-up,) server, wait until it listens, client, results.
// Every child has a deadline and is killed with its whole process tree; a server that never
// sees its client, a port that is down or a missing device ends with a PerftestRunError that
// quotes perftest's own words, never with a hang. Raw outputs of both sides stay in rawDir.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measurement } from '../../model/measurement.js';
import { ParseError } from '../../model/parse-error.js';
import { buildClientArgs, buildRemoteServerSsh, buildServerArgs } from './args.js';
import { startChild, type ChildOutcome, type RunningChild } from '../../core/proc/child.js';
import { estimatePerftestSeconds } from './estimate.js';
import { processListensOn } from './listen.js';
import { perftestMeasurements } from './metrics.js';
import type { PerftestParams } from './params.js';
import { parsePerftestJson, parsePerftestText, perftestErrorLines, WAITING_BANNER, type PerftestRow } from './parse.js';
import { setupSoftRoce, type SoftRoce } from './rxe.js';

export const PERFTEST_FILES = {
  args: 'ib_write_bw-args.json',
  version: 'ib_write_bw-version.txt',
  /** Milliseconds from the start of the run to each phase, to see where a slow run spent its time. */
  timing: 'ib_write_bw-timing.json',
  serverStdout: 'server-stdout.txt',
  serverStderr: 'server-stderr.txt',
  clientStdout: 'client-stdout.txt',
  clientStderr: 'client-stderr.txt',
  /** stderr of client attempts that found nothing listening yet (remote servers). */
  clientRetries: 'client-retries.txt',
  serverJson: 'server-out.json',
  clientJson: 'client-out.json',
} as const;

export type PerftestFailure = 'server-exited' | 'listen-timeout' | 'client-failed' | 'client-timeout' | 'no-result';

export class PerftestRunError extends Error {
  override name = 'PerftestRunError';
  constructor(
    message: string,
    readonly reason: PerftestFailure,
  ) {
    super(message);
  }
}

export interface PerftestRunOptions {
  rawDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** The ib_write_bw executable (default: from PATH). */
  ibWriteBw?: string;
  /** The ssh executable for a remote server (default: from PATH). */
  ssh?: string;
  /** Deadline of the client run (ms). Default: 3 × the estimate + 30 s. */
  runTimeoutMs?: number;
  /** Deadline for the server to listen, and for a remote one to accept (ms). Default 30 s (TCG is slow). */
  listenTimeoutMs?: number;
  /** How long the server may take to exit once its client is done (ms). Default 15 s. */
  serverExitMs?: number;
  /**
   * After a failed (not timed-out) client, how long the server may take to exit by itself (ms)
   * before it is killed, so its own words are kept: a remote server may not even have started
   * when a local client fails at once. Default 3 s.
   */
  serverWordsMs?: number;
  killGraceMs?: number;
}

export interface PerftestRunResult {
  rows: PerftestRow[];
  bwUnit: string;
  measurements: Measurement[];
  toolMs: number;
  /** Where the numbers came from. */
  source: 'client-text' | 'client-json';
}

/** perftest's client says this when nothing accepts on the port (yet). */
const CONNECT_REFUSED = /Couldn't connect to /;

function sideOutcome(side: string, r: ChildOutcome): string {
  const lines = perftestErrorLines(`${r.stderr}\n${r.stdout}`);
  const how = r.timedOut ? 'was killed at its deadline' : r.killed ? 'was killed' : r.signal ? `died of ${r.signal}` : `exited with code ${r.exitCode}`;
  return `${side} ${how}${lines.length > 0 ? `: ${lines.slice(0, 4).join('; ')}` : ''}`;
}

export async function runIbWriteBw(p: PerftestParams, o: PerftestRunOptions): Promise<PerftestRunResult> {
  o.signal.throwIfAborted();
  await mkdir(o.rawDir, { recursive: true });
  const bin = o.ibWriteBw ?? 'ib_write_bw';
  const runTimeoutMs = o.runTimeoutMs ?? (estimatePerftestSeconds(p) * 3 + 30) * 1000;
  const listenTimeoutMs = o.listenTimeoutMs ?? 30_000;
  const grace = o.killGraceMs ?? 3000;
  const raw = (name: string) => path.join(o.rawDir, name);

  const remote = p.remote;
  const serverArgs = buildServerArgs(p, remote ? { device: remote.device ?? p.device } : { jsonFile: raw(PERFTEST_FILES.serverJson) });
  const clientArgs = buildClientArgs(p, remote ? remote.host : '127.0.0.1', { jsonFile: raw(PERFTEST_FILES.clientJson) });
  const serverFile = remote ? (o.ssh ?? 'ssh') : bin;
  const serverArgv = remote ? buildRemoteServerSsh(remote, serverArgs, runTimeoutMs / 1000 + listenTimeoutMs / 1000) : serverArgs;
  await writeFile(raw(PERFTEST_FILES.args), JSON.stringify({ server: [serverFile, ...serverArgv], client: [bin, ...clientArgs] }, null, 2) + '\n');

  const version = await startChild(bin, ['--version'], { timeoutMs: 10_000, signal: o.signal, debianPackage: 'perftest' }).done;
  await writeFile(raw(PERFTEST_FILES.version), `${version.stdout}${version.stderr}`);

  let rxe: SoftRoce | undefined;
  let server: RunningChild | undefined;
  let serverOut: ChildOutcome | undefined;
  let clientOut: ChildOutcome | undefined;
  const retries: string[] = [];
  const started = performance.now();
  const timing: Record<string, number> = {};
  const mark = (phase: string): void => {
    timing[phase] = Math.round(performance.now() - started);
  };
  let toolStarted = started;
  try {
    if (p.rxe) {
      rxe = await setupSoftRoce(p.device ?? 'rxe0', { log: o.log, signal: o.signal });
      mark('rxe-ready');
    }
    toolStarted = performance.now();

    // The server's own deadline covers waiting for its client and the whole test.
    server = startChild(serverFile, serverArgv, { timeoutMs: listenTimeoutMs + runTimeoutMs, signal: o.signal, graceMs: grace, debianPackage: serverFile === 'ssh' ? 'openssh-client' : 'perftest' });
    if (!remote) await waitUntilListening(server, p.port, listenTimeoutMs, o.signal);
    mark('server-listening');

    const deadline = Date.now() + runTimeoutMs;
    const connectDeadline = Date.now() + listenTimeoutMs;
    let backoff = 250;
    for (;;) {
      const left = deadline - Date.now();
      clientOut = await startChild(bin, clientArgs, { timeoutMs: Math.max(left, 1000), signal: o.signal, graceMs: grace, debianPackage: 'perftest' }).done;
      o.signal.throwIfAborted();
      mark('client-exited');
      const refused = clientOut.exitCode !== 0 && !clientOut.timedOut && CONNECT_REFUSED.test(clientOut.stderr);
      if (!refused || !server.running() || Date.now() + backoff > connectDeadline) break;
      retries.push(clientOut.stderr);
      await sleep(backoff, undefined, { signal: o.signal });
      backoff = Math.min(backoff * 2, 2000);
    }

    if (clientOut.exitCode !== 0) {
      if (server.running() && !clientOut.timedOut) {
        serverOut = await exitWithin(server, o.serverWordsMs ?? 3000);
      }
      serverOut ??= server.running() ? await server.kill() : await server.done;
      const reason: PerftestFailure = clientOut.timedOut ? 'client-timeout' : 'client-failed';
      const what = clientOut.timedOut ? `the ib_write_bw client did not finish within ${Math.round(runTimeoutMs / 1000)} s` : 'the ib_write_bw client failed';
      throw new PerftestRunError(`${what} (${sideOutcome('client', clientOut)}; ${sideOutcome('server', serverOut)}); raw output in ${o.rawDir}`, reason);
    }
    serverOut = await exitWithin(server, o.serverExitMs ?? 15_000);
    if (!serverOut) {
      o.log(`ib_write_bw server still running ${Math.round((o.serverExitMs ?? 15_000) / 1000)} s after its client finished: killed it`);
      serverOut = await server.kill();
    }
    mark('server-exited');
  } finally {
    if (server) serverOut = await (server.running() ? server.kill() : server.done).catch(() => serverOut);
    if (serverOut) {
      await writeFile(raw(PERFTEST_FILES.serverStdout), serverOut.stdout);
      await writeFile(raw(PERFTEST_FILES.serverStderr), serverOut.stderr);
    }
    if (clientOut) {
      await writeFile(raw(PERFTEST_FILES.clientStdout), clientOut.stdout);
      await writeFile(raw(PERFTEST_FILES.clientStderr), clientOut.stderr);
    }
    if (retries.length > 0) await writeFile(raw(PERFTEST_FILES.clientRetries), retries.join('\n--- retry ---\n'));
    if (rxe) {
      await rxe.teardown().catch((err: unknown) => o.log(`rxe tear-down failed: ${String(err)}`));
      mark('rxe-removed');
    }
    await writeFile(raw(PERFTEST_FILES.timing), JSON.stringify(timing, null, 2) + '\n');
  }
  const toolMs = (timing['server-exited'] ?? 0) - (toolStarted - started);

  try {
    const report = parsePerftestText(clientOut.stdout, raw(PERFTEST_FILES.clientStdout));
    return { rows: report.rows, bwUnit: report.bwUnit, measurements: perftestMeasurements(report.rows, report.bwUnit), toolMs, source: 'client-text' };
  } catch (textErr) {
    // The JSON has no unit: it is what the run asked for.
    const json = await readFile(raw(PERFTEST_FILES.clientJson), 'utf8').catch(() => undefined);
    if (json === undefined) throw asNoResult(textErr, o.rawDir);
    const report = parsePerftestJson(json, raw(PERFTEST_FILES.clientJson), { peakMeasured: p.duration === undefined });
    const unit = p.report_gbits ? 'Gb/s' : 'MiB/s';
    o.log(`ib_write_bw: no table on the client's stdout; using its JSON (${unit} assumed)`);
    return { rows: report.rows, bwUnit: unit, measurements: perftestMeasurements(report.rows, unit), toolMs, source: 'client-json' };
  }
}

/** The server's outcome if it exits within `ms`, else undefined (it keeps running). */
async function exitWithin(server: RunningChild, ms: number): Promise<ChildOutcome | undefined> {
  const timer = new AbortController();
  // Cancelled once the server has exited, so no timer holds the process open.
  const waited = sleep(ms, undefined, { signal: timer.signal }).then(
    () => undefined,
    () => undefined,
  );
  try {
    return await Promise.race([server.done, waited]);
  } finally {
    timer.abort();
  }
}

function asNoResult(err: unknown, rawDir: string): Error {
  if (err instanceof ParseError) return new PerftestRunError(`${err.message}; raw output in ${rawDir}`, 'no-result');
  return err as Error;
}

/** Resolves once the server listens (or says so); throws when it exits first or takes too long. */
async function waitUntilListening(server: RunningChild, port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (!server.running()) {
      const out = await server.done;
      throw new PerftestRunError(`the ib_write_bw server ended before it listened on port ${port} (${sideOutcome('server', out)})`, 'server-exited');
    }
    if (WAITING_BANNER.test(server.stdoutSoFar())) return;
    if (server.pid !== undefined && processListensOn(server.pid, port)) return;
    if (Date.now() >= deadline) {
      const out = await server.kill();
      throw new PerftestRunError(`the ib_write_bw server did not listen on port ${port} within ${Math.round(timeoutMs / 1000)} s (${sideOutcome('server', out)})`, 'listen-timeout');
    }
    await sleep(100);
  }
}
