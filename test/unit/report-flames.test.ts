// The report's flame graph section (issue 13 item 4, profilers): for a cell with perf-record passes,
// each bundle's flame graph inlined as SVG with what the search reads, the differential flame graph
// from the base to the candidate and the table of the symbols whose share changed most; hostile
// function names escaped; no section without perf-record stacks. The bundles are real lab bundles
// given perf-record passes folded from real perf captures by the real folder
// (test/helpers/perf-record-bundle.ts says how). The search in a browser is in report-browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { buildCharts } from '../../reports/charts/index.js';
import { escapeHtml } from '../../reports/html/escape.js';
import { renderHtmlReport } from '../../reports/html/report.js';
import { escapeXml } from '../../reports/flamegraph/svg.js';
import { inclusiveSamples, symbolShareChanges } from '../../reports/flamegraph/symbol-shares.js';
import { fixture } from '../helpers/paths.js';
import { withTempDir } from '../helpers/cli.js';
import { writePerfRecordBundle } from '../helpers/perf-record-bundle.js';

const BASE = fixture('bundles', 'lab-profile-schema2-6.12');
const CAND = fixture('bundles', 'lab-profile-schema2-7.2');
/** A real kernel symbol of both captures (dd's and fio's reads from the page cache), made hostile below. */
const SYMBOL = 'filemap_read';
/** No space, quote, parenthesis or semicolon: perf script's frame lines and stackcollapse's tidying keep it whole. */
const HOSTILE_SYMBOL = `${SYMBOL}&lt</svg><script>window.__pwned=5</script><img/src=x/onerror=window.__pwned=4>`;

async function report(dirs: string[]): Promise<string> {
  const bundles = await Promise.all(dirs.map((d) => readBundle(d)));
  return renderHtmlReport({ bundles, charts: buildCharts(bundles) });
}

/** The two bundles: 6.12 with dd's capture, 7.2 with the system-wide fio capture, in the first cell. */
async function flameBundles(dir: string, rewrite: [string, string][] = []): Promise<[string, string]> {
  const base = await writePerfRecordBundle(BASE, path.join(dir, 'base'), { captures: ['script-dd.txt'], rewrite });
  const cand = await writePerfRecordBundle(CAND, path.join(dir, 'cand'), { captures: ['script-system.txt'], rewrite });
  return [base.dir, cand.dir];
}

function section(html: string): string {
  const start = html.indexOf('<section id="flame-section">');
  assert.ok(start >= 0, 'a flame section');
  return html.slice(start, html.indexOf('</section>', start) + '</section>'.length);
}

function figures(sec: string): { kind: string; svg: string }[] {
  return [...sec.matchAll(/<figure class="flame" data-kind="(\w+)">[\s\S]*?<div class="flame-svg">([\s\S]*?)<\/div><p class="flame-match"/g)].map((m) => ({ kind: m[1]!, svg: m[2]! }));
}

test('a cell with perf-record passes: both flame graphs, the differential one and the changed symbols', async () => {
  await withTempDir('dmabench-report-flames-', async (dir) => {
    const html = await report(await flameBundles(dir));
    const sec = section(html);
    assert.match(sec, /<input type="search" id="flame-search"/);
    assert.match(sec, /<h3>nvme-randread-64k:bs=64k,iodepth=8,ioengine=io_uring,numjobs=1,runtime=2,rw=randread<\/h3>/, 'the cell under its canonical key');
    const figs = figures(sec);
    assert.deepEqual(figs.map((f) => f.kind), ['graph', 'graph', 'diff']);
    for (const f of figs) {
      assert.ok(f.svg.startsWith('<svg '), 'an <svg> element, no XML declaration inside HTML');
      assert.ok(f.svg.trimEnd().endsWith('</svg>'));
    }
    // The root frame holds every sample the folder folded from each capture.
    const samples = async (capture: string) => (await foldPerfScript(createReadStream(fixture('perf', capture)), { weight: 'samples' })).samples;
    const rootSamples = (svg: string) => Number(/<g class="frame" data-name="all" data-samples="(\d+)"/.exec(svg)?.[1]);
    assert.equal(rootSamples(figs[0]!.svg), await samples('script-dd.txt'));
    assert.equal(rootSamples(figs[1]!.svg), await samples('script-system.txt'));
    assert.match(figs[2]!.svg, /<g class="frame" data-name="all" data-samples="\d+" data-before="\d+" data-parent="-1">/, 'a diff frame carries both profiles');
    // Every frame names its parent, which comes before it.
    for (const f of figs) {
      const parents = [...f.svg.matchAll(/<g class="frame"[^>]* data-parent="(-?\d+)"/g)].map((m) => Number(m[1]));
      assert.ok(parents.length > 10);
      parents.forEach((p, i) => assert.ok(p < i && (i === 0) === (p === -1), `frame ${i}: parent ${p}`));
    }

    // The table: 20 symbols, largest absolute change first; dd's copy_page_to_iter share from
    // FlameGraph's own folding of the capture (test/fixtures/perf/folded-reference/).
    const rows = [...sec.matchAll(/<tr><td class="symbol">([^<]*)<\/td><td class="num[^"]*">([^<]*)[\s\S]*?<\/td><td class="num[^"]*">([^<]*)[\s\S]*?<\/td><td class="num">([^<]*)<\/td><\/tr>/g)].map((m) => ({
      symbol: m[1]!,
      base: m[2]!,
      cand: m[3]!,
      delta: Number(m[4]!.replace('−', '-')),
    }));
    assert.equal(rows.length, 20);
    const deltas = rows.map((r) => Math.abs(r.delta));
    assert.deepEqual(deltas, [...deltas].sort((a, b) => b - a));
    const reference = (await readFile(fixture('perf', 'folded-reference', 'script-dd.folded'), 'utf8')).trim().split('\n');
    const period = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
    const all = reference.reduce((s, l) => s + period(l), 0);
    const holding = reference.filter((l) => l.split(' ')[0]!.split(';').includes('copy_page_to_iter')).reduce((s, l) => s + period(l), 0);
    const row = rows.find((r) => r.symbol === 'copy_page_to_iter');
    assert.ok(row, 'copy_page_to_iter is among the largest changes');
    assert.equal(row.base, `${((100 * holding) / all).toFixed(2)}%`);
    assert.ok(rows.some((r) => r.cand === 'not sampled' || r.base === 'not sampled'), 'a symbol of one side only reads "not sampled", not 0');
  });
});

test('the flame section keeps the page under its CSP: one more hashed script, no script or handler in the SVGs', async () => {
  await withTempDir('dmabench-report-flames-csp-', async (dir) => {
    const html = await report(await flameBundles(dir));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    const code = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    assert.equal(code.length, 4, 'chart.js, the chart, table and flame scripts');
    for (const s of code) assert.ok(csp.includes(`'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`));
    assert.ok(code[3]!.includes("getElementById('flame-search')"));
    const sec = section(html);
    assert.doesNotMatch(sec, /<script/i);
    assert.doesNotMatch(sec, /\son\w+\s*=/i, 'no inline event handler');
    assert.doesNotMatch(sec, /\b(href|src)=/i, 'nothing to fetch');
  });
});

test('hostile function names (a real symbol rewritten in the captures) are escaped in the SVGs and the table', async () => {
  await withTempDir('dmabench-report-flames-hostile-', async (dir) => {
    const html = await report(await flameBundles(dir, [[SYMBOL, HOSTILE_SYMBOL]]));
    const sec = section(html);
    assert.ok(!html.includes(HOSTILE_SYMBOL), 'never unescaped');
    assert.ok(sec.includes(`data-name="${escapeXml(HOSTILE_SYMBOL)}"`), 'escaped in the frames the search reads');
    assert.ok(sec.includes(`<td class="symbol">${escapeHtml(HOSTILE_SYMBOL)}</td>`), 'escaped in the table');
    assert.ok(sec.includes('&amp;lt&lt;/svg'), 'an entity in a name is shown, not read');
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<\/svg><script/i);
    assert.equal((html.match(/<script[\s>]/g) ?? []).length, 6, 'no script element added (four scripts, two data blocks)');
    assert.equal((sec.match(/<svg /g) ?? []).length, 3, 'no SVG closed early or opened');
    assert.equal((sec.match(/<\/svg>/g) ?? []).length, 3);
  });
});

test('the same bundles give the same page, flame graphs included', async () => {
  await withTempDir('dmabench-report-flames-same-', async (dir) => {
    const dirs = await flameBundles(dir);
    assert.equal(await report(dirs), await report(dirs));
  });
});

test('no perf-record stacks: no flame section; stacks in the candidate only: its graph and a line saying why there is no diff', async () => {
  assert.doesNotMatch(await report([BASE, CAND]), /id="flame-section"|id="flame-search"/);
  await withTempDir('dmabench-report-flames-one-', async (dir) => {
    const cand = await writePerfRecordBundle(CAND, path.join(dir, 'cand'), { captures: ['script-system.txt', 'script-dd.txt'] });
    const sec = section(await report([BASE, cand.dir]));
    assert.deepEqual(figures(sec).map((f) => f.kind), ['graph']);
    assert.match(sec, /No perf-record stacks for this cell in 6\.12[^<]*: without the base, no differential flame graph\./);
    assert.match(sec, /from 2 perf-record passes/, 'the passes are summed');
    assert.doesNotMatch(sec, /symbol-changes/);
  });
});

test('symbol shares: a symbol counts once per stack however deep it recurses; the comm is not a symbol', async () => {
  // script-comm-space: node's stacks recurse through asn1_item_embed_d2i.
  const { stacks } = await foldPerfScript(createReadStream(fixture('perf', 'script-comm-space.txt')), { weight: 'samples' });
  const recursive = [...stacks].filter(([s]) => s.split(';').filter((f) => f === 'asn1_item_embed_d2i').length > 1);
  assert.ok(recursive.length > 0, 'the capture has recursive stacks');
  const holding = [...stacks].filter(([s]) => s.split(';').includes('asn1_item_embed_d2i')).reduce((n, [, c]) => n + c, 0);
  const inclusive = inclusiveSamples(stacks);
  assert.equal(inclusive.get('asn1_item_embed_d2i'), holding);
  assert.equal(inclusive.has('node'), false, 'the process name is left out');
  // Against itself nothing changed; against dd's profile shares add to ±, ordered by size.
  assert.deepEqual(symbolShareChanges(stacks, stacks), []);
  const dd = (await foldPerfScript(createReadStream(fixture('perf', 'script-dd.txt')), { weight: 'samples' })).stacks;
  const changes = symbolShareChanges(dd, stacks, 5);
  assert.equal(changes.length, 5);
  for (const c of changes) assert.ok(Math.abs(c.deltaPp - (c.candidatePct - c.basePct)) < 1e-9);
});
