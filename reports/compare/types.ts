// The result of comparing bundles: plain data, the single input of every renderer.
import type { Better } from '../../model/measurement.js';
import type { MannWhitneyMethod } from '../stats/mann-whitney.js';
import type { ComparabilityWarning } from './comparability.js';

export type Verdict = 'improvement' | 'regression' | 'no difference' | 'n too small';

/** What the header of a report says about one bundle. */
export interface BundleInfo {
  /** Manifest label, suffixed with `#index` when two bundles share a label. */
  label: string;
  dir: string;
  status: string;
  kernelRelease: string | null;
  iommuMode: string | null;
  /** Host the bundle was recorded on. */
  hostname: string | null;
  /** Samples of the compared pass (timed by default), null values included. */
  sampleCount: number;
}

/** Statistics of one group: one bundle's values of one (workload, cell, metric). */
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
}

export interface CandidateResult {
  /** Index into Comparison.bundles. */
  bundle: number;
  stats: GroupStats;
  /**
   * 100 * (median_cand - median_base) / |median_base|; null when a median is missing, or when
   * the base median is 0 and the candidate's is not (no finite percentage exists).
   */
  changePct: number | null;
  /** Percentile bootstrap interval of changePct; null when it could not be computed. */
  ci: { lowPct: number; highPct: number; level: number } | null;
  mannWhitney: { u: number; p: number; method: MannWhitneyMethod } | null;
  /** p < alpha and the interval (when there is one) excludes 0. */
  significant: boolean;
  verdict: Verdict;
  /** Why the verdict is what it is, in words (for JSON readers and footnotes). */
  reason: string;
}

export interface ComparisonRow {
  workload: string;
  cell: string;
  metric: string;
  /** From the base bundle's samples. */
  unit: string;
  better: Better;
  tool: string;
  base: GroupStats;
  /** One entry per candidate bundle (bundles[1..]); null when that bundle lacks this key. */
  candidates: (CandidateResult | null)[];
  /** Disagreements between bundles about this key (unit or direction), as sentences. */
  notes: string[];
}

/** A (workload, cell, metric) that some bundles have and others do not. */
export interface UnmatchedKey {
  workload: string;
  cell: string;
  metric: string;
  /** Indexes into Comparison.bundles of the bundles that have it. */
  presentIn: number[];
}

export interface ComparisonOptions {
  /** Changes smaller than this many percent are 'no difference' whatever the test says. */
  noisePct: number;
  alpha: number;
  seed: number;
  bootstrapIterations: number;
  /** Which pass's samples were compared. */
  pass: string;
}

export interface Comparison {
  bundles: BundleInfo[];
  /** What makes the bundles less than comparable (reports/compare/comparability.ts): every renderer prints these before the table. */
  warnings: ComparabilityWarning[];
  options: ComparisonOptions;
  /** Method names for legends. */
  methods: { test: string; ci: string; centre: string };
  /** Sorted by workload, cell, metric. */
  rows: ComparisonRow[];
  unmatched: UnmatchedKey[];
}
