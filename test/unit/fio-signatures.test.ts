// Which blkid signatures make a device part of a multi-device set (check `member`) and which are
// plain content (check `signature`), on blkid output captured from real devices
// (test/fixtures/blkid/README.md says how).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { blkidSignatures } from '../../collectors/fio/block-device-inspect.js';
import { isMemberSignature } from '../../collectors/fio/device-safety.js';
import { fixture } from '../helpers/paths.js';

async function signaturesOf(name: string) {
  return blkidSignatures(await readFile(fixture('blkid', name), 'utf8'));
}

test('plain content: an ext4 filesystem, a swap area, a GPT partition table', async () => {
  assert.deepEqual(await signaturesOf('ext4-loop.txt'), [{ type: 'ext4', usage: 'filesystem', tool: 'blkid' }]);
  assert.deepEqual(await signaturesOf('swap-loop.txt'), [{ type: 'swap', usage: 'other', tool: 'blkid' }]);
  assert.deepEqual(await signaturesOf('gpt-loop.txt'), [{ type: 'gpt', usage: 'partition-table', tool: 'blkid' }]);
  for (const f of ['ext4-loop.txt', 'swap-loop.txt', 'gpt-loop.txt']) {
    assert.equal((await signaturesOf(f)).some(isMemberSignature), false, f);
  }
});

test('a stopped md RAID1 member (metadata 1.2) is a member', async () => {
  const sigs = await signaturesOf('linux-raid-member-stopped.txt');
  assert.deepEqual(sigs, [{ type: 'linux_raid_member', usage: 'raid', tool: 'blkid' }]);
  assert.equal(isMemberSignature(sigs[0]!), true);
});

test('the member rule: *_member, raid or crypto usage, and the multi-device types without that suffix', () => {
  const sig = (type: string, usage: string) => ({ type, usage, tool: 'blkid' as const });
  // As wipefs names them (usage unknown to it), and types blkid reports without "_member".
  for (const s of [sig('LVM2_member', 'on-disk'), sig('zfs_member', 'on-disk'), sig('bcache', 'on-disk'), sig('btrfs', 'filesystem'), sig('crypto_LUKS', 'on-disk')]) {
    assert.equal(isMemberSignature(s), true, s.type);
  }
  for (const s of [sig('xfs', 'filesystem'), sig('vfat', 'filesystem'), sig('dos', 'partition-table')]) assert.equal(isMemberSignature(s), false, s.type);
});
