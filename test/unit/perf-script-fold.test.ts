// perf script → folded stacks on `perf record -g` captures from this machine (perf 6.1,
// test/fixtures/perf/README.md). Expectations are counted from the fixture text in the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { total } from '../../core/text/folded-stacks.js';

const FIXTURES = ['script-dd.txt', 'script-system.txt', 'script-comm-space.txt'];

/** The sample blocks of a perf script text: header line + indented frame lines. */
function blocks(text: string): string[][] {
  return text
    .split(/\n\s*\n/)
    .map((b) => b.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')))
    .filter((b) => b.length > 0);
}

for (const name of FIXTURES) {
  test(`fold ${name}: one sample per header line, counts add up, frames root-first without offsets`, async () => {
    const text = fs.readFileSync(fixture('perf', name), 'utf8');
    const headers = text.split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('#'));
    const r = await foldPerfScript(fs.createReadStream(fixture('perf', name)));
    assert.equal(r.samples, headers.length);
    assert.equal(total(r.stacks), headers.length);
    assert.equal(r.unrecognized, 0);
    for (const stack of r.stacks.keys()) assert.ok(!/\+0x[0-9a-f]+/.test(stack), `offset left in ${stack}`);

    // Every sample block's leaf frame (first frame line) ends its folded stack: compare the
    // multiset of leaves taken directly from the text with the one from the folded map.
    const leafFromText = new Map<string, number>();
    for (const b of blocks(text)) {
      const leafLine = b[1];
      const leaf = leafLine === undefined ? undefined : leafLine.trim().split(/\s+/)[1]?.replace(/\+0x[0-9a-f]+$/, '');
      const key = leaf ?? '(none)';
      leafFromText.set(key, (leafFromText.get(key) ?? 0) + 1);
    }
    const leafFromFolded = new Map<string, number>();
    for (const [stack, n] of r.stacks) {
      const parts = stack.split(';');
      const key = parts.length > 1 ? (parts[parts.length - 1] ?? '') : '(none)';
      leafFromFolded.set(key, (leafFromFolded.get(key) ?? 0) + n);
    }
    // Leaves with parens or C++ templates are tidied by the folder; compare the plain ones.
    for (const [leaf, n] of leafFromText) {
      if (/[()<>;'"]/.test(leaf)) continue;
      assert.equal(leafFromFolded.get(leaf), n, `leaf ${leaf}`);
    }

    // Comm first: the process names of the headers (spaces → _) are exactly the first frames.
    const comms = new Set(headers.map((h) => (/^(.*?)\s+\d+(\/\d+)?\s/.exec(h)?.[1] ?? '').replace(/ /g, '_')));
    assert.deepEqual(new Set([...r.stacks.keys()].map((s) => s.split(';')[0])), comms);
  });
}

test('fold: a kernel read path comes out root-first (entry before vfs_read before the copy)', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-dd.txt'), 'utf8');
  const withVfsRead = blocks(text).filter((b) => b.some((l) => /\svfs_read\+0x/.test(l))).length;
  assert.ok(withVfsRead > 0);
  const r = await foldPerfScript(text);
  let folded = 0;
  for (const [stack, n] of r.stacks) {
    const frames = stack.split(';');
    const i = frames.indexOf('vfs_read');
    if (i < 0) continue;
    folded += n;
    assert.equal(frames[0], 'dd');
    assert.ok(frames.indexOf('ksys_read') < i, `ksys_read is nearer the root than vfs_read in ${stack}`);
  }
  assert.equal(folded, withVfsRead);
});

test('fold: comm with a space becomes one frame with _, and [unknown] frames are kept', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-comm-space.txt'), 'utf8');
  const spaced = text.split('\n').filter((l) => l.startsWith('dma bench ')).length;
  const unknownBlocks = blocks(text).filter((b) => b.slice(1).some((l) => /\s\[unknown\] \(/.test(l))).length;
  assert.ok(spaced > 0 && unknownBlocks > 0);
  const r = await foldPerfScript(text);
  let dmaBench = 0;
  let withUnknown = 0;
  for (const [stack, n] of r.stacks) {
    if (stack.startsWith('dma_bench;') || stack === 'dma_bench') dmaBench += n;
    if (stack.split(';').includes('[unknown]')) withUnknown += n;
  }
  assert.equal(dmaBench, spaced);
  assert.equal(withUnknown, unknownBlocks);
});

test('fold: --pid style names and text/stream inputs agree', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-system.txt'), 'utf8');
  const a = await foldPerfScript(text);
  const b = await foldPerfScript(fs.createReadStream(fixture('perf', 'script-system.txt'), { highWaterMark: 1000 }));
  assert.deepEqual(b.stacks, a.stacks);
  const withPid = await foldPerfScript(text, { pid: true });
  assert.equal(total(withPid.stacks), a.samples);
  assert.ok([...withPid.stacks.keys()].every((s) => /^[^;]+-\d+(;|$)/.test(s)));
});
