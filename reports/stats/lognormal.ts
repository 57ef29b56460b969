// Normal and lognormal draws for simulations (the coverage tests, scripts/bench/compare-synthetic.ts):
// timings scatter multiplicatively, so their noise is modelled as lognormal with a given CoV.
import type { Random } from './prng.js';

/** A standard normal draw (Box-Muller). */
export function standardNormal(random: Random): number {
  // 1 - random() lies in (0, 1]: the logarithm stays finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The sigma of log values whose lognormal distribution has this coefficient of variation (0.02 for 2%). */
export function lognormalSigma(cov: number): number {
  return Math.sqrt(Math.log(1 + cov * cov));
}
