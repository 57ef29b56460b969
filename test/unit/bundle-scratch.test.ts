// The ledger of files a run created: ownership is the inode and its birth time, never the name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cleanScratch, createOwnedFile, fillOwnedFile, isOwnedFile } from '../../core/bundle/scratch.js';
import { repoRoot } from '../helpers/paths.js';
import { ownedFilesLedger } from '../../core/bundle/layout.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-scratch-ledger-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fresh(name: string): Promise<{ scratch: string; file: string }> {
  const scratch = path.join(dir, name, 'scratch');
  await mkdir(scratch, { recursive: true });
  return { scratch, file: path.join(scratch, 'w.dmabench-scratch') };
}

test('a created file is owned; the same name on another inode, a copy, or a link elsewhere is not', async () => {
  const { scratch, file } = await fresh('identity');
  const made = await createOwnedFile(scratch, file);
  assert.equal(made, file);
  assert.equal(await isOwnedFile(scratch, file), true);
  // Another path to the same inode is not the recorded path.
  await link(file, path.join(dir, 'identity', 'hardlink'));
  assert.equal(await isOwnedFile(scratch, path.join(dir, 'identity', 'hardlink')), false);
  // A copy under the recorded name, put in place by rename: a new inode.
  await copyFile(file, `${file}.copy`);
  await rename(`${file}.copy`, file);
  assert.equal(await isOwnedFile(scratch, file), false);
});

test('a file re-created at the same path is not owned even when the inode number comes back', async (t) => {
  const { scratch, file } = await fresh('reuse');
  await createOwnedFile(scratch, file);
  const ledger = JSON.parse(await readFile(ownedFilesLedger(scratch), 'utf8')) as { ino: string; birthNs: string }[];
  let sameIno = 0;
  for (let i = 0; i < 20; i++) {
    await rm(file);
    await writeFile(file, 'someone else');
    // ext4 hands a freed inode number out again at once: the birth time tells them apart.
    if (String((await stat(file, { bigint: true })).ino) === ledger[0]!.ino) sameIno++;
    assert.equal(await isOwnedFile(scratch, file), false, `attempt ${i}`);
  }
  t.diagnostic(`the recorded inode number came back ${sameIno} times in 20`);
});

test('O_EXCL: a path where anything exists is never adopted', async () => {
  const { scratch, file } = await fresh('excl');
  await writeFile(file, 'theirs');
  await assert.rejects(createOwnedFile(scratch, file), { code: 'EEXIST' });
  assert.equal(await isOwnedFile(scratch, file), false);
  assert.equal(await readFile(file, 'utf8'), 'theirs');
});

test('a mangled ledger proves nothing', async () => {
  const { scratch, file } = await fresh('mangled');
  await createOwnedFile(scratch, file);
  await writeFile(ownedFilesLedger(scratch), '{"not": "a list"');
  assert.equal(await isOwnedFile(scratch, file), false);
});

test('fillOwnedFile writes non-zero data up to the size, and refuses a file that is not the run\'s', async () => {
  const { scratch, file } = await fresh('fill');
  await createOwnedFile(scratch, file);
  assert.equal(await fillOwnedFile(scratch, file, 3 * 1024 * 1024 + 5), 3 * 1024 * 1024 + 5, 'the bytes written');
  assert.equal(await fillOwnedFile(scratch, file, 3 * 1024 * 1024 + 5), 0, 'already that long: nothing written');
  const data = await readFile(file);
  assert.equal(data.length, 3 * 1024 * 1024 + 5);
  assert.ok(data.subarray(0, 4096).some((b) => b !== 0), 'real data, not holes');
  assert.equal(await isOwnedFile(scratch, file), true, 'filling keeps the inode');
  const theirs = path.join(dir, 'fill', 'theirs');
  await writeFile(theirs, 'x');
  await assert.rejects(fillOwnedFile(scratch, theirs, 100), /not the file this run created/);
  assert.equal(await readFile(theirs, 'utf8'), 'x');
});

test('fillOwnedFile stops between chunks when aborted, leaving the file short for the next lay-out to go on', async () => {
  const { scratch, file } = await fresh('fill-abort');
  await createOwnedFile(scratch, file);
  const ac = new AbortController();
  ac.abort(new Error('interrupted'));
  await assert.rejects(fillOwnedFile(scratch, file, 4 * 1024 * 1024, ac.signal), /interrupted/);
  assert.equal((await stat(file)).size, 0);
  assert.equal(await fillOwnedFile(scratch, file, 4 * 1024 * 1024), 4 * 1024 * 1024);
});

test('cleanScratch removes the run\'s files and its scratch dir, keeps kept files, leaves a look-alike alone', async () => {
  const { scratch, file } = await fresh('clean');
  await createOwnedFile(scratch, file);
  const outside = path.join(dir, 'clean', 'outside.dat');
  await createOwnedFile(scratch, outside);
  const kept = path.join(dir, 'clean', 'kept.dat');
  await createOwnedFile(scratch, kept, { keep: true });
  const r = await cleanScratch(scratch);
  assert.deepEqual(r, { removed: [file, outside], leftAlone: [], kept: [kept] });
  await assert.rejects(stat(scratch), { code: 'ENOENT' });
  await stat(kept);

  // A look-alike in place of the run's file keeps the scratch dir and itself.
  const second = await fresh('clean-lookalike');
  await createOwnedFile(second.scratch, second.file);
  await writeFile(`${second.file}.new`, 'theirs');
  await rename(`${second.file}.new`, second.file);
  const r2 = await cleanScratch(second.scratch);
  assert.deepEqual(r2, { removed: [], leftAlone: [second.file], kept: [] });
  assert.equal(await readFile(second.file, 'utf8'), 'theirs');
  await assert.rejects(stat(ownedFilesLedger(second.scratch)), { code: 'ENOENT' });
});

test('without a birth time (the ledger says 0), only the creating process, which keeps the file open, can prove it', async () => {
  const { scratch, file } = await fresh('no-btime');
  await createOwnedFile(scratch, file);
  // What createOwnedFile records on a filesystem that has no birth time.
  const ledgerFile = ownedFilesLedger(scratch);
  const ledger = JSON.parse(await readFile(ledgerFile, 'utf8')) as { birthNs: string }[];
  ledger[0]!.birthNs = '0';
  await writeFile(ledgerFile, JSON.stringify(ledger));
  assert.equal(await isOwnedFile(scratch, file), true, 'this process still holds the inode');
  // Another process (a resumed run) has nothing to prove it with.
  const other = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { isOwnedFile } from ${JSON.stringify(path.join(repoRoot, 'core/bundle/scratch.ts'))};
    process.stdout.write(String(await isOwnedFile(${JSON.stringify(scratch)}, ${JSON.stringify(file)})));
  `], { cwd: repoRoot });
  assert.equal(other.stdout, 'false');
  // A file put in its place is someone else's, pin or no pin.
  await writeFile(`${file}.theirs`, 'x');
  await rename(`${file}.theirs`, file);
  assert.equal(await isOwnedFile(scratch, file), false);
});
