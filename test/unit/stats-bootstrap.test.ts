// Seeded generator and percentile bootstrap of the median change: reproducibility and coverage sanity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32 } from '../../reports/stats/prng.js';
import { bootstrapMedianChange, pctChange } from '../../reports/stats/bootstrap.js';

/** Draws from a generator, to build test samples with known distributions. */
function normalish(seed: number, n: number, centre: number, spread: number): number[] {
  const random = mulberry32(seed);
  // Sum of 4 uniforms: bell-shaped, mean 2, variance 1/3: good enough for noise.
  return Array.from({ length: n }, () => centre + spread * (random() + random() + random() + random() - 2));
}

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

test('same seed gives the same interval; another seed a (slightly) different one', () => {
  const base = normalish(1, 10, 100, 5);
  const cand = normalish(2, 10, 110, 5);
  const one = bootstrapMedianChange(base, cand, { seed: 9 });
  const two = bootstrapMedianChange(base, cand, { seed: 9 });
  const other = bootstrapMedianChange(base, cand, { seed: 10 });
  assert.deepEqual(two, one);
  assert.equal(one.iterations, 10000, 'B defaults to 10000');
  assert.ok(one.lowPct !== other.lowPct || one.highPct !== other.highPct);
  assert.ok(one.lowPct <= one.estimatePct && one.estimatePct <= one.highPct);
});

test('a clear 10% shift: interval contains the true shift and excludes 0', () => {
  const base = normalish(3, 15, 1000, 20);
  const cand = base.map((v) => v * 1.1);
  const ci = bootstrapMedianChange(base, cand, { seed: 1 });
  // Scaling every value by 1.1 moves every median by exactly 10% only when paired, but the
  // groups are resampled independently, so the interval is wide around 10, not a point.
  assert.ok(ci.lowPct < 10 && ci.highPct > 10, `[${ci.lowPct}, ${ci.highPct}] should contain 10`);
  assert.ok(ci.lowPct > 0, `[${ci.lowPct}, ${ci.highPct}] should exclude 0`);
  assert.ok(Math.abs(ci.estimatePct - 10) < 1e-9);
});

test('identical distributions: interval contains 0', () => {
  const base = normalish(5, 12, 500, 25);
  const cand = normalish(6, 12, 500, 25);
  const ci = bootstrapMedianChange(base, cand, { seed: 1 });
  assert.ok(ci.lowPct < 0 && ci.highPct > 0, `[${ci.lowPct}, ${ci.highPct}] should contain 0`);
});

test('coverage: over many draws of identical distributions, the 95% interval contains 0 most of the time', () => {
  let covered = 0;
  const trials = 60;
  for (let t = 0; t < trials; t++) {
    const ci = bootstrapMedianChange(normalish(100 + t, 10, 50, 3), normalish(200 + t, 10, 50, 3), { seed: t, iterations: 2000 });
    if (ci.lowPct <= 0 && ci.highPct >= 0) covered++;
  }
  // Percentile bootstrap of a median with n=10 is roughly nominal; 80% is a loose floor that
  // still catches a broken resampler (which would cover 0 almost never or always).
  assert.ok(covered >= trials * 0.8, `covered ${covered}/${trials}`);
});

test('bad arguments are refused', () => {
  assert.throws(() => bootstrapMedianChange([], [1]), RangeError);
  assert.throws(() => bootstrapMedianChange([1], [1], { iterations: 0 }), RangeError);
  assert.throws(() => bootstrapMedianChange([1], [1], { level: 1 }), RangeError);
});
