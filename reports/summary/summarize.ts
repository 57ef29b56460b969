// The summary of a set of bundles: the answer, the environment table and the warnings, as plain
// data (types.ts). Pure: loaded bundles in (the first is the first column; across kernels the
// oldest kernel of each IOMMU setting is the base), no clock, no randomness beyond compare's seed.
import type { LoadedBundle } from '../../model/bundle.js';
import type { CompareBundles } from '../compare/memo.js';
import type { ComparisonOptions } from '../compare/types.js';
import { answerSections } from './answer.js';
import { describeBundles } from './bundles.js';
import { callCountsOf } from './call-counts.js';
import { environmentRows } from './environment.js';
import { findingsFrom, runComparisons } from './findings.js';
import type { Summary } from './types.js';
import { summaryWarnings } from './warnings.js';

/** `compare` runs its comparisons of whole bundles: a memoizedCompare (compare/memo.ts) shares them with the page's table. */
export function summarize(bundles: readonly LoadedBundle[], opts: Partial<Omit<ComparisonOptions, 'pass' | 'vsPass' | 'across'>> = {}, compare?: CompareBundles): Summary {
  if (bundles.length === 0) throw new RangeError('a summary needs at least one bundle');
  const described = describeBundles(bundles);
  const comparisons = runComparisons(bundles, described, opts, compare);
  const findings = findingsFrom(comparisons, described);
  const callCounts = bundles.flatMap((b, i) => callCountsOf(b, i + 1));
  const hasMicrobench = bundles.some((b) => b.manifest.cells.some((c) => c.tool === 'microbench'));
  return {
    bundles: described,
    answer: answerSections(comparisons, findings, callCounts, described, hasMicrobench),
    findings,
    callCounts,
    environment: environmentRows(bundles),
    warnings: summaryWarnings(bundles, described, comparisons),
  };
}
