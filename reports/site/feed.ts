// regressions.json and the Atom feed (RFC 4287) of the regressions. Deterministic: no clock; the
// feed's `updated` is the newest date among its entries (the first bad runs' start), else the
// newest run's. XML text goes through the report's escaping (& < > " ' are all XML's own escapes).
import { escapeHtml } from '../html/escape.js';
import { formatPct } from '../render/format.js';
import type { RegressionRecord } from './regressions.js';

export const REGRESSIONS_SCHEMA = 1;

export function regressionsJson(records: readonly RegressionRecord[]): string {
  return JSON.stringify({ schema: REGRESSIONS_SCHEMA, regressions: records }, null, 2) + '\n';
}

/** An ISO date as Atom wants it (RFC 3339); the run's own text when it does not parse. */
function rfc3339(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}

export function atomFeed(records: readonly RegressionRecord[], title: string, newestRun: string | undefined): string {
  const dates = records.map((r) => rfc3339(r.firstBad.runDate)).sort();
  const updated = dates.at(-1) ?? (newestRun ? rfc3339(newestRun) : '1970-01-01T00:00:00.000Z');
  const entries = records.map((r) => {
    const summary = `${r.kind} ${formatPct(r.change.pct)} [${formatPct(r.change.low)}, ${formatPct(r.change.high)}] of ${r.metric} (${r.better} is better) in ${r.cell} on ${r.host}, ${r.campaign}, ${r.setting}: last good ${r.lastGood.runIds.join(', ')} (${r.lastGood.kernel}), first bad ${r.firstBad.runIds.join(', ')} (${r.firstBad.kernel})${r.bisect ? `; ${r.bisect}` : ''}${r.acknowledged ? `; acknowledged: ${r.acknowledged}` : ''}`;
    return (
      `<entry><id>urn:dmabench:regression:${r.id}</id><title>${escapeHtml(`${r.metric} ${formatPct(r.change.pct)} on ${r.host} (${r.campaign}, ${r.setting})`)}</title>` +
      `<updated>${escapeHtml(rfc3339(r.firstBad.runDate))}</updated><link href="${escapeHtml(r.links.series)}"/>` +
      `<summary>${escapeHtml(summary)}</summary></entry>`
    );
  });
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">' +
    `<id>urn:dmabench:regressions</id><title>${escapeHtml(`${title}: regressions`)}</title><updated>${escapeHtml(updated)}</updated>` +
    '<author><name>dmabench publish</name></author><link rel="alternate" href="regressions.html"/>\n' +
    entries.join('\n') +
    '\n</feed>\n'
  );
}
