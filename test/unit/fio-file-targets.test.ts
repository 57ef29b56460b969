// File targets through the real `dmabench run` and the real fio (needs root for the loop device):
// a device under `kind: file` is refused, a file dmabench did not create is never written or
// extended, read workloads on it are held to --readonly and its size, the files dmabench creates
// are its own (by inode and birth time, not by name) and go away after the run, and they are laid
// out before the workload's first repetition, not in it (review m10).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cliArgs, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { readBundle } from '../../core/bundle/read.js';
import { FIO_ARGS_FILE, FIO_TARGET_FILE } from '../../collectors/fio/run.js';
import { preflightTarget, DeviceSafetyError } from '../../collectors/fio/device-safety.js';

const MiB = 1024 * 1024;
let dir = '';
const loops: string[] = [];
const mounts: string[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-file-targets-'));
});

after(async () => {
  for (const l of loops) await execa('losetup', ['-d', l], { reject: false });
  for (const m of mounts) await execa('umount', [m], { reject: false });
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Content, size and modification time: what "unchanged" means for a file. */
async function fingerprint(file: string): Promise<{ sha: string; size: number; mtimeNs: bigint }> {
  const st = await stat(file, { bigint: true });
  return { sha: await sha256(file), size: Number(st.size), mtimeNs: st.mtimeNs };
}

async function dataFile(name: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, randomBytes(bytes));
  return file;
}

interface CampaignOptions {
  target?: string;
  rw: string;
  destructive?: boolean;
  reps?: number;
  cells?: string[];
}

async function campaign(name: string, o: CampaignOptions): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `name: ${name}
repetitions: ${o.reps ?? 1}
warmup: 0
workloads:
  - name: w
    tool: fio
${o.target ? `    target: ${o.target}\n` : ''}    destructive: ${o.destructive ?? false}
    matrix:
      rw: ${o.rw}
      bs: [${(o.cells ?? ['4k']).join(', ')}]
      ioengine: psync
      runtime: 1
`,
  );
  return file;
}

/** The one repetition directory of a one-cell, one-repetition bundle. */
async function onlyRepDir(bundle: string): Promise<string> {
  const [cell] = await readdir(path.join(bundle, 'raw'));
  return path.join(bundle, 'raw', cell!, 'timed-0');
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Waits until the bundle's manifest marks at least `n` repetitions done. */
async function waitForDone(bundle: string, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    assert.ok(Date.now() < deadline, `${n} repetition(s) finished within 60 s`);
    const text = await readFile(path.join(bundle, 'manifest.json'), 'utf8').catch(() => '');
    if (text && Object.values((JSON.parse(text) as { done: Record<string, number[]> }).done).flat().length >= n) return;
    await sleep(100);
  }
}

function startRun(file: string, out: string) {
  return execa(process.execPath, cliArgs(['run', file, '--out', out]), { reject: false, cwd: repoRoot });
}

test('a loop device holding data, given as kind: file with randwrite, is refused naming kind: device; its content is unchanged', async () => {
  const backing = path.join(dir, 'pattern.img');
  await writeFile(backing, randomBytes(16 * MiB));
  await execa('truncate', ['-s', '64M', backing]);
  const dev = (await execa('losetup', ['-f', '--show', backing])).stdout.trim();
  loops.push(dev);
  const before = await sha256(dev);
  for (const destructive of [false, true]) {
    const file = await campaign(`dev-as-file-${destructive}`, { target: `{ kind: file, path: ${dev}, size: 16M }`, rw: 'randwrite', destructive });
    const r = await runCli(['run', file, '--out', path.join(dir, `bundle-dev-as-file-${destructive}`)]);
    assert.equal(r.exitCode, 2, String(r.stderr));
    assert.equal(
      String(r.stderr).trim(),
      `dmabench: refusing ${dev} as a file target (check: kind): it is a block device; use kind: device (a write then needs destructive: true and a blank, unused device)`,
    );
  }
  assert.equal(await sha256(dev), before, 'the device was not written');
  // A character device is refused the same way, and a missing name under /dev never becomes a file.
  await assert.rejects(preflightTarget({ kind: 'file', path: '/dev/null', size: '1M' }, { destructive: true, writes: true }), (e: unknown) => e instanceof DeviceSafetyError && e.check === 'kind' && /it is a character device/.test(e.message));
  const missing = `/dev/dmabench-no-such-disk-${process.pid}`;
  await assert.rejects(preflightTarget({ kind: 'file', path: missing, size: '1M' }, { destructive: true, writes: true }), (e: unknown) => e instanceof DeviceSafetyError && e.check === 'kind' && /never creates a file under \/dev/.test(e.message));
});

test('an existing 16 MB file is never written without destructive: randwrite is refused, content and mtime unchanged', async () => {
  const data = await dataFile('existing-16m.dat', 16 * MiB);
  const before = await fingerprint(data);
  const file = await campaign('foreign-write', { target: `{ kind: file, path: ${data}, size: 16M }`, rw: 'randwrite' });
  const r = await runCli(['run', file, '--out', path.join(dir, 'bundle-foreign-write')]);
  assert.equal(r.exitCode, 2, String(r.stderr));
  assert.equal(
    String(r.stderr).trim(),
    `dmabench: refusing to write to ${data} (check: foreign-file): dmabench did not create this file; set destructive: true to let the workload overwrite it (never beyond its size), or leave out path: to use a scratch file in the bundle`,
  );
  assert.deepEqual(await fingerprint(data), before);
});

test('a read workload on an existing file runs with --readonly and a size no larger than the file; the file is unchanged and kept', async () => {
  const data = await dataFile('existing-read.dat', 16 * MiB);
  const before = await fingerprint(data);
  const file = await campaign('foreign-read', { target: `{ kind: file, path: ${data}, size: 1G }`, rw: 'randread' });
  const out = path.join(dir, 'bundle-foreign-read');
  const r = await runCli(['run', file, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  assert.match(String(r.stderr), new RegExp(`${data} holds 16777216 bytes: size 1G lowered to that`));
  const rep = await onlyRepDir(out);
  const args = await readJson<string[]>(path.join(rep, FIO_ARGS_FILE));
  assert.ok(args.includes('--readonly'), args.join(' '));
  assert.ok(args.includes('--size=16777216'), args.join(' '));
  // fio reaches the file through the descriptor dmabench checked, never by its name.
  assert.ok(args.includes('--filename=/proc/self/fd/3'), args.join(' '));
  assert.deepEqual(await readJson(path.join(rep, FIO_TARGET_FILE)), { given: data, path: data, kind: 'file', owner: 'not this run', size: '16777216', readonly: true, destructive: false, fioOpens: '/proc/self/fd/3' });
  const bundle = await readBundle(out);
  assert.ok(bundle.samples.find((s) => s.metric === 'read.iops')!.value! > 0, 'fio really read');
  assert.deepEqual(await fingerprint(data), before);
});

test('destructive: true lets a write workload overwrite an existing file, never beyond its size', async () => {
  const data = await dataFile('existing-destructive.dat', 16 * MiB);
  const before = await fingerprint(data);
  const file = await campaign('foreign-destructive', { target: `{ kind: file, path: ${data}, size: 1G }`, rw: 'randwrite', destructive: true });
  const out = path.join(dir, 'bundle-foreign-destructive');
  const r = await runCli(['run', file, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const after = await fingerprint(data);
  assert.equal(after.size, before.size, 'not extended');
  assert.notEqual(after.sha, before.sha, 'written, as allowed');
  assert.ok(!(await readJson<string[]>(path.join(await onlyRepDir(out), FIO_ARGS_FILE))).includes('--readonly'));
});

test('the scratch file dmabench creates is its own, laid out once, and removed after the run', async () => {
  const file = await campaign('scratch', { rw: 'randwrite', reps: 2 });
  const out = path.join(dir, 'bundle-scratch');
  const r = await runCli(['run', file, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const scratchFile = path.join(out, 'scratch', 'w.dmabench-scratch');
  const [cell] = await readdir(path.join(out, 'raw'));
  const first = await readJson<Record<string, unknown>>(path.join(out, 'raw', cell!, 'timed-0', FIO_TARGET_FILE));
  const second = await readJson<Record<string, unknown>>(path.join(out, 'raw', cell!, 'timed-1', FIO_TARGET_FILE));
  // Made and laid out before the first repetition (the workload's prepare), which found it its own.
  assert.deepEqual(first, { given: scratchFile, path: scratchFile, kind: 'file', owner: 'this run', created: false, size: '256M', readonly: false, fioOpens: '/proc/self/fd/3' });
  assert.match(String(r.stderr), new RegExp(`fio: w: laid out ${scratchFile} \\(256 MiB, fsynced\\) in [0-9.]+ s, before its first repetition`));
  // The second repetition found the same file still its own (fio did not replace it).
  assert.deepEqual(second, first);
  await assert.rejects(stat(path.join(out, 'scratch')), { code: 'ENOENT' });
});

test('warmup: 0: the file is laid out before repetition 0 begins, so none of its writes are in it (review m10)', async () => {
  // keep: true, so the file (and its timestamps) outlive the run.
  const target = path.join(dir, 'laid-out-before-rep0.dat');
  const file = await campaign('layout-before-rep0', { target: `{ kind: file, path: ${target}, size: 64M, keep: true }`, rw: 'randread', reps: 2 });
  const out = path.join(dir, 'bundle-layout-before-rep0');
  const r = await runCli(['run', file, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const rep0 = await onlyRepDir(out);
  // The kernel's own record: the lay-out's last write (the file's mtime; fio's reads leave it) came
  // no later than the creation of repetition 0's raw directory, the first thing the repetition
  // does. When the first repetition laid the file out, the file was born, and written, after it.
  const laidOut = await stat(target, { bigint: true });
  const rep0Dir = await stat(rep0, { bigint: true });
  assert.equal(laidOut.size, BigInt(64 * MiB));
  assert.ok(rep0Dir.birthtimeNs > 0n, 'the filesystem records birth times');
  assert.ok(laidOut.mtimeNs <= rep0Dir.birthtimeNs, `last lay-out write ${laidOut.mtimeNs} after repetition 0 began ${rep0Dir.birthtimeNs}`);
  // Repetition 0 found the file made and full: it neither created nor filled it.
  const record = await readJson<Record<string, unknown>>(path.join(rep0, FIO_TARGET_FILE));
  assert.equal(record.created, false);
  assert.equal(record.laidOutBytes, undefined);
  // fio itself, in repetition 0: reads only, not a byte written.
  const fio = await readJson<{ jobs: { read: { io_bytes: number }; write: { io_bytes: number } }[] }>(path.join(rep0, 'fio-output.json'));
  assert.ok(fio.jobs[0]!.read.io_bytes > 0);
  assert.equal(fio.jobs[0]!.write.io_bytes, 0);
  // And the log says so, before the repetition's figures.
  assert.match(String(r.stderr), new RegExp(`laid out ${target} \\(64 MiB, fsynced\\) in [0-9.]+ s, before its first repetition`));
});

test('a lay-out cut short (the file-size limit killed dmabench at 4 MiB) is finished by --resume, before its first repetition', async () => {
  const target = path.join(dir, 'laid-out-on-resume.dat');
  const file = await campaign('layout-resume', { target: `{ kind: file, path: ${target}, size: 16M, keep: true }`, rw: 'randread', reps: 2 });
  const out = path.join(dir, 'bundle-layout-resume');
  // RLIMIT_FSIZE: the kernel stops the lay-out at 4 MiB with SIGXFSZ, a crash in the middle of it.
  const cut = await execa('prlimit', ['--fsize=4194304', process.execPath, ...cliArgs(['run', file, '--out', out])], { reject: false, cwd: repoRoot });
  assert.equal(cut.signal, 'SIGXFSZ', cut.stderr);
  assert.equal((await stat(target)).size, 4 * MiB);
  await assert.rejects(readdir(path.join(out, 'raw')), { code: 'ENOENT' }, 'no repetition began');
  const resumed = await runCli(['run', file, '--out', out, '--resume']);
  assert.equal(resumed.exitCode, 0, String(resumed.stderr));
  assert.match(String(resumed.stderr), new RegExp(`laid out ${target} \\(12 MiB, fsynced\\) in [0-9.]+ s, before its first repetition`));
  assert.equal((await stat(target)).size, 16 * MiB);
  assert.equal((await readJson<Record<string, unknown>>(path.join(await onlyRepDir(out), FIO_TARGET_FILE))).laidOutBytes, undefined);
});

test('a lay-out that fails (no space left) fails the pass it preceded, is tried again before the next, and no repetition runs on a short file', async () => {
  const mnt = path.join(dir, 'tiny-tmpfs');
  await mkdir(mnt);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'dmabench-test', mnt]);
  mounts.push(mnt);
  const target = path.join(mnt, 'too-big.dat');
  const out = path.join(dir, 'bundle-layout-enospc');
  const r = await runCli(['run', await campaign('layout-enospc', { target: `{ kind: file, path: ${target}, size: 16M }`, rw: 'randread', reps: 2 }), '--out', out]);
  assert.equal(r.exitCode, 1, String(r.stderr));
  const bundle = await readBundle(out);
  assert.equal(bundle.manifest.status, 'incomplete');
  assert.deepEqual(bundle.manifest.errors.map((e) => [e.pass, e.rep]), [['timed', 0], ['timed', 1]]);
  for (const e of bundle.manifest.errors) assert.match(e.message, /^preparing w: ENOSPC: no space left on device/);
  assert.equal(bundle.samples.length, 0);
  await assert.rejects(readdir(path.join(out, 'raw')), { code: 'ENOENT' }, 'fio never ran');
});

test('a path where nothing existed becomes the run\'s file, removed afterwards unless keep: true; a kept file is someone else\'s to the next run', async () => {
  const gone = path.join(dir, 'made-by-run.dat');
  const r1 = await runCli(['run', await campaign('made', { target: `{ kind: file, path: ${gone}, size: 16M }`, rw: 'randwrite' }), '--out', path.join(dir, 'bundle-made')]);
  assert.equal(r1.exitCode, 0, String(r1.stderr));
  await assert.rejects(stat(gone), { code: 'ENOENT' });

  const kept = path.join(dir, 'kept-by-run.dat');
  const r2 = await runCli(['run', await campaign('kept', { target: `{ kind: file, path: ${kept}, size: 16M, keep: true }`, rw: 'randwrite' }), '--out', path.join(dir, 'bundle-kept')]);
  assert.equal(r2.exitCode, 0, String(r2.stderr));
  assert.equal((await stat(kept)).size, 16 * MiB);
  const before = await fingerprint(kept);
  const r3 = await runCli(['run', await campaign('kept-again', { target: `{ kind: file, path: ${kept}, size: 16M }`, rw: 'randwrite' }), '--out', path.join(dir, 'bundle-kept-again')]);
  assert.equal(r3.exitCode, 2, String(r3.stderr));
  assert.match(String(r3.stderr), /\(check: foreign-file\): dmabench did not create this file/);
  assert.deepEqual(await fingerprint(kept), before);
});

test('a file named like a scratch file but not created by this run is not treated as ours: not written, not removed', async () => {
  const lookalike = await dataFile('w.dmabench-scratch', 16 * MiB);
  const before = await fingerprint(lookalike);
  const w = await runCli(['run', await campaign('lookalike-write', { target: `{ kind: file, path: ${lookalike}, size: 16M }`, rw: 'randwrite' }), '--out', path.join(dir, 'bundle-lookalike-write')]);
  assert.equal(w.exitCode, 2, String(w.stderr));
  assert.match(String(w.stderr), /\(check: foreign-file\)/);
  const rd = await runCli(['run', await campaign('lookalike-read', { target: `{ kind: file, path: ${lookalike}, size: 16M }`, rw: 'randread' }), '--out', path.join(dir, 'bundle-lookalike-read')]);
  assert.equal(rd.exitCode, 0, String(rd.stderr));
  assert.deepEqual(await fingerprint(lookalike), before, 'still there, unchanged, after a run that ended cleanly');
});

test('resume: a file in the scratch directory that the ledger does not vouch for (a crash between creating and recording leaves one) is moved aside untouched, and the run makes its own', async () => {
  const file = await campaign('resume-lookalike', { rw: 'randwrite', cells: ['4k', '8k', '16k'] });
  const out = path.join(dir, 'bundle-resume-lookalike');
  const child = startRun(file, out);
  await waitForDone(out, 1);
  child.kill('SIGINT');
  assert.equal((await child).exitCode, 130);
  const scratchFile = path.join(out, 'scratch', 'w.dmabench-scratch');
  // Same name, same size, another file: what a crash right after the O_EXCL create looks like.
  await rm(scratchFile);
  await writeFile(scratchFile, randomBytes(16 * MiB));
  const before = await fingerprint(scratchFile);
  const resumed = await runCli(['run', file, '--out', out, '--resume']);
  assert.equal(resumed.exitCode, 0, String(resumed.stderr));
  assert.match(String(resumed.stderr), /moved .*w\.dmabench-scratch to .*scratch-set-aside.* untouched: it was in the bundle's scratch directory but not in its ledger/);
  const aside = await readdir(path.join(out, 'scratch-set-aside'));
  assert.equal(aside.length, 1);
  assert.deepEqual(await fingerprint(path.join(out, 'scratch-set-aside', aside[0]!)), before, 'set aside byte for byte as it was');
  assert.equal((await readBundle(out)).manifest.status, 'complete');
  await assert.rejects(stat(path.join(out, 'scratch')), { code: 'ENOENT' });
});

test('a refusal in the middle of a run stops it: exit 2, one line naming the check, an incomplete bundle, the file untouched', async () => {
  const target = path.join(dir, 'swapped-mid-run.dat');
  const file = await campaign('mid-run', { target: `{ kind: file, path: ${target}, size: 16M }`, rw: 'randwrite', reps: 4 });
  const out = path.join(dir, 'bundle-mid-run');
  const child = startRun(file, out);
  await waitForDone(out, 1);
  // Someone puts their own file where the run's was (renamed into place: never a moment when
  // the path is free for the run to create a new file of its own).
  await writeFile(`${target}.new`, randomBytes(16 * MiB));
  await rename(`${target}.new`, target);
  const before = await fingerprint(target);
  const r = await child;
  assert.equal(r.exitCode, 2, r.stderr);
  const lastLine = r.stderr.trim().split('\n').at(-1);
  assert.equal(lastLine, `dmabench: refusing to write to ${target} (check: foreign-file): dmabench did not create this file; set destructive: true to let the workload overwrite it (never beyond its size), or leave out path: to use a scratch file in the bundle`);
  const bundle = await readBundle(out);
  assert.equal(bundle.manifest.status, 'incomplete');
  assert.equal(bundle.manifest.errors.length, 1);
  assert.match(bundle.manifest.errors[0]!.message, /check: foreign-file/);
  const done = Object.values(bundle.manifest.done).flat().length;
  assert.ok(done >= 1 && done < 4, `stopped after ${done} repetitions`);
  assert.deepEqual(await fingerprint(target), before);
});
