// What the human-readable renderers share: rows grouped by workload and cell, one section per
// candidate, every number already formatted, and the legend sentences.
import type { BundleInfo, CandidateResult, Comparison, ComparisonRow, Verdict } from '../compare/types.js';
import { chooseScale, formatCi, formatCov, formatNumber, formatP, formatPct } from './format.js';

/** Marks a change that is significant and beyond the noise threshold, as mmtests' `*` does. */
export const SIGNIFICANT_MARKER = '*';

export interface LineView {
  metric: string;
  unit: string;
  better: string;
  baseMedian: string;
  baseN: string;
  baseCov: string;
  candMedian: string;
  candN: string;
  candCov: string;
  /** Percent change with the marker appended when significant. */
  change: string;
  ci: string;
  p: string;
  verdict: Verdict;
  marked: boolean;
  notes: string[];
}

export interface GroupView {
  workload: string;
  cell: string;
  lines: LineView[];
}

export interface SectionView {
  baseLabel: string;
  candidateLabel: string;
  candidate: number;
  groups: GroupView[];
}

/** `n` with the missing count when there is one: `5`, `4+1 missing`. */
function formatN(n: number, missing: number): string {
  return missing > 0 ? `${n}+${missing}?` : String(n);
}

function lineView(row: ComparisonRow, cand: CandidateResult): LineView {
  const scale = chooseScale(row.unit, row.base.median);
  const marked = cand.verdict === 'improvement' || cand.verdict === 'regression';
  return {
    metric: row.metric,
    unit: scale.unit,
    better: row.better,
    baseMedian: formatNumber(row.base.median, scale),
    baseN: formatN(row.base.n, row.base.missing),
    baseCov: formatCov(row.base.covPct),
    candMedian: formatNumber(cand.stats.median, scale),
    candN: formatN(cand.stats.n, cand.stats.missing),
    candCov: formatCov(cand.stats.covPct),
    change: `${cand.changePct === null && cand.stats.median !== null && row.base.median === 0 ? 'from 0' : formatPct(cand.changePct)}${marked ? SIGNIFICANT_MARKER : ' '}`,
    ci: formatCi(cand.ci),
    p: formatP(cand.mannWhitney?.p ?? null),
    verdict: cand.verdict,
    marked,
    notes: row.notes,
  };
}

/** One section per candidate bundle, each holding the rows it shares with the base, grouped by workload/cell. */
export function sections(c: Comparison): SectionView[] {
  return c.bundles.slice(1).map((bundle, i) => {
    const groups: GroupView[] = [];
    for (const row of c.rows) {
      const cand = row.candidates[i];
      if (!cand) continue;
      let group = groups[groups.length - 1];
      if (!group || group.workload !== row.workload || group.cell !== row.cell) {
        group = { workload: row.workload, cell: row.cell, lines: [] };
        groups.push(group);
      }
      group.lines.push(lineView(row, cand));
    }
    return { baseLabel: c.bundles[0]!.label, candidateLabel: bundle.label, candidate: i + 1, groups };
  });
}

/** Heading of a workload/cell group; cell keys (core/campaign/matrix.ts) already start with `workload:`. */
export function groupTitle(g: { workload: string; cell: string }): string {
  return g.cell === g.workload || g.cell.startsWith(`${g.workload}:`) ? g.cell : `${g.workload} / ${g.cell}`;
}

/** Legend sentences, the same in every human-readable format. */
export function legend(c: Comparison): { term: string; text: string }[] {
  const o = c.options;
  return [
    { term: 'values', text: `${c.methods.centre} in the '${o.pass}' pass; n = values used (+k? = k samples without a value, left out)` },
    { term: 'change', text: "% change of the candidate's median against the base's" },
    {
      term: SIGNIFICANT_MARKER,
      text: `significant: Mann-Whitney p < ${o.alpha}, the 95% CI of the change excludes 0, and |change| >= the ${o.noisePct}% noise threshold`,
    },
    { term: 'test', text: c.methods.test },
    { term: 'CI', text: c.methods.ci },
    { term: 'verdict', text: "improvement/regression follow each metric's direction (higher or lower is better); 'n too small' = fewer than 2 values in a group, no test run" },
  ];
}

/** Human wording of the bundles a key is present in. */
export function presentInText(c: Comparison, presentIn: number[]): string {
  return presentIn.map((i) => c.bundles[i]?.label ?? `#${i}`).join(', ');
}

/** Column titles of a bundle's summary line in every report header (after the role column). */
export const BUNDLE_SUMMARY_HEADERS = ['label', 'kernel', 'iommu', 'host', 'status', 'samples'];

/** One bundle's summary line: what produced the numbers (kernel, IOMMU mode, host) and how many. */
export function bundleSummary(b: BundleInfo): string[] {
  return [b.label, b.kernelRelease ?? 'unknown', b.iommuMode ?? 'unknown', b.hostname ?? 'unknown', b.status, String(b.sampleCount)];
}
