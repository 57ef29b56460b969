// The write checks against what only a real kernel with dm and md can build (this VM cannot load
// modules): in a guest of each lab kernel, a device-mapper linear device and an md RAID1 sit on
// partitions of the emulated NVMe, and `dmabench run` must refuse to write underneath them,
// naming the holder; a stopped array's members are refused for their RAID signature, a map over
// the whole disk holds its partitions, and a partition nothing holds is written. The guest side
// is device-holders-guest.ts, run from dist/. Needs root and the lab image; boots two guests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ensureLabImage, installDmabenchIntoImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';
import type { Attempt, HoldersReport } from './device-holders-guest.js';
import { assertRoot, buildOnce } from './helpers.js';

const sysfsHolders = '(sysfs holders: device-mapper, md, LVM or bcache); use a blank device';

for (const kernel of ['7', '6.12'] as const) {
  test(`lab ${kernel}: dm and md holders, a stopped array's member and a whole-disk map are refused by name`, { timeout: 15 * 60_000 }, async () => {
    assertRoot();
    await buildOnce();
    const image = await ensureLabImage({ log: () => undefined });
    await installDmabenchIntoImage(image, repoRoot);
    const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-holders-'));
    const consoleLog = path.join(dir, 'console.log');
    let keep = true;
    try {
      const lines: string[] = [];
      const boot = await bootGuest({
        image,
        kernel,
        iommu: 'strict',
        command: ['node', '/opt/dmabench/dist/test/lab/device-holders-guest.mjs'],
        timeoutSec: 720,
        consoleLog,
        onConsoleLine: (l) => lines.push(l),
      });
      const line = lines.find((l) => l.includes('DEVICE-HOLDERS '));
      assert.ok(line, `no report from the guest; console: ${consoleLog}`);
      const report = JSON.parse(line.slice(line.indexOf('DEVICE-HOLDERS ') + 15)) as HoldersReport;
      process.stdout.write(`# guest ${report.kernel}: ${JSON.stringify(report.tools)}\n`);
      process.stdout.write(`# blkid -p -o export of a stopped md member:\n${(report.blkidStoppedMember ?? '').replace(/^/gm, '#   ')}\n`);
      for (const a of report.attempts) process.stdout.write(`# ${a.name} ${a.target} (holders ${a.holders.join(',') || '-'}, disk ${a.diskHolders.join(',') || '-'}): exit ${a.exitCode} in ${a.ms} ms: ${a.lastLine}\n`);
      assert.equal(report.setupError, undefined, report.log.join('\n'));
      assert.equal(boot.exitCode, 0);
      const by = new Map<string, Attempt>(report.attempts.map((a) => [a.name, a]));
      assert.deepEqual([...by.keys()], ['dm-holder', 'md-holder', 'whole-disk', 'md-member-stopped', 'partition-free', 'disk-holder']);

      // What sysfs said before each attempt is what dmabench names.
      const dm = by.get('dm-holder')!;
      assert.equal(dm.holders.length, 1);
      assert.match(dm.holders[0]!, /^dm-\d+$/);
      assert.equal(dm.exitCode, 2);
      assert.equal(dm.lastLine, `dmabench: refusing to write to /dev/nvme0n1p1 (check: holders): it is held by ${dm.holders[0]} ${sysfsHolders}`);

      const md = by.get('md-holder')!;
      assert.deepEqual(md.holders, ['md0']);
      assert.equal(md.exitCode, 2);
      assert.equal(md.lastLine, `dmabench: refusing to write to /dev/nvme0n1p2 (check: holders): it is held by md0 ${sysfsHolders}`);

      // The whole disk: the holders of its partitions count.
      const whole = by.get('whole-disk')!;
      assert.equal(whole.exitCode, 2);
      assert.equal(whole.lastLine, `dmabench: refusing to write to /dev/nvme0n1 (check: holders): it is held by ${[dm.holders[0], 'md0'].sort().join(', ')} ${sysfsHolders}`);

      // Stopped, the array holds nothing, but its member still carries its superblock.
      const stopped = by.get('md-member-stopped')!;
      assert.deepEqual(stopped.holders, []);
      assert.match(report.blkidStoppedMember ?? '', /^TYPE=linux_raid_member$/m);
      assert.equal(stopped.exitCode, 2);
      assert.match(stopped.lastLine, /^dmabench: refusing to write to \/dev\/nvme0n1p2 \(check: member\): it is a member of a multi-device set: linux_raid_member raid signature \(blkid\)/);

      // The control: with the map gone, the same partition is written.
      const free = by.get('partition-free')!;
      assert.deepEqual(free.holders, []);
      assert.equal(free.exitCode, 0, free.lastLine);

      // A map over the whole disk holds the partitions too.
      const disk = by.get('disk-holder')!;
      assert.deepEqual(disk.holders, []);
      assert.equal(disk.diskHolders.length, 1);
      assert.equal(disk.exitCode, 2);
      assert.equal(disk.lastLine, `dmabench: refusing to write to /dev/nvme0n1p1 (check: holders): its disk nvme0n1 is held by ${disk.diskHolders[0]} ${sysfsHolders}`);
      keep = false;
    } finally {
      if (!keep) await rm(dir, { recursive: true, force: true });
    }
  });
}
