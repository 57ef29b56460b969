// Real `dmabench run`s of tiny fio campaigns on a temp file: the bundle, interruption and resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cliArgs, runCli } from '../helpers/cli.js';
import { readBundle } from '../../core/bundle/read.js';
import { repoRoot } from '../helpers/paths.js';

function campaign(cells: string[], reps: number): string {
  return `name: tiny
repetitions: ${reps}
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 16M }
    matrix:
      rw: randread
      bs: [${cells.join(', ')}]
      iodepth: 4
      ioengine: psync
      runtime: 1
`;
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'dmabench-run-'));
}

test('dmabench run writes a complete bundle with samples, raw outputs and system state', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k', '16k'], 2));
    const out = path.join(dir, 'bundle');
    const r = await runCli(['run', file, '--label', 'tiny-a', '--out', out]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const bundle = await readBundle(out);
    assert.equal(bundle.manifest.status, 'complete');
    assert.equal(bundle.manifest.label, 'tiny-a');
    assert.equal(bundle.manifest.system?.kernel.release, (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim());
    const iops = bundle.samples.filter((s) => s.metric === 'read.iops');
    assert.equal(iops.length, 4, 'one read.iops sample per cell × repetition');
    for (const s of iops) assert.ok(s.value !== null && s.value > 0, `positive IOPS, got ${s.value}`);
    assert.deepEqual(new Set(iops.map((s) => s.cell)).size, 2);
    const rawCells = await readdir(path.join(out, 'raw'));
    assert.equal(rawCells.length, 2);
    const reps = await readdir(path.join(out, 'raw', rawCells[0]!));
    assert.deepEqual(reps.sort(), ['timed-0', 'timed-1']);
    // The scratch file is removed after a complete run.
    await assert.rejects(readdir(path.join(out, 'scratch')));
    // What a report's "reproduce with" block prints: the command as given, the checkout's commit.
    assert.deepEqual(bundle.manifest.commands, [['run', file, '--label', 'tiny-a', '--out', out]]);
    // (A tree that is not a git checkout, an unpacked tarball, records no commit.)
    const git = ['-c', `safe.directory=${repoRoot}`, '-C', repoRoot];
    const head = await execa('git', [...git, 'rev-parse', 'HEAD'], { reject: false });
    assert.equal(bundle.manifest.dmabenchCommit, head.exitCode === 0 ? head.stdout.trim() : undefined);
    if (head.exitCode === 0) {
      const dirty = (await execa('git', [...git, 'status', '--porcelain', '--untracked-files=no'])).stdout.trim() !== '';
      assert.equal(bundle.manifest.dmabenchDirty, dirty);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run --commit/--commit-date record the kernel commit under test in the manifest (what publish orders and bisects by)', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k'], 1));
    const out = path.join(dir, 'bundle');
    const r = await runCli(['run', file, '--out', out, '--commit', 'ABCDEF0123456', '--commit-date', '2026-12-01T10:00:00Z']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.deepEqual((await readBundle(out)).manifest.kernelCommit, { commit: 'abcdef0123456', date: '2026-12-01T10:00:00Z' });
    const bad = await runCli(['run', file, '--out', path.join(dir, 'other'), '--commit', 'v7.2']);
    assert.equal(bad.exitCode, 2);
    assert.match(String(bad.stderr), /--commit v7\.2: not a git commit id/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGINT during a run leaves a valid incomplete bundle that --resume completes', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k', '8k', '16k'], 2));
    const out = path.join(dir, 'bundle');
    const child = execa(process.execPath, cliArgs(['run', file, '--out', out]), {
      reject: false,
      cwd: repoRoot,
    });
    // Wait until at least one repetition is recorded, then interrupt the next one.
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.ok(Date.now() < deadline, 'a repetition finished within 60 s');
      const text = await readFile(path.join(out, 'manifest.json'), 'utf8').catch(() => '');
      if (text && Object.values((JSON.parse(text) as { done: Record<string, number[]> }).done).flat().length >= 1) break;
      await sleep(100);
    }
    await sleep(300);
    child.kill('SIGINT');
    const first = await child;
    assert.equal(first.exitCode, 130, String(first.stderr));
    const interrupted = await readBundle(out);
    assert.equal(interrupted.manifest.status, 'incomplete');
    assert.equal(interrupted.manifest.interruptedBy, 'SIGINT');
    const doneBefore = Object.values(interrupted.manifest.done).flat().length;
    assert.ok(doneBefore >= 1 && doneBefore < 6, `some but not all repetitions done: ${doneBefore}`);
    // No fio left behind.
    // fio's command line names its output file in the bundle.
    const fio = await execa('pgrep', ['-f', '--', `--output=${out}`], { reject: false });
    assert.equal(fio.stdout.trim(), '', 'no fio process of this run still running');

    const resumed = await runCli(['run', file, '--out', out, '--resume']);
    assert.equal(resumed.exitCode, 0, String(resumed.stderr));
    const complete = await readBundle(out);
    assert.equal(complete.manifest.status, 'complete');
    assert.deepEqual(complete.manifest.commands, [['run', file, '--out', out], ['run', file, '--out', out, '--resume']], 'the run, then its resume');
    const iops = complete.samples.filter((s) => s.metric === 'read.iops');
    assert.equal(iops.length, 6, 'exactly one sample per cell × repetition, none duplicated');
    assert.equal(new Set(iops.map((s) => `${s.cell}#${s.rep}`)).size, 6);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a second run into a non-empty directory is refused, and resuming a complete bundle too', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k'], 1));
    const out = path.join(dir, 'bundle');
    assert.equal((await runCli(['run', file, '--out', out])).exitCode, 0);
    const again = await runCli(['run', file, '--out', out]);
    assert.notEqual(again.exitCode, 0);
    assert.match(String(again.stderr), /not empty/);
    const resume = await runCli(['run', file, '--out', out, '--resume']);
    assert.notEqual(resume.exitCode, 0);
    assert.match(String(resume.stderr), /already complete/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
