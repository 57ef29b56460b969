// The page's script that draws the charts (reports/charts/spec.ts ChartSpec[], embedded as JSON by
// data.ts) with chart.js, which the page inlines before it. Plain ES2017 for the browser, inlined
// and allowed by its hash in the page's Content-Security-Policy.
//
// Whiskers (a point's yMin..yMax) are drawn by a small plugin of our own rather than by
// chartjs-chart-error-bars: that package replaces the chart types with its own controllers and
// data format, while a plugin keeps bar, line and scatter as chart.js draws them and is a dozen
// lines. A null y is a gap (spanGaps off; a bar chart has no bar) labelled "absent" by the same
// plugin, never a 0. Animation is off: a chart is drawn in full when the script has run, the same
// every time (the browser test reads its pixels right after load).
/** The id of the data block holding the ChartSpec[] the script draws. */
export const CHARTS_DATA_ID = 'dmabench-charts';
/** A User Timing mark set once every chart is drawn (scripts/bench/report-speed.ts times the page to it); no time is written into the page. */
export const CHARTS_DRAWN_MARK = 'dmabench-charts-drawn';

export const CHART_SCRIPT = `(function () {
  'use strict';
  var dataElement = document.getElementById('${CHARTS_DATA_ID}');
  if (!dataElement || typeof Chart === 'undefined') return;
  var specs = JSON.parse(dataElement.textContent);

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

  specs.forEach(function (spec, i) {
    var figure = document.querySelector('figure.chart[data-chart-index="' + i + '"]');
    if (!figure) return;
    var canvas = figure.querySelector('canvas');
    new Chart(canvas, config(spec));
    var link = figure.querySelector('a.csv');
    if (link) link.href = URL.createObjectURL(new Blob([spec.csv], { type: 'text/csv' }));
  });
  performance.mark('${CHARTS_DRAWN_MARK}');
})();
`;
