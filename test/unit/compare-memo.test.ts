// memoizedCompare (reports/compare/memo.ts): the report's table and its summary share one
// comparison when they ask for the same bundles with options that resolve alike, and get their
// own otherwise; what it returns is what compareBundles returns. On the real lab bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../core/bundle/read.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { memoizedCompare } from '../../reports/compare/memo.js';
import { fixture } from '../helpers/paths.js';

test('memoizedCompare: one comparison per bundles and resolved options, the same as compareBundles gives', async () => {
  const [base, cand] = await Promise.all(['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2'].map((d) => readBundle(fixture('bundles', d))));
  let calls = 0;
  const compare = memoizedCompare((bundles, opts) => {
    calls++;
    return compareBundles(bundles, opts);
  });
  const first = compare([base!, cand!]);
  assert.equal(compare([base!, cand!], { pass: 'timed' }), first, 'the default pass spelled out: the same comparison');
  assert.equal(calls, 1);
  assert.deepEqual(first, compareBundles([base!, cand!]));
  assert.notEqual(compare([cand!, base!]), first, 'the other order: another comparison');
  assert.notEqual(compare([base!, cand!], { seed: 2 }), first, 'other options: another comparison');
  assert.equal(calls, 3);
  // Copies of the same bundles are other bundles: compared again.
  const copy = await readBundle(fixture('bundles', 'lab-profile-schema2-6.12'));
  compare([copy, cand!]);
  assert.equal(calls, 4);
});
