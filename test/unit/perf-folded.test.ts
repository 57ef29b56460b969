// Folded files and difffolded-style diffs, built from real perf script captures (perf 6.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import {
  diffFolded,
  parseFolded,
  parseFoldedDiff,
  serializeFolded,
  serializeFoldedDiff,
  total,
} from '../../core/text/folded-stacks.js';
import { ParseError } from '../../model/parse-error.js';

const fold = async (name: string) => (await foldPerfScript(fs.createReadStream(fixture('perf', name)))).stacks;

test('folded: serialize → parse round-trips, one sorted line per stack', async () => {
  const stacks = await fold('script-system.txt');
  const text = serializeFolded(stacks);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, stacks.size);
  assert.deepEqual([...lines].sort(), lines);
  for (const line of lines) assert.match(line, /^\S.* \d+$/);
  assert.deepEqual(await parseFolded(text), stacks);
});

test('folded: repeated stacks are summed and bad lines raise ParseError', async () => {
  const stacks = await fold('script-dd.txt');
  const text = serializeFolded(stacks);
  const doubled = await parseFolded(text + text);
  for (const [k, v] of stacks) assert.equal(doubled.get(k), 2 * v);
  await assert.rejects(parseFolded('dd;read\n'), ParseError);
});

test('diff: every stack of both profiles, count1 from the first, count2 from the second', async () => {
  const a = await fold('script-dd.txt');
  const b = await fold('script-system.txt');
  const d = diffFolded(a, b);
  assert.equal(d.size, new Set([...a.keys(), ...b.keys()]).size);
  let s1 = 0;
  let s2 = 0;
  for (const [k, e] of d) {
    assert.equal(e.count1, a.get(k) ?? 0);
    assert.equal(e.count2, b.get(k) ?? 0);
    s1 += e.count1;
    s2 += e.count2;
  }
  assert.equal(s1, total(a));
  assert.equal(s2, total(b));
  const text = serializeFoldedDiff(d);
  for (const line of text.trimEnd().split('\n')) assert.match(line, / \d+ \d+$/);
  assert.deepEqual(await parseFoldedDiff(text), d);
});

test('diff -n: the first profile is scaled to the second total', async () => {
  const a = await fold('script-dd.txt');
  const b = await fold('script-system.txt');
  const d = diffFolded(a, b, { normalize: true });
  let s1 = 0;
  for (const e of d.values()) s1 += e.count1;
  // Each scaled count is rounded: the total is off by at most half a sample per stack.
  assert.ok(Math.abs(s1 - total(b)) <= a.size / 2, `${s1} vs ${total(b)}`);
});
