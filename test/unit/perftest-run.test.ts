import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { fixture, repoRoot } from '../helpers/paths.js';
import { parsePerftestParams } from '../../collectors/perftest/params.js';
import { PERFTEST_FILES, PerftestRunError, runIbWriteBw } from '../../collectors/perftest/run.js';
import { parsePerftestText } from '../../collectors/perftest/parse.js';

const standin = path.join(repoRoot, 'test', 'helpers', 'ib-write-bw-standin.mjs');
const sshStandin = path.join(repoRoot, 'test', 'helpers', 'ssh-standin.mjs');
const hasRealTool = (await execa('ib_write_bw', ['--version'], { reject: false })).exitCode !== undefined;

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'dmabench-perftest-'));
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function eventuallyGone(pids: number[], ms = 3000): Promise<number[]> {
  const until = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}

test('a missing RDMA device ends the run with perftest\'s words, quickly (real ib_write_bw)', { skip: !hasRealTool && 'ib_write_bw is not installed' }, async () => {
  const dir = tmp();
  try {
    const started = Date.now();
    const err = await runIbWriteBw(parsePerftestParams({ device: 'nosuchdev', size: 4096, iterations: 5, port: 18790 }), {
      rawDir: dir,
      signal: new AbortController().signal,
      log: () => undefined,
      listenTimeoutMs: 10_000,
      runTimeoutMs: 10_000,
    }).then(
      () => assert.fail('the run succeeded without an RDMA device'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PerftestRunError, String(err));
    assert.equal(err.reason, 'server-exited');
    // This host has no RDMA device at all (perftest 4.5: "Did not detect devices"); with other
    // devices present perftest 6.24 says "IB device nosuchdev not found" (fixtures).
    const stderr = readFileSync(path.join(dir, PERFTEST_FILES.serverStderr), 'utf8');
    const firstLine = stderr.trim().split('\n')[0]!.trim();
    assert.ok(firstLine.length > 0);
    assert.ok(err.message.includes(firstLine), err.message);
    assert.match(err.message, /exited with code 1/);
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    const args = JSON.parse(readFileSync(path.join(dir, PERFTEST_FILES.args), 'utf8')) as { server: string[]; client: string[] };
    assert.deepEqual(args.server.slice(0, 3), ['ib_write_bw', '-d', 'nosuchdev']);
    assert.equal(args.client.at(-1), '127.0.0.1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that never answers: the client deadline ends the run and no process is left', async () => {
  const dir = tmp();
  const pidFile = path.join(dir, 'pids');
  process.env.STANDIN_PIDS = pidFile;
  process.env.STANDIN_MODE = 'hang';
  try {
    const started = Date.now();
    const err = await runIbWriteBw(parsePerftestParams({ size: 4096, iterations: 5, port: 18791 }), {
      rawDir: dir,
      signal: new AbortController().signal,
      log: () => undefined,
      ibWriteBw: standin,
      listenTimeoutMs: 10_000,
      runTimeoutMs: 2000,
      killGraceMs: 500,
    }).then(
      () => assert.fail('the run succeeded against a silent server'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PerftestRunError, String(err));
    assert.equal(err.reason, 'client-timeout');
    assert.match(err.message, /did not finish within 2 s/);
    assert.ok(Date.now() - started < 9000, `took ${Date.now() - started} ms`);
    // server + its sleep, client + its sleep (and the --version call, which writes nothing).
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 4);
    assert.deepEqual(await eventuallyGone(pids), []);
    assert.ok(existsSync(path.join(dir, PERFTEST_FILES.serverStdout)));
    assert.ok(existsSync(path.join(dir, PERFTEST_FILES.clientStderr)));
  } finally {
    delete process.env.STANDIN_PIDS;
    delete process.env.STANDIN_MODE;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that never listens: the listen deadline ends the run and no process is left', async () => {
  const dir = tmp();
  const pidFile = path.join(dir, 'pids');
  process.env.STANDIN_PIDS = pidFile;
  process.env.STANDIN_MODE = 'no-listen';
  try {
    const err = await runIbWriteBw(parsePerftestParams({ size: 4096, iterations: 5, port: 18792 }), {
      rawDir: dir,
      signal: new AbortController().signal,
      log: () => undefined,
      ibWriteBw: standin,
      listenTimeoutMs: 1500,
      killGraceMs: 500,
    }).then(
      () => assert.fail('the run succeeded without a listening server'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PerftestRunError, String(err));
    assert.equal(err.reason, 'listen-timeout');
    assert.match(err.message, /did not listen on port 18792 within 2 s/);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 2, 'no client was started');
    assert.deepEqual(await eventuallyGone(pids), []);
  } finally {
    delete process.env.STANDIN_PIDS;
    delete process.env.STANDIN_MODE;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an abort kills the server while it waits', async () => {
  const dir = tmp();
  const pidFile = path.join(dir, 'pids');
  process.env.STANDIN_PIDS = pidFile;
  process.env.STANDIN_MODE = 'no-listen';
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 700);
    await assert.rejects(
      runIbWriteBw(parsePerftestParams({ size: 4096, iterations: 5, port: 18793 }), { rawDir: dir, signal: ac.signal, log: () => undefined, ibWriteBw: standin, listenTimeoutMs: 30_000, killGraceMs: 500 }),
      /stop/,
    );
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.deepEqual(await eventuallyGone(pids), []);
  } finally {
    delete process.env.STANDIN_PIDS;
    delete process.env.STANDIN_MODE;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('remote server over ssh: the client retries until the server listens (stand-ins for ssh and perftest)', async () => {
  const dir = tmp();
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(standin, path.join(bin, 'ib_write_bw'));
  const env = { STANDIN_MODE: 'replay', STANDIN_LISTEN_DELAY_MS: '1200', STANDIN_BIN: bin, STANDIN_SSH_ARGV: path.join(dir, 'ssh-argv.json') };
  Object.assign(process.env, env);
  try {
    const p = parsePerftestParams({ size: 65536, iterations: 500, port: 18794, 'remote.host': 'localhost', 'remote.user': 'bench', 'remote.ssh_options': 'ConnectTimeout=5' });
    const raw = path.join(dir, 'raw');
    const result = await runIbWriteBw(p, { rawDir: raw, signal: new AbortController().signal, log: () => undefined, ibWriteBw: standin, ssh: sshStandin, listenTimeoutMs: 10_000, runTimeoutMs: 10_000 });
    const real = parsePerftestText(readFileSync(fixture('perftest', 'lab-7.2', 'mbs.client.txt'), 'utf8'));
    assert.deepEqual(result.rows, real.rows);
    assert.equal(result.bwUnit, 'MiB/s');
    assert.equal(result.source, 'client-text');
    // At least one refused attempt before the server listened, kept for the record.
    assert.match(readFileSync(path.join(raw, PERFTEST_FILES.clientRetries), 'utf8'), /Couldn't connect to /);
    assert.match(readFileSync(path.join(raw, PERFTEST_FILES.serverStdout), 'utf8'), /Waiting for client to connect/);
    const sshArgv = JSON.parse(readFileSync(env.STANDIN_SSH_ARGV, 'utf8')) as string[];
    const dashdash = sshArgv.indexOf('--');
    assert.deepEqual(sshArgv.slice(0, dashdash), ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'bench@localhost']);
    assert.deepEqual(sshArgv.slice(dashdash + 1, dashdash + 5), ['timeout', '-k', '5', sshArgv[dashdash + 4]]);
    assert.ok(Number(sshArgv[dashdash + 4]) >= 20);
    assert.deepEqual(sshArgv.slice(dashdash + 5), ['ib_write_bw', '-F', '-p', '18794', '-s', '65536', '-n', '500']);
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
    rmSync(dir, { recursive: true, force: true });
  }
});
