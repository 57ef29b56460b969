// Mann-Whitney U against independently computed references. Every reference value below was
// printed by the command in the comment above it, run with Debian 12's /usr/bin/python3
// (python3-scipy 1.10.1, numpy 1.24.2).
//
// The p-value of the exact method is scipy.stats.permutation_test's over all splits (exhaustive),
// with the statistic U1 of scipy.stats.mannwhitneyu. Shorthand in the commands:
//   PT = "import numpy as np; from scipy.stats import permutation_test as pt, mannwhitneyu as m; f=lambda a,b: (m(a,b).statistic, pt((a,b), lambda x,y,axis: m(x,y,axis=axis).statistic, vectorized=True, n_resamples=np.inf, alternative='two-sided').pvalue)"
// so `/usr/bin/python3 -c "$PT; print(f([5,5,5,6],[6,7,7,7]))"`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoMethod, exactUCounts, mannWhitneyU, normalSf, smallestTwoSidedP, tieShare } from '../../reports/stats/mann-whitney.js';
import { conditionalUDistribution } from '../../reports/stats/rank-distribution.js';
import { mulberry32 } from '../../reports/stats/prng.js';

/** Relative closeness: our normal tail uses a 1.2e-7-accurate erfc, scipy's a full-precision one. */
function assertClose(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

const formulaA = (n: number, shift = 0): number[] => Array.from({ length: n }, (_, i) => ((i * 37) % 101) + 0.5 + shift);
const formulaB = (n: number, shift = 0): number[] => Array.from({ length: n }, (_, i) => ((i * 53) % 97) + 0.25 + shift);

test('review C3: tied small samples get the exact conditional p, not the normal approximation', () => {
  const cases: { a: number[]; b: number[]; u: number; p: number; old: number }[] = [
    // /usr/bin/python3 -c "$PT; print(f([5,5,5,6],[6,7,7,7]))"  ->  (0.5, 0.05714285714285714)
    { a: [5, 5, 5, 6], b: [6, 7, 7, 7], u: 0.5, p: 0.05714285714285714, old: 0.0325 },
    // /usr/bin/python3 -c "$PT; print(f([10,10,10],[11,11,11]))"  ->  (0.0, 0.1)
    { a: [10, 10, 10], b: [11, 11, 11], u: 0, p: 0.1, old: 0.0469 },
    // /usr/bin/python3 -c "$PT; print(f([0,0,0,0,1],[1,1,1,1,1]))"  ->  (2.5, 0.047619047619047616)
    { a: [0, 0, 0, 0, 1], b: [1, 1, 1, 1, 1], u: 2.5, p: 0.047619047619047616, old: 0.02 },
    // /usr/bin/python3 -c "$PT; print(f([100,100,102,102,102],[102,102,104,104,104]))"  ->  (3.0, 0.07936507936507936)
    { a: [100, 100, 102, 102, 102], b: [102, 102, 104, 104, 104], u: 3, p: 0.07936507936507936, old: 0.0413 },
  ];
  for (const { a, b, u, p, old } of cases) {
    const r = mannWhitneyU(a, b);
    assert.equal(r.method, 'exact', `${JSON.stringify(a)}: auto must count the exact distribution with ties`);
    assert.equal(r.ties, true);
    assert.equal(r.u, u);
    assertClose(r.p, p, 1e-12, `exact conditional p for ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    // The old code's answer (the normal approximation) was about half of it.
    assert.ok(r.p > 1.5 * old, `${r.p} is no longer the anti-conservative ${old}`);
  }
});

test('exact conditional p-values with ties match scipy permutation_test (exhaustive)', () => {
  const cases: { a: number[]; b: number[]; u: number; p: number }[] = [
    // /usr/bin/python3 -c "$PT; print(f([8]*5,[9]*5))"  ->  (0.0, 0.007936507936507936)
    { a: [8, 8, 8, 8, 8], b: [9, 9, 9, 9, 9], u: 0, p: 0.007936507936507936 },
    // /usr/bin/python3 -c "$PT; print(f([1,2,2,3,5],[2,4,6,6,8]))"  ->  (4.0, 0.0873015873015873)
    { a: [1, 2, 2, 3, 5], b: [2, 4, 6, 6, 8], u: 4, p: 0.0873015873015873 },
    // /usr/bin/python3 -c "$PT; print(f([3,3,4,5,5,5,7],[4,5,6,6,7,8]))"  ->  (9.5, 0.12354312354312354)
    { a: [3, 3, 4, 5, 5, 5, 7], b: [4, 5, 6, 6, 7, 8], u: 9.5, p: 0.12354312354312354 },
    // /usr/bin/python3 -c "$PT; print(f([10,10,10,10],[11,11,11,11]))"  ->  (0.0, 0.02857142857142857)
    { a: [10, 10, 10, 10], b: [11, 11, 11, 11], u: 0, p: 0.02857142857142857 },
    // /usr/bin/python3 -c "$PT; print(f([1,1,1,2,3],[1,2,2,2,2,2,3,4]))"  ->  (11.5, 0.18181818181818182)
    { a: [1, 1, 1, 2, 3], b: [1, 2, 2, 2, 2, 2, 3, 4], u: 11.5, p: 0.18181818181818182 },
    // Asymmetric conditional distributions, where "twice the smaller tail" (scipy's definition,
    // ours) and "at least as far from the mean" differ (0.0952 against 0.0595; 0.1048 against 0.1333):
    // /usr/bin/python3 -c "$PT; print(f([1,0,2],[4,3,2,4,2,2]))"  ->  (1.5, 0.09523809523809523)
    { a: [1, 0, 2], b: [4, 3, 2, 4, 2, 2], u: 1.5, p: 0.09523809523809523 },
    // /usr/bin/python3 -c "$PT; print(f([3,2,0,2],[1,4,4,2,4,4]))"  ->  (5.0, 0.10476190476190476)
    { a: [3, 2, 0, 2], b: [1, 4, 4, 2, 4, 4], u: 5, p: 0.10476190476190476 },
  ];
  for (const { a, b, u, p } of cases) {
    const r = mannWhitneyU(a, b);
    assert.equal(r.method, 'exact');
    assert.equal(r.u, u);
    assertClose(r.p, p, 1e-12, `exact conditional p for ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

// Larger tied samples, beyond what permutation_test enumerates in reasonable time: an exhaustive
// enumeration over how many values of each tie group go to the first sample, weighted by the
// binomial counts, in exact rational arithmetic (python, independent of our dynamic programme):
//   /usr/bin/python3 -c "
//   from itertools import product; from math import comb; from fractions import Fraction
//   def exact(a,b):
//       n1=len(a); vals=sorted(set(a+b)); pooled=a+b; sizes=[pooled.count(v) for v in vals]; ranks=[]; before=0
//       for t in sizes: ranks.append(Fraction(2*before+t+1,2)); before+=t
//       u=sum(ranks[vals.index(x)] for x in a)-Fraction(n1*(n1+1),2); le=ge=tot=0
//       for js in product(*[range(t+1) for t in sizes]):
//           if sum(js)!=n1: continue
//           w=1
//           for t,j in zip(sizes,js): w*=comb(t,j)
//           uu=sum(j*r for j,r in zip(js,ranks))-Fraction(n1*(n1+1),2); tot+=w; le+=w*(uu<=u); ge+=w*(uu>=u)
//       return float(u), min(1.0,2*min(le,ge)/tot)
//   print(exact(A, B))"
// with A and B as in each case below.
test('exact conditional p of larger tied samples matches an exhaustive enumeration over tie groups', () => {
  // -> (62.0, 0.035876914483934506)
  const a15 = [12, 12, 13, 13, 13, 14, 14, 15, 15, 15, 16, 17, 17, 18, 20];
  const b15 = [13, 14, 14, 15, 16, 16, 16, 17, 17, 18, 18, 18, 19, 19, 21];
  const r15 = mannWhitneyU(a15, b15);
  assert.equal(r15.method, 'exact', '15 against 15 is counted exactly');
  assert.equal(r15.u, 62);
  assertClose(r15.p, 0.035876914483934506, 1e-10, '15 v 15 tied');

  // -> (10.0, 0.00020625999071830043): 5 against 40, past n1 + n2 = 30, still cheap to count.
  const a5 = [7, 7, 8, 8, 8];
  const b40 = [7, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15];
  const r5 = mannWhitneyU(a5, b40);
  assert.equal(r5.method, 'exact');
  assert.equal(r5.u, 10);
  assertClose(r5.p, 0.00020625999071830043, 1e-9, '5 v 40 tied');
});

test('exact p-values without ties still match scipy method=exact', () => {
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
  // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([(i*37)%101+0.5 for i in range(35)],[(i*53)%97+0.25+10 for i in range(40)],method='exact'); print(r.statistic, repr(r.pvalue))"
  const big = mannWhitneyU(formulaA(35), formulaB(40, 10), { method: 'exact' });
  assert.equal(big.u, 636);
  assertClose(big.p, 0.5023004695146247, 1e-10, 'exact 35x40');
});

// Review T3: these are scipy's asymptotic values, kept as a check of the formula when the
// asymptotic method is asked for. 'auto' no longer picks it for small tied samples (it is
// anti-conservative there: [8]*5 against [9]*5 gives 0.0040 where the exact p is 2/252 = 0.0079).
test('asymptotic p-values (asked for explicitly) match scipy method=asymptotic, use_continuity=True', () => {
  const cases: { a: number[]; b: number[]; u: number; p: number; ties: boolean }[] = [
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1,2,3,4,5],[6,7,8,9,10],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [1, 2, 3, 4, 5], b: [6, 7, 8, 9, 10], u: 0, p: 0.012185780355344813, ties: false },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([1,2,2,3,5],[2,4,6,6,8],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [1, 2, 2, 3, 5], b: [2, 4, 6, 6, 8], u: 4, p: 0.08968602177036457, ties: true },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([3,3,4,5,5,5,7],[4,5,6,6,7,8],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [3, 3, 4, 5, 5, 5, 7], b: [4, 5, 6, 6, 7, 8], u: 9.5, p: 0.10903426335621068, ties: true },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([8]*5,[9]*5,method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: [8, 8, 8, 8, 8], b: [9, 9, 9, 9, 9], u: 0, p: 0.003976751709788651, ties: true },
    // /usr/bin/python3 -c "from scipy.stats import mannwhitneyu as m; r=m([(i*37)%101+0.5 for i in range(35)],[(i*53)%97+0.25+10 for i in range(40)],method='asymptotic',use_continuity=True); print(r.statistic, repr(r.pvalue))"
    { a: formulaA(35), b: formulaB(40, 10), u: 636, p: 0.5000807570004852, ties: false },
  ];
  for (const { a, b, u, p, ties } of cases) {
    const r = mannWhitneyU(a, b, { method: 'asymptotic' });
    assert.equal(r.method, 'asymptotic');
    assert.equal(r.ties, ties);
    assert.equal(r.u, u);
    assert.equal(r.smallestP, null);
    assertClose(r.p, p, 1e-6, `asymptotic p for ${JSON.stringify(a).slice(0, 30)}`);
  }
  // ...and auto does not pick it for the small tied ones.
  assert.equal(mannWhitneyU([8, 8, 8, 8, 8], [9, 9, 9, 9, 9]).p, 2 / 252);
});

test('auto: exact while counting is cheap, asymptotic only for large samples with light ties, else random splits', () => {
  const singles = (n: number): number[] => Array.from({ length: n }, () => 1);
  assert.equal(autoMethod(5, 5, singles(10)), 'exact');
  assert.equal(autoMethod(15, 15, [15, 15]), 'exact', 'every n1 + n2 <= 30 is exact, ties or not');
  assert.equal(autoMethod(5, 40, singles(45)), 'exact', 'a small side keeps counting cheap');
  assert.equal(autoMethod(60, 60, singles(120)), 'asymptotic');
  assert.equal(autoMethod(60, 60, [40, 40, 40]), 'permutation', 'three values shared by 120: the normal approximation is off');
  assert.equal(autoMethod(6, 1000, singles(1006)), 'permutation', 'too costly to count, too small a side for the normal approximation');
  assert.equal(tieShare(singles(10)), 0);
  assert.equal(tieShare([10]), 1);
});

test('the asymptotic fast path is within 0.005 of the exact p at 40 against 41 without ties (p between 0.001 and 0.2)', () => {
  // The claim in mann-whitney.ts's header, checked against our exact count (itself checked against scipy above).
  const random = mulberry32(11);
  let worst = 0;
  let checked = 0;
  for (let t = 0; t < 40; t++) {
    const shift = 0.03 * random();
    const a = Array.from({ length: 40 }, () => Math.log(1 + random()) * 100);
    const b = Array.from({ length: 41 }, () => Math.log(1 + random()) * 100 + shift * 100);
    const exact = mannWhitneyU(a, b, { method: 'exact' }).p;
    if (exact < 0.001 || exact > 0.2) continue;
    checked++;
    worst = Math.max(worst, Math.abs(exact - mannWhitneyU(a, b, { method: 'asymptotic' }).p));
  }
  assert.ok(checked >= 5, `only ${checked} samples in range`);
  assert.ok(worst < 0.005, `worst difference ${worst}`);
});

test('heavy ties: the normal approximation is off by far more than that, which is why auto avoids it', () => {
  // 20 against 20 with three distinct values: the case the header quotes.
  const a = [...Array(8).fill(1), ...Array(8).fill(2), ...Array(4).fill(3)];
  const b = [...Array(5).fill(1), ...Array(8).fill(2), ...Array(7).fill(3)];
  const exact = mannWhitneyU(a, b, { method: 'exact' }).p;
  const normal = mannWhitneyU(a, b, { method: 'asymptotic' }).p;
  assert.ok(exact > 0.05 && exact < 0.5, `exact ${exact}`);
  assert.ok(Math.abs(exact - normal) > 0.01, `exact ${exact}, normal ${normal}`);
});

test('the permutation method agrees with the exact count within its sampling error, and is reproducible per seed', () => {
  const a = [100, 100, 102, 102, 102, 103, 101];
  const b = [102, 102, 104, 104, 104, 103, 105, 101];
  const exact = mannWhitneyU(a, b).p;
  const perm = mannWhitneyU(a, b, { method: 'permutation', seed: 5 });
  assert.equal(perm.method, 'permutation');
  const se = Math.sqrt((exact * (1 - exact)) / 100000);
  assert.ok(Math.abs(perm.p - exact) < 4 * se + 2e-5, `permutation ${perm.p} vs exact ${exact}`);
  assert.equal(mannWhitneyU(a, b, { method: 'permutation', seed: 5 }).p, perm.p);
});

test('smallest possible p: 2 / C(n1+n2, n1) without ties; ties can only raise it', () => {
  assert.equal(smallestTwoSidedP(3, 3), 0.1);
  assert.equal(smallestTwoSidedP(3, 4), 2 / 35);
  assert.equal(smallestTwoSidedP(4, 4), 2 / 70);
  assert.equal(smallestTwoSidedP(5, 5), 2 / 252);
  assert.equal(smallestTwoSidedP(1, 1), 1);
  assertClose(mannWhitneyU([1, 2, 3], [4, 5, 6]).smallestP!, 0.1, 1e-12, '3 v 3 no ties');
  assertClose(mannWhitneyU([10, 10, 10, 10], [11, 11, 11, 11]).smallestP!, 2 / 70, 1e-12, 'two tie groups of 4');
  // [5,5,5,6] v [6,7,7,7]: the most extreme split of this tie pattern comes in two ways out of 70.
  assertClose(mannWhitneyU([5, 5, 5, 6], [6, 7, 7, 7]).smallestP!, 4 / 70, 1e-12, 'C3 first case');
});

test('U is the first sample\'s statistic and p is symmetric in the samples', () => {
  const a = [1.1, 2.3, 0.7, 4.5];
  const b = [3.2, 5.1, 6.0, 2.9, 7.7];
  const ab = mannWhitneyU(a, b);
  const ba = mannWhitneyU(b, a);
  assert.equal(ab.u + ba.u, a.length * b.length);
  assert.equal(ab.p, ba.p);
  const tiedAb = mannWhitneyU([1, 0, 2], [4, 3, 2, 4, 2, 2]);
  const tiedBa = mannWhitneyU([4, 3, 2, 4, 2, 2], [1, 0, 2]);
  assert.equal(tiedAb.u + tiedBa.u, 18);
  assertClose(tiedAb.p, tiedBa.p, 1e-12, 'tied, swapped');
});

test('all values equal gives p = 1 (no ordering information), not NaN', () => {
  const r = mannWhitneyU([5, 5, 5], [5, 5, 5, 5]);
  assert.equal(r.p, 1);
  assert.equal(r.u, 6);
  assert.equal(mannWhitneyU([5, 5, 5], [5, 5, 5, 5], { method: 'asymptotic' }).p, 1);
});

test('bad input is refused', () => {
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
  assert.throws(() => mannWhitneyU([1, Number.NaN], [1]), RangeError);
  assert.throws(() => conditionalUDistribution(2, 2, [1, 1]), RangeError);
});

test('the conditional distribution without ties is the classic one; counts sum to C(n1+n2, n1)', () => {
  const counts = exactUCounts(6, 4);
  assert.equal(counts.length, 25);
  assert.equal(counts.reduce((s, c) => s + c, 0), 210); // C(10, 4)
  for (let u = 0; u < counts.length; u++) assert.equal(counts[u], counts[counts.length - 1 - u]);
  assert.deepEqual([...exactUCounts(2, 2)], [1, 1, 2, 1, 1]);
  const conditional = conditionalUDistribution(6, 4, Array(10).fill(1));
  assert.equal(conditional.total, 210);
  for (let u = 0; u < counts.length; u++) assert.equal(conditional.counts[2 * u], counts[u], `U = ${u}`);
  for (let v = 1; v < conditional.counts.length; v += 2) assert.equal(conditional.counts[v], 0, 'no half values without ties');
  const tied = conditionalUDistribution(4, 4, [3, 2, 3]);
  assert.equal(tied.total, 70);
});

test('normal upper tail matches known values', () => {
  // /usr/bin/python3 -c "from scipy.stats import norm; print(repr(norm.sf(1.959963984540054)), repr(norm.sf(-1.0)), repr(norm.sf(3.5)))"
  assertClose(normalSf(1.959963984540054), 0.025, 1e-6, 'sf(1.96)');
  assertClose(normalSf(-1), 0.8413447460685429, 1e-6, 'sf(-1)');
  assertClose(normalSf(3.5), 0.00023262907903552502, 1e-6, 'sf(3.5)');
});
