// Compare run bundles: the first is the base, every other one a candidate. For each
// (workload, cell, metric) the base shares with a candidate, the candidate's median is set
// against the base's with a rank test and a bootstrap interval, and a verdict is drawn.
// Pure: bundles in, plain data out.
import type { Better, Sample } from '../../model/measurement.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { describe } from '../stats/descriptive.js';
import { bootstrapMedianChange, pctChange } from '../stats/bootstrap.js';
import { mannWhitneyU } from '../stats/mann-whitney.js';
import { deriveSeed } from '../stats/prng.js';
import { comparabilityWarnings } from './comparability.js';
import type {
  BundleInfo,
  CandidateResult,
  Comparison,
  ComparisonOptions,
  ComparisonRow,
  GroupStats,
  UnmatchedKey,
  Verdict,
} from './types.js';

export type * from './types.js';

export const DEFAULT_COMPARE_OPTIONS: ComparisonOptions = {
  noisePct: 2,
  alpha: 0.05,
  seed: 1,
  bootstrapIterations: 10000,
  pass: 'timed',
};

/** Fewer values than this in either group and no test is run. */
const MIN_GROUP_SIZE = 2;

interface KeyedGroup {
  workload: string;
  cell: string;
  metric: string;
  unit: string;
  better: Better;
  tool: string;
  values: number[];
  missing: number;
}

function keyOf(s: Pick<Sample, 'workload' | 'cell' | 'metric'>): string {
  // NUL cannot appear in names that came through JSON text of a sane tool; it keeps keys unambiguous.
  return `${s.workload}\u0000${s.cell}\u0000${s.metric}`;
}

function groupSamples(samples: readonly Sample[], pass: string): Map<string, KeyedGroup> {
  const groups = new Map<string, KeyedGroup>();
  for (const s of samples) {
    if (s.pass !== pass) continue;
    const key = keyOf(s);
    let group = groups.get(key);
    if (!group) {
      group = { workload: s.workload, cell: s.cell, metric: s.metric, unit: s.unit, better: s.better, tool: s.tool, values: [], missing: 0 };
      groups.set(key, group);
    }
    if (s.value === null || !Number.isFinite(s.value)) group.missing++;
    else group.values.push(s.value);
  }
  return groups;
}

function groupStats(group: KeyedGroup): GroupStats {
  if (group.values.length === 0) {
    return { n: 0, missing: group.missing, median: null, mean: null, stdev: null, covPct: null, min: null, max: null };
  }
  const d = describe(group.values);
  return { n: d.n, missing: group.missing, median: d.median, mean: d.mean, stdev: d.stdev, covPct: d.covPct, min: d.min, max: d.max };
}

function bundleInfos(bundles: readonly LoadedBundle[], pass: string): BundleInfo[] {
  const labels = bundles.map((b) => b.manifest.label);
  return bundles.map((b, index) => {
    const label = labels[index]!;
    const shared = labels.filter((l) => l === label).length > 1;
    const system = b.manifest.system;
    return {
      label: shared ? `${label}#${index}` : label,
      dir: b.dir,
      status: b.manifest.status,
      kernelRelease: system?.kernel?.release ?? null,
      iommuMode: system?.iommu?.mode ?? null,
      hostname: system?.hostname ?? null,
      sampleCount: b.samples.filter((s) => s.pass === pass).length,
    };
  });
}

/** Is a change in this direction good for a metric where `better` is as given? */
function directionVerdict(changeSign: number, better: Better): Verdict {
  const up = changeSign > 0;
  return up === (better === 'higher') ? 'improvement' : 'regression';
}

function compareGroups(
  base: KeyedGroup,
  baseStats: GroupStats,
  cand: KeyedGroup,
  bundle: number,
  options: ComparisonOptions,
  seed: number,
): CandidateResult {
  const stats = groupStats(cand);
  const medians = baseStats.median !== null && stats.median !== null;
  const rawChange = medians ? pctChange(baseStats.median!, stats.median!) : null;
  const changePct = rawChange !== null && Number.isFinite(rawChange) ? rawChange : null;
  const result: CandidateResult = {
    bundle,
    stats,
    changePct,
    ci: null,
    mannWhitney: null,
    significant: false,
    verdict: 'n too small',
    reason: '',
  };
  if (base.values.length < MIN_GROUP_SIZE || cand.values.length < MIN_GROUP_SIZE) {
    result.reason = `needs at least ${MIN_GROUP_SIZE} values per group (base ${base.values.length}, candidate ${cand.values.length})`;
    return result;
  }

  const mw = mannWhitneyU(base.values, cand.values);
  result.mannWhitney = { u: mw.u, p: mw.p, method: mw.method };
  if (changePct !== null) {
    const ci = bootstrapMedianChange(base.values, cand.values, { iterations: options.bootstrapIterations, seed, level: 0.95 });
    result.ci = { lowPct: ci.lowPct, highPct: ci.highPct, level: ci.level };
  }
  const ciExcludesZero = result.ci === null || result.ci.lowPct > 0 || result.ci.highPct < 0;
  result.significant = mw.p < options.alpha && ciExcludesZero;

  if (!result.significant) {
    result.verdict = 'no difference';
    const floor = smallestTwoSidedP(base.values.length, cand.values.length);
    result.reason =
      mw.method === 'exact' && floor >= options.alpha
        ? `not significant: with ${base.values.length} and ${cand.values.length} values the smallest possible p is ${floor.toPrecision(3)}; add repetitions`
        : mw.p >= options.alpha
        ? `not significant (p = ${mw.p.toPrecision(3)} >= ${options.alpha})`
        : 'not significant (confidence interval contains 0)';
    return result;
  }
  if (changePct !== null && Math.abs(changePct) < options.noisePct) {
    result.verdict = 'no difference';
    result.reason = `significant but within the ${options.noisePct}% noise threshold`;
    return result;
  }
  // Here changePct is either beyond the noise threshold or null because the base median is 0
  // and the candidate's is not: a significant appearance from nothing, beyond any threshold.
  const sign = Math.sign(stats.median! - baseStats.median!);
  if (sign === 0) {
    // Ranks differ significantly but medians are equal: the shift is elsewhere in the distribution.
    result.verdict = 'no difference';
    result.reason = 'significant rank difference but equal medians';
    return result;
  }
  if (base.better === 'none') {
    result.verdict = 'no difference';
    result.reason = 'changed, but neither direction is better for this metric (informational)';
    return result;
  }
  result.verdict = directionVerdict(sign, base.better);
  result.reason =
    changePct === null
      ? `significant change from a base median of 0 (${base.better} is better)`
      : `significant (p = ${mw.p.toPrecision(3)}, CI excludes 0) beyond the ${options.noisePct}% noise threshold, ${base.better} is better`;
  return result;
}

/**
 * Smallest exact two-sided rank-test p-value that sizes n1 and n2 allow (complete separation,
 * no ties): 2 / C(n1+n2, n1). 3 repetitions against 3 can never reach p < 0.05.
 */
export function smallestTwoSidedP(n1: number, n2: number): number {
  let ways = 1;
  for (let i = 1; i <= n1; i++) ways = (ways * (n2 + i)) / i;
  return Math.min(1, 2 / ways);
}

type Keyed = { workload: string; cell: string; metric: string };

/** Rows follow the base campaign's cell order (4k before 64k before 256k, as planned), then metric name. */
function byPlanOrder(cells: readonly { cell: string }[] | undefined): (a: Keyed, b: Keyed) => number {
  const order = new Map((cells ?? []).map((c, i) => [c.cell, i]));
  const rank = (k: Keyed): number => order.get(k.cell) ?? Number.MAX_SAFE_INTEGER;
  return (a, b) => rank(a) - rank(b) || a.workload.localeCompare(b.workload) || a.cell.localeCompare(b.cell) || a.metric.localeCompare(b.metric);
}

export function compareBundles(bundles: readonly LoadedBundle[], opts: Partial<ComparisonOptions> = {}): Comparison {
  if (bundles.length < 2) throw new RangeError('compare needs a base bundle and at least one candidate');
  const options: ComparisonOptions = { ...DEFAULT_COMPARE_OPTIONS, ...definedOnly(opts) };
  if (!(options.noisePct >= 0)) throw new RangeError(`noise threshold ${options.noisePct}% must be >= 0`);
  if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`alpha ${options.alpha} is outside (0, 1)`);

  const grouped = bundles.map((b) => groupSamples(b.samples, options.pass));
  const [baseGroups, ...candidateGroups] = grouped as [Map<string, KeyedGroup>, ...Map<string, KeyedGroup>[]];

  const rows: ComparisonRow[] = [];
  for (const [key, base] of baseGroups) {
    if (!candidateGroups.some((g) => g.has(key))) continue;
    const baseStats = groupStats(base);
    const notes: string[] = [];
    const candidates = candidateGroups.map((groups, i) => {
      const cand = groups.get(key);
      if (!cand) return null;
      const label = bundles[i + 1]!.manifest.label;
      if (cand.unit !== base.unit) notes.push(`unit differs: base '${base.unit}', ${label} '${cand.unit}'`);
      if (cand.better !== base.better) notes.push(`direction differs: base '${base.better}', ${label} '${cand.better}' (base used)`);
      return compareGroups(base, baseStats, cand, i + 1, options, deriveSeed(options.seed, key));
    });
    rows.push({ workload: base.workload, cell: base.cell, metric: base.metric, unit: base.unit, better: base.better, tool: base.tool, base: baseStats, candidates, notes });
  }
  const byKey = byPlanOrder(bundles[0]!.manifest.cells);
  rows.sort(byKey);

  const unmatched: UnmatchedKey[] = [];
  const seen = new Set<string>();
  for (const groups of grouped) {
    for (const [key, g] of groups) {
      if (seen.has(key)) continue;
      seen.add(key);
      const presentIn = grouped.flatMap((other, index) => (other.has(key) ? [index] : []));
      if (presentIn.length < bundles.length) unmatched.push({ workload: g.workload, cell: g.cell, metric: g.metric, presentIn });
    }
  }
  unmatched.sort(byKey);

  const infos = bundleInfos(bundles, options.pass);
  return {
    bundles: infos,
    warnings: comparabilityWarnings(bundles, infos.map((b) => b.label)),
    options,
    methods: {
      centre: 'median of the repetitions',
      test: 'two-sided Mann-Whitney U (exact without ties and n <= 30, else normal approximation with tie and continuity correction)',
      ci: `95% percentile bootstrap of the % change of the median, groups resampled independently, B=${options.bootstrapIterations}, seed ${options.seed}`,
    },
    rows,
    unmatched,
  };
}

/** Drop keys whose value is undefined so they do not override defaults. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Largest significant regression, as a positive percentage in the metric's bad direction
 * (a 12% drop in IOPS and a 12% rise in latency both give 12); 0 when nothing regressed.
 * A regression from a base median of 0 has no percentage and counts as Infinity.
 * For `--fail-on-regression PCT`: fail when worstRegression(c) > PCT.
 */
export function worstRegression(c: Comparison): number {
  let worst = 0;
  for (const row of c.rows) {
    for (const cand of row.candidates) {
      if (cand?.verdict !== 'regression') continue;
      worst = Math.max(worst, cand.changePct === null ? Infinity : Math.abs(cand.changePct));
    }
  }
  return worst;
}
