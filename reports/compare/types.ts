// The result of comparing bundles: plain data, the single input of every renderer.
import type { Better, MetricRole } from '../../model/measurement.js';
import type { MannWhitneyMethod } from '../stats/mann-whitney.js';
import type { ComparabilityWarning } from './comparability.js';

/**
 * - improvement / regression: a primary metric whose whole interval lies beyond the noise
 *   threshold in that direction;
 * - no difference: the whole interval lies within ±threshold;
 * - inconclusive: neither (the reason says what would settle it);
 * - changed: an informational metric whose interval excludes no change (never better or worse);
 * - n too small: too few values for a test or for an interval near the wanted level;
 * - incomparable: units differ and no conversion is known (no test);
 * - not tested: a descriptive statistic (min, max, stdev, far tails), shown only.
 */
export type Verdict = 'improvement' | 'regression' | 'no difference' | 'inconclusive' | 'changed' | 'n too small' | 'incomparable' | 'not tested';

/** What the header of a report says about one side of the comparison (a bundle, or a selection of one). */
export interface BundleInfo {
  /** Manifest label (suffixed with `#index` when two bundles share a label), or the selection within one bundle. */
  label: string;
  dir: string;
  status: string;
  kernelRelease: string | null;
  iommuMode: string | null;
  /** Host the bundle was recorded on. */
  hostname: string | null;
  /** Samples of the compared selection (pass, cells), null values included. */
  sampleCount: number;
  /** Which samples of the bundle this side holds: `pass timed`, `api=link, pass timed`, ... */
  selection: string;
  /**
   * Distinct boots behind the compared samples (their bootId, else the manifest's boots); null
   * when the bundle does not say (older bundles).
   */
  boots: number | null;
  /** True when every compared sample names its boot, so boots can be resampled. */
  bootIdsKnown: boolean;
  /** Where the bundle came from, for the mail text's header and its "reproduce with" block. */
  provenance: BundleProvenance;
}

/**
 * What made a bundle, from its manifest (model/bundle.ts). null where the manifest does not say:
 * bundles written before a field was recorded, or dmabench not run from a git checkout.
 */
export interface BundleProvenance {
  /** The campaign's name. */
  campaign: string | null;
  /** `sha256:…` of the resolved campaign (core/campaign/identity.ts). */
  campaignHash: string | null;
  dmabenchVersion: string;
  /** `git rev-parse HEAD` of the dmabench checkout that created the bundle. */
  dmabenchCommit: string | null;
  /** That checkout had uncommitted changes to tracked files. */
  dmabenchDirty: boolean | null;
  /** The `dmabench` commands that wrote the bundle (the run, then each resume), as argv after `dmabench`. */
  commands: string[][] | null;
  /** Set when the bundle was made in the lab (`dmabench lab run`). */
  lab: {
    imageKey: string;
    qemu: string;
    cachingMode: boolean;
    /** The `--kernels` entry that booted the guest (`7`, `6.12`, a vmlinuz path). */
    kernelSpec: string | null;
    /** The host's `dmabench lab …` command, as argv after `dmabench`. */
    command: string[] | null;
  } | null;
}

/** Statistics of one group: one side's values of one (workload, cell, metric). */
export interface GroupStats {
  /** Values used (null values excluded). */
  n: number;
  /** Samples of this key whose value was null (absent): excluded from the statistics. */
  missing: number;
  median: number | null;
  mean: number | null;
  stdev: number | null;
  covPct: number | null;
  min: number | null;
  max: number | null;
  /** Distinct boots the values come from (0 when the samples do not say). */
  boots: number;
}

export type IntervalMethod = 'rank' | 'two-level bootstrap';

/** What would settle an inconclusive interval, as numbers (renderers print them compactly). */
export interface Settle {
  /** Replicates per side that would bring the interval inside or beyond the threshold; null when none would (the estimate sits on it). */
  replicates: number | null;
  /** What a replicate is. */
  unit: 'repetitions' | 'boots';
  /** `above +2.00%`, `below -2.00%` or `within +/-2%`. */
  goal: string;
  /** Factor by which the spread would have to shrink at the present sizes (null when none would do). */
  noiseFactor: number | null;
}

export interface CandidateResult {
  /** Index into Comparison.bundles. */
  bundle: number;
  stats: GroupStats;
  /** Unit of `stats`: the row's (converted when needed), or the candidate's own when the row is incomparable. */
  unit: string;
  /**
   * The change, in percent: the Hodges-Lehmann ratio of candidate to base (100 * (ratio - 1)) for
   * tested rows; the change of the median for descriptive ones. null when it cannot be computed.
   */
  changePct: number | null;
  /** Interval of changePct at `level` (the level actually achieved); null when there is none. */
  ci: { lowPct: number; highPct: number; level: number; method: IntervalMethod } | null;
  mannWhitney: { u: number; p: number; method: MannWhitneyMethod; ties: boolean; smallestP: number | null } | null;
  /** Benjamini-Hochberg q-value within this candidate's primary rows; null outside that family. */
  q: number | null;
  /** The star: q < alpha and the verdict is a regression or an improvement. */
  significant: boolean;
  verdict: Verdict;
  /** Why the verdict is what it is, in words (for JSON readers and footnotes). */
  reason: string;
  /** An inconclusive primary row: what would settle it, as numbers (null otherwise). */
  settle: Settle | null;
}

/** What a row is about: one metric of one cell, with the facts its samples carry about it. */
export interface MetricIdentity {
  workload: string;
  cell: string;
  metric: string;
  unit: string;
  better: Better;
  role: MetricRole;
  tool: string;
}

/**
 * `unit` is the base's (candidates' values are converted to it when they differ); `role` the
 * weakest any side gives the metric.
 */
/** Something about what the numbers measure that a reader must know (a legend entry). */
export interface Caveat {
  term: string;
  text: string;
}

export interface ComparisonRow extends MetricIdentity {
  base: GroupStats;
  /** One entry per candidate (bundles[1..]); null when that candidate lacks this key. */
  candidates: (CandidateResult | null)[];
  /** Disagreements between bundles about this key (unit, direction, role), as sentences. */
  notes: string[];
}

/** A (workload, cell, metric) that some sides have and others do not. */
export interface UnmatchedKey {
  workload: string;
  cell: string;
  metric: string;
  /** Indexes into Comparison.bundles of the sides that have it. */
  presentIn: number[];
}

export interface ComparisonOptions {
  /** Changes whose whole interval lies within ±noisePct are 'no difference'; beyond, a verdict. */
  noisePct: number;
  /** Level of the false discovery rate for the star (q < alpha); the interval aims at 1 - alpha. */
  alpha: number;
  seed: number;
  /** Resamples of the two-level bootstrap (sides with at least 2 boots). */
  bootstrapIterations: number;
  /** Which pass's samples were compared (the base's, with --vs-pass). */
  pass: string;
  /** --vs-pass: the candidates' pass, when it differs from the base's. */
  vsPass?: string;
  /** --across PARAM=VALUE: within one bundle, the cells with PARAM=VALUE are the base. */
  across?: { param: string; value: string };
}

/** Interval levels achieved, per pair of sizes (the level closest to 1 - alpha the sizes allow). */
export interface LevelUsed {
  n1: number;
  n2: number;
  level: number;
  rows: number;
}

export interface Comparison {
  bundles: BundleInfo[];
  /** What makes the bundles less than comparable (reports/compare/comparability.ts): every renderer prints these before the table. */
  warnings: ComparabilityWarning[];
  /** What some of the numbers do not measure (Soft-RoCE rows: no DMA API), shown in the legend. */
  caveats: Caveat[];
  options: ComparisonOptions;
  /** Method sentences for legends. */
  methods: { test: string; ci: string; centre: string; fdr: string; verdict: string };
  /** The rank intervals' achieved levels, most used first. */
  levels: LevelUsed[];
  /** Sorted by the base's plan order, then workload, cell, metric. */
  rows: ComparisonRow[];
  unmatched: UnmatchedKey[];
}
