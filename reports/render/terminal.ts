// Aligned table for a terminal. Same content as the text report, no width limit, and ANSI
// colours only when asked (the CLI decides from --color / isTTY / NO_COLOR, not this module).
import type { Comparison, Verdict } from '../compare/types.js';
import { layoutTable } from './table.js';
import { headerBlock, legendLines, TABLE_ALIGN, TABLE_HEADERS, tableCells, unmatchedLines } from './text.js';
import { groupTitle, sections } from './view.js';
import { warningLines } from './warnings.js';

export interface TerminalOptions {
  colour?: boolean;
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m' };

const VERDICT_COLOUR: Record<Verdict, string> = {
  improvement: ANSI.green,
  regression: ANSI.red,
  'n too small': ANSI.yellow,
  'no difference': ANSI.dim,
};

export function renderTerminal(c: Comparison, options: TerminalOptions = {}): string {
  const colour = options.colour ?? false;
  const paint = (code: string, text: string): string => (colour ? `${code}${text}${ANSI.reset}` : text);
  const verdictColumn = TABLE_HEADERS.length - 1;
  const changeColumn = TABLE_HEADERS.indexOf('change');

  const out: string[] = [...headerBlock(c), ''];
  const warnings = warningLines(c);
  if (warnings.length > 0) out.push(...warnings.map((l) => paint(ANSI.yellow, l)), '');
  for (const section of sections(c)) {
    out.push(paint(ANSI.bold, `${section.baseLabel} (base) vs ${section.candidateLabel}`), '');
    if (section.groups.length === 0) out.push('  (no metric in common)', '');
    for (const group of section.groups) {
      out.push(paint(ANSI.bold, groupTitle(group)));
      const decorate = (row: number, column: number, padded: string): string => {
        const verdict = group.lines[row]!.verdict;
        if (column === verdictColumn || (column === changeColumn && group.lines[row]!.marked)) return paint(VERDICT_COLOUR[verdict], padded);
        return padded;
      };
      out.push(...layoutTable(TABLE_HEADERS, group.lines.map(tableCells), TABLE_ALIGN, { decorate }));
      for (const line of group.lines) for (const note of line.notes) out.push(paint(ANSI.yellow, `  note: ${line.metric}: ${note}`));
      out.push('');
    }
  }
  const unmatched = unmatchedLines(c);
  if (unmatched.length > 0) out.push(...unmatched, '');
  out.push(...legendLines(c, 120));
  return `${out.join('\n').trimEnd()}\n`;
}
