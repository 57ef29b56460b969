// Device safety against real loop devices (needs root, losetup, mkfs.ext4, sfdisk, blkid,
// wipefs). Each test's device is backed by a 64 MiB sparse file in a temp dir; `after` detaches
// every loop device and unmounts what was mounted, whatever failed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { assertDeviceWriteAllowed, DeviceSafetyError, inspectBlockDevice } from '../../collectors/fio/device-safety.js';

let dir = '';
const loops: string[] = [];
const mounts: string[] = [];

/** A loop device over a fresh sparse file, optionally prepared by `prepare(backingFile)`. */
async function loopDevice(name: string, prepare?: (file: string) => Promise<void>): Promise<string> {
  const file = path.join(dir, `${name}.img`);
  await execa('truncate', ['-s', '64M', file]);
  if (prepare) await prepare(file);
  const { stdout } = await execa('losetup', ['-f', '--show', file]);
  loops.push(stdout.trim());
  return stdout.trim();
}

const rejectsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DeviceSafetyError, `expected DeviceSafetyError, got ${String(err)}`);
    assert.match(err.message, re);
    return true;
  });

let blank = '';
let ext4 = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-devsafety-'));
  blank = await loopDevice('blank');
  ext4 = await loopDevice('ext4');
  await execa('mkfs.ext4', ['-q', ext4]);
});

after(async () => {
  for (const m of mounts) await execa('umount', [m], { reject: false });
  for (const l of loops) await execa('losetup', ['-d', l], { reject: false });
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('an ext4 loop device is refused even with destructive: true, naming the signature', async () => {
  await rejectsWith(
    assertDeviceWriteAllowed(ext4, { destructive: true }),
    new RegExp(`^refusing to write to ${ext4}: it holds an ext4 filesystem signature \\(blkid\\)`),
  );
});

test('a blank loop device with destructive: false is refused, naming the flag', async () => {
  await rejectsWith(assertDeviceWriteAllowed(blank, { destructive: false }), /not marked destructive; set destructive: true/);
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

test('inspectBlockDevice reports number, size and both tools\' view of the ext4 signature', async () => {
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
  const clean = await inspectBlockDevice(blank);
  assert.deepEqual(clean.signatures, []);
  assert.deepEqual(clean.partitions, []);
  assert.deepEqual(clean.holders, []);
});

test('a mounted device is refused as mounted (checked before signatures)', async () => {
  const dev = await loopDevice('mounted');
  await execa('mkfs.ext4', ['-q', dev]);
  const mnt = path.join(dir, 'mnt');
  await execa('mkdir', ['-p', mnt]);
  await execa('mount', [dev, mnt]);
  mounts.push(mnt);
  await rejectsWith(assertDeviceWriteAllowed(dev, { destructive: true }), new RegExp(`it is mounted on ${mnt} \\(ext4, /proc/self/mountinfo\\)`));
  const info = await inspectBlockDevice(dev);
  assert.deepEqual(info.mounts, [{ device: path.basename(dev), mountPoint: mnt, fsType: 'ext4' }]);
});

test('a device with a partition table is refused (partitions or partition-table signature)', async () => {
  // Kernels without partition parsers (like this VM's) show no partitions: the GPT signature
  // check must then catch it.
  const dev = await loopDevice('gpt', async (file) => {
    await execa('sfdisk', ['-q', file], { input: 'label: gpt\n,32M,L\n' });
  });
  await rejectsWith(assertDeviceWriteAllowed(dev, { destructive: true }), /(has partitions|gpt partition-table signature \(blkid\))/);
});

test('a path that is not a block device gets a clear error', async () => {
  const file = path.join(dir, 'plain.dat');
  await writeFile(file, 'x');
  await rejectsWith(assertDeviceWriteAllowed(file, { destructive: true }), /plain\.dat is not a block device \(it is a regular file\)/);
  await rejectsWith(assertDeviceWriteAllowed('/dev/null', { destructive: true }), /\/dev\/null is not a block device \(it is a character device\)/);
  await rejectsWith(assertDeviceWriteAllowed(path.join(dir, 'missing'), { destructive: false }), /missing is not a block device: ENOENT/);
  await rejectsWith(inspectBlockDevice(dir), /is not a block device \(it is a directory\)/);
});
