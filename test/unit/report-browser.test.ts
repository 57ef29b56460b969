// `dmabench report` in a real browser (issue 13 items 7 and 8): the real CLI writes the page from
// real lab bundles (6.12 against 7.2), headless Chromium (Debian's `chromium`, driven by
// puppeteer-core) opens it from file://, and the test checks what a reader would: no console
// error, no page error, no failed or network request, every chart drawn, filters, sorting and a
// row's repetitions; then a report of hostile copies of the same bundles, in which nothing runs
// and every payload reads as text; then the flame graphs' search, on copies of the same bundles
// given perf-record passes folded from real perf captures (test/helpers/perf-record-bundle.ts). Screenshots and the pages are kept in test-output/report-browser/
// (ignored by git; the path is printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium, screenshotWholePage } from '../helpers/chromium.js';
import { parse } from 'csv-parse/sync';
import { readBundle, readSamples } from '../../core/bundle/read.js';
import { buildCharts, readChartRaw } from '../../reports/charts/index.js';
import { chooseScale, formatNumber } from '../../reports/render/format.js';
import { CHARTS_DATA_ID, type PageCharts } from '../../reports/html/chart-data.js';
import { CHARTS_DRAWN_MARK } from '../../reports/html/chart-script.js';
import { TABLE_BUILT_MARK, TABLE_CHUNK_ROWS, TABLE_READY_MARK } from '../../reports/html/table-script.js';
import { writeMicrobenchPair } from '../../scripts/bench/microbench-pair.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import { writeVerdictBundles } from '../helpers/bundles.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { PAYLOAD_CLOSE, PAYLOAD_IMG, PAYLOAD_SCRIPT, writeHostileBundle } from '../helpers/hostile-bundle.js';
import { writePerfRecordBundle } from '../helpers/perf-record-bundle.js';

const OUT = path.join(repoRoot, 'test-output', 'report-browser');
const BASE = fixture('bundles', 'lab-profile-schema2-6.12');
const CAND = fixture('bundles', 'lab-profile-schema2-7.2');

let browser: Browser;

before(async () => {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  console.log(`report-browser: pages and screenshots in ${OUT}`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

interface Trouble {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  /** Requests for anything but the page itself, data: and blob: URLs. */
  foreignRequests: string[];
}

/** Opens the page from file://, recording every console error, page error and request that was not the page. */
async function openReport(file: string): Promise<{ page: Page; trouble: Trouble }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const trouble: Trouble = { consoleErrors: [], pageErrors: [], failedRequests: [], foreignRequests: [] };
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') trouble.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => trouble.pageErrors.push(String(e)));
  page.on('requestfailed', (r) => trouble.failedRequests.push(`${r.url()}: ${r.failure()?.errorText ?? '?'}`));
  page.on('request', (r) => {
    if (r.url() !== url && !/^(data|blob):/.test(r.url())) trouble.foreignRequests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  // The page draws the charts out of view and builds the table's rows after it answers: wait for all of them.
  await page.waitForFunction((marks: string[]) => marks.every((m) => performance.getEntriesByName(m, 'mark').length > 0), { timeout: 60_000 }, [CHARTS_DRAWN_MARK, TABLE_BUILT_MARK]);
  return { page, trouble };
}

/** The page's chart data block. */
async function pageCharts(page: Page): Promise<PageCharts> {
  return JSON.parse((await page.$eval(`#${CHARTS_DATA_ID}`, (e) => e.textContent))!) as PageCharts;
}

function assertNoTrouble(trouble: Trouble): void {
  assert.deepEqual(trouble.consoleErrors, [], 'console errors');
  assert.deepEqual(trouble.pageErrors, [], 'page errors');
  assert.deepEqual(trouble.failedRequests, [], 'failed requests');
  assert.deepEqual(trouble.foreignRequests, [], 'requests beyond the file');
}

async function writeReport(dirs: string[], out: string): Promise<void> {
  const r = await runCli(['report', ...dirs, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  assert.equal(String(r.stdout).trim(), `wrote ${out}`);
}

/** data-index of the entries shown, in table order. */
function visibleEntries(page: Page): Promise<{ index: number; workload: string; role: string; verdict: string; significant: string }[]> {
  return page.$$eval('#comparison > tbody.entry', (bodies) =>
    (bodies as HTMLElement[])
      .filter((b) => !b.hidden)
      .map((b) => ({ index: Number(b.dataset.index), workload: b.dataset.workload!, role: b.dataset.role!, verdict: b.dataset.verdict!, significant: b.dataset.significant! })),
  );
}

/** Per chart canvas: its size and how many of its pixels are not transparent. */
function drawnPixels(page: Page): Promise<{ width: number; height: number; drawn: number }[]> {
  return page.$$eval('figure.chart canvas', (canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) drawn++;
      return { width: c.width, height: c.height, drawn };
    }),
  );
}

test('the report of 6.12 against 7.2 loads clean, draws every chart, filters, sorts and expands', async () => {
  const file = path.join(OUT, 'report-6.12-vs-7.2.html');
  await writeReport([BASE, CAND], file);
  const { page, trouble } = await openReport(file);
  try {
    await screenshotWholePage(page, path.join(OUT, 'report-6.12-vs-7.2.png'));
    assertNoTrouble(trouble);

    const charts = (await pageCharts(page)).charts;
    const pixels = await drawnPixels(page);
    assert.equal(pixels.length, charts.length, 'a canvas per chart');
    assert.ok(pixels.length >= 2, 'a chart per workload');
    for (const p of pixels) assert.ok(p.width > 0 && p.drawn > 0.02 * p.width * p.height, `canvas drawn: ${JSON.stringify(p)}`);
    for (const href of await page.$$eval('figure.chart a.csv', (as) => as.map((a) => (a as HTMLAnchorElement).href))) assert.match(href, /^blob:/);

    // Filters.
    const all = await visibleEntries(page);
    assert.equal(all.length, 24);
    assert.equal(await page.$eval('#row-count', (e) => e.textContent), '24 of 24 rows');
    await page.click('#filter-primary');
    const primary = await visibleEntries(page);
    assert.ok(primary.length > 0 && primary.length < all.length, `primary only: ${primary.length} of ${all.length}`);
    assert.ok(primary.every((e) => e.role === 'primary'));
    assert.equal(await page.$eval('#row-count', (e) => e.textContent), `${primary.length} of 24 rows`);
    await page.click('#filter-primary');
    await page.select('#filter-workload', 'nvme-randread-64k-graph');
    const graph = await visibleEntries(page);
    assert.ok(graph.length > 0 && graph.length < all.length && graph.every((e) => e.workload === 'nvme-randread-64k-graph'));
    await page.select('#filter-workload', '');
    for (const [box, keep] of [
      ['#filter-regressions', (e: { verdict: string }) => e.verdict === 'regression'],
      ['#filter-significant', (e: { significant: string }) => e.significant === '1'],
    ] as const) {
      await page.click(box);
      assert.deepEqual(await visibleEntries(page), all.filter(keep), box);
      await page.click(box);
    }
    assert.equal((await visibleEntries(page)).length, all.length, 'every filter off: every row');

    // Sorting by change: ascending, then descending, absent values last.
    const changeValues = () =>
      page.$$eval('#comparison > tbody.entry', (bodies) =>
        (bodies as HTMLTableSectionElement[]).map((b) => {
          const cell = [...b.rows[0]!.cells].find((c, i) => (b.closest('table') as HTMLTableElement).tHead!.rows[0]!.cells[i]!.textContent!.startsWith('change'));
          const raw = cell?.getAttribute('data-value') ?? '';
          return raw === '' ? null : Number(raw);
        }),
      );
    const before = await changeValues();
    await page.click('#comparison thead button.sort[data-column] ::-p-text(change)');
    const ascending = (await changeValues()).filter((v): v is number => v !== null);
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    assert.notDeepEqual(await changeValues(), before, 'sorting changed the order');
    await page.click('#comparison thead button.sort[data-column] ::-p-text(change)');
    const descending = (await changeValues()).filter((v): v is number => v !== null);
    assert.deepEqual(descending, [...descending].sort((a, b) => b - a));

    // A row opens to its repetitions: read.iops of nvme-randread-64k, base and candidate, as the bundles hold them.
    const entry = await page.$$eval('#comparison > tbody.entry', (bodies) =>
      (bodies as HTMLTableSectionElement[]).findIndex((b) => b.dataset.workload === 'nvme-randread-64k' && b.rows[0]!.querySelector('td.metric')!.textContent === 'read.iops'),
    );
    assert.ok(entry >= 0);
    const body = (await page.$$('#comparison > tbody.entry'))[entry]!;
    assert.equal(await body.$('tr.reps'), null, 'closed at first: its repetitions not built');
    await (await body.$('button.expand'))!.click();
    assert.equal(await body.$eval('button.expand', (b) => document.getElementById(b.getAttribute('aria-controls')!)?.classList.contains('reps')), true, 'the button names what it opens');
    assert.equal(await body.$eval('button.expand', (b) => b.getAttribute('aria-expanded')), 'true');
    assert.equal(await body.$eval('tr.reps', (r) => (r as HTMLElement).hidden || (r as HTMLElement).offsetHeight === 0), false, 'open');
    const shown = await body.$$eval('tr.reps table.reps-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    const expected = async (dir: string) =>
      (await readSamples(dir))
        .filter((s) => s.pass === 'timed' && s.workload === 'nvme-randread-64k' && s.metric === 'read.iops')
        .sort((a, b) => a.rep - b.rep)
        .map((s) => formatNumber(s.value, chooseScale('IOPS', null)));
    const [base, cand] = [await expected(BASE), await expected(CAND)];
    assert.ok(base.length >= 2);
    assert.deepEqual(shown, base.map((b, i) => [String(i), b, cand[i]]));
    await screenshotWholePage(page, path.join(OUT, 'report-6.12-vs-7.2-expanded.png'));
    assertNoTrouble(trouble);
  } finally {
    await page.close();
  }
});

test('a report of hostile bundles: no payload runs, every payload reads as text', async () => {
  const dir = path.join(OUT, 'hostile');
  await mkdir(dir, { recursive: true });
  // test/helpers/hostile-bundle.ts: copies of the real bundles, a workload renamed in both, the base's host and the candidate's label replaced.
  const workload = `graph${PAYLOAD_SCRIPT}`;
  const base = await writeHostileBundle(BASE, path.join(dir, 'base'), { hostname: PAYLOAD_IMG, replace: [['nvme-randread-64k-graph', workload]] });
  const cand = await writeHostileBundle(CAND, path.join(dir, 'cand'), { label: PAYLOAD_CLOSE, replace: [['nvme-randread-64k-graph', workload]] });
  const file = path.join(OUT, 'report-hostile.html');
  await writeReport([base, cand], file);
  assert.ok((await readFile(file, 'utf8')).length > 0);
  const { page, trouble } = await openReport(file);
  try {
    await screenshotWholePage(page, path.join(OUT, 'report-hostile.png'));
    assertNoTrouble(trouble);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    assert.equal(await page.evaluate(() => document.images.length), 0, 'no image element was made');
    assert.equal(await page.evaluate(() => document.scripts.length), 6, 'no script element was made');
    const text = await page.evaluate(() => document.body.innerText);
    for (const payload of [PAYLOAD_IMG, PAYLOAD_CLOSE, workload]) assert.ok(text.includes(payload), `shown as text: ${payload}`);
    // The hostile workload is a filter value like any other, and its charts are drawn.
    await page.select('#filter-workload', workload);
    const shown = await visibleEntries(page);
    assert.ok(shown.length > 0 && shown.every((e) => e.workload === workload));
    for (const p of await drawnPixels(page)) assert.ok(p.drawn > 0, 'canvas drawn');
    assertNoTrouble(trouble);
  } finally {
    await page.close();
  }
});

test("each chart's CSV download, made in the page from its points, is the chart's CSV (numbers to the page's 6 digits)", async () => {
  const file = path.join(OUT, 'report-6.12-vs-7.2.html');
  await writeReport([BASE, CAND], file);
  const bundles = await Promise.all([BASE, CAND].map((d) => readBundle(d)));
  const specs = buildCharts(bundles, await readChartRaw(bundles));
  const page = await browser.newPage();
  try {
    // Reading a blob: URL needs fetch, which the page's own policy forbids (default-src 'none'): this tab sets it aside.
    await page.setBypassCSP(true);
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction((m: string) => performance.getEntriesByName(m, 'mark').length > 0, { timeout: 60_000 }, CHARTS_DRAWN_MARK);
    const csvs = await page.$$eval('figure.chart a.csv', (links) => Promise.all(links.map(async (a) => ({ name: a.getAttribute('download'), text: await (await fetch((a as HTMLAnchorElement).href)).text() }))));
    assert.equal(csvs.length, specs.length);
    const six = (v: string): string => (v === '' || Number.isNaN(Number(v)) ? v : String(Number(Number(v).toPrecision(6))));
    csvs.forEach((csv, i) => {
      assert.equal(csv.name, `${specs[i]!.id}.csv`);
      const got = parse(csv.text) as string[][];
      const want = (parse(specs[i]!.csv) as string[][]).map((row, r) => (r === 0 ? row : row.map(six)));
      assert.deepEqual(got, want, specs[i]!.id);
    });
  } finally {
    await page.close();
  }
});

test('a row is coloured only when its verdict is a regression or an improvement', async () => {
  await withTempDir('dmabench-report-verdicts-', async (dir) => {
    const { base, candidates } = await writeVerdictBundles(dir);
    const seen = new Map<string, string>();
    for (const [name, candidate] of candidates) {
      const file = path.join(dir, `${name}.html`);
      await writeReport([base, candidate], file);
      const { page, trouble } = await openReport(file);
      try {
        assertNoTrouble(trouble);
        seen.set(name, await page.$eval('#comparison > tbody.entry', (b) => `${(b as HTMLElement).dataset.verdict} / ${b.querySelector('tr')!.className}`));
      } finally {
        await page.close();
      }
    }
    assert.deepEqual(Object.fromEntries(seen), {
      worse: 'regression / row role-primary verdict-regression',
      better: 'improvement / row role-primary verdict-improvement',
      same: 'inconclusive / row role-primary',
    });
  });
});

test('a long table (the microbench-shaped pair of scripts/bench/report-speed.ts): filtered and opened while its rows are still being built (sorting: the first test)', async () => {
  const dir = path.join(OUT, 'long');
  // 146 cells x 5 repetitions a side, from the real dma_bench results through the collector's code (microbench-pair.ts).
  const pair = await writeMicrobenchPair(path.join(dir, 'bundles'), 1);
  const file = path.join(OUT, 'report-long.html');
  await writeReport([pair.base, pair.cand], file);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') errors.push(m.text());
  });
  try {
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction((m: string) => performance.getEntriesByName(m, 'mark').length > 0, { timeout: 60_000 }, TABLE_READY_MARK);
    const total = Number(await page.$eval('#comparison', (t) => t.getAttribute('data-rows')));
    assert.ok(total > 10 * TABLE_CHUNK_ROWS, `a table of many chunks: ${total} rows`);
    // At once, whatever has been built by now: the filter builds the rest first.
    await page.click('#filter-primary');
    const shown = await visibleEntries(page);
    assert.equal(await page.$$eval('#comparison > tbody.entry', (b) => b.length), total, 'every row built');
    assert.ok(shown.length > 0 && shown.length < total && shown.every((e) => e.role === 'primary'), `primary only: ${shown.length} of ${total}`);
    assert.equal(await page.$eval('#row-count', (e) => e.textContent), `${shown.length} of ${total} rows`);
    const lastReps = await page.evaluate(() => {
      const bodies = document.querySelectorAll('#comparison > tbody.entry');
      const last = bodies[bodies.length - 1]!;
      (last.querySelector('button.expand') as HTMLButtonElement).click();
      return last.querySelectorAll('tr.reps table.reps-table tbody tr').length;
    });
    assert.equal(lastReps, 5);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('three bundles, one of another workload: a candidate column, absent points drawn as gaps, no error', async () => {
  const file = path.join(OUT, 'report-three.html');
  await writeReport([BASE, CAND, fixture('bundles', 'lab-rxe-7.2')], file);
  const { page, trouble } = await openReport(file);
  try {
    await screenshotWholePage(page, path.join(OUT, 'report-three.png'));
    assertNoTrouble(trouble);
    const charts = (await pageCharts(page)).charts;
    assert.ok(charts.some((c) => c.series.some((s) => s.y.some((y) => y === null))), 'some point is absent');
    for (const p of await drawnPixels(page)) assert.ok(p.drawn > 0, 'canvas drawn');
    const headers = await page.$$eval('#comparison thead th', (ths) => ths.map((th) => th.textContent));
    assert.equal(headers.filter((h) => h === 'candidate').length, 2, 'a column naming the candidate, and the candidate median');
  } finally {
    await page.close();
  }
});

/** Per flame figure of the page's file, the frames whose name holds `text` (any case): read from the markup, not by the page's script. */
function framesHolding(html: string, text: string): number[] {
  return html
    .split('<figure class="flame"')
    .slice(1)
    .map((fig) => [...fig.matchAll(/<g class="frame" data-name="([^"]*)"/g)].filter((m) => m[1]!.toLowerCase().includes(text.toLowerCase())).length);
}

interface FlameState {
  matched: number[];
  shares: string[];
  status: string;
  fills: string[];
}

function flameState(page: Page): Promise<FlameState> {
  return page.evaluate(() => {
    const figs = [...document.querySelectorAll('figure.flame')];
    return {
      matched: figs.map((f) => f.querySelectorAll('g.frame.matched').length),
      shares: figs.map((f) => f.querySelector('.flame-match')!.textContent ?? ''),
      status: document.getElementById('flame-search-status')!.textContent ?? '',
      fills: [...document.querySelectorAll('g.frame.matched rect')].map((r) => getComputedStyle(r).fill),
    };
  });
}

async function clearSearch(page: Page): Promise<void> {
  await page.click('#flame-search', { clickCount: 3 });
  await page.keyboard.press('Backspace');
}

test('the flame graphs: a symbol typed into the search highlights its frames and shows its share; clearing it removes both', async () => {
  const dir = path.join(OUT, 'flame');
  const base = await writePerfRecordBundle(BASE, path.join(dir, 'base'), { captures: ['script-dd.txt'] });
  const cand = await writePerfRecordBundle(CAND, path.join(dir, 'cand'), { captures: ['script-system.txt'] });
  const file = path.join(OUT, 'report-flame.html');
  await writeReport([base.dir, cand.dir], file);
  const html = await readFile(file, 'utf8');
  const symbol = 'copy_page_to_iter';
  const expected = framesHolding(html, symbol);
  assert.equal(expected.length, 3, 'two flame graphs and the differential one');
  assert.ok(expected.every((n) => n > 0), `every graph has ${symbol}: ${expected.join(', ')}`);
  // dd's share of copy_page_to_iter as FlameGraph's own folding of the capture has it.
  const reference = (await readFile(fixture('perf', 'folded-reference', 'script-dd.folded'), 'utf8')).trim().split('\n');
  const weight = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
  const all = reference.reduce((n, l) => n + weight(l), 0);
  const holding = reference.filter((l) => l.split(' ')[0]!.split(';').includes(symbol)).reduce((n, l) => n + weight(l), 0);
  const baseShare = `${((100 * holding) / all).toFixed(2)}%`;

  const { page, trouble } = await openReport(file);
  try {
    assert.deepEqual((await flameState(page)).matched, [0, 0, 0], 'nothing highlighted before a search');
    await page.type('#flame-search', symbol.toUpperCase());
    const found = await flameState(page);
    assert.deepEqual(found.matched, expected, 'the frames holding the name, in any case, are highlighted');
    assert.ok(found.fills.length > 0 && found.fills.every((f) => f === 'rgb(230, 0, 230)'), `highlighted frames are drawn magenta: ${[...new Set(found.fills)].join(', ')}`);
    const frames = (n: number) => `${n} ${n === 1 ? 'frame' : 'frames'}`;
    assert.equal(found.shares[0], `matched: ${baseShare} of the samples (${frames(expected[0]!)})`);
    const candShare = /^matched: (\d+\.\d\d%) of the samples/.exec(found.shares[1]!)?.[1];
    assert.ok(candShare && candShare !== '0.00%', found.shares[1]);
    const diff = /^matched: base (\d+\.\d\d%), candidate (\d+\.\d\d%) of the samples \((\d+) frames?\)$/.exec(found.shares[2]!);
    assert.ok(diff, found.shares[2]);
    assert.equal(diff[2], candShare, "the differential graph's widths are the candidate's");
    assert.equal(diff[1], baseShare, "the differential graph's base share is the base graph's (its recorded counts, not the scaled ones)");
    assert.equal(found.status, `${frames(expected.reduce((a, b) => a + b, 0))} in 3 of 3 graphs`);
    await screenshotWholePage(page, path.join(OUT, 'report-flame-search.png'));

    await clearSearch(page);
    const cleared = await flameState(page);
    assert.deepEqual(cleared, { matched: [0, 0, 0], shares: ['', '', ''], status: '', fills: [] }, 'cleared: no highlight, no share');
    await page.type('#flame-search', 'no_such_function_anywhere');
    assert.deepEqual((await flameState(page)).shares, ['no frame matches', 'no frame matches', 'no frame matches']);
    await clearSearch(page);
    assertNoTrouble(trouble);
  } finally {
    await page.close();
  }
});

test('hostile symbols in the flame graphs: nothing runs, the search finds them, the table shows them as text', async () => {
  const dir = path.join(OUT, 'flame-hostile');
  // A real symbol of both captures rewritten before folding (no space, quote, parenthesis or ;: perf script's lines keep it whole).
  const hostile = "filemap_read</svg><script>window.__pwned=5</script><img/src=x/onerror=window.__pwned=4>";
  const rewrite: [string, string][] = [['filemap_read', hostile]];
  const base = await writePerfRecordBundle(BASE, path.join(dir, 'base'), { captures: ['script-dd.txt'], rewrite });
  const cand = await writePerfRecordBundle(CAND, path.join(dir, 'cand'), { captures: ['script-system.txt'], rewrite });
  const file = path.join(OUT, 'report-flame-hostile.html');
  await writeReport([base.dir, cand.dir], file);
  const { page, trouble } = await openReport(file);
  try {
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    assert.equal(await page.evaluate(() => document.images.length), 0, 'no image element was made');
    assert.equal(await page.evaluate(() => document.scripts.length), 6, 'no script element was made');
    assert.equal(await page.evaluate(() => document.querySelectorAll('svg').length), 3, 'no SVG closed early');
    const names = await page.$$eval('table.symbol-changes td.symbol', (tds) => tds.map((td) => td.textContent));
    assert.ok(names.includes(hostile), 'the name reads as text in the table');
    await page.type('#flame-search', '<script>');
    const found = await flameState(page);
    assert.deepEqual(found.matched, framesHolding(await readFile(file, 'utf8'), '&lt;script&gt;'));
    assert.ok(found.matched.every((n) => n > 0), 'the search matches the name as text');
    await screenshotWholePage(page, path.join(OUT, 'report-flame-hostile.png'));
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'still nothing ran');
    assertNoTrouble(trouble);
  } finally {
    await page.close();
  }
});
