// Device safety against real loop devices (needs root, losetup, mkfs.ext4, mkswap, swapon,
// sfdisk, blkid, wipefs, unshare, mount, fio). Each device is backed by a 64 MiB sparse file in a
// temp dir; `after` stops helpers, unmounts, swaps off and detaches whatever a test left, even
// when it failed. Every refusal is asserted by the check it names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { assertDeviceWriteAllowed, DeviceSafetyError, inspectBlockDevice, type SafetyCheck } from '../../collectors/fio/device-safety.js';
import { fioWorkload } from '../../collectors/fio/workload.js';
import { FIO_TARGET_FILE } from '../../collectors/fio/run.js';
import { workloadSchema } from '../../model/campaign.js';
import type { RunContext } from '../../model/workload-collector.js';
import { readBundle } from '../../core/bundle/read.js';
import { cliArgs, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

let dir = '';
const loops: string[] = [];
const mounts: string[] = [];
const swaps: string[] = [];
const helpers: ResultPromise[] = [];
const devLinks: string[] = [];

/** A loop device over a fresh sparse file, optionally prepared by `prepare(backingFile)`. */
async function loopDevice(name: string, prepare?: (file: string) => Promise<void>): Promise<string> {
  const file = path.join(dir, `${name}.img`);
  await execa('truncate', ['-s', '64M', file]);
  if (prepare) await prepare(file);
  const { stdout } = await execa('losetup', ['-f', '--show', file]);
  loops.push(stdout.trim());
  return stdout.trim();
}

async function mountPoint(name: string): Promise<string> {
  const mnt = path.join(dir, name);
  await mkdir(mnt, { recursive: true });
  return mnt;
}

/** Asserts a DeviceSafetyError from `check` whose one-line message also matches `re`. */
const refusedBy = (p: Promise<unknown>, check: SafetyCheck, re?: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DeviceSafetyError, `expected DeviceSafetyError, got ${String(err)}`);
    assert.equal(err.check, check, err.message);
    assert.match(err.message, new RegExp(`\\(check: ${check}\\)`));
    assert.doesNotMatch(err.message, /\n/);
    if (re) assert.match(err.message, re);
    return true;
  });

/** A campaign file with one fio workload on `device`. */
async function deviceCampaign(name: string, device: string, opts: { rw: string; runtime: number; reps?: number; destructive?: boolean }): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `name: ${name}
repetitions: ${opts.reps ?? 1}
warmup: 0
workloads:
  - name: w
    tool: fio
    target: { kind: device, path: ${device} }
    destructive: ${opts.destructive ?? true}
    matrix:
      rw: ${opts.rw}
      bs: 4k
      ioengine: psync
      runtime: ${opts.runtime}
`,
  );
  return file;
}

let blank = '';
let ext4 = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-devsafety-'));
  blank = await loopDevice('blank');
  ext4 = await loopDevice('ext4');
  await execa('mkfs.ext4', ['-q', ext4]);
});

after(async () => {
  for (const h of helpers) h.kill('SIGKILL');
  await Promise.allSettled(helpers);
  for (const m of mounts) await execa('umount', [m], { reject: false });
  for (const s of swaps) await execa('swapoff', [s], { reject: false });
  for (const l of loops) await execa('losetup', ['-d', l], { reject: false });
  for (const l of devLinks) await rm(l, { force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('an ext4 loop device is refused even with destructive: true, naming the signature', async () => {
  await refusedBy(
    assertDeviceWriteAllowed(ext4, { destructive: true }),
    'signature',
    new RegExp(`^refusing to write to ${ext4} \\(check: signature\\): it holds an ext4 filesystem signature \\(blkid\\)`),
  );
});

test('a blank loop device with destructive: false is refused, naming the flag', async () => {
  await refusedBy(assertDeviceWriteAllowed(blank, { destructive: false }), 'destructive', /not marked destructive; set destructive: true/);
});

test('a blank loop device with destructive: true is allowed', async () => {
  await assertDeviceWriteAllowed(blank, { destructive: true });
});

test('the same blank device through a symlink is allowed, and inspected under its real name', async () => {
  const link = path.join(dir, 'by-id-link');
  await symlink(blank, link);
  await assertDeviceWriteAllowed(link, { destructive: true });
  const info = await inspectBlockDevice(link);
  assert.equal(info.realPath, blank);
  assert.equal(info.name, path.basename(blank));
});

test('inspectBlockDevice reports number, size, identity and both tools\' view of the ext4 signature', async () => {
  const info = await inspectBlockDevice(ext4);
  const name = path.basename(ext4);
  assert.equal(info.name, name);
  assert.equal(info.devno, (await readFile(`/sys/class/block/${name}/dev`, 'utf8')).trim());
  assert.equal(info.sizeBytes, 64 * 1024 * 1024);
  assert.equal(info.isPartition, false);
  assert.deepEqual(info.mounts, []);
  assert.deepEqual(info.probeProblems, []);
  assert.deepEqual(
    info.signatures.map((s) => `${s.tool}:${s.type}`),
    ['blkid:ext4', 'wipefs:ext4'],
  );
  // A loop device's identity: its number, its disk sequence number and the file behind it.
  assert.equal(info.identity.devno, info.devno);
  assert.equal(info.identity.fields['diskseq'], (await readFile(`/sys/class/block/${name}/diskseq`, 'utf8')).trim());
  assert.equal(info.identity.fields['loop backing file'], path.join(dir, 'ext4.img'));
  const clean = await inspectBlockDevice(blank);
  assert.deepEqual(clean.signatures, []);
  assert.deepEqual(clean.partitions, []);
  assert.deepEqual(clean.holders, []);
});

test('a mounted device is refused as mounted (checked before signatures), seen in our own mountinfo', async () => {
  const dev = await loopDevice('mounted');
  await execa('mkfs.ext4', ['-q', dev]);
  const mnt = await mountPoint('mnt');
  await execa('mount', [dev, mnt]);
  mounts.push(mnt);
  await refusedBy(assertDeviceWriteAllowed(dev, { destructive: true }), 'mount', new RegExp(`it is mounted on ${mnt} \\(ext4, seen in /proc/self/mountinfo\\)`));
  const info = await inspectBlockDevice(dev);
  assert.deepEqual(info.mounts, [{ device: path.basename(dev), mountPoint: mnt, fsType: 'ext4', seenIn: '/proc/self/mountinfo' }]);
});

test('an active swap area is refused as swap; the same device swapped off is refused for its swap signature', async () => {
  const dev = await loopDevice('swap');
  await execa('mkswap', ['-q', dev]);
  await execa('swapon', [dev]);
  swaps.push(dev);
  await refusedBy(assertDeviceWriteAllowed(dev, { destructive: true }), 'swap', new RegExp(`it is an active swap area \\(${dev}, /proc/swaps\\)`));
  await execa('swapoff', [dev]);
  await refusedBy(assertDeviceWriteAllowed(dev, { destructive: true }), 'signature', /it holds a swap other signature \(blkid\)/);
});

test('a device with a partition table is refused (partitions, or the partition-table signature)', async () => {
  // Kernels without partition parsers (like this VM's) show no partitions: the GPT signature
  // check must then catch it. The lab test shows partitions and their holders on a real kernel.
  const dev = await loopDevice('gpt', async (file) => {
    await execa('sfdisk', ['-q', file], { input: 'label: gpt\n,32M,L\n' });
  });
  const partitioned = (await inspectBlockDevice(dev)).partitions.length > 0;
  await refusedBy(
    assertDeviceWriteAllowed(dev, { destructive: true }),
    partitioned ? 'partitions' : 'signature',
    partitioned ? /it has partitions/ : /it holds a gpt partition-table signature \(blkid\)/,
  );
});

test('a mount made in another mount namespace is invisible to both mountinfos and caught by the exclusive open', async () => {
  const dev = await loopDevice('other-ns');
  await execa('mkfs.ext4', ['-q', dev]);
  const mnt = await mountPoint('mnt-other-ns');
  // The mount lives only in the helper's private namespace, for as long as the helper sleeps.
  const helper = execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount "$1" "$2" && exec sleep 120', 'sh', dev, mnt], { reject: false });
  helpers.push(helper);
  let seen = '';
  for (let i = 0; i < 100 && seen !== dev; i++) {
    await sleep(100);
    seen = (await execa('findmnt', ['-N', String(helper.pid), '-n', '-o', 'SOURCE', mnt], { reject: false })).stdout.trim();
  }
  assert.equal(seen, dev, 'the helper mounted the device in its own namespace');
  const info = await inspectBlockDevice(dev);
  assert.deepEqual(info.mounts, [], 'neither /proc/self nor /proc/1 mountinfo shows it');
  await refusedBy(assertDeviceWriteAllowed(dev, { destructive: true }), 'exclusive-open', /the kernel refused an exclusive open \(EBUSY\)/);
  helper.kill('SIGKILL');
  await helper;
  // With the namespace gone the device is free again, and refused only for its ext4 content.
  await refusedBy(assertDeviceWriteAllowed(dev, { destructive: true }), 'signature', /ext4/);
});

test('dmabench in a private mount namespace still sees a mount of the initial one (/proc/1/mountinfo), exit 2', async () => {
  const dev = await loopDevice('initial-ns');
  await execa('mkfs.ext4', ['-q', dev]);
  const mnt = await mountPoint('mnt-initial-ns');
  await execa('mount', [dev, mnt]);
  mounts.push(mnt);
  const campaign = await deviceCampaign('initial-ns', dev, { rw: 'randwrite', runtime: 1 });
  // dmabench runs in a namespace of its own where the mount was taken away again: only PID 1's
  // mountinfo still shows it.
  const r = await execa(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'm=$1; shift; umount "$m" && exec "$@"', 'sh', mnt, process.execPath, ...cliArgs(['run', campaign, '--out', path.join(dir, 'bundle-initial-ns')])],
    { reject: false, cwd: repoRoot },
  );
  assert.equal(r.exitCode, 2, r.stderr);
  assert.equal(
    r.stderr.trim(),
    `dmabench: refusing to write to ${dev} (check: mount): it is mounted on ${mnt} (ext4, seen in /proc/1/mountinfo, the initial mount namespace); use a blank device`,
  );
  // Still mounted out here: the namespace's umount did not reach us.
  assert.equal((await execa('findmnt', ['-n', '-o', 'SOURCE', mnt])).stdout.trim(), dev);
});

test('the exclusive open is held while a write repetition runs: a mount from another process fails with EBUSY', async () => {
  const dev = await loopDevice('held');
  // The campaign names the device through a link, as /dev/disk/by-id does: fio gets the node.
  const link = `/dev/dmabench-test-${process.pid}-held`;
  await symlink(dev, link);
  devLinks.push(link);
  const campaign = await deviceCampaign('held', link, { rw: 'randwrite', runtime: 3 });
  const out = path.join(dir, 'bundle-held');
  let settled = false;
  const run = runCli(['run', campaign, '--out', out]).finally(() => (settled = true));
  // Wait for fio to be writing to the device.
  let fioSeen = false;
  for (let i = 0; i < 600 && !fioSeen && !settled; i++) {
    fioSeen = (await execa('pgrep', ['-f', '--', `--filename=${dev}`], { reject: false })).stdout.trim() !== '';
    if (!fioSeen) await sleep(100);
  }
  if (!fioSeen) {
    const r = await run;
    assert.fail(`fio never ran on ${dev}: exit ${r.exitCode}: ${String(r.stderr)}`);
  }
  const mnt = await mountPoint('mnt-held');
  const during = await execa('mount', ['-t', 'ext4', dev, mnt], { reject: false });
  if (during.exitCode === 0) mounts.push(mnt);
  assert.equal(during.exitCode, 32, during.stderr);
  assert.match(during.stderr, /busy/);
  await assert.rejects(open(dev, constants.O_RDONLY | constants.O_EXCL), { code: 'EBUSY' });
  const r = await run;
  assert.equal(r.exitCode, 0, String(r.stderr));
  // Afterwards the device is free: the same mount gets as far as looking for a filesystem.
  const later = await execa('mount', ['-t', 'ext4', dev, mnt], { reject: false });
  assert.notEqual(later.exitCode, 0);
  assert.doesNotMatch(later.stderr, /busy/);
  await (await open(dev, constants.O_RDONLY | constants.O_EXCL)).close();
  // The repetition recorded what it held, by the resolved path fio was given.
  const bundle = await readBundle(out);
  const cellDir = (await execa('ls', [path.join(out, 'raw')])).stdout.trim();
  const record = JSON.parse(await readFile(path.join(out, 'raw', cellDir, 'timed-0', FIO_TARGET_FILE), 'utf8')) as { path: string; exclusiveOpen: boolean };
  assert.deepEqual({ path: record.path, exclusiveOpen: record.exclusiveOpen }, { path: dev, exclusiveOpen: true });
  assert.ok((JSON.parse(await readFile(path.join(out, 'raw', cellDir, 'timed-0', 'fio-args.json'), 'utf8')) as string[]).includes(`--filename=${dev}`));
  assert.equal(bundle.manifest.status, 'complete');
});

test('a loop device given another backing file between repetitions is refused by the identity check', async () => {
  const dev = await loopDevice('identity');
  const other = path.join(dir, 'identity-other.img');
  await execa('truncate', ['-s', '64M', other]);
  const workload = workloadSchema.parse({
    name: 'identity',
    tool: 'fio',
    target: { kind: 'device', path: dev },
    destructive: true,
    matrix: { rw: 'randwrite', bs: '4k', ioengine: 'psync', runtime: 1 },
  });
  const params = { rw: 'randwrite', bs: '4k', ioengine: 'psync', runtime: 1 };
  const scratchDir = path.join(dir, 'identity-scratch');
  const ctx = (rep: number): RunContext => ({
    workload,
    params,
    cell: 'c',
    rep,
    pass: 'timed',
    rawDir: path.join(dir, `identity-raw-${rep}`),
    scratchDir,
    signal: new AbortController().signal,
    log: () => undefined,
  });
  try {
    await fioWorkload.preflight(workload, [params], { scratchDir });
    const first = await fioWorkload.run(ctx(0));
    assert.ok(first.measurements.find((m) => m.metric === 'write.iops')!.value! > 0);
    // Same /dev/loopN, another file behind it.
    await execa('losetup', ['-d', dev]);
    await execa('losetup', [dev, other]);
    await refusedBy(fioWorkload.run(ctx(1)), 'identity', new RegExp(`it is not the device checked before the run \\(diskseq \\d+ → \\d+; loop backing file ${dir}/identity\\.img → ${other}\\)`));
  } finally {
    await fioWorkload.teardown?.();
  }
});

test('a path that is not a block device gets a clear error naming the kind check', async () => {
  const file = path.join(dir, 'plain.dat');
  await writeFile(file, 'x');
  await refusedBy(assertDeviceWriteAllowed(file, { destructive: true }), 'kind', /plain\.dat as a device target \(check: kind\): it is not a block device \(it is a regular file\); use kind: file/);
  await refusedBy(assertDeviceWriteAllowed('/dev/null', { destructive: true }), 'kind', /\/dev\/null as a device target .*it is a character device/);
  await refusedBy(assertDeviceWriteAllowed(path.join(dir, 'missing'), { destructive: false }), 'kind', /missing as a device target .*not a block device \(ENOENT\)/);
  await refusedBy(inspectBlockDevice(dir), 'kind', /it is a directory/);
});
