// Plain ASCII report for a mailing list: a header naming each bundle's kernel and IOMMU mode,
// a legend, then per candidate one table per workload/cell. Lines stay within 100 columns where
// possible (long metric names move to their own line rather than widening the table).
import type { Comparison } from '../compare/types.js';
import { layoutTable, type Align } from './table.js';
import { WARNINGS_TITLE, warningEntries } from './warnings.js';
import { BUNDLE_SUMMARY_HEADERS, bundleSummary, groupTitle, legend, presentInText, sections, type LineView } from './view.js';

export const TEXT_MAX_WIDTH = 100;

export const TABLE_HEADERS = ['metric', 'unit', 'n', 'base', 'cov', 'n', 'cand', 'cov', 'change', '95% CI', 'p', 'verdict'];
export const TABLE_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'left'];

export function tableCells(l: LineView): string[] {
  return [l.metric, l.unit, l.baseN, l.baseMedian, l.baseCov, l.candN, l.candMedian, l.candCov, l.change, l.ci, l.p, l.verdict];
}

/** Wrap a long sentence at spaces into lines of at most `width` characters after `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && indent.length + current.length + 1 + word.length > width) {
      lines.push(indent + current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(indent + current);
  return lines;
}

export function headerBlock(c: Comparison): string[] {
  const rows = c.bundles.map((b, i) => [i === 0 ? 'base' : `cand${c.bundles.length > 2 ? i : ''}`, ...bundleSummary(b)]);
  return layoutTable(['', ...BUNDLE_SUMMARY_HEADERS], rows, ['left', 'left', 'left', 'left', 'left', 'left', 'right']);
}

export function legendLines(c: Comparison, width: number): string[] {
  const items = legend(c);
  const termWidth = Math.max(...items.map((i) => i.term.length));
  return items.flatMap(({ term, text }) => {
    const [first, ...rest] = wrap(text, width - termWidth - 4, '');
    return [`  ${term.padEnd(termWidth)}  ${first ?? ''}`, ...rest.map((r) => `  ${' '.repeat(termWidth)}  ${r}`)];
  });
}

export function unmatchedLines(c: Comparison): string[] {
  if (c.unmatched.length === 0) return [];
  return [
    'Present in some bundles only (not compared):',
    ...c.unmatched.map((u) => `  ${groupTitle(u)}  ${u.metric}: only in ${presentInText(c, u.presentIn)}`),
  ];
}

/** The comparability warnings, messages wrapped to the mail width (quoted kernel lines are not). */
export function warningBlock(c: Comparison): string[] {
  const entries = warningEntries(c);
  if (entries.length === 0) return [];
  return [
    WARNINGS_TITLE,
    ...entries.flatMap((e) => [
      ...wrap(e.message, TEXT_MAX_WIDTH, '    ').map((l, i) => (i === 0 ? `  ! ${l.slice(4)}` : l)),
      ...e.details.map((d) => `      ${d}`),
    ]),
  ];
}

export function renderText(c: Comparison): string {
  const out: string[] = ['dmabench comparison', ''];
  out.push(...headerBlock(c), '');
  const warnings = warningBlock(c);
  if (warnings.length > 0) out.push(...warnings, '');
  out.push('Legend:', ...legendLines(c, TEXT_MAX_WIDTH), '');
  for (const section of sections(c)) {
    const title = `== ${section.baseLabel} (base) vs ${section.candidateLabel} ==`;
    out.push(title, '');
    if (section.groups.length === 0) out.push('  (no metric in common)', '');
    for (const group of section.groups) {
      out.push(`-- ${groupTitle(group)}`);
      out.push(...layoutTable(TABLE_HEADERS, group.lines.map(tableCells), TABLE_ALIGN, { maxWidth: TEXT_MAX_WIDTH, gap: 1 }));
      for (const note of new Set(group.lines.flatMap((l) => l.notes.map((n) => `${l.metric}: ${n}`)))) {
        out.push(...wrap(`note: ${note}`, TEXT_MAX_WIDTH, '  '));
      }
      out.push('');
    }
  }
  const unmatched = unmatchedLines(c);
  if (unmatched.length > 0) out.push(...unmatched, '');
  return `${out.join('\n').trimEnd()}\n`;
}
