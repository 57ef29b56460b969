// The summary as an HTML fragment for the report page: the answer as paragraphs, the environment
// as a table whose differing rows come first with class "differs", the warnings as a list. Every
// string from the summary is escaped (escape.ts); the markup is ours alone. No styles or scripts:
// the page that embeds it styles `.dmabench-summary`.
import { escapeHtml as e } from './escape.js';
import type { Summary } from './types.js';

export function summaryHtml(summary: Summary): string {
  const out: string[] = ['<section class="dmabench-summary">', '<h2>Summary</h2>', '<ol class="bundles">'];
  for (const b of summary.bundles) out.push(`<li value="${b.index}"><span class="label">${e(b.label)}</span> <span class="dir">${e(b.dir)}</span></li>`);
  out.push('</ol>');
  for (const s of summary.answer) {
    out.push(`<div class="answer ${e(s.topic)}">`, `<h3>${e(s.title)}</h3>`, '<ul>', ...s.sentences.map((x) => `<li>${e(x)}</li>`), '</ul>', '</div>');
  }
  out.push('<h3>Environment</h3>', '<table class="environment">', '<thead><tr><th></th>');
  for (const b of summary.bundles) out.push(`<th>[${b.index}] ${e(b.label)}</th>`);
  out.push('</tr></thead>', '<tbody>');
  for (const row of summary.environment) {
    const title = row.note ? ` title="${e(row.note)}"` : '';
    out.push(`<tr class="${row.differs ? 'differs' : 'same'}"><th${title}>${row.differs ? '&#8800; ' : ''}${e(row.name)}</th>`);
    for (const v of row.values) out.push(v === null ? '<td class="absent">not recorded</td>' : `<td>${e(v)}</td>`);
    out.push('</tr>');
  }
  out.push('</tbody>', '</table>');
  if (summary.warnings.length > 0) {
    out.push('<h3>Warnings</h3>', '<ul class="warnings">');
    for (const w of summary.warnings) {
      const details = w.details.length > 0 ? `<ul>${w.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : '';
      out.push(`<li class="${e(w.kind)}">${e(w.message)} <span class="bundles">${w.bundles.map((b) => `[${b}]`).join(', ')}</span>${details}</li>`);
    }
    out.push('</ul>');
  }
  out.push('</section>');
  return `${out.join('\n')}\n`;
}
