// The flame graph section of the page (flames.ts gives its data): a search box, then per cell each
// bundle's flame graph, the differential flame graph from the base to each candidate and the table
// of the symbols whose share of samples changed most. The SVGs are inlined as svg.ts drew them
// (their names XML-escaped there; the XML entities it writes are HTML's too); everything else from a
// bundle is escaped here. The search itself is flame-script.ts, which reads the frames' data-*
// attributes. No section at all when no bundle has perf-record stacks.
import { escapeHtml } from './escape.js';
import type { FlameBundleName, FlameCell, FlameDiffView, FlameGraphView } from './flames.js';

/** Ids the flame script looks for. */
export const FLAME_SEARCH_ID = 'flame-search';
export const FLAME_STATUS_ID = 'flame-search-status';

function pct(x: number): string {
  return `${x.toFixed(2)}%`;
}

function signedPp(x: number): string {
  return `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(2)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function figure(kind: 'graph' | 'diff', caption: string, svg: string): string {
  return (
    `<figure class="flame" data-kind="${kind}"><figcaption>${escapeHtml(caption)}</figcaption>` +
    `<div class="flame-svg">${svg}</div><p class="flame-match" aria-live="polite"></p></figure>`
  );
}

function graphFigure(g: FlameGraphView, names: readonly FlameBundleName[]): string {
  const b = names[g.bundle]!;
  const role = names.length > 1 ? (g.bundle === 0 ? ' (base)' : ' (candidate)') : '';
  return figure('graph', `${b.label}${role}: ${plural(g.samples, 'sample')} from ${plural(g.passes, 'perf-record pass', 'perf-record passes')}`, g.svg);
}

function shareCell(pctValue: number, samples: number): string {
  if (samples === 0) return '<td class="num missing">not sampled</td>';
  return `<td class="num">${escapeHtml(pct(pctValue))}<br><small>${samples}</small></td>`;
}

function changesTable(d: FlameDiffView, names: readonly FlameBundleName[]): string {
  const [base, cand] = [names[0]!.label, names[d.candidate]!.label];
  if (d.changes.length === 0) return '<p>No symbol changed its share of the samples.</p>';
  const rows = d.changes
    .map((c) => `<tr><td class="symbol">${escapeHtml(c.symbol)}</td>${shareCell(c.basePct, c.baseSamples)}${shareCell(c.candidatePct, c.candidateSamples)}<td class="num">${signedPp(c.deltaPp)}</td></tr>`)
    .join('');
  return (
    `<table class="symbol-changes"><caption>${escapeHtml(`The ${plural(d.changes.length, 'symbol')} whose share of the samples changed most, ${base} → ${cand}`)}</caption>` +
    `<thead><tr><th>symbol</th><th class="num">${escapeHtml(base)} (base)</th><th class="num">${escapeHtml(cand)}</th><th class="num" title="candidate share minus base share">Δ percentage points</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

function diffBlock(d: FlameDiffView, names: readonly FlameBundleName[]): string {
  const [base, cand] = [names[0]!.label, names[d.candidate]!.label];
  const caption = `${base} → ${cand}: differential flame graph (${d.baseSamples} → ${d.candidateSamples} samples, the base scaled to the candidate's total; widths are the candidate's, red frames grew, blue ones shrank)`;
  return figure('diff', caption, d.svg) + changesTable(d, names);
}

function cellBlock(c: FlameCell, names: readonly FlameBundleName[]): string {
  const without =
    names.length > 1 && c.without.length > 0
      ? `<p class="missing">${escapeHtml(`No perf-record stacks for this cell in ${c.without.map((i) => names[i]!.label).join(', ')}${c.without.includes(0) ? ': without the base, no differential flame graph' : ''}.`)}</p>`
      : '';
  return (
    `<div class="flame-cell"><h3>${escapeHtml(c.cell)}</h3>${without}` +
    c.graphs.map((g) => graphFigure(g, names)).join('') +
    c.diffs.map((d) => diffBlock(d, names)).join('') +
    '</div>'
  );
}

/** The section, or '' when no cell has perf-record stacks. */
export function renderFlameSection(cells: readonly FlameCell[], names: readonly FlameBundleName[]): string {
  if (cells.length === 0) return '';
  return (
    '<section id="flame-section"><h2>Flame graphs</h2>' +
    '<p>From the perf-record passes (<code>perf record -a -g</code> over the I/O window, every process on the box): ' +
    "each bundle's flame graph of a cell, its passes summed; the differential flame graph from the base to each candidate; and the symbols " +
    'whose share of the samples (inclusive: samples with the symbol anywhere in their stack) changed most. ' +
    'Search highlights the frames whose name holds the text (any case) and shows the share of the samples under them.</p>' +
    `<div class="flame-search" role="search"><label>search functions <input type="search" id="${FLAME_SEARCH_ID}" autocomplete="off" spellcheck="false" placeholder="e.g. dma_iova_link"></label>` +
    ` <span id="${FLAME_STATUS_ID}" aria-live="polite"></span></div>` +
    cells.map((c) => cellBlock(c, names)).join('') +
    '</section>'
  );
}
