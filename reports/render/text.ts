// Plain ASCII report for a mailing list: a header naming each bundle's kernel and IOMMU mode, a
// legend, then per candidate one table per workload/cell. Every line fits in 78 columns, what
// mail clients keep unwrapped: a long metric name moves to a line of its own rather than widening
// the table, long cell names and sentences wrap.
import type { Comparison } from '../compare/types.js';
import { layoutTable, type Align } from './table.js';
import { WARNINGS_TITLE, warningEntries } from './warnings.js';
import { BUNDLE_SUMMARY_HEADERS, bundleSummary, commonN, groupFootnotes, groupTitle, legend, presentInText, sections, type LineView } from './view.js';

export const TEXT_MAX_WIDTH = 78;

export const TABLE_HEADERS = ['metric', 'r', 'unit', 'base', 'cand', 'change', 'CI %', 'p', 'q', 'verdict'];
export const TABLE_ALIGN: Align[] = ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'left'];

export function tableCells(l: LineView): string[] {
  return [l.metric, l.roleMark, l.unit, l.baseMedian, l.candMedian, l.change, l.ciShort, l.pShort, l.qShort, l.verdict];
}

/**
 * Wrap a long sentence at spaces into lines of at most `width` characters after `indent`. A word
 * that alone is wider (a cell key) is broken after its commas, so mail stays within the width.
 */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    const pieces = indent.length + word.length > width ? word.split(/(?<=,)/) : [word];
    pieces.forEach((piece, i) => {
      const glue = i === 0 ? (current ? ' ' : '') : '';
      if (current && indent.length + current.length + glue.length + piece.length > width) {
        lines.push(indent + current);
        current = piece;
      } else {
        current += glue + piece;
      }
    });
  }
  if (current) lines.push(indent + current);
  return lines;
}

/** A cell key wrapped after its commas (`map-2m:api=sg,size=2m,...`), continuation lines indented. */
export function wrapKey(prefix: string, key: string, width: number): string[] {
  const parts = key.split(/(?<=,)/);
  const lines: string[] = [];
  let current = prefix;
  for (const part of parts) {
    if (current.length + part.length > width && current.trim() !== prefix.trim()) {
      lines.push(current.trimEnd());
      current = ' '.repeat(prefix.length) + part;
    } else {
      current += part;
    }
  }
  lines.push(current.trimEnd());
  return lines;
}

/** The bundles as a table, or, where the table would be wider than `width` (long lab labels), one block each. */
export function headerBlock(c: Comparison, width = Infinity): string[] {
  const rows = c.bundles.map((b, i) => [i === 0 ? 'base' : `cand${c.bundles.length > 2 ? i : ''}`, ...bundleSummary(b)]);
  const table = layoutTable(['', ...BUNDLE_SUMMARY_HEADERS], rows, ['left', 'left', 'left', 'left', 'left', 'left', 'right']);
  if (table.every((l) => l.length <= width)) return table;
  return rows.flatMap(([side, label, ...rest]) => [
    ...wrap(`${side}: ${label}`, width, ''),
    ...wrap(BUNDLE_SUMMARY_HEADERS.slice(1).map((h, i) => `${h} ${rest[i]}`).join(', '), width, '      '),
  ]);
}

export function legendLines(c: Comparison, width: number): string[] {
  const items = legend(c);
  const termWidth = Math.max(...items.map((i) => i.term.length));
  return items.flatMap(({ term, text }) => {
    const [first, ...rest] = wrap(text, width - termWidth - 4, '');
    return [`  ${term.padEnd(termWidth)}  ${first ?? ''}`, ...rest.map((r) => `  ${' '.repeat(termWidth)}  ${r}`)];
  });
}

export function unmatchedLines(c: Comparison, width = Infinity): string[] {
  if (c.unmatched.length === 0) return [];
  return [
    'Present in some bundles only (not compared):',
    ...c.unmatched.flatMap((u) => wrap(`${groupTitle(u)} ${u.metric}: only in ${presentInText(c, u.presentIn)}`, width, '  ')),
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
  const width = TEXT_MAX_WIDTH;
  const out: string[] = ['dmabench comparison', ''];
  out.push(...headerBlock(c, width), '');
  const warnings = warningBlock(c);
  if (warnings.length > 0) out.push(...warnings, '');
  out.push('Legend:', ...legendLines(c, width), '');
  for (const section of sections(c)) {
    out.push(...wrap(`== ${section.baseLabel} (base) vs ${section.candidateLabel} ==`, width, ''), '');
    if (section.groups.length === 0) out.push('  (no metric in common)', '');
    for (const group of section.groups) {
      const n = commonN(group);
      out.push(...wrapKey('-- ', `${groupTitle(group)} (n ${n})`, width));
      out.push(...layoutTable(TABLE_HEADERS, group.lines.map(tableCells), TABLE_ALIGN, { maxWidth: width, gap: 1 }));
      for (const note of groupFootnotes(group, n)) out.push(...wrap(note, width, '  '));
      out.push('');
    }
  }
  const unmatched = unmatchedLines(c, width);
  if (unmatched.length > 0) out.push(...unmatched, '');
  return `${out.join('\n').trimEnd()}\n`;
}
