// The page's script for the comparison table (table.ts): builds the rows from the table's JSON
// (table-data.ts), then filters, sorts, and expands a row to its repetitions. Plain ES2017 for the
// browser, inlined and allowed by its hash in the page's Content-Security-Policy. Every string
// from the JSON reaches the DOM as text (textContent, createTextNode) or as an attribute's value
// (setAttribute, dataset): no markup is ever built from data.
//
// Rows are built a chunk at a time so the page answers while a long table is still being built:
// the first chunk before the table is announced ready (TABLE_READY_MARK), the rest in later
// tasks; a filter or a sort asked for before the last chunk builds the rest first. A row's
// repetitions are built when it is first opened.
import { INTERVAL_PLACEHOLDER, TABLE_DATA_ID } from './table-data.js';

/** The placeholder as a JavaScript string escape, for the script's source. */
const INTERVAL_PLACEHOLDER_JS = `\\u${INTERVAL_PLACEHOLDER.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A User Timing mark set once the table's first rows, filters and handlers are in place (scripts/bench/report-speed.ts). */
export const TABLE_READY_MARK = 'dmabench-table-ready';
/** A User Timing mark set once every row of the table is built. */
export const TABLE_BUILT_MARK = 'dmabench-table-built';

/** Rows built per task. */
export const TABLE_CHUNK_ROWS = 100;

export const TABLE_SCRIPT = `(function () {
  'use strict';
  var table = document.getElementById('comparison');
  var dataElement = document.getElementById('${TABLE_DATA_ID}');
  if (!table || !dataElement) return;
  var data = JSON.parse(dataElement.textContent);
  var S = data.strings;
  var E = data.entries;
  var total = E.side.length;
  var multipleCandidates = data.labels.length > 2;
  var count = document.getElementById('row-count');
  var controls = {
    significant: document.getElementById('filter-significant'),
    regressions: document.getElementById('filter-regressions'),
    primary: document.getElementById('filter-primary'),
    workload: document.getElementById('filter-workload')
  };
  var COLOURED = { regression: true, improvement: true };
  // Per entry index, its <tbody> once built; entries: the bodies in table order.
  var bodies = new Array(total);
  var entries = [];
  var built = 0;
  var timer = null;

  function el(name, cls, text) {
    var e = document.createElement(name);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function td(cls, text, key) {
    var cell = el('td', cls, text);
    if (key !== undefined) cell.setAttribute('data-value', key === null ? '' : String(key));
    return cell;
  }

  /** A number as table-data.ts sent it: the number itself (printed as formatNumber printed it) or its text. */
  function shown(value) {
    return typeof value === 'number' ? String(value) : value;
  }

  function range(r) {
    return r === null ? null : 'range ' + shown(r[0]) + '\u2013' + shown(r[1]);
  }

  /** A number with lines of small print under it. */
  function numberCell(text, key, small) {
    var cell = td('num', shown(text), key);
    small.forEach(function (line) {
      if (line === null || line === undefined) return;
      cell.appendChild(el('br'));
      cell.appendChild(el('small', null, line));
    });
    return cell;
  }

  /** The cell's name with a break allowed after each parameter. */
  function cellNameCell(name) {
    var cell = el('td', 'cell');
    name.split(',').forEach(function (part, i, parts) {
      cell.appendChild(document.createTextNode(i < parts.length - 1 ? part + ',' : part));
      if (i < parts.length - 1) cell.appendChild(el('wbr'));
    });
    return cell;
  }

  function buildEntry(i) {
    var role = S[E.role[i]];
    var verdict = S[E.verdict[i]];
    var body = el('tbody', 'entry');
    body.dataset.index = String(i);
    body.dataset.workload = S[E.workload[i]];
    body.dataset.role = role;
    body.dataset.verdict = verdict;
    body.dataset.significant = String(E.significant[i]);
    var tr = el('tr', 'row role-' + role + (COLOURED.hasOwnProperty(verdict) ? ' verdict-' + verdict : ''));
    var expand = el('button', 'expand', '\\u25B8');
    expand.type = 'button';
    expand.title = 'repetitions';
    expand.setAttribute('aria-expanded', 'false');
    var first = el('td');
    first.appendChild(expand);
    tr.appendChild(first);
    if (multipleCandidates) tr.appendChild(td(null, data.labels[E.side[i]]));
    tr.appendChild(td(null, S[E.workload[i]]));
    tr.appendChild(cellNameCell(S[E.cell[i]]));
    tr.appendChild(td('metric', S[E.metric[i]]));
    tr.appendChild(td(null, role));
    tr.appendChild(td(null, S[E.unit[i]]));
    var n = td('num nowrap', S[E.n[i]], E.nKey[i]);
    tr.appendChild(n);
    tr.appendChild(numberCell(E.base[i], E.baseKey[i], [range(E.baseRange[i]), S[E.baseCov[i]]]));
    tr.appendChild(numberCell(E.cand[i], E.candKey[i], [range(E.candRange[i]), S[E.candCov[i]]]));
    tr.appendChild(numberCell(E.change[i], E.changeKey[i], []));
    tr.appendChild(numberCell(E.ci[i], E.ciKey[i], [E.ciLevel[i] === null ? null : S[E.ciLevel[i]]]));
    tr.appendChild(numberCell(E.q[i], E.qKey[i], []));
    tr.appendChild(td(null, verdict));
    body.appendChild(tr);
    return body;
  }

  function buildSome(limit) {
    var fragment = document.createDocumentFragment();
    for (; built < limit; built++) {
      var body = buildEntry(built);
      bodies[built] = body;
      entries.push(body);
      fragment.appendChild(body);
    }
    table.appendChild(fragment);
    if (built === total) performance.mark('${TABLE_BUILT_MARK}');
  }

  function buildNextChunk() {
    timer = null;
    buildSome(Math.min(total, built + ${TABLE_CHUNK_ROWS}));
    if (built < total) timer = setTimeout(buildNextChunk, 0);
  }

  /** Every row, now: what filtering and sorting work on. */
  function buildAll() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (built < total) buildSome(total);
  }

  function repsSideHeader(side, reps, base) {
    var th = el('th', null, data.labels[side] + (base ? ' (base)' : ''));
    if (typeof reps.boot === 'number') th.title = 'boot ' + S[reps.boot];
    return th;
  }

  /** The repetitions row of entry i: its verdict's reason, notes and the values per repetition. */
  function buildReps(i, id) {
    var repNumbers = data.repNumbers[E.repNumbers[i]];
    var sides = [{ values: E.repsBase[i], boot: E.bootBase[i] }, { values: E.repsCand[i], boot: E.bootCand[i] }];
    var tr = el('tr', 'reps');
    tr.id = id;
    var cell = el('td');
    cell.colSpan = table.tHead.rows[0].cells.length;
    var verdict = S[E.verdict[i]];
    cell.appendChild(el('p', 'reason', verdict + ': ' + S[E.reason[i]].split('${INTERVAL_PLACEHOLDER_JS}').join(E.ci[i])));
    if (E.notes[i].length > 0) {
      var notes = el('ul', 'notes');
      E.notes[i].forEach(function (n) { notes.appendChild(el('li', null, S[n])); });
      cell.appendChild(notes);
    }
    if (repNumbers.length === 0) cell.appendChild(el('p', null, 'no repetition of this metric in the bundles'));
    var values = el('table', 'reps-table');
    values.appendChild(el('caption', null, S[E.metric[i]] + ' per repetition, in ' + S[E.unit[i]]));
    var head = el('thead');
    var headRow = el('tr');
    headRow.appendChild(el('th', null, 'repetition'));
    headRow.appendChild(repsSideHeader(0, sides[0], true));
    headRow.appendChild(repsSideHeader(E.side[i], sides[1], false));
    head.appendChild(headRow);
    values.appendChild(head);
    var body = el('tbody');
    repNumbers.forEach(function (rep, k) {
      var row = el('tr');
      row.appendChild(el('td', 'num', String(rep)));
      sides.forEach(function (side) {
        var text = shown(side.values[k]);
        var value = el('td', text === 'not run' || text === 'absent' ? 'num missing' : 'num', text);
        if (Array.isArray(side.boot) && side.boot[k] !== null) value.title = 'boot ' + S[side.boot[k]];
        row.appendChild(value);
      });
      body.appendChild(row);
    });
    values.appendChild(body);
    cell.appendChild(values);
    tr.appendChild(cell);
    return tr;
  }

  function applyFilters() {
    buildAll();
    var shown = 0;
    entries.forEach(function (tbody) {
      var d = tbody.dataset;
      var visible =
        (!controls.significant.checked || d.significant === '1') &&
        (!controls.regressions.checked || d.verdict === 'regression') &&
        (!controls.primary.checked || d.role === 'primary') &&
        (controls.workload.value === '' || d.workload === controls.workload.value);
      tbody.hidden = !visible;
      if (visible) shown++;
    });
    count.textContent = shown + ' of ' + total + ' rows';
  }
  ['significant', 'regressions', 'primary', 'workload'].forEach(function (name) {
    controls[name].addEventListener('change', applyFilters);
  });

  /** What column \`name\` sorts entry i by: a number (null: absent) or the text shown. */
  var KEYS = {
    candidate: function (i) { return data.labels[E.side[i]]; },
    workload: function (i) { return S[E.workload[i]]; },
    cell: function (i) { return S[E.cell[i]]; },
    metric: function (i) { return S[E.metric[i]]; },
    role: function (i) { return S[E.role[i]]; },
    unit: function (i) { return S[E.unit[i]]; },
    n: function (i) { return E.nKey[i]; },
    base: function (i) { return E.baseKey[i]; },
    cand: function (i) { return E.candKey[i]; },
    change: function (i) { return E.changeKey[i]; },
    ci: function (i) { return E.ciKey[i]; },
    q: function (i) { return E.qKey[i]; },
    verdict: function (i) { return S[E.verdict[i]]; }
  };

  function sortBy(button) {
    buildAll();
    var column = data.columns[Number(button.getAttribute('data-column'))];
    var key = KEYS[column];
    if (!key) return;
    var kind = button.getAttribute('data-sort');
    var th = button.parentNode;
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none');
    });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var keyed = entries.map(function (tbody) {
      var index = Number(tbody.dataset.index);
      var k = key(index);
      return { tbody: tbody, key: k === undefined ? null : k, index: index };
    });
    keyed.sort(function (a, b) {
      // Absent values last whichever the direction; ties keep compare's order.
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.index - b.index;
        return a.key === null ? 1 : -1;
      }
      var order = kind === 'number' ? a.key - b.key : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      if (order === 0) return a.index - b.index;
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.tbody); });
    table.appendChild(fragment);
    entries = keyed.map(function (k) { return k.tbody; });
  }

  function toggle(button) {
    var tbody = button.closest('tbody.entry');
    var id = 'reps-' + tbody.dataset.index;
    var reps = document.getElementById(id);
    if (!reps) {
      reps = buildReps(Number(tbody.dataset.index), id);
      reps.hidden = true;
      tbody.appendChild(reps);
      button.setAttribute('aria-controls', id);
    }
    var open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.textContent = open ? '\\u25BE' : '\\u25B8';
    reps.hidden = !open;
  }

  table.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var sort = target.closest('button.sort');
    if (sort) return sortBy(sort);
    var expand = target.closest('button.expand');
    if (expand) toggle(expand);
  });
  buildSome(Math.min(total, ${TABLE_CHUNK_ROWS}));
  if (built < total) timer = setTimeout(buildNextChunk, 0);
  performance.mark('${TABLE_READY_MARK}');
})();
`;
