// The comparison table of the HTML report (issue 13 item 3): every row compare made, one per
// (row, candidate), with its filters. Rendered as static markup so the numbers read without
// script; the page's table script (table-script.ts) filters, sorts and expands what is here.
// Each entry is a <tbody> of its own (its row and its hidden repetitions row), so sorting moves
// the two together and filtering hides them together.
import type { CandidateResult, Comparison, ComparisonRow } from '../compare/types.js';
import { rowKey } from '../compare/compare.js';
import { chooseScale, formatCi, formatCov, formatLevel, formatNumber, formatP, formatPct, type Scale } from '../render/format.js';
import { escapeHtml } from './escape.js';
import type { RowRepetitions } from './repetitions.js';

/** Verdicts that colour a row; every other verdict leaves it plain. */
const COLOURED_VERDICTS = new Set(['regression', 'improvement']);

interface Column {
  title: string;
  /** How the table script orders by this column; absent: not sortable. */
  sort?: 'text' | 'number';
  numeric?: boolean;
  /** Extra class of its cells (wrapping). */
  cls?: string;
  /** What the header's tooltip says. */
  help?: string;
}

interface CellOut {
  html: string;
  /** The number sorted by (absent values sort last); text columns sort by their text. */
  sortValue?: number | null;
}

function attr(name: string, value: string): string {
  return ` ${name}="${escapeHtml(value)}"`;
}

function text(value: string): CellOut {
  return { html: escapeHtml(value) };
}

/** A number, with lines of small print under it (each kept on one line). */
function num(value: string, sortValue: number | null, sub: (string | undefined)[] = []): CellOut {
  const lines = sub.filter((l): l is string => l !== undefined).map((l) => `<br><small>${escapeHtml(l)}</small>`);
  return { html: escapeHtml(value) + lines.join(''), sortValue };
}

function range(min: number | null, max: number | null, scale: Scale): string | undefined {
  if (min === null || max === null) return undefined;
  return `range ${formatNumber(min, scale)}–${formatNumber(max, scale)}`;
}

function nText(n: number, missing: number): string {
  return missing > 0 ? `${n}+${missing}?` : String(n);
}

function columns(multipleCandidates: boolean): Column[] {
  return [
    { title: '' },
    ...(multipleCandidates ? [{ title: 'candidate', sort: 'text' as const }] : []),
    { title: 'workload', sort: 'text' },
    { title: 'cell', sort: 'text', cls: 'cell' },
    { title: 'metric', sort: 'text', cls: 'metric' },
    { title: 'role', sort: 'text', help: 'primary: verdicts and q; informational: changed or not; descriptive: shown only' },
    { title: 'unit', sort: 'text' },
    { title: 'n', sort: 'number', numeric: true, cls: 'nowrap', help: 'values used, base v candidate (+k? = k samples without a value)' },
    { title: 'base', sort: 'number', numeric: true, help: 'median, with the range of the repetitions and their CoV' },
    { title: 'candidate', sort: 'number', numeric: true, help: 'median, with the range of the repetitions and their CoV' },
    { title: 'change', sort: 'number', numeric: true, help: 'Hodges-Lehmann ratio of candidate to base, in percent; * = q below alpha' },
    { title: 'interval', sort: 'number', numeric: true, help: 'the interval of the change, at the level shown' },
    { title: 'q', sort: 'number', numeric: true, help: 'Benjamini-Hochberg q within the primary rows' },
    { title: 'verdict', sort: 'text' },
  ];
}

function entryCells(c: Comparison, row: ComparisonRow, cand: CandidateResult, multipleCandidates: boolean): CellOut[] {
  const scale = chooseScale(row.unit, row.base.median);
  const candScale = cand.unit === row.unit ? scale : { unit: cand.unit, factor: 1 };
  const candidateLabel = c.bundles[cand.bundle]?.label ?? `#${cand.bundle}`;
  const star = cand.significant ? '*' : '';
  return [
    { html: '' },
    ...(multipleCandidates ? [text(candidateLabel)] : []),
    text(row.workload),
    // A break allowed after each parameter (escaped first: <wbr> is ours).
    { html: escapeHtml(cellName(row)).replace(/,/g, ',<wbr>') },
    text(row.metric),
    text(row.role),
    text(scale.unit),
    num(`${nText(row.base.n, row.base.missing)} v ${nText(cand.stats.n, cand.stats.missing)}`, Math.min(row.base.n, cand.stats.n)),
    num(formatNumber(row.base.median, scale), row.base.median, [range(row.base.min, row.base.max, scale), `CoV ${formatCov(row.base.covPct)}`]),
    num(
      formatNumber(cand.stats.median, candScale) + (cand.unit === row.unit ? '' : ` ${cand.unit}`),
      cand.stats.median,
      [range(cand.stats.min, cand.stats.max, candScale), `CoV ${formatCov(cand.stats.covPct)}`],
    ),
    num(`${formatPct(cand.changePct)}${star}`, cand.changePct),
    num(formatCi(cand.ci), cand.ci?.lowPct ?? null, [cand.ci ? formatLevel(cand.ci.level) : undefined]),
    num(formatP(cand.q), cand.q),
    text(cand.verdict),
  ];
}

/** Cell keys start with `workload:` (core/campaign/matrix.ts); the workload has a column of its own. */
function cellName(row: ComparisonRow): string {
  return row.cell.startsWith(`${row.workload}:`) ? row.cell.slice(row.workload.length + 1) : row.cell;
}

function repetitionsTable(c: Comparison, row: ComparisonRow, cand: CandidateResult, reps: RowRepetitions | undefined): string {
  const scale = chooseScale(row.unit, row.base.median);
  const sides = [0, cand.bundle];
  const bySide = sides.map((side) => new Map((reps?.get(side) ?? []).map((r) => [r.rep, r])));
  const repNumbers = [...new Set(bySide.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  // A side whose repetitions all ran in one boot says so once, on its header: repeated on every
  // value, the boot id was a fifth of the page for a campaign of 146 cells (scripts/bench/report-speed.ts).
  const oneBoot = bySide.map((m) => {
    const boots = new Set([...m.values()].map((r) => r.bootId));
    return boots.size === 1 ? [...boots][0] : undefined;
  });
  const head = `<tr><th>repetition</th>${sides
    .map((side, i) => `<th${oneBoot[i] === undefined ? '' : attr('title', `boot ${oneBoot[i]}`)}>${escapeHtml(c.bundles[side]?.label ?? `#${side}`)}${side === 0 ? ' (base)' : ''}</th>`)
    .join('')}</tr>`;
  const body = repNumbers
    .map((rep) => {
      const cells = bySide.map((m, i) => {
        const r = m.get(rep);
        if (!r) return '<td class="num missing">not run</td>';
        if (r.value === null) return '<td class="num missing">absent</td>';
        const shown = r.foreignUnit === undefined ? formatNumber(r.value, scale) : `${formatNumber(r.value)} ${r.foreignUnit}`;
        return `<td class="num"${r.bootId === undefined || oneBoot[i] !== undefined ? '' : attr('title', `boot ${r.bootId}`)}>${escapeHtml(shown)}</td>`;
      });
      return `<tr><td class="num">${rep}</td>${cells.join('')}</tr>`;
    })
    .join('');
  const notes = row.notes.length > 0 ? `<ul class="notes">${row.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const reason = `<p class="reason">${escapeHtml(cand.verdict)}: ${escapeHtml(cand.reason)}</p>`;
  const empty = repNumbers.length === 0 ? '<p>no repetition of this metric in the bundles</p>' : '';
  return `${reason}${notes}${empty}<table class="reps-table"><caption>${escapeHtml(`${row.metric} per repetition, in ${scale.unit}`)}</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function workloadFilter(c: Comparison): string {
  const workloads = [...new Set(c.rows.map((r) => r.workload))].sort();
  const options = workloads.map((w) => `<option${attr('value', w)}>${escapeHtml(w)}</option>`).join('');
  return `<label>workload <select id="filter-workload"><option value="">all</option>${options}</select></label>`;
}

/** The filters, the table and a line counting the rows shown. */
export function renderComparisonTable(c: Comparison, repetitions: ReadonlyMap<string, RowRepetitions>): string {
  const multipleCandidates = c.bundles.length > 2;
  const cols = columns(multipleCandidates);
  const head = cols
    .map((col, i) => {
      const title = col.help === undefined ? '' : attr('title', col.help);
      const cls = col.numeric ? ' class="num"' : '';
      if (!col.sort) return `<th${cls}${title}><span class="visually-hidden">repetitions</span></th>`;
      return `<th${cls}${title} aria-sort="none"><button type="button" class="sort"${attr('data-column', String(i))}${attr('data-sort', col.sort)}>${escapeHtml(col.title)}</button></th>`;
    })
    .join('');
  const bodies: string[] = [];
  let index = 0;
  for (const row of c.rows) {
    for (const cand of row.candidates) {
      if (!cand) continue;
      const id = `reps-${index}`;
      const cells = entryCells(c, row, cand, multipleCandidates);
      const coloured = COLOURED_VERDICTS.has(cand.verdict) ? ` verdict-${cand.verdict}` : '';
      const tds = cells
        .map((cell, i) => {
          const col = cols[i]!;
          if (i === 0) return `<td><button type="button" class="expand" aria-expanded="false"${attr('aria-controls', id)} title="repetitions">▸</button></td>`;
          const sortValue = cell.sortValue === undefined ? '' : attr('data-value', cell.sortValue === null || !Number.isFinite(cell.sortValue) ? '' : String(cell.sortValue));
          const classes = [col.numeric ? 'num' : '', col.cls ?? ''].filter((c) => c !== '').join(' ');
          return `<td${classes === '' ? '' : attr('class', classes)}${sortValue}>${cell.html}</td>`;
        })
        .join('');
      bodies.push(
        `<tbody class="entry"${attr('data-index', String(index))}${attr('data-workload', row.workload)}${attr('data-role', row.role)}${attr('data-verdict', cand.verdict)}${attr('data-significant', cand.significant ? '1' : '0')}>` +
          `<tr class="row role-${row.role}${coloured}">${tds}</tr>` +
          `<tr class="reps"${attr('id', id)} hidden><td${attr('colspan', String(cols.length))}>${repetitionsTable(c, row, cand, repetitions.get(rowKey(row)))}</td></tr>` +
          '</tbody>',
      );
      index++;
    }
  }
  const filters =
    '<div class="filters" role="group" aria-label="filters">' +
    '<label><input type="checkbox" id="filter-significant"> significant only (q below alpha)</label>' +
    '<label><input type="checkbox" id="filter-regressions"> regressions only</label>' +
    '<label><input type="checkbox" id="filter-primary"> primary only</label>' +
    workloadFilter(c) +
    `<span id="row-count" aria-live="polite">${index} of ${index} rows</span>` +
    '</div>';
  const empty = index === 0 ? '<p>The bundles have no metric in common.</p>' : '';
  return `${filters}${empty}<table id="comparison"${attr('data-rows', String(index))}><thead><tr>${head}</tr></thead>${bodies.join('')}</table>`;
}
