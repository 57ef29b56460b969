// The page's script that draws the charts (reports/charts/spec.ts ChartSpec[], embedded as JSON by
// data.ts) with chart.js, which the page inlines before it. Plain ES2017 for the browser, inlined
// and allowed by its hash in the page's Content-Security-Policy.
//
// Whiskers (a point's yMin..yMax) are drawn by a small plugin of our own rather than by
// chartjs-chart-error-bars: that package replaces the chart types with its own controllers and
// data format, while a plugin keeps bar, line and scatter as chart.js draws them and is a dozen
// lines. A null y is a gap (spanGaps off; a bar chart has no bar) labelled "absent" by the same
// plugin, never a 0. Animation is off: a chart is drawn in full when the script has run, the same
// every time.
//
// Charts are drawn when they are near the screen, the rest one per task after that: making a
// chart costs chart.js 10-20 ms, and a campaign of 146 cells has over 300 of them, seconds of
// script before the page would answer if drawn at once. So the charts in view (and a screen
// below) are drawn first (CHARTS_IN_VIEW_MARK), a chart scrolled near is drawn at once
// (IntersectionObserver), and the others follow in later tasks, each short enough that the page
// keeps answering (CHARTS_DRAWN_MARK when the last is drawn). Each chart's CSV is made from its
// points when it is drawn (chart-data.ts: the page carries no CSV).
import { CHARTS_DATA_ID } from './chart-data.js';

/** A User Timing mark set once the charts in view are drawn (scripts/bench/report-speed.ts times the page to it); no time is written into the page. */
export const CHARTS_IN_VIEW_MARK = 'dmabench-charts-in-view';
/** A User Timing mark set once every chart is drawn. */
export const CHARTS_DRAWN_MARK = 'dmabench-charts-drawn';

export const CHART_SCRIPT = `(function () {
  'use strict';
  var dataElement = document.getElementById('${CHARTS_DATA_ID}');
  if (!dataElement || typeof Chart === 'undefined') return;
  var data = JSON.parse(dataElement.textContent);
  var strings = data.strings;
  var charts = data.charts;

  /** A chart of the data block with its series' points as ChartSpec has them ({x, y, yMin, yMax, note}). */
  function expand(chart) {
    var spec = {};
    Object.keys(chart).forEach(function (k) { spec[k] = chart[k]; });
    spec.series = chart.series.map(function (s) {
      return {
        label: strings[s.label],
        color: s.color,
        dash: s.dash,
        points: s.x.map(function (x, j) {
          var p = { x: x, y: s.y[j] };
          if (s.yMin && s.yMin[j] !== null) p.yMin = s.yMin[j];
          if (s.yMax && s.yMax[j] !== null) p.yMax = s.yMax[j];
          var note = typeof s.note === 'number' ? s.note : s.note ? s.note[j] : null;
          if (note !== null) p.note = strings[note];
          return p;
        })
      };
    });
    return spec;
  }

  /** A CSV field as chartCsv (csv-stringify) writes it: empty for absent, quoted when it holds a quote, comma or line break. */
  function csvField(v) {
    if (v === null || v === undefined) return '';
    var text = String(v);
    return /[",\\r\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  /** The chart's data as CSV, one row per point in the order drawn, with chartCsv's header. */
  function csvOf(spec) {
    var lines = [['series', spec.xLabel, spec.yLabel, 'y_min', 'y_max', 'note'].map(csvField).join(',')];
    spec.series.forEach(function (s) {
      s.points.forEach(function (p) {
        lines.push([s.label, p.x, p.y, p.yMin, p.yMax, p.note].map(csvField).join(','));
      });
    });
    return lines.join('\\n') + '\\n';
  }

  function formatValue(v) {
    if (v === null || v === undefined) return 'absent';
    var a = Math.abs(v);
    return a >= 10000 || a === 0 ? String(Math.round(v)) : String(Number(v.toPrecision(4)));
  }

  var whiskers = {
    id: 'dmabenchWhiskers',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var yScale = chart.scales.y;
      var area = chart.chartArea;
      ctx.save();
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden || !chart.isDatasetVisible(i)) return;
        var points = dataset.dmabenchPoints || [];
        meta.data.forEach(function (element, j) {
          var p = points[j];
          if (!p || !isFinite(element.x)) return;
          if (p.y === null) {
            ctx.fillStyle = '#555';
            ctx.font = '11px sans-serif';
            ctx.textAlign = 'center';
            ctx.textBaseline = 'bottom';
            ctx.fillText('absent', element.x, area.bottom - 2);
            return;
          }
          if (typeof p.yMin !== 'number' || typeof p.yMax !== 'number') return;
          var top = yScale.getPixelForValue(p.yMax);
          var bottom = yScale.getPixelForValue(p.yMin);
          if (!isFinite(top) || !isFinite(bottom)) return;
          ctx.strokeStyle = chart.config.type === 'bar' ? '#222' : dataset.borderColor;
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(element.x, top);
          ctx.lineTo(element.x, bottom);
          ctx.moveTo(element.x - 4, top);
          ctx.lineTo(element.x + 4, top);
          ctx.moveTo(element.x - 4, bottom);
          ctx.lineTo(element.x + 4, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    }
  };

  function categories(spec) {
    var seen = [];
    spec.series.forEach(function (s) {
      s.points.forEach(function (p) {
        var x = String(p.x);
        if (seen.indexOf(x) < 0) seen.push(x);
      });
    });
    return seen;
  }

  function yExtent(spec) {
    var values = [];
    spec.series.forEach(function (s) {
      s.points.forEach(function (p) {
        [p.y, p.yMin, p.yMax].forEach(function (v) {
          if (typeof v === 'number' && isFinite(v) && (!spec.yLog || v > 0)) values.push(v);
        });
      });
    });
    if (values.length === 0) return {};
    return { min: Math.min.apply(null, values), max: Math.max.apply(null, values) };
  }

  function config(spec) {
    var numericX = spec.kind !== 'bar' && spec.series.every(function (s) {
      return s.points.every(function (p) { return typeof p.x === 'number'; });
    });
    var labels = numericX ? undefined : categories(spec);
    var datasets = spec.series.map(function (s) {
      var points = numericX ? s.points.slice() : labels.map(function (x) {
        for (var k = 0; k < s.points.length; k++) if (String(s.points[k].x) === x) return s.points[k];
        return { x: x, y: null };
      });
      return {
        label: s.label,
        data: points.map(function (p) { return numericX ? { x: p.x, y: p.y } : p.y; }),
        dmabenchPoints: points,
        backgroundColor: s.color,
        borderColor: s.color,
        // The paths of one bundle share its colour; the dash tells them apart.
        borderDash: s.dash || [],
        spanGaps: false,
        showLine: spec.kind === 'line'
      };
    });
    var extent = yExtent(spec);
    var y = {
      type: spec.yLog ? 'logarithmic' : 'linear',
      title: { display: true, text: spec.yLabel },
      beginAtZero: !spec.yLog && spec.kind === 'bar'
    };
    if (extent.max !== undefined) {
      y.suggestedMax = extent.max;
      y.suggestedMin = extent.min;
    }
    var x = { title: { display: true, text: spec.xLabel } };
    x.type = numericX ? (spec.xLog ? 'logarithmic' : 'linear') : 'category';
    return {
      type: spec.kind,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: x, y: y },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: function (item) {
                var p = item.dataset.dmabenchPoints[item.dataIndex] || {};
                var text = item.dataset.label + ': ' + formatValue(p.y);
                if (typeof p.yMin === 'number' && typeof p.yMax === 'number') text += ' [' + formatValue(p.yMin) + ', ' + formatValue(p.yMax) + ']';
                if (p.note) text += ' (' + p.note + ')';
                return text;
              }
            }
          }
        }
      },
      plugins: [whiskers]
    };
  }

  var figures = [];
  Array.prototype.forEach.call(document.querySelectorAll('figure.chart[data-chart-index]'), function (figure) {
    figures[Number(figure.getAttribute('data-chart-index'))] = figure;
  });
  var drawn = [];
  var left = charts.length;

  function draw(i) {
    if (drawn[i] || !charts[i]) return;
    drawn[i] = true;
    var figure = figures[i];
    if (figure) {
      var spec = expand(charts[i]);
      new Chart(figure.querySelector('canvas'), config(spec));
      var link = figure.querySelector('a.csv');
      if (link) link.href = URL.createObjectURL(new Blob([csvOf(spec)], { type: 'text/csv' }));
    }
    left--;
    if (left === 0) performance.mark('${CHARTS_DRAWN_MARK}');
  }

  // The charts in view and a screen below it, now.
  var height = window.innerHeight || document.documentElement.clientHeight;
  figures.forEach(function (figure, i) {
    var box = figure.getBoundingClientRect();
    if (box.bottom >= 0 && box.top <= 2 * height) draw(i);
  });
  performance.mark('${CHARTS_IN_VIEW_MARK}');
  // A chart scrolled near: at once.
  if (typeof IntersectionObserver === 'function') {
    var observer = new IntersectionObserver(function (seen) {
      seen.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        draw(Number(entry.target.getAttribute('data-chart-index')));
      });
    }, { rootMargin: '50% 0px' });
    figures.forEach(function (figure, i) { if (!drawn[i]) observer.observe(figure); });
  }
  // The others, one per task, in page order.
  var next = 0;
  function drawNext() {
    while (next < charts.length && drawn[next]) next++;
    if (next >= charts.length) return;
    draw(next);
    setTimeout(drawNext, 0);
  }
  // After the load event: the page's other scripts (the table's) run first.
  if (left === 0) performance.mark('${CHARTS_DRAWN_MARK}');
  else if (document.readyState === 'complete') setTimeout(drawNext, 0);
  else window.addEventListener('load', function () { setTimeout(drawNext, 0); });
})();
`;
