// regressions.html: every regression of every series, newest first, open ones before acknowledged.
import { escapeHtml } from '../html/escape.js';
import { formatPct } from '../render/format.js';
import type { RegressionRecord } from './regressions.js';
import { seriesName } from './series.js';

const link = (href: string, text: string): string => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

export function regressionsPageBody(records: readonly RegressionRecord[]): string {
  if (records.length === 0) return '<p id="no-regressions">No regression found in any series.</p>';
  const ordered = [...records.filter((r) => !r.acknowledged), ...records.filter((r) => r.acknowledged)];
  const rows = ordered.map(
    (r) =>
      `<tr class="${r.acknowledged ? 'acknowledged' : 'regression'}"><td class="wrap">${escapeHtml(seriesName(r))}</td>` +
      `<td class="wrap">${link(r.links.series, r.metric)}<br><small>${escapeHtml(r.cell)}</small></td>` +
      `<td>${escapeHtml(`${r.kind} ${formatPct(r.change.pct)} [${formatPct(r.change.low)}, ${formatPct(r.change.high)}]`)}${r.pctPerRun === undefined ? '' : `<br><small>${escapeHtml(`${formatPct(r.pctPerRun)} per run`)}</small>`}</td>` +
      `<td class="wrap">${link(r.links.lastGoodRun, r.lastGood.runIds.join(', '))}<br><small>${escapeHtml(r.lastGood.kernel)}</small></td>` +
      `<td class="wrap">${link(r.links.firstBadRun, r.firstBad.runIds.join(', '))}<br><small>${escapeHtml(r.firstBad.kernel)}</small></td>` +
      `<td>${link(r.links.compare, 'compare')}</td><td>${r.bisect ? `<code class="bisect">${escapeHtml(r.bisect)}</code>` : ''}</td>` +
      `<td class="wrap">${r.acknowledged ? escapeHtml(`acknowledged: ${r.acknowledged}`) : 'open'}</td></tr>`,
  );
  return (
    '<p>Also as <a href="regressions.json">regressions.json</a> and an Atom feed, <a href="regressions.xml">regressions.xml</a>. Acknowledge one in <code>acknowledgements.yaml</code> at the top of the results directory.</p>' +
    `<table class="regressions" id="regressions"><thead><tr><th>series</th><th>metric</th><th>change</th><th>last good</th><th>first bad</th><th></th><th>bisect</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
