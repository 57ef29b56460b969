// /proc/diskstats before and after a pass: which block devices did I/O (review M8), on a real
// capture (test/fixtures/system/README.md) and live on a loop device of our own; and which block
// device a path lives on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { fixture } from '../helpers/paths.js';
import { blockDeviceOf, diskActivity, parseDiskstats, readDiskstats } from '../../core/system/diskstats.js';
import { isMemoryFs, makeSpool, removeSpool } from '../../collectors/ftrace/spool.js';

const isRoot = process.getuid?.() === 0;

test('diskstats capture: only the loop device dd used did I/O, with the counts and bytes dd asked for', () => {
  const before = parseDiskstats(fs.readFileSync(fixture('system', 'diskstats-before-6.18.44.txt'), 'utf8'));
  const after = parseDiskstats(fs.readFileSync(fixture('system', 'diskstats-after-6.18.44.txt'), 'utf8'));
  assert.equal(before.size, 14);
  assert.equal(before.get('vda')?.dev, '254:0');
  // dd: 32 reads of 64 KiB (iflag=direct), 8 writes of 4 KiB (oflag=direct).
  assert.deepEqual(diskActivity(before, after), [{ name: 'loop0', dev: '7:0', reads: 32, writes: 8, readBytes: 32 * 65536, writtenBytes: 8 * 4096, discards: 0, flushes: 0 }]);
  assert.deepEqual(diskActivity(after, after), []);
  // A device that appears during the window counts from zero.
  const appeared = diskActivity(new Map([...before].filter(([n]) => n !== 'loop0')), after);
  assert.equal(appeared[0]?.reads, after.get('loop0')?.readsCompleted);
  assert.deepEqual(parseDiskstats('garbage\n\n 1 2 short line'), new Map());
});

test('live: a loop device of our own is found from its node and from a file on it, and its I/O is seen', { skip: !isRoot && 'needs root (losetup)' }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-diskstats-'));
  const image = path.join(dir, 'img');
  fs.writeFileSync(image, Buffer.alloc(16 << 20));
  const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  try {
    const name = path.basename(loop);
    const id = blockDeviceOf(loop);
    const dev = fs.readFileSync(`/sys/class/block/${name}/dev`, 'utf8').trim();
    assert.deepEqual(id, { name, dev, disk: name, diskDev: dev, family: [name] });
    const before = readDiskstats();
    await execa('dd', [`if=${loop}`, 'of=/dev/null', 'bs=64k', 'count=16', 'iflag=direct', 'status=none']);
    const act = diskActivity(before, readDiskstats()).find((d) => d.name === name);
    assert.equal(act?.reads, 16);
    assert.equal(act?.readBytes, 16 * 65536);
    // A file: the filesystem's device, as stat and sysfs say.
    const root = blockDeviceOf(image);
    const st = fs.statSync(image);
    if (root) assert.equal(root.dev, `${Math.floor(st.dev / 256) & 0xfff}:${(st.dev & 0xff) | ((st.dev >> 12) & ~0xff)}`);
    // A path not made yet: its nearest existing parent's device.
    assert.deepEqual(blockDeviceOf(path.join(dir, 'not', 'yet')), root);
  } finally {
    await execa('losetup', ['--detach', loop], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});

test('the trace spool is on tmpfs when there is one, else in the fallback directory, which says so', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-spool-'));
  try {
    assert.equal(isMemoryFs('/dev/shm'), fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/dev/shm' && / - tmpfs /.test(l)));
    const spool = makeSpool(dir);
    assert.equal(spool.inMemory, isMemoryFs(path.dirname(spool.dir)));
    if (isMemoryFs('/dev/shm')) assert.equal(path.dirname(spool.dir), '/dev/shm');
    removeSpool(spool);
    assert.equal(fs.existsSync(spool.dir), false);
    // No memory filesystem among the candidates (or none with room): the fallback.
    const onDisk = makeSpool(dir, 0, [dir]);
    const huge = makeSpool(dir, Number.MAX_SAFE_INTEGER);
    for (const s of [onDisk, huge]) {
      assert.equal(s.inMemory, false);
      assert.equal(path.dirname(s.dir), dir);
      removeSpool(s);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
