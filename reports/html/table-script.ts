// The page's script for the comparison table (table.ts): filters, sorting, expanding a row to its
// repetitions. Plain ES2017 for the browser, inlined and allowed by its hash in the page's
// Content-Security-Policy. It reads only what table.ts wrote (data-* attributes, text) and writes
// only attributes, order and textContent: no markup is built from data.
/** A User Timing mark set once the table's filters and handlers are in place (scripts/bench/report-speed.ts). */
export const TABLE_READY_MARK = 'dmabench-table-ready';

export const TABLE_SCRIPT = `(function () {
  'use strict';
  var table = document.getElementById('comparison');
  if (!table) return;
  var entries = Array.prototype.slice.call(table.tBodies);
  var count = document.getElementById('row-count');
  var controls = {
    significant: document.getElementById('filter-significant'),
    regressions: document.getElementById('filter-regressions'),
    primary: document.getElementById('filter-primary'),
    workload: document.getElementById('filter-workload')
  };

  function applyFilters() {
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
    count.textContent = shown + ' of ' + entries.length + ' rows';
  }
  ['significant', 'regressions', 'primary', 'workload'].forEach(function (name) {
    controls[name].addEventListener('change', applyFilters);
  });

  function sortKey(tbody, column, kind) {
    var cell = tbody.rows[0].cells[column];
    if (kind === 'number') {
      var raw = cell.getAttribute('data-value');
      return raw === null || raw === '' ? null : Number(raw);
    }
    return cell.textContent;
  }

  function sortBy(button) {
    var column = Number(button.getAttribute('data-column'));
    var kind = button.getAttribute('data-sort');
    var th = button.parentNode;
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none');
    });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var keyed = entries.map(function (tbody) {
      return { tbody: tbody, key: sortKey(tbody, column, kind), index: Number(tbody.dataset.index) };
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
    keyed.forEach(function (k) { table.appendChild(k.tbody); });
    entries = keyed.map(function (k) { return k.tbody; });
  }

  function toggle(button) {
    var reps = document.getElementById(button.getAttribute('aria-controls'));
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
  applyFilters();
  performance.mark('${TABLE_READY_MARK}');
})();
`;
