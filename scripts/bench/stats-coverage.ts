// Coverage, false positives and power of compare's interval and verdict rule, by seeded
// simulation: base and candidate draw n lognormal values with 2% CoV, the candidate shifted by
// the true ratio. Prints, per case, the interval's level, how often it covers the true ratio, how
// often the whole-interval rule calls a change beyond ±2% (false positives when nothing changed,
// power when something did), and how often the test alone gives p < 0.05. The unit tests
// (test/unit/stats-shift-interval.test.ts) hold the same quantities to bounds; this prints them.
// Usage: node --import tsx scripts/bench/stats-coverage.ts [trials] (20000 by default)
import { shiftInterval } from '../../reports/stats/shift-interval.js';
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
