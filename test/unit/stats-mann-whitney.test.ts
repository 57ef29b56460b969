// Mann-Whitney U against scipy.stats.mannwhitneyu. Every reference value below was printed by the
// command in the comment above it, run with Debian 12's /usr/bin/python3 (scipy 1.10.1, numpy 1.24.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactUCounts, mannWhitneyU, normalSf } from '../../reports/stats/mann-whitney.js';

/** Relative closeness: our normal tail uses a 1.2e-7-accurate erfc, scipy's a full-precision one. */
function assertClose(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

const formulaA = (n: number, shift = 0): number[] => Array.from({ length: n }, (_, i) => ((i * 37) % 101) + 0.5 + shift);
const formulaB = (n: number, shift = 0): number[] => Array.from({ length: n }, (_, i) => ((i * 53) % 97) + 0.25 + shift);

test('exact p-values match scipy method=exact (no ties)', () => {
  const cases: { a: number[]; b: number[]; u: number; p: number }[] = [
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1,2,3,4,5],[6,7,8,9,10],method='exact'); print(r.statistic, repr(r.pvalue))"
    { a: [1, 2, 3, 4, 5], b: [6, 7, 8, 9, 10], u: 0, p: 0.007936507936507936 },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1.1,2.3,0.7,4.5],[3.2,5.1,6.0,2.9,7.7],method='exact'); print(r.statistic, repr(r.pvalue))"
    { a: [1.1, 2.3, 0.7, 4.5], b: [3.2, 5.1, 6.0, 2.9, 7.7], u: 2, p: 0.06349206349206349 },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([10.2,11.5,9.8,12.1,10.9,11.0],[11.8,12.4,10.5,13.0,12.2,11.9],method='exact'); print(r.statistic, repr(r.pvalue))"
    { a: [10.2, 11.5, 9.8, 12.1, 10.9, 11.0], b: [11.8, 12.4, 10.5, 13.0, 12.2, 11.9], u: 6, p: 0.06493506493506493 },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([(i*37)%101+0.5 for i in range(12)],[(i*53)%97+0.25 for i in range(15)],method='exact'); print(r.statistic, repr(r.pvalue))"
    { a: formulaA(12), b: formulaB(15), u: 97, p: 0.7551246961261768 },
  ];
  for (const { a, b, u, p } of cases) {
    const r = mannWhitneyU(a, b);
    assert.equal(r.method, 'exact');
    assert.equal(r.ties, false);
    assert.equal(r.u, u);
    assertClose(r.p, p, 1e-12, `exact p for ${a.length}x${b.length}`);
  }
});

test('forced exact on large samples still matches scipy', () => {
  // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([(i*37)%101+0.5 for i in range(35)],[(i*53)%97+0.25+10 for i in range(40)],method='exact'); print(r.statistic, repr(r.pvalue))"
  const r = mannWhitneyU(formulaA(35), formulaB(40, 10), { method: 'exact' });
  assert.equal(r.u, 636);
  assertClose(r.p, 0.5023004695146247, 1e-10, 'exact 35x40');
});

test('asymptotic p-values match scipy method=asymptotic, use_continuity=True', () => {
  const cases: { a: number[]; b: number[]; u: number; p: number; ties: boolean; forced: boolean }[] = [
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1,2,3,4,5],[6,7,8,9,10],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [1, 2, 3, 4, 5], b: [6, 7, 8, 9, 10], u: 0, p: 0.012185780355344813, ties: false, forced: true },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1,2,2,3,5],[2,4,6,6,8],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [1, 2, 2, 3, 5], b: [2, 4, 6, 6, 8], u: 4, p: 0.08968602177036457, ties: true, forced: false },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([3,3,4,5,5,5,7],[4,5,6,6,7,8],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [3, 3, 4, 5, 5, 5, 7], b: [4, 5, 6, 6, 7, 8], u: 9.5, p: 0.10903426335621068, ties: true, forced: false },
    // Deterministic call counts that differ between kernels: two tie groups, nothing else.
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([8]*5,[9]*5,method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [8, 8, 8, 8, 8], b: [9, 9, 9, 9, 9], u: 0, p: 0.003976751709788651, ties: true, forced: false },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([(i*37)%101+0.5 for i in range(35)],[(i*53)%97+0.25+10 for i in range(40)],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: formulaA(35), b: formulaB(40, 10), u: 636, p: 0.5000807570004852, ties: false, forced: false },
  ];
  for (const { a, b, u, p, ties, forced } of cases) {
    const r = mannWhitneyU(a, b, forced ? { method: 'asymptotic' } : {});
    assert.equal(r.method, 'asymptotic', 'auto must fall back to the normal approximation with ties or n > 30');
    assert.equal(r.ties, ties);
    assert.equal(r.u, u);
    assertClose(r.p, p, 1e-6, `asymptotic p for ${JSON.stringify(a).slice(0, 30)}`);
  }
});

test('U is the first sample\'s statistic and p is symmetric in the samples', () => {
  const a = [1.1, 2.3, 0.7, 4.5];
  const b = [3.2, 5.1, 6.0, 2.9, 7.7];
  const ab = mannWhitneyU(a, b);
  const ba = mannWhitneyU(b, a);
  assert.equal(ab.u + ba.u, a.length * b.length);
  assert.equal(ab.p, ba.p);
});

test('all values equal gives p = 1 (no ordering information), not NaN', () => {
  const r = mannWhitneyU([5, 5, 5], [5, 5, 5, 5]);
  assert.equal(r.p, 1);
  assert.equal(r.u, 6);
});

test('exact on tied samples is refused rather than guessed', () => {
  assert.throws(() => mannWhitneyU([1, 2, 2], [2, 3, 4], { method: 'exact' }), RangeError);
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
});

test('exact U distribution counts sum to C(m+n, m) and are symmetric', () => {
  const counts = exactUCounts(6, 4);
  assert.equal(counts.length, 25);
  assert.equal(counts.reduce((s, c) => s + c, 0), 210); // C(10, 4)
  for (let u = 0; u < counts.length; u++) assert.equal(counts[u], counts[counts.length - 1 - u]);
  assert.deepEqual([...exactUCounts(2, 2)], [1, 1, 2, 1, 1]);
});

test('normal upper tail matches known values', () => {
  // /usr/bin/python3 -c "from scipy.stats import norm; print(repr(norm.sf(1.959963984540054)), repr(norm.sf(-1.0)), repr(norm.sf(3.5)))"
  assertClose(normalSf(1.959963984540054), 0.025, 1e-6, 'sf(1.96)');
  assertClose(normalSf(-1), 0.8413447460685429, 1e-6, 'sf(-1)');
  assertClose(normalSf(3.5), 0.00023262907903552502, 1e-6, 'sf(3.5)');
});
