import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { diskKindOf, parseBlkidExport, probeBlockDevices } from '../../core/system/block-devices.js';

const root = process.getuid?.() === 0;

test('an ext4 loop device shows its filesystem signature', { skip: !root && 'losetup needs root' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dmabench-loop-'));
  const image = path.join(dir, 'disk.img');
  await execa('truncate', ['-s', '32M', image]);
  await execa('mkfs.ext4', ['-q', '-F', image]);
  const { stdout } = await execa('losetup', ['--find', '--show', image]);
  const loop = path.basename(stdout.trim());
  try {
    const info = await probeBlockDevices('/');
    const disk = info.disks.find((d) => d.name === loop);
    assert.ok(disk, `${loop} missing from ${info.disks.map((d) => d.name).join(',')}`);
    assert.equal(disk.kind, 'loop');
    assert.equal(disk.sizeBytes, 32 * 2 ** 20);
    assert.equal(disk.backingFile, image);
    assert.equal(disk.signature?.type, 'ext4');
    assert.equal(disk.signature?.usage, 'filesystem');
    assert.deepEqual(disk.mountPoints, []);
    assert.equal(disk.inUse, false);
    const st = statSync(`/dev/${loop}`);
    assert.equal(disk.devno, `${Math.floor(st.rdev / 256)}:${st.rdev % 256}`);
  } finally {
    await execa('losetup', ['-d', `/dev/${loop}`]);
    rmSync(dir, { recursive: true });
  }
});

test('the disk under / is reported mounted there (by major:minor from mountinfo)', async () => {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/');
  const devno = line?.split(' ')[2];
  assert.ok(devno);
  const info = await probeBlockDevices('/');
  const holder = info.disks.find((d) => d.devno === devno || d.partitions.some((p) => p.devno === devno));
  // The root may sit on a device-mapper or overlay device that is not a /sys/block disk of its own.
  if (holder === undefined) return assert.ok(!devno.startsWith('8:') && !devno.startsWith('259:'));
  assert.equal(holder.inUse, true);
  const points = [...holder.mountPoints, ...holder.partitions.flatMap((p) => p.mountPoints)];
  assert.ok(points.includes('/'));
});

test('NVMe namespaces are listed as /sys/block shows them', async () => {
  const info = await probeBlockDevices('/', { signatures: false });
  const sysNvme = (await execa('ls', ['/sys/block'])).stdout.split('\n').filter((n) => n.startsWith('nvme'));
  const withSize = sysNvme.filter((n) => Number(readFileSync(`/sys/block/${n}/size`, 'utf8')) > 0);
  assert.deepEqual(info.disks.filter((d) => d.kind === 'nvme').map((d) => d.name).sort(), withSize.sort());
  assert.ok(info.disks.every((d) => d.signature === undefined), 'signatures off means no blkid runs');
});

test('blkid export output from a real ext4 image parses', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dmabench-blkid-'));
  const image = path.join(dir, 'fs.img');
  try {
    await execa('truncate', ['-s', '8M', image]);
    await execa('mkfs.ext4', ['-q', '-F', image]);
    const { stdout } = await execa('blkid', ['-p', '-o', 'export', image]);
    const fields = parseBlkidExport(stdout);
    assert.equal(fields.TYPE, 'ext4');
    assert.equal(fields.USAGE, 'filesystem');
    assert.equal(fields.DEVNAME, image);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('disk kinds from kernel names', () => {
  assert.equal(diskKindOf('nvme0n1'), 'nvme');
  assert.equal(diskKindOf('vda'), 'virtio');
  assert.equal(diskKindOf('sdb'), 'scsi');
  assert.equal(diskKindOf('loop3'), 'loop');
  assert.equal(diskKindOf('dm-0'), 'dm');
});
