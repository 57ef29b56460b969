// Coverage, false positives and power of compare's interval and verdict rule, by seeded
// simulation: base and candidate draw n lognormal values with 2% CoV, the candidate shifted by
// the true ratio. Prints, per case, the interval's level, how often it covers the true ratio, how
// often the whole-interval rule calls a change beyond ±2% (false positives when nothing changed,
// power when something did), and how often the test alone gives p < 0.05. The unit tests
// (test/unit/stats-shift-interval.test.ts, stats-bootstrap.test.ts) hold the same quantities to
// bounds; this prints them. A second table does the same for sides that ran in several boots.
// Usage: node --import tsx scripts/bench/stats-coverage.ts [trials] (20000 by default)
import { shiftInterval } from '../../reports/stats/shift-interval.js';
import { twoLevelBootstrap } from '../../reports/stats/bootstrap.js';
import { mannWhitneyU } from '../../reports/stats/mann-whitney.js';
import { mulberry32, type Random } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';

const trials = Number(process.argv[2] ?? 20000);
const NOISE_PCT = 2;

function draw(random: Random, n: number, centre: number): number[] {
  const sigma = lognormalSigma(0.02);
  return Array.from({ length: n }, () => centre * Math.exp(sigma * standardNormal(random)));
}

/** Midpoints of log-spaced bins `ratio` wide, as histogram percentiles are. */
function binned(values: number[], ratio: number | null): number[] {
  if (ratio === null) return values;
  const step = Math.log(ratio);
  return values.map((v) => Math.exp((Math.floor(Math.log(v) / step) + 0.5) * step));
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(`${trials} trials per case, 2% lognormal noise, noise threshold ${NOISE_PCT}%`);
console.log('n   true ratio  bins    level   coverage  change called  p < 0.05');
for (const [n, ratio, bins] of [
  [5, 1, null],
  [10, 1, null],
  [5, 1.05, null],
  [10, 1.05, null],
  [5, 1, 1 + 1 / 256],
  [5, 1, 1.016],
  [10, 1, 1.016],
  [5, 1.05, 1.016],
  [10, 1.05, 1.016],
] as const) {
  const random = mulberry32(n * 1000 + Math.round(ratio * 100) + (bins ? 7 : 0));
  let covered = 0;
  let called = 0;
  let rejected = 0;
  let level = 0;
  for (let t = 0; t < trials; t++) {
    const base = binned(draw(random, n, 1000), bins);
    const cand = binned(draw(random, n, 1000 * ratio), bins);
    const s = shiftInterval(base, cand);
    level = s.level;
    if (s.low <= Math.log(ratio) && Math.log(ratio) <= s.high) covered++;
    const low = 100 * Math.expm1(s.low);
    const high = 100 * Math.expm1(s.high);
    if (low > NOISE_PCT || high < -NOISE_PCT) called++;
    if (mannWhitneyU(base, cand).p < 0.05) rejected++;
  }
  const binText = bins === null ? 'none  ' : `${((bins - 1) * 100).toFixed(2)}%`;
  console.log(
    `${String(n).padEnd(3)} ${ratio.toFixed(2).padEnd(11)} ${binText.padEnd(7)} ${pct(level).padEnd(7)} ${pct(covered / trials).padEnd(9)} ${pct(called / trials).padEnd(14)} ${pct(rejected / trials)}`,
  );
}

// Sides that ran in several boots: each boot's level drawn with 2% CoV, its repetitions with 1%,
// true change +5%. The two-level bootstrap against the rank interval that treats every
// repetition as independent. Fewer trials: each bootstrap resamples 1000 times.
const bootTrials = Math.max(100, Math.round(trials / 20));
console.log(`\n${bootTrials} trials per case, boots 2% apart (lognormal), repetitions 1% within a boot, true change +5%`);
console.log('boots x reps  two-level coverage  rank interval ignoring boots');
for (const [boots, reps] of [[2, 5], [3, 4], [5, 3], [8, 3]] as const) {
  const random = mulberry32(boots * 100 + reps);
  const side = (centre: number): number[][] =>
    Array.from({ length: boots }, () => {
      const level = centre * Math.exp(lognormalSigma(0.02) * standardNormal(random));
      return Array.from({ length: reps }, () => level * Math.exp(lognormalSigma(0.01) * standardNormal(random)));
    });
  let twoLevel = 0;
  let rank = 0;
  for (let t = 0; t < bootTrials; t++) {
    const base = side(1000);
    const cand = side(1050);
    const b = twoLevelBootstrap(base, cand, { scale: 'log', iterations: 1000, seed: t });
    if (b.low <= Math.log(1.05) && Math.log(1.05) <= b.high) twoLevel++;
    const r = shiftInterval(base.flat(), cand.flat());
    if (r.low <= Math.log(1.05) && Math.log(1.05) <= r.high) rank++;
  }
  console.log(`${`${boots} x ${reps}`.padEnd(13)} ${pct(twoLevel / bootTrials).padEnd(19)} ${pct(rank / bootTrials)}`);
}
