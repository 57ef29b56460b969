// The index's script (assets/index.js): draws what the index's data shards (index-data.ts, loaded
// before it) hold: each tile's sparkline (an SVG built node by node) and each series' latest runs
// (rows whose text is set as text, never parsed as markup). Plain ES2017 for the browser.
import { INDEX_DATA_GLOBAL } from './index-data.js';
import { SPARK_HEIGHT, SPARK_WIDTH } from './sparkline.js';

export const INDEX_SCRIPT = `(function () {
  'use strict';
  var data = window.${INDEX_DATA_GLOBAL} || {};
  var SVG = 'http://www.w3.org/2000/svg';
  function line(points, stroke, dashed) {
    var l = document.createElementNS(SVG, 'polyline');
    l.setAttribute('fill', 'none');
    l.setAttribute('stroke', stroke);
    l.setAttribute('stroke-width', '1.2');
    if (dashed) l.setAttribute('stroke-dasharray', '4 2');
    l.setAttribute('points', points);
    return l;
  }
  Array.prototype.forEach.call(document.querySelectorAll('section.series[data-series]'), function (section) {
    var shard = Object.prototype.hasOwnProperty.call(data, section.dataset.series) ? data[section.dataset.series] : null;
    if (!shard) return;
    Array.prototype.forEach.call(section.querySelectorAll('.tile[data-trend]'), function (tile) {
      var spark = Object.prototype.hasOwnProperty.call(shard.sparks, tile.dataset.trend) ? shard.sparks[tile.dataset.trend] : null;
      if (!spark) return;
      var svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('class', 'spark');
      svg.setAttribute('viewBox', '0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('aria-hidden', 'true');
      svg.appendChild(line(spark.medians, '#1565c0', false));
      svg.appendChild(line(spark.levels, '#e65100', true));
      tile.appendChild(svg);
    });
    var table = section.querySelector('table[data-latest-runs]');
    if (!table) return;
    var wraps = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.classList.contains('wrap'); });
    var body = table.tBodies[0];
    shard.runs.forEach(function (run) {
      var tr = document.createElement('tr');
      run.cells.forEach(function (text, i) {
        var td = document.createElement('td');
        if (wraps[i]) td.className = 'wrap';
        if (i === 0) {
          var a = document.createElement('a');
          a.href = run.href;
          a.textContent = text;
          td.appendChild(a);
        } else {
          td.textContent = text;
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  });
})();
`;
