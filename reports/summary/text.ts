// The summary as plain ASCII for a mailing list or a terminal: every line at most `width` columns
// (78 by default, what mail clients keep unwrapped), sentences wrapped at spaces, long words (a
// cell key, a command-line parameter) broken where reports/render/wrap.ts breaks them.
import { ascii } from '../render/warnings.js';
import { fill } from '../render/wrap.js';
import type { Summary } from './types.js';

export const SUMMARY_TEXT_WIDTH = 78;

/** `text` in lines of at most `width`: `indent` before the first, `hanging` before the others. */
function fit(text: string, width: number, indent: string, hanging = indent): string[] {
  return fill(ascii(text), width, { first: indent, indent: hanging });
}

function rule(title: string): string[] {
  return [title, '-'.repeat(Math.min(title.length, SUMMARY_TEXT_WIDTH))];
}

export function summaryText(summary: Summary, width = SUMMARY_TEXT_WIDTH): string {
  const out: string[] = [];
  out.push(...rule('Summary'));
  for (const b of summary.bundles) out.push(...fit(`[${b.index}] ${b.label} (${b.dir})`, width, '', '    '));
  for (const section of summary.answer) {
    out.push('', ...fit(`${section.title}:`, width, ''));
    for (const s of section.sentences) out.push(...fit(s, width, '  - ', '    '));
  }
  out.push('', ...fit('Environment (rows that differ between bundles first, marked *):', width, ''));
  for (const row of summary.environment) {
    const mark = row.differs ? '* ' : '  ';
    const distinct = new Set(row.values);
    if (!row.differs && distinct.size === 1) {
      out.push(...fit(`${row.name}: ${row.values[0] ?? 'not recorded'}${summary.bundles.length > 1 ? ' (all)' : ''}`, width, mark, '      '));
      continue;
    }
    out.push(...fit(`${row.name}${row.note ? ` (${row.note})` : ''}:`, width, mark, '      '));
    row.values.forEach((v, i) => out.push(...fit(`[${i + 1}] ${v ?? 'not recorded'}`, width, '    ', '        ')));
  }
  if (summary.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of summary.warnings) {
      out.push(...fit(`! ${w.message} (${w.bundles.map((b) => `[${b}]`).join(', ')})`, width, '  ', '    '));
      for (const d of w.details) out.push(...fit(d, width, '      ', '      '));
    }
  }
  return `${out.join('\n')}\n`;
}
