// Compare run bundles: the first is the base, every other one a candidate. For each
// (workload, cell, metric) the base shares with a candidate:
// - the metric's role (model/measurement.ts metricRole) says what may be concluded: primary rows
//   get verdicts and form the false-discovery family, informational rows can only be "changed",
//   descriptive rows are shown and never tested;
// - units are converted when they differ and the conversion is known (units.ts), else the row is
//   incomparable;
// - the Mann-Whitney test (exact conditional on ties for small samples) gives p, Benjamini-
//   Hochberg over the candidate's primary rows gives q;
// - the change is the Hodges-Lehmann ratio with the interval that inverts the same rank test
//   (reports/stats/shift-interval.ts), or, when a side ran in several boots, the two-level
//   bootstrap interval (reports/stats/bootstrap.ts); the verdict follows the whole-interval rule
//   (verdict.ts).
// A side is a bundle's samples of one pass; across.ts makes sides of one bundle's cells instead.
// Pure: bundles in, plain data out.
import { metricRole, weakerRole, type Sample } from '../../model/measurement.js';
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import { describe } from '../stats/descriptive.js';
import { pctChange, twoLevelBootstrap } from '../stats/bootstrap.js';
import { mannWhitneyU } from '../stats/mann-whitney.js';
import { benjaminiHochberg } from '../stats/fdr.js';
import { intervalRank, shiftInterval, type ShiftScale } from '../stats/shift-interval.js';
import { deriveSeed } from '../stats/prng.js';
import { comparabilityWarnings, type ComparabilityWarning } from './comparability.js';
import { measurementCaveats } from './caveats.js';
import { conversionFactor } from './units.js';
import { verdictOf } from './verdict.js';
import { multiplexNotes } from './multiplexing.js';
import { runningPctMetricOf } from '../../model/perf-counters.js';
import type {
  BundleInfo,
  BundleProvenance,
  CandidateResult,
  Caveat,
  Comparison,
  ComparisonOptions,
  ComparisonRow,
  GroupStats,
  IntervalMethod,
  LevelUsed,
  MetricIdentity,
  UnmatchedKey,
} from './types.js';

export type * from './types.js';

export const DEFAULT_COMPARE_OPTIONS: ComparisonOptions = {
  noisePct: 2,
  alpha: 0.05,
  seed: 1,
  bootstrapIterations: 2000,
  pass: 'timed',
};

/** Fewer values than this in either group and no test is run. */
const MIN_GROUP_SIZE = 2;

/** One side's values of one (workload, cell, metric), converted to the group's unit. */
export interface KeyedGroup extends MetricIdentity {
  values: number[];
  /** The boot of each value (undefined when its sample does not say). */
  bootIds: (string | undefined)[];
  missing: number;
  /** Units of samples in this group that could not be converted to `unit` (their values are left out). */
  foreignUnits: string[];
  /** The samples' own metric names where `metricOf` renamed them (compare --across: `fallback.map.p50` under `map.p50`). */
  sourceMetrics?: string[];
}

/** One side of a comparison: its header facts and its groups by key. */
export interface Side {
  info: BundleInfo;
  groups: Map<string, KeyedGroup>;
}

export function rowKey(s: { workload: string; cell: string; metric: string }): string {
  // NUL cannot appear in names that came through JSON text of a sane tool; it keeps keys unambiguous.
  return `${s.workload}\u0000${s.cell}\u0000${s.metric}`;
}

/** What grouping saw of the selected samples, for the side's header. */
export interface Selected {
  count: number;
  bootIds: Set<string>;
  /** Selected samples without a bootId. */
  withoutBoot: number;
}

/**
 * Groups the samples `select` keeps by (workload, cell as `cellOf` names it, metric). Samples are
 * looked up through nested maps of the names they carry, so no key string is built per sample
 * (a comparison reads tens of thousands).
 */
export function groupSamples(
  samples: readonly Sample[],
  select: (s: Sample) => boolean,
  cellOf: (s: Sample) => string = (s) => s.cell,
  metricOf: (s: Sample) => string = (s) => s.metric,
): { groups: Map<string, KeyedGroup>; selected: Selected } {
  const groups = new Map<string, KeyedGroup>();
  const nested = new Map<string, Map<string, Map<string, KeyedGroup>>>();
  const selected: Selected = { count: 0, bootIds: new Set(), withoutBoot: 0 };
  for (const s of samples) {
    if (!select(s)) continue;
    selected.count++;
    if (s.bootId === undefined) selected.withoutBoot++;
    else selected.bootIds.add(s.bootId);
    const cell = cellOf(s);
    let byCell = nested.get(s.workload);
    if (!byCell) nested.set(s.workload, (byCell = new Map()));
    let byMetric = byCell.get(cell);
    if (!byMetric) byCell.set(cell, (byMetric = new Map()));
    const metric = metricOf(s);
    let group = byMetric.get(metric);
    if (!group) {
      group = {
        workload: s.workload,
        cell,
        metric,
        unit: s.unit,
        better: s.better,
        role: metricRole(s),
        tool: s.tool,
        values: [],
        bootIds: [],
        missing: 0,
        foreignUnits: [],
      };
      byMetric.set(metric, group);
      groups.set(rowKey(group), group);
    } else {
      group.role = weakerRole(group.role, metricRole(s));
    }
    if (metric !== s.metric && !(group.sourceMetrics ??= []).includes(s.metric)) group.sourceMetrics.push(s.metric);
    if (s.value === null || !Number.isFinite(s.value)) {
      group.missing++;
      continue;
    }
    const factor = s.unit === group.unit ? 1 : conversionFactor(s.unit, group.unit);
    if (factor === null) {
      if (!group.foreignUnits.includes(s.unit)) group.foreignUnits.push(s.unit);
      continue;
    }
    group.values.push(s.value * factor);
    group.bootIds.push(s.bootId);
  }
  return { groups, selected };
}

function distinctBoots(group: KeyedGroup): number {
  return new Set(group.bootIds.filter((b): b is string => b !== undefined)).size;
}

/** The group's values per boot, or null when some value does not say which boot it ran in. */
export function valuesByBoot(group: KeyedGroup): number[][] | null {
  const byBoot = new Map<string, number[]>();
  for (let i = 0; i < group.values.length; i++) {
    const boot = group.bootIds[i];
    if (boot === undefined) return null;
    let list = byBoot.get(boot);
    if (!list) byBoot.set(boot, (list = []));
    list.push(group.values[i]!);
  }
  return [...byBoot.values()];
}

export function groupStats(group: KeyedGroup): GroupStats {
  const boots = distinctBoots(group);
  if (group.values.length === 0) {
    return { n: 0, missing: group.missing, median: null, mean: null, stdev: null, covPct: null, min: null, max: null, boots };
  }
  const d = describe(group.values);
  return { n: d.n, missing: group.missing, median: d.median, mean: d.mean, stdev: d.stdev, covPct: d.covPct, min: d.min, max: d.max, boots };
}

/** A side's header facts: the bundle's, with the boots behind the selected samples. */
export function sideInfo(bundle: LoadedBundle, label: string, selected: Selected, selection: string): BundleInfo {
  const system = bundle.manifest.system;
  const manifestBoots = bundle.manifest.boots?.length ?? (system?.kernel?.bootId ? 1 : null);
  return {
    label,
    dir: bundle.dir,
    status: bundle.manifest.status,
    kernelRelease: system?.kernel?.release ?? null,
    iommuMode: system?.iommu?.mode ?? null,
    hostname: system?.hostname ?? null,
    sampleCount: selected.count,
    selection,
    boots: selected.bootIds.size > 0 ? selected.bootIds.size : manifestBoots,
    bootIdsKnown: selected.count > 0 && selected.withoutBoot === 0,
    provenance: provenanceOf(bundle.manifest),
  };
}

/** What made a bundle, as its manifest records it (null where an older manifest does not). */
export function provenanceOf(m: Manifest): BundleProvenance {
  const name = (m.campaign as { name?: unknown }).name;
  return {
    campaign: typeof name === 'string' ? name : null,
    campaignHash: m.campaignHash ?? null,
    dmabenchVersion: m.dmabenchVersion,
    dmabenchCommit: m.dmabenchCommit ?? null,
    dmabenchDirty: m.dmabenchDirty ?? null,
    commands: m.commands ?? null,
    lab: m.lab
      ? { imageKey: m.lab.imageKey, qemu: m.lab.qemu, cachingMode: m.lab.cachingMode, kernelSpec: m.lab.kernelSpec ?? null, command: m.lab.command ?? null }
      : null,
  };
}

/** Converts a shift on its scale to percent of the base. */
function shiftPct(value: number, scale: ShiftScale, baseMedian: number): number {
  if (scale === 'log') return 100 * Math.expm1(value);
  if (baseMedian === 0) return value === 0 ? 0 : value > 0 ? Infinity : -Infinity;
  return (100 * value) / Math.abs(baseMedian);
}

/** Smallest equal number of values per side that gives a finite interval near the wanted level. */
function leastSizeForInterval(level: number): number {
  for (let n = 2; n < 100; n++) if (intervalRank(n, n, level).rank > 0) return n;
  return 100;
}

function pooledCov(a: GroupStats, b: GroupStats): number | null {
  if (a.covPct === null || b.covPct === null) return null;
  return Math.sqrt((a.covPct * a.covPct + b.covPct * b.covPct) / 2);
}

function medianChange(base: GroupStats, cand: GroupStats): number | null {
  if (base.median === null || cand.median === null) return null;
  const change = pctChange(base.median, cand.median);
  return Number.isFinite(change) ? change : null;
}

function compareGroups(base: KeyedGroup, baseStats: GroupStats, candGroup: KeyedGroup, bundle: number, options: ComparisonOptions, seed: number): CandidateResult {
  const stats = groupStats(candGroup);
  const result: CandidateResult = {
    bundle,
    stats,
    unit: candGroup.unit,
    changePct: medianChange(baseStats, stats),
    ci: null,
    mannWhitney: null,
    q: null,
    significant: false,
    verdict: 'n too small',
    reason: '',
    settle: null,
  };
  const foreign = [...base.foreignUnits.map((u) => `base has values in '${u}'`), ...candGroup.foreignUnits.map((u) => `candidate has values in '${u}'`)];
  const factor = conversionFactor(candGroup.unit, base.unit);
  if (factor === null || foreign.length > 0) {
    result.changePct = null;
    result.verdict = 'incomparable';
    result.reason =
      factor === null
        ? `units differ ('${base.unit}' and '${candGroup.unit}') and no conversion is known: not tested`
        : `${foreign.join(', ')} besides '${base.unit}', and no conversion is known: not tested`;
    return result;
  }
  const cand = factor === 1 ? candGroup : { ...candGroup, values: candGroup.values.map((v) => v * factor) };
  const candStats = factor === 1 ? stats : groupStats(cand);
  result.stats = candStats;
  result.unit = base.unit;
  result.changePct = medianChange(baseStats, candStats);

  if (base.role === 'descriptive') {
    result.verdict = 'not tested';
    result.reason = 'descriptive statistic (extremes, spread or a far tail): shown, not tested';
    return result;
  }
  if (base.values.length < MIN_GROUP_SIZE || cand.values.length < MIN_GROUP_SIZE) {
    result.reason = `needs at least ${MIN_GROUP_SIZE} values per group (base ${base.values.length}, candidate ${cand.values.length})`;
    return result;
  }

  const mw = mannWhitneyU(base.values, cand.values, { seed });
  result.mannWhitney = { u: mw.u, p: mw.p, method: mw.method, ties: mw.ties, smallestP: mw.smallestP };
  const level = 1 - options.alpha;
  const shift = shiftInterval(base.values, cand.values, { level });
  result.changePct = shiftPct(shift.estimate, shift.scale, baseStats.median!);
  // Two boots or more on a side: the interval resamples boots, then repetitions (bootstrap.ts).
  const baseBoots = baseStats.boots >= 2 || candStats.boots >= 2 ? valuesByBoot(base) : null;
  const candBoots = baseBoots ? valuesByBoot(cand) : null;
  let bounds: { low: number; high: number; level: number; method: IntervalMethod };
  if (baseBoots && candBoots) {
    const boot = twoLevelBootstrap(baseBoots, candBoots, { iterations: options.bootstrapIterations, level, seed, scale: shift.scale });
    bounds = { low: boot.low, high: boot.high, level: boot.level, method: 'two-level bootstrap' };
  } else if (shift.rank === 0) {
    const least = leastSizeForInterval(level);
    const floor = mw.smallestP !== null ? `; the smallest p these values allow is ${mw.smallestP.toPrecision(2)}` : '';
    result.reason = `with ${base.values.length} and ${cand.values.length} values no rank interval comes near ${(100 * level).toFixed(0)}%: ${least} per side is the least${floor}`;
    return result;
  } else {
    bounds = { low: shift.low, high: shift.high, level: shift.level, method: 'rank' };
  }
  const interval = {
    estimatePct: result.changePct,
    lowPct: shiftPct(bounds.low, shift.scale, baseStats.median!),
    highPct: shiftPct(bounds.high, shift.scale, baseStats.median!),
    level: bounds.level,
  };
  result.ci = { lowPct: interval.lowPct, highPct: interval.highPct, level: interval.level, method: bounds.method };
  const byBoots = bounds.method === 'two-level bootstrap';
  const { verdict, reason, settle } = verdictOf({
    role: base.role,
    better: base.better,
    interval,
    noisePct: options.noisePct,
    n1: byBoots ? baseBoots!.length : base.values.length,
    n2: byBoots ? candBoots!.length : cand.values.length,
    replicate: byBoots ? 'boots' : 'repetitions',
    // Boots: the noise that matters is between boots, which a CoV over all values mixes in; no noise advice.
    covPct: byBoots ? null : pooledCov(baseStats, candStats),
  });
  result.verdict = verdict;
  result.reason = reason;
  result.settle = base.role === 'primary' ? (settle ?? null) : null;
  return result;
}

/** Benjamini-Hochberg per candidate over its primary rows that reached a test; then the stars. */
function applyFdr(rows: ComparisonRow[], candidates: number, alpha: number): void {
  for (let i = 0; i < candidates; i++) {
    const family = rows.map((row) => {
      const cand = row.candidates[i];
      return cand && row.role === 'primary' && cand.mannWhitney ? cand.mannWhitney.p : null;
    });
    const q = benjaminiHochberg(family);
    rows.forEach((row, r) => {
      const cand = row.candidates[i];
      if (!cand) return;
      cand.q = q[r] ?? null;
      cand.significant = cand.q !== null && cand.q < alpha && (cand.verdict === 'regression' || cand.verdict === 'improvement');
    });
  }
}

type Keyed = { workload: string; cell: string; metric: string };

/** Rows follow the base campaign's cell order (4k before 64k before 256k, as planned), then metric name. */
function byPlanOrder(order: ReadonlyMap<string, number>): (a: Keyed, b: Keyed) => number {
  const rank = (k: Keyed): number => order.get(k.cell) ?? Number.MAX_SAFE_INTEGER;
  return (a, b) => rank(a) - rank(b) || a.workload.localeCompare(b.workload) || a.cell.localeCompare(b.cell) || a.metric.localeCompare(b.metric);
}

function levelsUsed(rows: readonly ComparisonRow[]): LevelUsed[] {
  const byKey = new Map<string, LevelUsed>();
  for (const row of rows) {
    for (const cand of row.candidates) {
      if (!cand?.ci || cand.ci.method !== 'rank') continue;
      const key = `${row.base.n},${cand.stats.n}`;
      const known = byKey.get(key);
      if (known) known.rows++;
      else byKey.set(key, { n1: row.base.n, n2: cand.stats.n, level: cand.ci.level, rows: 1 });
    }
  }
  return [...byKey.values()].sort((a, b) => b.rows - a.rows || a.n1 - b.n1 || a.n2 - b.n2);
}

function methodSentences(options: ComparisonOptions): Comparison['methods'] {
  const target = `${(100 * (1 - options.alpha)).toFixed(0)}%`;
  return {
    centre: 'median of the repetitions',
    test:
      'two-sided Mann-Whitney U; exact over all splits of the observed values (conditional on ties) whenever that is cheap ' +
      '(every n1 + n2 <= 30), else the normal approximation with tie and continuity correction (both n >= 10, light ties) ' +
      'or 100000 seeded random splits',
    ci:
      `Hodges-Lehmann ratio (median of the pairwise ratios candidate/base) with the interval that inverts the same rank test ` +
      `(Moses), at the level closest to ${target} the sizes allow (levels below); with ties it covers at least its level`,
    fdr: "Benjamini-Hochberg q-value over each candidate's primary rows that were tested (a false discovery rate)",
    verdict:
      `regression/improvement: the whole interval lies beyond +/-${options.noisePct}% (--noise) in that direction; ` +
      `no difference: the whole interval lies within +/-${options.noisePct}%; inconclusive: neither (the reason says what would settle it)`,
  };
}

/** Compares prepared sides: sides[0] is the base; `warnings` say what makes their bundles less than comparable. */
export function compareSides(
  sides: readonly Side[],
  options: ComparisonOptions,
  cellOrder: ReadonlyMap<string, number>,
  warnings: readonly ComparabilityWarning[] = [],
  caveats: readonly Caveat[] = [],
): Comparison {
  if (sides.length < 2) throw new RangeError('compare needs a base and at least one candidate');
  if (!(options.noisePct >= 0)) throw new RangeError(`noise threshold ${options.noisePct}% must be >= 0`);
  if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`alpha ${options.alpha} is outside (0, 1)`);
  const [baseSide, ...candidateSides] = sides as [Side, ...Side[]];

  const rows: ComparisonRow[] = [];
  for (const [key, base] of baseSide.groups) {
    if (!candidateSides.some((s) => s.groups.has(key))) continue;
    const baseStats = groupStats(base);
    const notes: string[] = [];
    if (base.sourceMetrics) notes.push(`base values are ${base.sourceMetrics.join(', ')}: another path than its cell asked for ran`);
    if (base.foreignUnits.length > 0) notes.push(`base values in '${base.unit}' and ${base.foreignUnits.map((u) => `'${u}'`).join(', ')}: no known conversion`);
    const seed = deriveSeed(options.seed, key);
    // The weakest role any side gives the metric: a row is tested only when every side vouches for it.
    const role = candidateSides.reduce((r, side) => {
      const cand = side.groups.get(key);
      return cand ? weakerRole(r, cand.role) : r;
    }, base.role);
    const candidates = candidateSides.map((side, i) => {
      const cand = side.groups.get(key);
      if (!cand) return null;
      const label = side.info.label;
      if (cand.unit !== base.unit) {
        const factor = conversionFactor(cand.unit, base.unit);
        // Without a conversion the verdict (incomparable) and its reason say it.
        if (factor !== null) notes.push(`${label}'s values converted from '${cand.unit}' to '${base.unit}'`);
      }
      if (cand.better !== base.better) notes.push(`direction differs: base '${base.better}', ${label} '${cand.better}' (base used)`);
      if (cand.role !== base.role) notes.push(`role differs: base '${base.role}', ${label} '${cand.role}' (the weaker, '${role}', used)`);
      if (cand.sourceMetrics) notes.push(`${label}'s values are ${cand.sourceMetrics.join(', ')}: another path than its cell asked for ran`);
      return compareGroups({ ...base, role }, baseStats, cand, i + 1, options, seed);
    });
    if (runningPctMetricOf(base.metric) !== undefined) {
      const inCell = (side: Side) => ({ label: side.info.label, valuesOf: (metric: string) => side.groups.get(rowKey({ workload: base.workload, cell: base.cell, metric }))?.values });
      notes.push(...multiplexNotes(sides.map(inCell), base.metric));
    }
    rows.push({ workload: base.workload, cell: base.cell, metric: base.metric, unit: base.unit, better: base.better, role, tool: base.tool, base: baseStats, candidates, notes });
  }
  const order = byPlanOrder(cellOrder);
  rows.sort(order);
  applyFdr(rows, candidateSides.length, options.alpha);

  const unmatched: UnmatchedKey[] = [];
  const seen = new Set<string>();
  for (const side of sides) {
    for (const [key, g] of side.groups) {
      if (seen.has(key)) continue;
      seen.add(key);
      const presentIn = sides.flatMap((other, index) => (other.groups.has(key) ? [index] : []));
      if (presentIn.length < sides.length) unmatched.push({ workload: g.workload, cell: g.cell, metric: g.metric, presentIn });
    }
  }
  unmatched.sort(order);

  return { bundles: sides.map((s) => s.info), warnings: [...warnings], caveats: [...caveats], options, methods: methodSentences(options), levels: levelsUsed(rows), rows, unmatched };
}

export function resolveOptions(opts: Partial<ComparisonOptions>): ComparisonOptions {
  return { ...DEFAULT_COMPARE_OPTIONS, ...definedOnly(opts) };
}

/** The base campaign's cells in plan order. */
export function planOrder(bundle: LoadedBundle): Map<string, number> {
  return new Map(bundle.manifest.cells.map((c, i) => [c.cell, i]));
}

/**
 * Compares bundles: the first is the base, every other one a candidate, each side its `pass`
 * samples. With `vsPass` the candidates' samples are those of that pass instead, and a single
 * bundle is compared with itself (its `pass` against its `vsPass`: tracing overhead is timed
 * against profile:ftrace).
 */
export function compareBundles(bundles: readonly LoadedBundle[], opts: Partial<ComparisonOptions> = {}): Comparison {
  const options = resolveOptions(opts);
  const selfCompare = bundles.length === 1 && options.vsPass !== undefined;
  if (bundles.length < 2 && !selfCompare) throw new RangeError('compare needs a base bundle and at least one candidate');
  const sideBundles = selfCompare ? [bundles[0]!, bundles[0]!] : bundles;
  const labels = sideBundles.map((b) => b.manifest.label);
  const sides = sideBundles.map((b, index) => {
    const pass = index === 0 || options.vsPass === undefined ? options.pass : options.vsPass;
    const label = labels[index]!;
    const shared = labels.filter((l) => l === label).length > 1;
    const name = selfCompare ? `${label} ${pass}` : shared ? `${label}#${index}` : label;
    const { groups, selected } = groupSamples(b.samples, (s) => s.pass === pass);
    return { info: sideInfo(b, name, selected, `pass ${pass}`), groups };
  });
  // Bundles that differ in more than the kernel are said to before the table (comparability.ts).
  const warnings = comparabilityWarnings(selfCompare ? [bundles[0]!] : bundles, sides.map((s) => s.info.label));
  return compareSides(sides, options, planOrder(bundles[0]!), warnings, measurementCaveats(bundles));
}

/** Drop keys whose value is undefined so they do not override defaults. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The primary row with the largest regression, as --fail-on-regression judges it. */
export interface WorstRegression {
  /** The interval's bound nearest to no change, as a positive percentage in the bad direction. */
  pct: number;
  row: ComparisonRow;
  candidate: CandidateResult;
  /** The candidate's label (a bundle, or PARAM=VALUE with --across). */
  candidateLabel: string;
}

/**
 * The primary row whose whole interval lies furthest in its bad direction, measured by the bound
 * of the interval nearest to no change (a 12% drop in IOPS whose interval is [-15%, -9%] counts
 * as 9; a rise in latency of [+3%, +8%] as 3); null when no primary interval lies wholly on the
 * bad side of no change. An interval from a base of 0 counts as Infinity.
 */
export function worstRegressionOf(c: Comparison): WorstRegression | null {
  let worst: WorstRegression | null = null;
  for (const row of c.rows) {
    if (row.role !== 'primary' || row.better === 'none') continue;
    for (const cand of row.candidates) {
      if (!cand?.ci) continue;
      const bound = row.better === 'higher' ? -cand.ci.highPct : cand.ci.lowPct;
      if (!(bound > 0)) continue;
      if (!worst || bound > worst.pct) worst = { pct: bound, row, candidate: cand, candidateLabel: c.bundles[cand.bundle]?.label ?? `#${cand.bundle}` };
    }
  }
  return worst;
}

/** worstRegressionOf as a number, 0 when nothing regressed. For `--fail-on-regression PCT`: fail when it exceeds PCT. */
export function worstRegression(c: Comparison): number {
  return worstRegressionOf(c)?.pct ?? 0;
}
