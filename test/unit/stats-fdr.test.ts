// Benjamini-Hochberg q-values against scipy.stats.false_discovery_control (method 'bh'), which
// Debian 12's scipy (1.10) lacks: these were printed by python 3.11.7 with scipy 1.17.1 and
// numpy 2.4.6, by the command above each case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benjaminiHochberg } from '../../reports/stats/fdr.js';

function assertAllClose(actual: (number | null)[], expected: (number | null)[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (e === null) assert.equal(a, null, `entry ${i}`);
    else assert.ok(a !== null && Math.abs(a - e) < 1e-12, `entry ${i}: ${a} vs ${e}`);
  });
}

test('q-values match scipy false_discovery_control', () => {
  // python3 -c "from scipy.stats import false_discovery_control as f; print([float(x) for x in f([0.01,0.04,0.03,0.005,0.2,0.5,0.04])])"
  assertAllClose(benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.04]), [0.035, 0.056, 0.056, 0.035, 0.23333333333333336, 0.5, 0.056]);
  // python3 -c "from scipy.stats import false_discovery_control as f; print([float(x) for x in f([1e-6, 0.9, 0.012, 0.011, 0.013, 1.0])])"
  assertAllClose(benjaminiHochberg([1e-6, 0.9, 0.012, 0.011, 0.013, 1.0]), [6e-6, 1, 0.0195, 0.0195, 0.0195, 1]);
});

test('rows outside the family (null) keep null and do not count in m', () => {
  // Same family as the first case above, with three rows outside it.
  assertAllClose(
    benjaminiHochberg([null, 0.01, 0.04, null, 0.03, 0.005, 0.2, 0.5, 0.04, null]),
    [null, 0.035, 0.056, null, 0.056, 0.035, 0.23333333333333336, 0.5, 0.056, null],
  );
  assert.deepEqual(benjaminiHochberg([]), []);
  assert.deepEqual(benjaminiHochberg([null]), [null]);
});

test('a q-value is never below its p-value and never above 1; bad p-values are refused', () => {
  const p = [0.001, 0.3, 0.02, 0.9, 0.04];
  const q = benjaminiHochberg(p);
  q.forEach((v, i) => assert.ok(v! >= p[i]! && v! <= 1));
  assert.throws(() => benjaminiHochberg([0.5, 1.5]), RangeError);
  assert.throws(() => benjaminiHochberg([Number.NaN]), RangeError);
});
