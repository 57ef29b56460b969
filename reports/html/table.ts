// The comparison table of the HTML report (issue 13 item 3): every row compare made, one per
// (row, candidate), with its filters. Written here: the filters, the table's header and an empty
// body, and the rows as compact JSON in a data block (table-data.ts); the page's table script
// (table-script.ts) builds the rows from that JSON in the browser, filters, sorts and expands
// them. As static markup, a 146-cell campaign's 3 700 rows with their hidden repetitions were
// 7 MiB of the page and most of its parsing time (scripts/bench/report-speed.ts).
import type { Comparison } from '../compare/types.js';
import { dataBlock } from './data.js';
import { escapeHtml } from './escape.js';
import type { RowRepetitions } from './repetitions.js';
import { TABLE_DATA_ID, tableColumnNames, tableData } from './table-data.js';

interface Column {
  title: string;
  /** How the table script orders by this column; absent: not sortable. */
  sort?: 'text' | 'number';
  numeric?: boolean;
  /** What the header's tooltip says. */
  help?: string;
}

/** The header of each column table-data.ts names. */
const COLUMNS: Readonly<Record<string, Column>> = {
  expand: { title: '' },
  candidate: { title: 'candidate', sort: 'text' },
  workload: { title: 'workload', sort: 'text' },
  cell: { title: 'cell', sort: 'text' },
  metric: { title: 'metric', sort: 'text' },
  role: { title: 'role', sort: 'text', help: 'primary: verdicts and q; informational: changed or not; descriptive: shown only' },
  unit: { title: 'unit', sort: 'text' },
  n: { title: 'n', sort: 'number', numeric: true, help: 'values used, base v candidate (+k? = k samples without a value)' },
  base: { title: 'base', sort: 'number', numeric: true, help: 'median, with the range of the repetitions and their CoV' },
  cand: { title: 'candidate', sort: 'number', numeric: true, help: 'median, with the range of the repetitions and their CoV' },
  change: { title: 'change', sort: 'number', numeric: true, help: 'Hodges-Lehmann ratio of candidate to base, in percent; * = q below alpha' },
  ci: { title: 'interval', sort: 'number', numeric: true, help: 'the interval of the change, at the level shown' },
  q: { title: 'q', sort: 'number', numeric: true, help: 'Benjamini-Hochberg q within the primary rows' },
  verdict: { title: 'verdict', sort: 'text' },
};

function attr(name: string, value: string): string {
  return ` ${name}="${escapeHtml(value)}"`;
}

function workloadFilter(c: Comparison): string {
  const workloads = [...new Set(c.rows.map((r) => r.workload))].sort();
  const options = workloads.map((w) => `<option${attr('value', w)}>${escapeHtml(w)}</option>`).join('');
  return `<label>workload <select id="filter-workload"><option value="">all</option>${options}</select></label>`;
}

function header(names: readonly string[]): string {
  return names
    .map((name, i) => {
      const col = COLUMNS[name]!;
      const title = col.help === undefined ? '' : attr('title', col.help);
      const cls = col.numeric ? ' class="num"' : '';
      if (!col.sort) return `<th${cls}${title}><span class="visually-hidden">repetitions</span></th>`;
      return `<th${cls}${title} aria-sort="none"><button type="button" class="sort"${attr('data-column', String(i))}${attr('data-sort', col.sort)}>${escapeHtml(col.title)}</button></th>`;
    })
    .join('');
}

/** The filters, the table (its header; the rows travel as JSON beside it) and a line counting the rows shown. */
export function renderComparisonTable(c: Comparison, repetitions: ReadonlyMap<string, RowRepetitions>): string {
  const data = tableData(c, repetitions);
  const rows = data.entries.side.length;
  const filters =
    '<div class="filters" role="group" aria-label="filters">' +
    '<label><input type="checkbox" id="filter-significant"> significant only (q below alpha)</label>' +
    '<label><input type="checkbox" id="filter-regressions"> regressions only</label>' +
    '<label><input type="checkbox" id="filter-primary"> primary only</label>' +
    workloadFilter(c) +
    `<span id="row-count" aria-live="polite">${rows} of ${rows} rows</span>` +
    '</div>';
  const empty = rows === 0 ? '<p>The bundles have no metric in common.</p>' : '';
  const noScript = rows === 0 ? '' : "<noscript><p>The table's rows are built by the page's script, which is off: `dmabench compare` prints the same table as text.</p></noscript>";
  return (
    `${filters}${empty}${noScript}<table id="comparison"${attr('data-rows', String(rows))}><thead><tr>${header(tableColumnNames(c.bundles.length > 2))}</tr></thead></table>` +
    dataBlock(TABLE_DATA_ID, data)
  );
}
