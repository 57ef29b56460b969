// Descriptive statistics against numpy. Reference values were printed by the command in the
// comment above them, run with Debian 12's /usr/bin/python3 (numpy 1.24.2, scipy 1.10.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, mean, median, quantile, stdev } from '../../reports/stats/descriptive.js';

const close = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
};

const x = [3.1, 4.7, 1.2, 9.9, 5.5, 2.8, 7.3];

test('mean, median and sample stdev match numpy', () => {
  // /usr/bin/python3 -c "import numpy as np; x=[3.1,4.7,1.2,9.9,5.5,2.8,7.3]; print(repr(np.mean(x)), repr(np.median(x)), repr(np.std(x,ddof=1)))"
  // -> 4.928571428571429 4.7 2.9578789054063077
  close(mean(x), 4.928571428571429, 'mean');
  close(median(x), 4.7, 'median');
  close(stdev(x), 2.9578789054063077, 'stdev');
  // /usr/bin/python3 -c "import numpy as np; y=[2.0,4.0,4.0,5.0]; print(repr(np.mean(y)), repr(np.median(y)), repr(np.std(y,ddof=1)))"
  // -> 3.75 4.0 1.2583057392117916
  const y = [2, 4, 4, 5];
  close(mean(y), 3.75, 'mean y');
  close(median(y), 4, 'median y (even n)');
  close(stdev(y), 1.2583057392117916, 'stdev y');
});

test('quantile is numpy\'s default (linear, type 7)', () => {
  // /usr/bin/python3 -c "import numpy as np; x=[3.1,4.7,1.2,9.9,5.5,2.8,7.3]; print([repr(np.quantile(x,q)) for q in (0,0.1,0.25,0.9,1)])"
  // -> ['1.2', '2.16', '2.95', '8.340000000000002', '9.9']
  const expected: [number, number][] = [[0, 1.2], [0.1, 2.16], [0.25, 2.95], [0.9, 8.340000000000002], [1, 9.9]];
  for (const [p, q] of expected) close(quantile(x, p), q, `quantile ${p}`);
  // /usr/bin/python3 -c "import numpy as np; print(repr(np.quantile([2.0,4.0,4.0,5.0],0.3)))"  -> 3.8
  close(quantile([2, 4, 4, 5], 0.3), 3.8, 'quantile 0.3 of y');
  assert.throws(() => quantile([], 0.5), RangeError);
  assert.throws(() => quantile([1], 1.5), RangeError);
});

test('describe gathers every statistic and leaves the input unsorted', () => {
  const input = [...x];
  const d = describe(input);
  assert.deepEqual(input, x);
  assert.equal(d.n, 7);
  assert.equal(d.min, 1.2);
  assert.equal(d.max, 9.9);
  close(d.covPct, (100 * 2.9578789054063077) / 4.928571428571429, 'CoV %');
});

test('one value: no stdev or CoV; zero mean: no CoV; empty or non-finite input refused', () => {
  const one = describe([42]);
  assert.equal(one.stdev, null);
  assert.equal(one.covPct, null);
  assert.equal(one.median, 42);
  assert.equal(describe([-1, 1]).covPct, null);
  assert.throws(() => describe([]), RangeError);
  assert.throws(() => describe([1, Number.NaN]), RangeError);
});
