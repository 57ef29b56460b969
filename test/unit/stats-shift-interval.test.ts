// Hodges-Lehmann ratio and its rank interval: reference values computed independently, then seeded
// simulations of coverage, false positives under no change and power (issue 11 item 2, review M3, T1).
//
// Reference values: /usr/bin/python3 (Debian 12, numpy 1.24.2) with this function, which counts
// U's distribution by enumerating every split of the ranks 1..n1+n2 (not our dynamic programme):
//   MOSES = "
//   import itertools, numpy as np
//   def moses(x,y,target=0.95):
//       n1,n2=len(x),len(y); N=n1+n2
//       us=np.array([sum(c)-n1*(n1+1)//2 for c in itertools.combinations(range(1,N+1),n1)])
//       levels={c:1-2*np.mean(us<=c-1) for c in range(1,(n1*n2+1)//2+1)}
//       ok=[c for c in levels if levels[c]>=target-(1-target)/2-1e-12]
//       c=min(ok,key=lambda c:(abs(levels[c]-target),-levels[c]))
//       d=np.sort(np.subtract.outer(np.log(y),np.log(x)).ravel())
//       return c, repr(levels[c]), repr(np.median(d)), repr(d[c-1]), repr(d[len(d)-c])"
//   /usr/bin/python3 -c "$MOSES
//   print(moses(X, Y))"
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intervalRank, shiftInterval } from '../../reports/stats/shift-interval.js';
import { mannWhitneyU } from '../../reports/stats/mann-whitney.js';
import { mulberry32, type Random } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { verdictOf } from '../../reports/compare/verdict.js';

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

test('Hodges-Lehmann estimate and Moses interval match an independent enumeration', () => {
  const cases = [
    // print(moses([1012,998,1005,991,1020],[1049,1061,1038,1070,1052]))
    // -> (4, '0.9444444444444444', '0.04728328876657262', '0.030890487019338053', '0.06267110696277545')
    { x: [1012, 998, 1005, 991, 1020], y: [1049, 1061, 1038, 1070, 1052], c: 4, level: 0.9444444444444444, est: 0.04728328876657262, low: 0.030890487019338053, high: 0.06267110696277545 },
    // print(moses([812.5,790.1,805.3,799.9,821.7,808.8,795.2,816.4,802.6,811.1],[840.2,851.7,829.9,862.3,835.5,848.8,857.1,838.4,845.0,833.3]))
    // -> (25, '0.9475740977288964', '0.045607868562969944', '0.033448753771585515', '0.05800293019857605')
    {
      x: [812.5, 790.1, 805.3, 799.9, 821.7, 808.8, 795.2, 816.4, 802.6, 811.1],
      y: [840.2, 851.7, 829.9, 862.3, 835.5, 848.8, 857.1, 838.4, 845.0, 833.3],
      c: 25,
      level: 0.9475740977288964,
      est: 0.045607868562969944,
      low: 0.033448753771585515,
      high: 0.05800293019857605,
    },
    // print(moses([5.1,4.9,5.3,5.0],[5.2,5.6,5.4,5.9,5.5,5.7,5.8]))
    // -> (4, '0.9575757575757575', '0.0962369641289863', '0.03704127168034921', '0.15123096972392336')
    { x: [5.1, 4.9, 5.3, 5.0], y: [5.2, 5.6, 5.4, 5.9, 5.5, 5.7, 5.8], c: 4, level: 0.9575757575757575, est: 0.0962369641289863, low: 0.03704127168034921, high: 0.15123096972392336 },
  ];
  for (const k of cases) {
    const s = shiftInterval(k.x, k.y);
    assert.equal(s.scale, 'log');
    assert.equal(s.rank, k.c);
    assertClose(s.level, k.level, 1e-12, 'level');
    assertClose(s.estimate, k.est, 1e-12, 'estimate');
    assertClose(s.low, k.low, 1e-12, 'low');
    assertClose(s.high, k.high, 1e-12, 'high');
  }
});

test('achievable levels: closest to 95% the sizes allow, never below 92.5%, else no finite interval', () => {
  assertClose(intervalRank(5, 5).level, 1 - 14 / 252, 1e-12, '5 v 5: 94.4% (96.8% is the other neighbour)');
  assertClose(intervalRank(4, 4).level, 1 - 4 / 70, 1e-12, '4 v 4: 94.3%');
  assertClose(intervalRank(3, 4).level, 1 - 2 / 35, 1e-12, '3 v 4: 94.3%');
  assert.equal(intervalRank(3, 3).rank, 0, '3 v 3: the widest finite interval is only 90%');
  assert.equal(intervalRank(2, 5).rank, 0, '2 v 5: 90.5% at best');
  assert.equal(intervalRank(3, 3).level, 1);
  const unbounded = shiftInterval([10, 11, 12], [20, 21, 22]);
  assert.equal(unbounded.low, -Infinity);
  assert.equal(unbounded.high, Infinity);
  // Large sizes use the normal approximation of U's distribution; the level stays near 95%.
  const big = intervalRank(60, 70);
  assert.ok(Math.abs(big.level - 0.95) < 0.002, `60 v 70: ${big.level}`);
});

test('values that are not all positive are shifted on their own scale (no ratio)', () => {
  const s = shiftInterval([0, 0, 0, 1, 1], [2, 2, 3, 3, 3]);
  assert.equal(s.scale, 'linear');
  assert.equal(s.estimate, 2);
  assert.throws(() => shiftInterval([0, 1], [1, 2], { scale: 'log' }), RangeError);
  assert.throws(() => shiftInterval([], [1]), RangeError);
});

test('identical values: the interval is the point 0; a deterministic doubling is the point log 2', () => {
  const same = shiftInterval([8, 8, 8, 8, 8], [8, 8, 8, 8, 8]);
  assert.deepEqual([same.estimate, same.low, same.high], [0, 0, 0]);
  const doubled = shiftInterval([8, 8, 8, 8, 8], [16, 16, 16, 16, 16]);
  assertClose(doubled.low, Math.LN2, 1e-15, 'low');
  assertClose(doubled.high, Math.LN2, 1e-15, 'high');
});

// ---- Simulations (seeded: the same draws on every run) -------------------------------------

/** n lognormal values with median `centre` and the given CoV. */
function draw(random: Random, n: number, centre: number, cov: number): number[] {
  const sigma = lognormalSigma(cov);
  return Array.from({ length: n }, () => centre * Math.exp(sigma * standardNormal(random)));
}

/** Rounds to the midpoint of log-spaced bins `ratio` wide, as histogram percentiles do. */
function quantise(values: number[], ratio: number): number[] {
  const step = Math.log(ratio);
  return values.map((v) => Math.exp((Math.floor(Math.log(v) / step) + 0.5) * step));
}

interface Trial {
  covered: number;
  /** The whole interval beyond +2% (the shift's direction). */
  found: number;
  /** The whole interval beyond ±2% in either direction. */
  calledChange: number;
  /** p < 0.05. */
  rejected: number;
  trials: number;
}

function simulate(seed: number, n: number, shift: number, trials: number, binRatio?: number): Trial {
  const random = mulberry32(seed);
  const out: Trial = { covered: 0, found: 0, calledChange: 0, rejected: 0, trials };
  for (let t = 0; t < trials; t++) {
    let base = draw(random, n, 1000, 0.02);
    let cand = draw(random, n, 1000 * shift, 0.02);
    if (binRatio) {
      base = quantise(base, binRatio);
      cand = quantise(cand, binRatio);
    }
    const s = shiftInterval(base, cand);
    if (s.low <= Math.log(shift) && Math.log(shift) <= s.high) out.covered++;
    const pct = (v: number): number => 100 * Math.expm1(v);
    const interval = { estimatePct: pct(s.estimate), lowPct: pct(s.low), highPct: pct(s.high), level: s.level };
    const { verdict } = verdictOf({ role: 'primary', better: 'lower', interval, noisePct: 2, n1: n, n2: n, covPct: 2 });
    if (interval.lowPct > 2) out.found++;
    if (verdict === 'regression' || verdict === 'improvement') out.calledChange++;
    if (mannWhitneyU(base, cand).p < 0.05) out.rejected++;
  }
  return out;
}

const TRIALS = 2000;
/** Coverage is judged against a band 1.5 points wide: 5000 trials put its edges 4 standard errors away. */
const COVERAGE_TRIALS = 5000;

test('coverage: the ~95% interval covers a true 5% shift in 93-97% of trials at n = 5 and n = 10 (review T1: bounded on both sides)', () => {
  for (const n of [5, 10]) {
    const r = simulate(100 + n, n, 1.05, COVERAGE_TRIALS);
    const coverage = r.covered / r.trials;
    // An interval that always covers ([-inf, +inf]) fails the upper bound, one that never does the lower.
    assert.ok(coverage >= 0.93 && coverage <= 0.97, `n = ${n}: coverage ${coverage} at level ${intervalRank(n, n).level}`);
  }
});

test('no change: the whole-interval rule calls a change in at most 1% of trials; the test rejects in at most ~5%', () => {
  for (const n of [5, 10]) {
    const r = simulate(200 + n, n, 1, TRIALS);
    const called = r.calledChange / r.trials;
    const rejected = r.rejected / r.trials;
    assert.ok(called <= 0.01, `n = ${n}: change called in ${called}`);
    // The exact test's size is at most alpha (5 v 5: 0.032); sampling error allows a little more.
    assert.ok(rejected <= 0.06, `n = ${n}: p < 0.05 in ${rejected}`);
    assert.ok(r.covered / r.trials >= 0.93, `n = ${n}: coverage of no change ${r.covered / r.trials}`);
  }
});

test('power: a true 5% shift at 2% CoV is found (whole interval beyond +2%) in >= 40% of trials at n = 5, >= 75% at n = 10', () => {
  const five = simulate(305, 5, 1.05, TRIALS);
  const ten = simulate(310, 10, 1.05, TRIALS);
  assert.ok(five.found / five.trials >= 0.4, `n = 5: found ${five.found / five.trials}`);
  assert.ok(ten.found / ten.trials >= 0.75, `n = 10: found ${ten.found / ten.trials}`);
  // The test itself (p < 0.05) finds it far more often: the whole-interval rule is what costs power.
  assert.ok(five.rejected / five.trials > five.found / five.trials);
});

test('quantised values (histogram bins of 0.39% and 1.6%): with no change the interval covers it at least at its level', () => {
  // dma_bench percentiles are bucket midpoints within 1/256; fio's clat bins are ~1.1-1.6% wide.
  for (const [n, ratio] of [[5, 1 + 1 / 256], [5, 1.016], [10, 1.016]] as const) {
    const r = simulate(400 + n, n, 1, TRIALS, ratio);
    const coverage = r.covered / r.trials;
    assert.ok(coverage >= intervalRank(n, n).level - 0.015, `n = ${n}, bins ${ratio}: coverage of no change ${coverage}`);
    assert.ok(r.calledChange / r.trials <= 0.01, `n = ${n}, bins ${ratio}: change called in ${r.calledChange / r.trials}`);
  }
});
