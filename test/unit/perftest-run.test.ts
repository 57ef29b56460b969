// The ib_write_bw collector's process handling with the real tools of this host: perftest
// (no RDMA device here, so every ib_write_bw ends with perftest's "Did not detect devices") and,
// for the remote path, a real OpenSSH server on loopback (test/helpers/sshd.ts). The states that
// need a working RDMA device (a server that never listens, a run past its deadline, an abort
// mid-run) are tested in a lab guest with Soft-RoCE: test/lab/lab-rdma-failures.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { SSHD, startLoopbackSshd, type LoopbackSshd } from '../helpers/sshd.js';
import { buildRemoteServerSsh } from '../../collectors/perftest/args.js';
import { startChild } from '../../core/proc/child.js';
import { parsePerftestParams } from '../../collectors/perftest/params.js';
import { PERFTEST_FILES, PerftestRunError, runIbWriteBw } from '../../collectors/perftest/run.js';
import { processTree } from '../../core/proc/tree.js';

const hasRealTool = (await execa('ib_write_bw', ['--version'], { reject: false })).exitCode !== undefined;
const hasSsh = existsSync(SSHD) && (await execa('ssh', ['-V'], { reject: false })).exitCode === 0;
const sshSkip = !hasRealTool ? 'ib_write_bw is not installed' : !hasSsh ? 'openssh-server and openssh-client are not installed' : process.getuid?.() !== 0 ? 'needs root (sshd)' : false;

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'dmabench-perftest-'));
}

/** Live (not zombie) processes whose argv contains every one of `words`, as `pid argv`. */
function processesWith(words: string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (words.every((w) => argv.some((a) => a.includes(w)))) found.push(`${entry} ${argv.join(' ')}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** Waits until `list()` is empty (or `ms` passed) and returns what is left. */
async function eventuallyEmpty(list: () => string[], ms = 3000): Promise<string[]> {
  const until = Date.now() + ms;
  let left = list();
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = list();
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

describe('remote server over a real ssh to a loopback sshd', { skip: sshSkip }, () => {
  let sshd: LoopbackSshd;
  before(async () => {
    sshd = await startLoopbackSshd();
  });
  after(async () => {
    await sshd?.stop();
  });

  /** Every process of a session under our sshd (its per-connection children), as `pid argv`. */
  const sshdSessions = (): string[] => processTree(sshd.pid).slice(1).map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);

  test('the remote ib_write_bw really runs over ssh: the cell ends with both sides\' perftest words, promptly, and nothing is left', async () => {
    const dir = tmp();
    const port = 18795;
    try {
      const p = parsePerftestParams({
        size: 4096,
        iterations: 5,
        port,
        'remote.host': '127.0.0.1',
        'remote.user': sshd.user,
        'remote.ssh_options': sshd.sshOptions.join(' '),
      });
      const started = Date.now();
      const err = await runIbWriteBw(p, {
        rawDir: dir,
        signal: new AbortController().signal,
        log: () => undefined,
        listenTimeoutMs: 10_000,
        runTimeoutMs: 10_000,
        killGraceMs: 500,
      }).then(
        () => assert.fail('the run succeeded without an RDMA device'),
        (e: unknown) => e,
      );
      const tookMs = Date.now() - started;
      assert.ok(err instanceof PerftestRunError, String(err));
      // The local client fails at once; the remote server (ssh → sshd → timeout → ib_write_bw)
      // fails the same way on this host and its words come back through ssh.
      assert.equal(err.reason, 'client-failed');
      assert.match(err.message, /client exited with code 1: Did not detect devices/);
      assert.match(err.message, /server exited with code 1: Did not detect devices/);
      assert.match(readFileSync(path.join(dir, PERFTEST_FILES.serverStderr), 'utf8'), /Did not detect devices/);
      assert.match(readFileSync(path.join(dir, PERFTEST_FILES.clientStderr), 'utf8'), /Did not detect devices/);
      assert.ok(tookMs < 6000, `took ${tookMs} ms`);
      assert.match(sshd.log(), new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`));

      const args = JSON.parse(readFileSync(path.join(dir, PERFTEST_FILES.args), 'utf8')) as { server: string[]; client: string[] };
      const dashdash = args.server.indexOf('--');
      assert.deepEqual(args.server.slice(0, dashdash), ['ssh', '-o', 'BatchMode=yes', ...sshd.sshOptions.flatMap((o) => ['-o', o]), `${sshd.user}@127.0.0.1`]);
      assert.deepEqual(args.server.slice(dashdash + 1, dashdash + 4), ['timeout', '-k', '5']);
      assert.ok(Number(args.server[dashdash + 4]) >= 20, args.server.join(' '));
      assert.deepEqual(args.server.slice(dashdash + 5), ['ib_write_bw', '-F', '-p', String(port), '-s', '4096', '-n', '5']);
      assert.equal(args.client.at(-1), '127.0.0.1');

      assert.deepEqual(await eventuallyEmpty(sshdSessions), [], 'no sshd session left');
      assert.deepEqual(await eventuallyEmpty(() => processesWith(['ib_write_bw', String(port)])), [], 'no ib_write_bw left');
      assert.deepEqual(await eventuallyEmpty(() => processesWith(['ssh', `Port=${sshd.port}`])), [], 'no ssh left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('each server argument reaches the remote ib_write_bw as one word and is never run by the remote shell', async () => {
    const dir = tmp();
    try {
      const marker = (n: number) => path.join(dir, `ran-${n}`);
      // perftest (Debian 12's 4.5+0.17, `--version` says 6.06) echoes a bad -m value whole
      // ("MTU argument VALUE should be int") before it looks for a device: the remote tool's own
      // words show which argument it received.
      const word = `1024 $(touch ${marker(1)}); touch ${marker(2)} \`touch ${marker(3)}\` | touch ${marker(4)} "dq" 'sq' \\ && touch ${marker(5)}`;
      const remote = parsePerftestParams({ 'remote.host': '127.0.0.1', 'remote.user': sshd.user, 'remote.ssh_options': sshd.sshOptions.join(' ') }).remote!;
      const r = await startChild('ssh', buildRemoteServerSsh(remote, ['-F', '-m', word], 20), { timeoutMs: 15_000, graceMs: 500, debianPackage: 'openssh-client' }).done;
      assert.equal(r.timedOut, false);
      assert.equal(r.exitCode, 1, r.stderr);
      assert.ok(r.stderr.includes(`MTU argument ${word} should be int`), r.stderr);
      for (const n of [1, 2, 3, 4, 5]) assert.equal(existsSync(marker(n)), false, `the remote shell ran touch ${n}`);
      assert.deepEqual(await eventuallyEmpty(sshdSessions), [], 'no sshd session left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
