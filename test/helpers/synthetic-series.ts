// Synthetic series of runs for the regression detector, built from real bundle values (issue 14,
// Tests). The construction, in full:
//
// - Level: the median of a real metric's timed repetitions in a real bundle under
//   test/fixtures/bundles (e.g. read.clat.p50 of old-main-fio's 4k randread cell: 51968 ns).
// - Noise shape: every timed primary metric of old-main-fio with 3 positive repetitions gives its
//   log deviations from its own median, divided by their standard deviation; these standardised
//   deviations are pooled (a third of them are 0: the median repetition itself). A draw picks one
//   at random and gives it a random sign (the shape is kept, its skew is not), then adds a uniform
//   jitter of ±0.15 so that repeated draws are not tied exactly.
// - A repetition is level × shape(run) × exp(σ·z) with σ = lognormalSigma(cov), cov = 2% by
//   default, z such a draw; a run has `reps` repetitions (5 by default). shape(run) is the change
//   under test: 1 before a step, 1.06 from the step on, or (1 + 0.005)^(run - start) for a creep.
//   `bootCov` (0 unless a test says) multiplies each run by one more such draw: a boot's offset,
//   which the run's own repetitions do not show.
// - Runs are numbered 0..n-1 and carry the commit `c<run>` (hexadecimal-looking ids are not needed:
//   the detector never parses them), ids `run-<run>`.
// Every draw comes from mulberry32(seed): a seed gives the same series every time.
import { readFileSync } from 'node:fs';
import { fixture } from './paths.js';
import { metricRole, type Better, type Sample } from '../../model/measurement.js';
import { median, stdev } from '../../reports/stats/descriptive.js';
import { lognormalSigma } from '../../reports/stats/lognormal.js';
import { mulberry32, type Random } from '../../reports/stats/prng.js';
import type { MetricSeries, SeriesRun } from '../../reports/series/types.js';

/** The timed samples of one fixture bundle. */
export function fixtureSamples(bundle: string): Sample[] {
  const text = readFileSync(fixture('bundles', bundle, 'samples.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Sample)
    .filter((s) => s.pass === 'timed');
}

export interface RealMetric {
  bundle: string;
  /** The cell's workload name (the key before its first ':'). */
  workload: string;
  /** Cell key prefix that picks one cell of the workload, e.g. `randread:rw=randread,bs=4k`. */
  cellPrefix: string;
  metric: string;
}

/** The real repetitions of one metric of one cell, and its direction. */
export function realValues(m: RealMetric): { values: number[]; better: Better; cell: string } {
  const samples = fixtureSamples(m.bundle).filter((s) => s.cell.startsWith(m.cellPrefix) && s.metric === m.metric && s.value !== null);
  if (samples.length === 0) throw new Error(`no ${m.metric} in ${m.bundle} ${m.cellPrefix}`);
  return { values: samples.map((s) => s.value as number), better: samples[0]!.better, cell: samples[0]!.cell };
}

/** The pooled standardised log deviations of old-main-fio's primary metrics (see the head comment). */
export function realNoiseShape(): number[] {
  const groups = new Map<string, number[]>();
  for (const s of fixtureSamples('old-main-fio')) {
    if (s.value === null || metricRole(s) !== 'primary') continue;
    const key = `${s.cell} ${s.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), s.value]);
  }
  const shape: number[] = [];
  for (const values of groups.values()) {
    if (values.length < 3 || !values.every((v) => v > 0)) continue;
    const logs = values.map(Math.log);
    const sd = stdev(logs);
    if (!sd) continue;
    const mid = median(logs);
    for (const l of logs) shape.push((l - mid) / sd);
  }
  return shape;
}

export interface SeriesPlan {
  real: RealMetric;
  runs: number;
  reps?: number;
  cov?: number;
  /** Between-run noise (a boot's offset), drawn like a repetition's; 0 by default. */
  bootCov?: number;
  /** The true relative level of each run (1 = the real level). */
  shape: (run: number) => number;
}

/** One synthetic series (see the head comment) drawn from `random`. */
export function syntheticSeries(plan: SeriesPlan, noiseShape: readonly number[], random: Random): MetricSeries {
  const { values, better, cell } = realValues(plan.real);
  const level = median(values);
  const sigma = lognormalSigma(plan.cov ?? 0.02);
  const draw = (): number => {
    const z = noiseShape[Math.floor(random() * noiseShape.length)]!;
    const sign = random() < 0.5 ? -1 : 1;
    return sign * z + (random() - 0.5) * 0.3;
  };
  const runs: SeriesRun[] = [];
  for (let run = 0; run < plan.runs; run++) {
    const boot = plan.bootCov ? Math.exp(lognormalSigma(plan.bootCov) * draw()) : 1;
    const truth = level * plan.shape(run) * boot;
    const reps = Array.from({ length: plan.reps ?? 5 }, () => truth * Math.exp(sigma * draw()));
    runs.push({ id: `run-${run}`, commit: `c${run}`, values: reps });
  }
  return { metric: plan.real.metric, cell, better, runs };
}

export function seeded(seed: number): Random {
  return mulberry32(seed);
}
