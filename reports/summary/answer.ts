// The answer, in sentences written from the data: which kernels under which IOMMU setting, which
// DMA path each took per I/O, where the link API was faster or slower than dma_map_sg and by how
// much (across kernels and within one), how that moves with the IOMMU mode, what regressed, what
// is inconclusive, and what the bundles cannot answer. Nothing here guesses: a question the data
// does not reach is said to be missing, with what would answer it.
import type { Verdict } from '../compare/types.js';
import { ACROSS_BASE, ACROSS_PARAM, type Comparisons } from './findings.js';
import { bundleRef, direction, formatFinding, formatPct, listing } from './format.js';
import type { AnswerSection, CellCallCounts, Finding, SummaryBundle } from './types.js';

/** Findings named one by one in the verdicts paragraph, per verdict. */
const LISTED = 8;

function kernelName(b: SummaryBundle): string {
  return `[${b.index}] ${b.kernel ?? 'kernel not recorded'}`;
}

/** A cell as a reader knows it: its workload when the workload has one cell, else the whole key. */
function cellNamer(cells: readonly { workload: string; cell: string }[]): (workload: string, cell: string) => string {
  const perWorkload = new Map<string, Set<string>>();
  for (const c of cells) (perWorkload.get(c.workload) ?? perWorkload.set(c.workload, new Set()).get(c.workload)!).add(c.cell);
  return (workload, cell) => ((perWorkload.get(workload)?.size ?? 0) <= 1 ? workload : cell);
}

function setupSection(bundles: readonly SummaryBundle[]): AnswerSection {
  const sentences = [`Kernels: ${listing(bundles.map(kernelName))}.`];
  const settings = [...new Set(bundles.map((b) => b.setting))];
  for (const setting of settings) {
    const members = bundles.filter((b) => b.setting === setting);
    const sources = [...new Set(members.map((b) => b.iommuModeOf))];
    sentences.push(`IOMMU ${setting}: ${bundleRef(members.map((b) => b.index))} (mode from ${listing(sources)}).`);
  }
  return { topic: 'setup', title: 'What ran', sentences };
}

function pathSentence(c: CellCallCounts, b: SummaryBundle): string {
  const calls = c.mapCalls.map((x) => `${x.name} ${x.perIo.toFixed(2)}`);
  const maps = c.iommuMaps === null ? '' : ` (${c.iommuMaps.toFixed(2)} IOMMU map calls)`;
  return `${kernelName(b)} ${calls.length > 0 ? `maps with ${listing(calls)}` : 'makes no traced mapping call'}${maps}`;
}

function callCountSection(counts: readonly CellCallCounts[], bundles: readonly SummaryBundle[]): AnswerSection | null {
  if (counts.length === 0) return null;
  const name = cellNamer(counts);
  const cells = [...new Set(counts.map((c) => c.cell))];
  const sentences = cells.map((cell) => {
    const inCell = counts.filter((c) => c.cell === cell);
    const parts = inCell.map((c) => pathSentence(c, bundles[c.bundle - 1]!));
    let sentence = `Per I/O in ${name(inCell[0]!.workload, cell)} (ftrace, median of its profile passes): ${parts.join('; ')}.`;
    const withMaps = inCell.filter((c) => c.iommuMaps !== null && c.iommuMaps > 0);
    const first = withMaps[0];
    if (first && withMaps.length > 1) {
      const changes = withMaps.slice(1).map((c) => `[${c.bundle}] ${formatPct(100 * (c.iommuMaps! / first.iommuMaps! - 1))}`);
      sentence += ` IOMMU map calls per I/O against [${first.bundle}]: ${changes.join(', ')}.`;
    }
    return sentence;
  });
  return { topic: 'call-counts', title: 'Which DMA path each kernel took (calls per I/O)', sentences };
}

/** Findings grouped in insertion order by a key. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) (out.get(key(item)) ?? out.set(key(item), []).get(key(item))!).push(item);
  return out;
}

const VERDICT_ORDER: Verdict[] = ['regression', 'improvement', 'no difference', 'inconclusive', 'changed', 'n too small', 'incomparable', 'not tested'];

function verdictCounts(findings: readonly Finding[]): string {
  const counts = VERDICT_ORDER.map((v) => [v, findings.filter((f) => f.verdict === v).length] as const).filter(([, n]) => n > 0);
  return counts.map(([v, n]) => `${n} ${v}`).join(', ');
}

/** One group of findings (one cell, or one microbench path over every size): its headline metrics and anything with a verdict. */
function groupSentence(what: string, findings: readonly Finding[], name: (w: string, c: string) => string): string {
  const cells = new Set(findings.map((f) => f.cell));
  if (cells.size === 1) {
    const shown = findings.filter((f) => f.headline || f.verdict === 'regression' || f.verdict === 'improvement');
    const f0 = findings[0]!;
    return `${what} in ${name(f0.workload, f0.cell)}: ${(shown.length > 0 ? shown : findings.slice(0, 1)).map((f) => formatFinding(f)).join('; ')}.`;
  }
  const parts = [...groupBy(findings.filter((f) => f.headline), (f) => f.metric)].map(([metric, fs]) => {
    const decided = fs.filter((f) => f.ci !== null && f.changePct !== null);
    const largest = decided.sort((a, b) => Math.abs(b.changePct!) - Math.abs(a.changePct!))[0];
    const example = largest ? `; largest ${formatFinding(largest, { values: false }).replace(`${metric}, `, '')} in ${name(largest.workload, largest.cell)}` : '';
    return `${metric} over ${fs.length} cells: ${verdictCounts(fs)}${example}`;
  });
  return `${what}: ${parts.length > 0 ? parts.join('; ') : verdictCounts(findings)}.`;
}

function acrossSections(c: Comparisons, findings: readonly Finding[], bundles: readonly SummaryBundle[], name: (w: string, c: string) => string): AnswerSection[] {
  return c.acrossKernels.map((group) => {
    const base = bundles[group.bundles[0]! - 1]!;
    const mine = findings.filter((f) => f.scope === 'across-kernels' && f.setting === group.setting);
    const sentences: string[] = [];
    for (const n of group.bundles.slice(1)) {
      const cand = bundles[n - 1]!;
      const ofCand = mine.filter((f) => f.candidate.label === cand.label);
      if (ofCand.length === 0) {
        sentences.push(`${kernelName(cand)} and ${kernelName(base)} share no primary figure (no common cell and metric): nothing to compare.`);
        continue;
      }
      for (const [group, fs] of groupBy(ofCand, (f) => `${f.pass} ${f.group}`)) {
        const pass = fs[0]!.pass === 'timed' ? '' : ` (${fs[0]!.pass})`;
        sentences.push(groupSentence(`${kernelName(cand)} against ${kernelName(base)}${pass}${group.includes(`${ACROSS_PARAM}=`) ? `, ${fs[0]!.group}` : ''}`, fs, name));
      }
    }
    return { topic: 'across-kernels', title: `Across kernels, IOMMU ${group.setting} (base: the oldest kernel)`, sentences } satisfies AnswerSection;
  });
}

function withinSections(c: Comparisons, findings: readonly Finding[], bundles: readonly SummaryBundle[]): AnswerSection[] {
  return c.withinKernel.map((w) => {
    const b = bundles[w.bundle - 1]!;
    const title = `Within ${kernelName(b)}, IOMMU ${b.setting}: link and phys against ${ACROSS_PARAM}=${ACROSS_BASE} (compare --across ${ACROSS_PARAM}=${ACROSS_BASE})`;
    if (!w.comparison) return { topic: 'within-kernel', title, sentences: [`No within-kernel comparison: ${w.problem ?? 'none could be made'}.`] } satisfies AnswerSection;
    const mine = findings.filter((f) => f.scope === 'within-kernel' && f.base.label === `${ACROSS_PARAM}=${ACROSS_BASE}` && f.setting === b.setting && f.base.kernel === b.kernel);
    const name = cellNamer(mine);
    const sentences = [...groupBy(mine, (f) => f.group)].map(([group, fs]) => groupSentence(`${fs[0]!.candidate.label} against ${ACROSS_PARAM}=${ACROSS_BASE} (${group})`, fs, name));
    const fallback = mine.filter((f) => f.notes.some((n) => /another path/.test(n)));
    if (fallback.length > 0) sentences.push(`${fallback.length} of these rows ran another path than their cell asked for (link fell back to per-range mapping): the rows' notes say which.`);
    if (sentences.length === 0) sentences.push('The api cells share no primary figure: nothing to compare.');
    return { topic: 'within-kernel', title, sentences } satisfies AnswerSection;
  });
}

/** Headline findings present under several settings: how the answer moves with the IOMMU mode. */
function modeSection(findings: readonly Finding[], bundles: readonly SummaryBundle[], name: (w: string, c: string) => string): AnswerSection | null {
  if (new Set(bundles.map((b) => b.setting)).size < 2) return null;
  const key = (f: Finding): string => `${f.scope}|${f.base.kernel}|${f.candidate.kernel}|${f.candidate.label.startsWith(`${ACROSS_PARAM}=`) ? f.candidate.label : ''}|${f.group}|${f.metric}|${f.pass}`;
  const sentences: string[] = [];
  for (const fs of groupBy(findings.filter((f) => f.headline && f.changePct !== null), key).values()) {
    const bySetting = groupBy(fs, (f) => f.setting);
    if (bySetting.size < 2) continue;
    const f0 = fs[0]!;
    const what = f0.scope === 'within-kernel' ? `${f0.candidate.label} against ${f0.base.label} on ${f0.base.kernel}` : `${f0.candidate.kernel} against ${f0.base.kernel}`;
    const parts = [...bySetting].map(([setting, list]) => {
      if (list.length === 1) return `${setting}: ${formatFinding(list[0]!, { values: false }).replace(`${f0.metric}, `, '')}`;
      const changes = list.map((f) => f.changePct!).sort((a, b) => a - b);
      const median = changes[Math.floor((changes.length - 1) / 2)]!;
      return `${setting}: median ${formatPct(median)} over ${list.length} cells (${verdictCounts(list)})`;
    });
    const cellName = new Set(fs.map((f) => f.cell)).size === 1 ? name(f0.workload, f0.cell) : f0.group;
    sentences.push(`${f0.metric} of ${cellName}, ${what}: ${parts.join('; ')}.`);
  }
  return sentences.length > 0 ? { topic: 'iommu-modes', title: 'How the answer moves with the IOMMU mode', sentences } : null;
}

/**
 * The verdicts of the comparisons between kernels. A regression is a kernel doing worse; one API
 * path slower than another in the same boot is a difference between paths, not a regression, and
 * is only counted here (the within-kernel sections say which is slower and by how much).
 */
function verdictSection(all: readonly Finding[], name: (w: string, c: string) => string): AnswerSection | null {
  if (all.length === 0) return null;
  const findings = all.filter((f) => f.scope === 'across-kernels');
  const within = all.filter((f) => f.scope === 'within-kernel');
  const where = (f: Finding): string => `${f.metric} of ${name(f.workload, f.cell)} (${f.candidate.label} against ${f.base.label})`;
  const sentences: string[] = [];
  if (within.length > 0) {
    const slower = within.filter((f) => f.verdict === 'regression').length;
    const faster = within.filter((f) => f.verdict === 'improvement').length;
    sentences.push(`Between API paths within a kernel, ${within.length} primary comparisons: ${slower} slower than ${ACROSS_PARAM}=${ACROSS_BASE}, ${faster} faster, the rest without a verdict (the sections above give each).`);
  }
  if (findings.length === 0) return { topic: 'verdicts', title: 'What regressed, what is inconclusive', sentences };
  sentences.push(`Of ${findings.length} primary comparisons between kernels: ${verdictCounts(findings)}.`);
  const list = (verdict: Verdict, title: string, text: (f: Finding) => string): void => {
    const fs = findings.filter((f) => f.verdict === verdict);
    if (fs.length === 0) return;
    const shown = fs.slice(0, LISTED).map(text);
    sentences.push(`${title}: ${shown.join('; ')}${fs.length > LISTED ? `; and ${fs.length - LISTED} more` : ''}.`);
  };
  list('regression', 'Regressed', (f) => `${where(f)} ${formatPct(f.changePct!)} ${f.ci ? formatIntervalShort(f) : ''}`.trim() + `, ${direction(f, f.changePct!)}`);
  list('inconclusive', 'Inconclusive', (f) => `${where(f)}: ${f.reason}`);
  const small = findings.filter((f) => f.verdict === 'n too small');
  if (small.length > 0) sentences.push(`Too few values for a verdict in ${small.length}: ${small[0]!.reason}.`);
  return { topic: 'verdicts', title: 'What regressed, what is inconclusive', sentences };
}

function formatIntervalShort(f: Finding): string {
  return f.ci ? `[${formatPct(f.ci.lowPct)}, ${formatPct(f.ci.highPct)}]` : '';
}

function missingSection(c: Comparisons, counts: readonly CellCallCounts[], bundles: readonly SummaryBundle[], hasMicrobench: boolean): AnswerSection | null {
  const sentences: string[] = [];
  if (c.acrossKernels.length === 0) {
    sentences.push(
      `No two kernels ran under the same IOMMU setting, so nothing compares kernels (7.x's link path against 6.12's dma_map_sg): ` +
        `give bundles of both kernels under one mode (dmabench lab run --kernels 6.12,7).`,
    );
  }
  if (!hasMicrobench) {
    sentences.push(
      `No microbenchmark cells (api=sg, link, phys): the within-kernel answer, link and phys against dma_map_sg in one boot, is missing; ` +
        `configs/microbench.yaml (configs/lab-microbench.yaml in the lab) measures it.`,
    );
  }
  if (counts.length === 0) sentences.push('No ftrace profile pass with call counts: which path each kernel took per I/O is not shown.');
  if (new Set(bundles.map((b) => b.setting)).size < 2) {
    sentences.push(`Every bundle ran under one IOMMU setting (${bundles[0]?.setting ?? 'none'}): how the answer moves with the mode is not measured; add bundles under lazy or passthrough (lab run --iommu lazy).`);
  }
  return sentences.length > 0 ? { topic: 'missing', title: 'What these bundles do not answer', sentences } : null;
}

export function answerSections(c: Comparisons, findings: readonly Finding[], counts: readonly CellCallCounts[], bundles: readonly SummaryBundle[], hasMicrobench: boolean): AnswerSection[] {
  const name = cellNamer(findings);
  return [
    setupSection(bundles),
    callCountSection(counts, bundles),
    ...acrossSections(c, findings, bundles, name),
    ...withinSections(c, findings, bundles),
    modeSection(findings, bundles, name),
    verdictSection(findings, name),
    missingSection(c, counts, bundles, hasMicrobench),
  ].filter((s): s is AnswerSection => s !== null);
}
