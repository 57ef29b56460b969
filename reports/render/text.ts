// Plain ASCII text for a mailing list (`compare --format text`, `report --format text`), every
// line at most 78 columns, what mail clients keep unwrapped:
//
//   dmabench comparison
//   base:                         one block per side, `key: value` lines (label, kernel,
//     label:      ...             IOMMU mode, host, campaign, commit, lab, samples)
//   (summary paragraphs)          when the caller has some (`report`)
//   warnings, legend
//   == BASE (base) vs CAND ==     per candidate, one table per workload/cell; a metric whose
//   -- cell key (n 5v5)           row would be wider goes on a line of its own, its numbers on
//   table, footnotes              the next; long cell keys wrap after `,` or `:`
//   present in some bundles only
//   reproduce with:               reports/render/reproduce.ts
//
// Line filling is reports/render/wrap.ts's. Every string from a bundle goes through ascii().
import type { BundleInfo, Comparison } from '../compare/types.js';
import { reproduceBlock } from './reproduce.js';
import { layoutTable, type Align } from './table.js';
import { WARNINGS_TITLE, ascii, warningEntries } from './warnings.js';
import { BUNDLE_SUMMARY_HEADERS, bundleSummary, commonN, groupFootnotes, groupTitle, legend, presentInText, sections, sideName, type LineView } from './view.js';
import { fill, fitLines, keyValue } from './wrap.js';

export const TEXT_MAX_WIDTH = 78;

export const TABLE_HEADERS = ['metric', 'r', 'unit', 'base', 'cand', 'change', 'CI %', 'p', 'q', 'verdict'];
export const TABLE_ALIGN: Align[] = ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'left'];

export function tableCells(l: LineView): string[] {
  return [ascii(l.metric), l.roleMark, ascii(l.unit), l.baseMedian, l.candMedian, l.change, l.ciShort, l.pShort, l.qShort, l.verdict];
}

/** The keys of a side's header block, in order; values align after the longest. */
export const HEADER_KEYS = ['label', 'kernel', 'IOMMU mode', 'host', 'campaign', 'commit', 'lab', 'samples'] as const;

/** A side's header facts, in HEADER_KEYS order (`lab` only for lab bundles). */
export function headerFacts(b: BundleInfo): [string, string][] {
  const p = b.provenance;
  const hash = p.campaignHash ? ` (${p.campaignHash.slice(0, 'sha256:'.length + 12)})` : '';
  const commit = p.dmabenchCommit ? `${p.dmabenchCommit}${p.dmabenchDirty ? ' with uncommitted changes' : ''}` : 'not recorded';
  const facts: [string, string][] = [
    ['label', b.label],
    ['kernel', b.kernelRelease ?? 'unknown'],
    ['IOMMU mode', b.iommuMode ?? 'unknown'],
    ['host', b.hostname ?? 'unknown'],
    ['campaign', `${p.campaign ?? '(unnamed)'}${hash}`],
    ['commit', `${commit} (dmabench ${p.dmabenchVersion})`],
  ];
  if (p.lab) facts.push(['lab', `${p.lab.qemu}, caching mode ${p.lab.cachingMode ? 'on' : 'off'}`]);
  facts.push(['samples', `${b.sampleCount} (${b.selection}), bundle ${b.status}`]);
  return facts.map(([k, v]) => [k, ascii(v)]);
}

/** Every side as a `base:` line and its `key: value` lines, values aligned. */
export function mailHeader(c: Comparison, width: number): string[] {
  const keyWidth = Math.max(...HEADER_KEYS.map((k) => k.length));
  return c.bundles.flatMap((b, i) => [`${sideName(c, i)}:`, ...headerFacts(b).flatMap(([k, v]) => keyValue(k, v, width, { indent: '  ', keyWidth }))]);
}

/** The bundles as a table (the terminal's header), or, where it would be wider than `width`, the mail header. */
export function headerBlock(c: Comparison, width = Infinity): string[] {
  const rows = c.bundles.map((b, i) => [sideName(c, i), ...bundleSummary(b)]);
  const table = layoutTable(['', ...BUNDLE_SUMMARY_HEADERS], rows, ['left', 'left', 'left', 'left', 'left', 'left', 'right']);
  return table.every((l) => l.length <= width) ? table : mailHeader(c, width);
}

export function legendLines(c: Comparison, width: number): string[] {
  const items = legend(c);
  const termWidth = Math.max(...items.map((i) => i.term.length));
  return items.flatMap(({ term, text }) => fill(text, width, { first: `  ${term.padEnd(termWidth)}  `, indent: ' '.repeat(termWidth + 4) }));
}

export function unmatchedLines(c: Comparison, width = Infinity): string[] {
  if (c.unmatched.length === 0) return [];
  return [
    'Present in some bundles only (not compared):',
    ...c.unmatched.flatMap((u) => fill(ascii(`${groupTitle(u)} ${u.metric}: only in ${presentInText(c, u.presentIn)}`), width, { first: '  ', indent: '    ' })),
  ];
}

/** The comparability warnings, messages wrapped to the mail width; quoted kernel lines are broken only where wider than it. */
export function warningBlock(c: Comparison, width = TEXT_MAX_WIDTH): string[] {
  const entries = warningEntries(c);
  if (entries.length === 0) return [];
  return [
    WARNINGS_TITLE,
    ...entries.flatMap((e) => [...fill(e.message, width, { first: '  ! ', indent: '    ' }), ...fitLines(e.details.map((d) => `      ${d}`), width, '        ')]),
  ];
}

export interface MailTextOptions {
  /** Paragraphs printed after the header (a report's summary), each filled to the width. */
  summary?: readonly string[];
  /** The command that made this text, as argv after `dmabench`, for the reproduce block (default: the equivalent `dmabench compare`). */
  command?: readonly string[];
}

/** The whole mail text of a comparison: what `compare --format text` prints and `report --format text` reuses. */
export function renderMailText(c: Comparison, options: MailTextOptions = {}): string {
  const width = TEXT_MAX_WIDTH;
  const out: string[] = ['dmabench comparison', ''];
  out.push(...mailHeader(c, width), '');
  for (const paragraph of options.summary ?? []) out.push(...fill(paragraph, width), '');
  const warnings = warningBlock(c, width);
  if (warnings.length > 0) out.push(...warnings, '');
  out.push('Legend:', ...legendLines(c, width), '');
  for (const section of sections(c)) {
    out.push(...fill(ascii(`== ${section.baseLabel} (base) vs ${section.candidateLabel} ==`), width, { first: '', indent: '   ' }), '');
    if (section.groups.length === 0) out.push('  (no metric in common)', '');
    for (const group of section.groups) {
      const n = commonN(group);
      out.push(...fill(ascii(`-- ${groupTitle(group)} (n ${n})`), width, { first: '', indent: '   ' }));
      // layoutTable moves a metric too wide for its row to a line of its own; fitLines breaks one wider than the mail.
      out.push(...fitLines(layoutTable(TABLE_HEADERS, group.lines.map(tableCells), TABLE_ALIGN, { maxWidth: width, gap: 1 }), width));
      for (const note of groupFootnotes(group, n)) out.push(...fill(ascii(note), width, { indent: '  ' }));
      out.push('');
    }
  }
  const unmatched = unmatchedLines(c, width);
  if (unmatched.length > 0) out.push(...unmatched, '');
  out.push(...reproduceBlock(c, width, { command: options.command }));
  return `${out.join('\n').trimEnd()}\n`;
}

/** `compare --format text`: the mail text with its defaults. */
export function renderText(c: Comparison): string {
  return renderMailText(c);
}
