// What the human-readable renderers share: rows grouped by workload and cell, one section per
// candidate, every number already formatted, and the legend sentences.
import type { MetricRole } from '../../model/measurement.js';
import type { BundleInfo, CandidateResult, Comparison, ComparisonRow, Settle, Verdict } from '../compare/types.js';
import { chooseScale, formatCi, formatCiShort, formatCov, formatLevel, formatNumber, formatP, formatPct, formatPShort } from './format.js';

/** Marks a regression or improvement whose q is below alpha, as mmtests' `*` marks a significant change. */
export const SIGNIFICANT_MARKER = '*';

/** One letter per role in narrow tables. */
export const ROLE_MARK: Record<MetricRole, string> = { primary: 'P', informational: 'i', descriptive: 'd' };

export interface LineView {
  metric: string;
  role: MetricRole;
  roleMark: string;
  unit: string;
  better: string;
  baseMedian: string;
  baseN: string;
  baseCov: string;
  candMedian: string;
  /** The candidate's own unit when it differs from the row's (an incomparable row); null otherwise. */
  candUnit: string | null;
  candN: string;
  candCov: string;
  /** `5v5`, or `4+1?v5` with a missing value. */
  n: string;
  /** Percent change with the marker appended when starred (a blank otherwise, so columns align). */
  change: string;
  ci: string;
  /** The interval without % signs, for narrow tables. */
  ciShort: string;
  /** The interval's level, `94.4%`, or '-' without one. */
  level: string;
  p: string;
  q: string;
  pShort: string;
  qShort: string;
  verdict: Verdict;
  reason: string;
  /** What would settle an inconclusive primary row (compare's figures). */
  settle: Settle | null;
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

/** `n` with the missing count when there is one: `5`, `4+1?`. */
function formatN(n: number, missing: number): string {
  return missing > 0 ? `${n}+${missing}?` : String(n);
}

function changeText(row: ComparisonRow, cand: CandidateResult): string {
  if (cand.changePct === null && cand.stats.median !== null && row.base.median === 0 && cand.verdict !== 'incomparable') return 'from 0';
  return formatPct(cand.changePct);
}

function lineView(row: ComparisonRow, cand: CandidateResult): LineView {
  const scale = chooseScale(row.unit, row.base.median);
  const marked = cand.significant;
  const baseN = formatN(row.base.n, row.base.missing);
  const candN = formatN(cand.stats.n, cand.stats.missing);
  return {
    metric: row.metric,
    role: row.role,
    roleMark: ROLE_MARK[row.role],
    unit: scale.unit,
    better: row.better,
    baseMedian: formatNumber(row.base.median, scale),
    baseN,
    baseCov: formatCov(row.base.covPct),
    candMedian: cand.unit === row.unit ? formatNumber(cand.stats.median, scale) : formatNumber(cand.stats.median),
    candUnit: cand.unit === row.unit ? null : cand.unit,
    candN,
    candCov: formatCov(cand.stats.covPct),
    n: `${baseN}v${candN}`,
    change: `${changeText(row, cand)}${marked ? SIGNIFICANT_MARKER : ' '}`,
    ci: formatCi(cand.ci),
    ciShort: formatCiShort(cand.ci),
    level: cand.ci ? formatLevel(cand.ci.level) : '-',
    p: formatP(cand.mannWhitney?.p ?? null),
    q: formatP(cand.q),
    pShort: formatPShort(cand.mannWhitney?.p ?? null),
    qShort: formatPShort(cand.q),
    verdict: cand.verdict,
    reason: cand.reason,
    settle: cand.settle,
    marked,
    notes: row.notes,
  };
}

/** One section per candidate, each holding the rows it shares with the base, grouped by workload/cell. */
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

/** The `n` most lines of a group share (printed once in its heading). */
export function commonN(group: GroupView): string {
  const counts = new Map<string, number>();
  for (const l of group.lines) counts.set(l.n, (counts.get(l.n) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** `43`, `>1000`, `none(on-threshold)`: how many replicates per side would settle a row. */
function settleText(settle: Settle): string {
  if (settle.replicates === null) return 'none(on-threshold)';
  return settle.replicates > 1000 ? '>1000' : String(settle.replicates);
}

/**
 * Sentences printed under a group's table: notes about units or directions, the n of rows that
 * differ from the heading's (null: the table has an n column), why a row is incomparable or a
 * primary row too small, and in one sentence how many repetitions (or boots) per side would settle
 * each inconclusive primary row (the JSON and CSV reasons say more).
 */
export function groupFootnotes(group: GroupView, n: string | null): string[] {
  const out = new Set<string>();
  for (const l of group.lines) for (const note of l.notes) out.add(`note: ${l.metric}: ${note}`);
  if (n !== null) for (const l of group.lines) if (l.n !== n) out.add(`${l.metric}: n = ${l.n}`);
  for (const l of group.lines) {
    if (l.verdict === 'incomparable' || (l.role === 'primary' && l.verdict === 'n too small')) out.add(`${l.metric}: ${l.reason}`);
  }
  for (const unit of ['repetitions', 'boots'] as const) {
    const settle = group.lines.filter((l) => l.role === 'primary' && l.verdict === 'inconclusive' && l.settle?.unit === unit);
    if (settle.length > 0) out.add(`inconclusive; ${unit} per side that would settle it: ${settle.map((l) => `${l.metric}=${settleText(l.settle!)}`).join(', ')}`);
  }
  return [...out];
}

/** Heading of a workload/cell group; cell keys (core/campaign/matrix.ts) already start with `workload:`. */
export function groupTitle(g: { workload: string; cell: string }): string {
  return g.cell === g.workload || g.cell.startsWith(`${g.workload}:`) ? g.cell : `${g.workload} / ${g.cell}`;
}

function bootsSentence(c: Comparison): string {
  const notSampled =
    'between-boot variance was not sampled: the intervals and p-values speak for the boots that ran, not for the kernels ' +
    '(physical memory layout, IOVA allocator state and IRQ placement are fixed within a boot)';
  const oneBundle = c.bundles.every((b) => b.dir === c.bundles[0]!.dir);
  const prefix = oneBundle ? 'every side comes from the same run of one bundle, so boots do not differ between them; ' : '';
  const multi = c.bundles.filter((b) => (b.boots ?? 0) >= 2);
  const unknown = c.bundles.filter((b) => b.boots === null);
  if (multi.length === 0) {
    if (unknown.length === c.bundles.length) return `${prefix}the bundles do not record boots (older bundles), as if each side ran in one: ${notSampled}`;
    const unknownText = unknown.length > 0 ? ` (${unknown.map((b) => b.label).join(', ')}: not recorded)` : '';
    return `${prefix}each side ran in one boot${unknownText}: ${notSampled}`;
  }
  const parts: string[] = [];
  const resampled = multi.filter((b) => b.bootIdsKnown);
  if (resampled.length > 0) {
    parts.push(
      `${resampled.map((b) => `${b.label} ran in ${b.boots} boots`).join(', ')}: rows with 2 or more boots on a side take their interval from a two-level bootstrap ` +
        `(boots resampled, then repetitions within each boot; ${c.options.bootstrapIterations} resamples, seed ${c.options.seed}; ` +
        'with fewer than 5 boots per side it covers less than its level, 85% with 3); p and q pool the repetitions of all boots',
    );
  }
  const unattributed = multi.filter((b) => !b.bootIdsKnown);
  if (unattributed.length > 0) parts.push(`${unattributed.map((b) => b.label).join(', ')} ran in several boots but not every sample says which: rank intervals`);
  const single = c.bundles.filter((b) => b.boots === 1);
  if (single.length > 0) parts.push(`${single.map((b) => b.label).join(', ')} ran in one boot`);
  if (unknown.length > 0) parts.push(`${unknown.map((b) => b.label).join(', ')}: boots not recorded`);
  return `${prefix}${parts.join('; ')}`;
}

function levelsSentence(c: Comparison): string {
  if (c.levels.length === 0) return 'no rank interval was computed';
  const shown = c.levels.slice(0, 4).map((l) => `${formatLevel(l.level)} at ${l.n1} v ${l.n2}`);
  const more = c.levels.length > 4 ? `, and ${c.levels.length - 4} more size pairs (see JSON)` : '';
  return `levels achieved: ${shown.join(', ')}${more}; at small n rank intervals exist only at discrete levels (5 v 5: 94.4% or 96.8%)`;
}

function passSentence(c: Comparison): string {
  const o = c.options;
  if (o.across) return `cells of one bundle with ${o.across.param}=${o.across.value} (base) against the cells identical but for ${o.across.param}, pass '${o.pass}'`;
  if (o.vsPass) return `the base's '${o.pass}' pass against the candidates' '${o.vsPass}' pass`;
  return `the '${o.pass}' pass`;
}

/** Legend sentences, the same in every human-readable format. */
export function legend(c: Comparison): { term: string; text: string }[] {
  const o = c.options;
  return [
    { term: 'values', text: `${c.methods.centre} in ${passSentence(c)}; n = values used, base v candidate (+k? = k samples without a value, left out)` },
    { term: 'change', text: `${c.methods.ci}; ${levelsSentence(c)}` },
    { term: 'p', text: c.methods.test },
    { term: 'q', text: c.methods.fdr },
    { term: SIGNIFICANT_MARKER, text: `q < ${o.alpha} and the verdict is a regression or an improvement (never an informational or descriptive row)` },
    {
      term: 'verdict',
      text:
        `${c.methods.verdict}; changed: an informational row whose interval excludes no change (never better or worse); ` +
        "n too small: fewer than 2 values, or too few for an interval near the level; incomparable: units differ with no known conversion (not tested); " +
        'not tested: a descriptive row',
    },
    {
      term: 'role',
      text:
        'P primary (verdicts, q, --fail-on-regression); i informational (call counts, totals, overheads: changed or not, outside q); ' +
        'd descriptive (min, max, stdev, far tails: shown only)',
    },
    { term: 'boots', text: bootsSentence(c) },
    ...c.caveats,
  ];
}

/** Human wording of the bundles a key is present in. */
export function presentInText(c: Comparison, presentIn: number[]): string {
  return presentIn.map((i) => c.bundles[i]?.label ?? `#${i}`).join(', ');
}

/** What the text formats call side `index`: `base`, then `cand`, or `cand1`, `cand2`, ... with several candidates. */
export function sideName(c: Comparison, index: number): string {
  if (index === 0) return 'base';
  return c.bundles.length > 2 ? `cand${index}` : 'cand';
}

/** Column titles of a bundle's summary line in every report header (after the role column). */
export const BUNDLE_SUMMARY_HEADERS = ['label', 'kernel', 'iommu', 'host', 'status', 'samples'];

/** One bundle's summary line: what produced the numbers (kernel, IOMMU mode, host) and how many. */
export function bundleSummary(b: BundleInfo): string[] {
  return [b.label, b.kernelRelease ?? 'unknown', b.iommuMode ?? 'unknown', b.hostname ?? 'unknown', b.status, String(b.sampleCount)];
}
