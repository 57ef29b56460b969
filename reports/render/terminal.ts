// Aligned table for a terminal: the text report's content with the wider columns a terminal has
// room for (n and CoV per side, the interval in full with its level), and ANSI colours only when
// asked (the CLI decides from --color / isTTY / NO_COLOR, not this module).
import type { Comparison, Verdict } from '../compare/types.js';
import { layoutTable, type Align } from './table.js';
import { headerBlock, legendLines, unmatchedLines } from './text.js';
import { groupFootnotes, groupTitle, sections, type LineView } from './view.js';
import { warningLines } from './warnings.js';

export interface TerminalOptions {
  colour?: boolean;
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', cyan: '\u001b[36m' };

const VERDICT_COLOUR: Record<Verdict, string> = {
  improvement: ANSI.green,
  regression: ANSI.red,
  'n too small': ANSI.yellow,
  inconclusive: ANSI.yellow,
  incomparable: ANSI.yellow,
  changed: ANSI.cyan,
  'no difference': ANSI.dim,
  'not tested': ANSI.dim,
};

export const TERMINAL_HEADERS = ['metric', 'role', 'unit', 'n', 'base', 'cov', 'cand', 'cov', 'change', 'interval', 'level', 'p', 'q', 'verdict'];
const TERMINAL_ALIGN: Align[] = ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'left'];

function terminalCells(l: LineView): string[] {
  return [l.metric, l.role, l.unit, l.n, l.baseMedian, l.baseCov, l.candUnit ? `${l.candMedian} ${l.candUnit}` : l.candMedian, l.candCov, l.change, l.ci, l.level, l.p, l.q, l.verdict];
}

export function renderTerminal(c: Comparison, options: TerminalOptions = {}): string {
  const colour = options.colour ?? false;
  const paint = (code: string, text: string): string => (colour ? `${code}${text}${ANSI.reset}` : text);
  const verdictColumn = TERMINAL_HEADERS.length - 1;
  const changeColumn = TERMINAL_HEADERS.indexOf('change');

  const out: string[] = [...headerBlock(c), ''];
  const warnings = warningLines(c);
  if (warnings.length > 0) out.push(...warnings.map((l) => paint(ANSI.yellow, l)), '');
  for (const section of sections(c)) {
    out.push(paint(ANSI.bold, `${section.baseLabel} (base) vs ${section.candidateLabel}`), '');
    if (section.groups.length === 0) out.push('  (no metric in common)', '');
    for (const group of section.groups) {
      out.push(paint(ANSI.bold, groupTitle(group)));
      const decorate = (row: number, column: number, padded: string): string => {
        const line = group.lines[row]!;
        if (column === verdictColumn || (column === changeColumn && line.marked)) return paint(VERDICT_COLOUR[line.verdict], padded);
        return padded;
      };
      out.push(...layoutTable(TERMINAL_HEADERS, group.lines.map(terminalCells), TERMINAL_ALIGN, { decorate }));
      for (const note of groupFootnotes(group, null)) out.push(paint(ANSI.yellow, `  ${note}`));
      out.push('');
    }
  }
  const unmatched = unmatchedLines(c);
  if (unmatched.length > 0) out.push(...unmatched, '');
  out.push(...legendLines(c, 120));
  return `${out.join('\n').trimEnd()}\n`;
}
