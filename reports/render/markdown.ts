// GitHub-flavoured Markdown: bundle table, legend, then per candidate one table per workload/cell.
import type { Comparison } from '../compare/types.js';
import { WARNINGS_TITLE, warningEntries } from './warnings.js';
import { BUNDLE_SUMMARY_HEADERS, bundleSummary, groupFootnotes, groupTitle, legend, presentInText, sections } from './view.js';

/** Make text safe inside a table cell: pipes would end the cell, newlines the row. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeInline(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function table(headers: string[], rows: string[][], rightAligned: boolean[]): string[] {
  return [
    `| ${headers.map(escapeCell).join(' | ')} |`,
    `|${rightAligned.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ];
}

export function renderMarkdown(c: Comparison): string {
  const out: string[] = ['# dmabench comparison', ''];
  out.push(
    ...table(
      ['', ...BUNDLE_SUMMARY_HEADERS.map((h) => (h === 'iommu' ? 'IOMMU' : h))],
      c.bundles.map((b, i) => [i === 0 ? 'base' : 'candidate', ...bundleSummary(b)]),
      [false, false, false, false, false, false, true],
    ),
    '',
  );
  const warnings = warningEntries(c);
  if (warnings.length > 0) {
    out.push(`> **${WARNINGS_TITLE}**`, '>');
    for (const w of warnings) out.push(`> - ${escapeInline(w.message)}`, ...w.details.map((d) => `>   \`${d.replace(/`/g, "'")}\``));
    out.push('');
  }
  for (const { term, text } of legend(c)) out.push(`- **${escapeInline(term)}**: ${escapeInline(text)}`);
  out.push('');

  for (const section of sections(c)) {
    out.push(`## ${escapeInline(section.baseLabel)} (base) vs ${escapeInline(section.candidateLabel)}`, '');
    if (section.groups.length === 0) out.push('No metric in common.', '');
    for (const group of section.groups) {
      out.push(`### ${escapeInline(groupTitle(group))}`, '');
      const rows = group.lines.map((l) => [
        `\`${l.metric}\``,
        l.role,
        l.unit,
        `${l.baseMedian} (n=${l.baseN}, CoV ${l.baseCov})`,
        `${l.candMedian}${l.candUnit ? ` ${l.candUnit}` : ''} (n=${l.candN}, CoV ${l.candCov})`,
        l.marked ? `**${l.change.trim()}**` : l.change.trim(),
        l.level === '-' ? l.ci : `${l.ci} (${l.level})`,
        l.p,
        l.q,
        l.marked ? `**${l.verdict}**` : l.verdict,
      ]);
      out.push(
        ...table(
          ['metric', 'role', 'unit', 'base median', 'candidate median', 'change', 'interval (level)', 'p', 'q', 'verdict'],
          rows,
          [false, false, false, true, true, true, false, true, true, false],
        ),
      );
      const notes = groupFootnotes(group, null);
      if (notes.length > 0) out.push('', ...notes.map((n) => `- ${escapeInline(n)}`));
      out.push('');
    }
  }
  if (c.unmatched.length > 0) {
    out.push('## Present in some bundles only', '');
    for (const u of c.unmatched) out.push(`- ${escapeInline(groupTitle(u))} \`${u.metric}\`: only in ${escapeInline(presentInText(c, u.presentIn))}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
