// The page's stylesheet, inline (the Content-Security-Policy allows inline style, nothing else).
// Colour marks only a regression or an improvement; roles are told apart by weight and tint.
// The comparison section is laid out only when it nears the screen (content-visibility: auto):
// chart.js measures its canvas's box as each chart is made, which lays the page out again, and
// with thousands of table rows below the charts that was most of the time to interactive
// (scripts/bench/report-speed.ts: 60 charts over a 3 700-row table, layout 12 s of 25 s).
export const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1400px; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1rem; margin: 0 0 .4rem; }
table { border-collapse: collapse; }
#comparison-section { content-visibility: auto; contain-intrinsic-size: auto 100vh; }
th, td { padding: .2rem .45rem; text-align: left; vertical-align: top; border-bottom: 1px solid #e4e4e4; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td small { color: #555; white-space: nowrap; }
.bundles td { white-space: nowrap; }
.bundles td.wrap { white-space: normal; overflow-wrap: anywhere; }
.missing { color: #8a5a00; }
.warnings li, .notes-list li { margin-bottom: .3rem; }
.warnings { border-left: 4px solid #c98a00; padding: .3rem 1rem; background: #fff8e6; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: .6rem 0; }
#comparison th button.sort { font: inherit; font-weight: bold; background: none; border: 0; padding: 0; cursor: pointer; }
#comparison th[aria-sort="ascending"] button.sort::after { content: " \\25B4"; }
#comparison th[aria-sort="descending"] button.sort::after { content: " \\25BE"; }
#comparison td { font-size: 13px; }
#comparison td.cell { overflow-wrap: anywhere; min-width: 10rem; max-width: 22rem; }
#comparison td.metric, #comparison td.nowrap { white-space: nowrap; }
button.expand { background: none; border: 1px solid #bbb; border-radius: 3px; cursor: pointer; width: 1.6rem; }
tr.role-primary td { font-weight: 600; }
tr.role-informational td { color: #333; }
tr.role-descriptive td { color: #777; font-style: italic; }
tr.verdict-regression td { background: #fde2e1; }
tr.verdict-improvement td { background: #dff3e3; }
tr.reps > td { background: #f7f7f7; font-weight: normal; font-style: normal; color: #1a1a1a; }
.reps-table caption { text-align: left; font-weight: 600; }
.reason { margin: .2rem 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1.2rem; }
figure.chart { margin: 0; border: 1px solid #ddd; padding: .6rem; }
.canvas-box { position: relative; height: 320px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.flame-search { position: sticky; top: 0; z-index: 1; background: #fff; padding: .5rem 0; border-bottom: 1px solid #e4e4e4; }
.flame-search input { width: 24rem; max-width: 100%; font: inherit; }
.flame-cell h3 { margin-top: 1.2rem; overflow-wrap: anywhere; }
figure.flame { margin: .8rem 0; border: 1px solid #ddd; padding: .6rem; }
figure.flame figcaption { overflow-wrap: anywhere; }
.flame-svg svg { display: block; width: 100%; height: auto; }
.flame-svg g.frame.matched rect { fill: rgb(230,0,230); }
.flame-match { margin: .3rem 0 0; font-weight: 600; min-height: 1.2em; }
table.symbol-changes td.symbol { font-family: ui-monospace, monospace; overflow-wrap: anywhere; max-width: 40rem; }
dl.legend dt { font-weight: 600; } dl.legend dd { margin: 0 0 .4rem 1rem; }
`;
