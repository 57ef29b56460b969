// Seeded generators, the percent change and the two-level bootstrap (boots, then repetitions):
// exactness of the fast resampling, reproducibility, coverage with boot effects and power.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32, type Random } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { pctChange, twoLevelBootstrap } from '../../reports/stats/bootstrap.js';
import { shiftInterval } from '../../reports/stats/shift-interval.js';
import { quantile } from '../../reports/stats/descriptive.js';

test('mulberry32 is reproducible, seed-dependent and uniform in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const seqA = Array.from({ length: 1000 }, a);
  assert.deepEqual(Array.from({ length: 1000 }, b), seqA);
  assert.notDeepEqual(Array.from({ length: 1000 }, c), seqA);
  assert.ok(seqA.every((v) => v >= 0 && v < 1));
  const m = seqA.reduce((s, v) => s + v, 0) / seqA.length;
  assert.ok(Math.abs(m - 0.5) < 0.05, `mean of 1000 uniforms ${m}`);
});

test('deriveSeed depends on both the seed and the key', () => {
  assert.equal(deriveSeed(1, 'a|b|c'), deriveSeed(1, 'a|b|c'));
  assert.notEqual(deriveSeed(1, 'a|b|c'), deriveSeed(2, 'a|b|c'));
  assert.notEqual(deriveSeed(1, 'a|b|c'), deriveSeed(1, 'a|b|d'));
});

test('pctChange', () => {
  assert.equal(pctChange(200, 210), 5);
  assert.equal(pctChange(-200, -210), -5);
  assert.equal(pctChange(0, 0), 0);
  assert.equal(pctChange(0, 3), Infinity);
});

test('standardNormal: mean 0, variance 1; lognormalSigma gives the asked CoV', () => {
  const random = mulberry32(7);
  const draws = Array.from({ length: 20000 }, () => standardNormal(random));
  const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
  const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws.length - 1);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  const sigma = lognormalSigma(0.02);
  const values = draws.map((z) => Math.exp(sigma * z));
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
  assert.ok(Math.abs(sd / m - 0.02) < 0.001, `CoV ${sd / m}`);
});

// ---- Two-level bootstrap (boots, then repetitions) ------------------------------------------

/** The same resampling done the plain way: build each resample, take the median of all its pairwise differences. */
function naiveTwoLevel(base: number[][], cand: number[][], iterations: number, seed: number): { low: number; high: number } {
  const random = mulberry32(seed);
  const draw = (side: number[][]): number[] => {
    const out: number[] = [];
    for (let b = 0; b < side.length; b++) {
      const boot = side[Math.floor(random() * side.length)]!;
      for (let r = 0; r < boot.length; r++) out.push(Math.log(boot[Math.floor(random() * boot.length)]!));
    }
    return out;
  };
  const shifts: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const x = draw(base);
    const y = draw(cand);
    shifts.push(quantile(y.flatMap((yj) => x.map((xi) => yj - xi)), 0.5));
  }
  return { low: quantile(shifts, 0.025), high: quantile(shifts, 0.975) };
}

/** `boots` boots of `reps` values: each boot's level drawn with `bootCov`, its repetitions around it with `repCov`. */
function bootedSide(random: Random, boots: number, reps: number, centre: number, bootCov: number, repCov: number): number[][] {
  return Array.from({ length: boots }, () => {
    const level = centre * Math.exp(lognormalSigma(bootCov) * standardNormal(random));
    return Array.from({ length: reps }, () => level * Math.exp(lognormalSigma(repCov) * standardNormal(random)));
  });
}

test('two-level bootstrap: the weighted walk gives exactly what building every resample gives', () => {
  const random = mulberry32(3);
  for (const [boots, reps] of [[2, 5], [3, 4], [4, 1]] as const) {
    const base = bootedSide(random, boots, reps, 1000, 0.02, 0.01);
    const cand = bootedSide(random, boots + 1, reps, 1050, 0.02, 0.01);
    const fast = twoLevelBootstrap(base, cand, { scale: 'log', iterations: 300, seed: 9 });
    const naive = naiveTwoLevel(base, cand, 300, 9);
    assert.ok(Math.abs(fast.low - naive.low) < 1e-12 && Math.abs(fast.high - naive.high) < 1e-12, `${boots}x${reps}: ${JSON.stringify([fast, naive])}`);
  }
});

test('two-level bootstrap: reproducible for a seed; level and iterations as asked; bad input refused', () => {
  const random = mulberry32(4);
  const base = bootedSide(random, 3, 4, 1000, 0.02, 0.01);
  const cand = bootedSide(random, 3, 4, 1100, 0.02, 0.01);
  const one = twoLevelBootstrap(base, cand, { scale: 'log', seed: 1 });
  assert.deepEqual(twoLevelBootstrap(base, cand, { scale: 'log', seed: 1 }), one);
  assert.notDeepEqual(twoLevelBootstrap(base, cand, { scale: 'log', seed: 2 }), one);
  assert.equal(one.iterations, 2000);
  assert.equal(one.level, 0.95);
  assert.ok(one.low < Math.log(1.1) + 0.05 && one.high > Math.log(1.1) - 0.05);
  assert.throws(() => twoLevelBootstrap([[]], cand, { scale: 'log' }), RangeError);
  assert.throws(() => twoLevelBootstrap(base, cand, { scale: 'log', iterations: 0 }), RangeError);
  assert.throws(() => twoLevelBootstrap(base, cand, { scale: 'log', level: 1 }), RangeError);
});

test('boots that differ: the two-level interval covers far more often than the rank interval that ignores boots, and not always', () => {
  // 5 boots of 3 repetitions per side, boots 2% apart, repetitions 1%: the case `lab run --boots`
  // is for. Measured with 1000 trials (scripts/bench/stats-coverage.ts prints more): 93% against 78%.
  const random = mulberry32(5);
  const trials = 300;
  let twoLevel = 0;
  let rank = 0;
  for (let t = 0; t < trials; t++) {
    const base = bootedSide(random, 5, 3, 1000, 0.02, 0.01);
    const cand = bootedSide(random, 5, 3, 1050, 0.02, 0.01);
    const b = twoLevelBootstrap(base, cand, { scale: 'log', iterations: 1000, seed: t });
    if (b.low <= Math.log(1.05) && Math.log(1.05) <= b.high) twoLevel++;
    const r = shiftInterval(base.flat(), cand.flat());
    if (r.low <= Math.log(1.05) && Math.log(1.05) <= r.high) rank++;
  }
  assert.ok(twoLevel / trials >= 0.88 && twoLevel / trials <= 0.99, `two-level coverage ${twoLevel / trials}`);
  assert.ok(rank / trials <= 0.85, `rank interval ignoring boots covers ${rank / trials}`);
  assert.ok(twoLevel - rank >= 0.08 * trials);
});

test('two-level bootstrap power: a 10% shift with boots 1% apart is found beyond +2% in most trials', () => {
  const random = mulberry32(6);
  let found = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const b = twoLevelBootstrap(bootedSide(random, 5, 3, 1000, 0.01, 0.01), bootedSide(random, 5, 3, 1100, 0.01, 0.01), { scale: 'log', iterations: 1000, seed: t });
    if (Math.expm1(b.low) > 0.02) found++;
  }
  assert.ok(found / trials >= 0.9, `found ${found / trials}`);
});
