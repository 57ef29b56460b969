// The series page's script (assets/series.js): draws the shard's data (series-page.ts SeriesShard,
// set on window by data/<id>.js, loaded before it) with chart.js. Plain ES2017 for the browser.
// Animation off (drawn in full once the script has run). The canvas gets data-steps (level changes
// drawn) and data-shaded (ranges shaded) once drawn, which the browser test reads.
import { SERIES_DATA_GLOBAL } from './series-page.js';

export const SERIES_SCRIPT = `(function () {
  'use strict';
  var data = window.${SERIES_DATA_GLOBAL};
  var canvas = document.getElementById('series-chart');
  if (!data || !canvas || typeof Chart === 'undefined') return;
  function fmt(v) {
    if (v === null || v === undefined) return 'absent';
    var a = Math.abs(v);
    return a >= 10000 || a === 0 ? String(Math.round(v)) : String(Number(v.toPrecision(4)));
  }
  var points = data.points;
  var medians = points.map(function (p, i) { return { x: i, y: p.median }; });
  var low = points.map(function (p, i) { return { x: i, y: p.low }; });
  var high = points.map(function (p, i) { return { x: i, y: p.high }; });
  var reps = [];
  points.forEach(function (p, i) { p.values.forEach(function (v) { reps.push({ x: i, y: v }); }); });
  var levels = points.map(function (p, i) { return { x: i, y: p.level }; });
  var steps = 0;
  for (var i = 1; i < points.length; i++) if (points[i].level !== null && points[i - 1].level !== null && points[i].level !== points[i - 1].level) steps++;

  var shading = {
    id: 'dmabenchChangeRanges',
    beforeDatasetsDraw: function (chart) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      data.changes.forEach(function (c) {
        var left = x.getPixelForValue(c.from), right = x.getPixelForValue(c.to);
        ctx.fillStyle = c.acknowledged ? 'rgba(120,120,120,0.15)' : c.direction === 'regression' ? 'rgba(198,40,40,0.18)' : 'rgba(46,125,50,0.18)';
        ctx.fillRect(left, area.top, Math.max(2, right - left), area.bottom - area.top);
      });
      ctx.restore();
    }
  };

  var chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        { label: 'interval low', data: low, borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false, dmabenchBand: true },
        { label: '95% interval', data: high, borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(33,150,243,0.15)', spanGaps: false, dmabenchBand: true },
        { label: 'repetitions', type: 'scatter', data: reps, pointRadius: 2, backgroundColor: 'rgba(0,0,0,0.18)', borderColor: 'rgba(0,0,0,0)' },
        { label: 'median', data: medians, borderColor: '#1565c0', backgroundColor: '#1565c0', pointRadius: 3, borderWidth: 1.5 },
        { label: 'fitted level', data: levels, stepped: 'middle', borderColor: '#e65100', borderDash: [6, 3], borderWidth: 2, pointRadius: 0, spanGaps: false }
      ]
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', min: -0.5, max: points.length - 0.5, ticks: { stepSize: 1, autoSkip: true, callback: function (v) { var p = points[v]; return p && Number.isInteger(v) ? p.label : ''; } },
             title: { display: true, text: 'runs by ' + data.order } },
        y: { type: 'linear', title: { display: true, text: data.unit + ' (' + data.better + ' is better)' } }
      },
      plugins: {
        legend: { labels: { filter: function (item) { return item.text !== 'interval low'; } } },
        tooltip: {
          filter: function (item) { return item.dataset.label === 'median'; },
          callbacks: {
            title: function (items) { var p = points[items[0].parsed.x]; return p ? p.runs.map(function (r) { return r.id; }).join(', ') : ''; },
            label: function (item) {
              var p = points[item.parsed.x];
              var lines = ['median ' + fmt(p.median) + ' ' + data.unit + (p.low !== null ? ' [' + fmt(p.low) + ', ' + fmt(p.high) + ']' : '')];
              p.runs.forEach(function (r) { lines.push(r.kernel + (r.commit ? ' commit ' + r.commit.slice(0, 12) : '') + ', n=' + r.n + ', ' + r.date); });
              return lines;
            }
          }
        }
      }
    },
    plugins: [shading]
  });
  canvas.setAttribute('data-steps', String(steps));
  canvas.setAttribute('data-shaded', String(data.changes.length));
  var toggle = document.getElementById('log-y');
  if (toggle) toggle.addEventListener('click', function () {
    var log = chart.options.scales.y.type !== 'logarithmic';
    chart.options.scales.y.type = log ? 'logarithmic' : 'linear';
    toggle.setAttribute('aria-pressed', String(log));
    chart.update();
  });
})();
`;
