// The published site in a real browser (issue 14 items 1 and 6): the real CLI publishes a results
// tree of real lab bundles, a hostile copy of one and a nightly series synthesised from a real
// bundle with a known step (test/helpers/publish-tree.ts); headless Chromium (Debian's `chromium`,
// driven by puppeteer-core, as test/unit/report-browser.test.ts does) opens index.html from
// file:// and follows its links: no console error, no failed request, no request outside the site,
// the tiles' sparklines and latest runs drawn from the index's data shards (not in index.html), the
// series chart drawn, the step drawn where detection put it, the
// regression listed, the log-y toggle working, and nothing from the hostile bundle run.
// Screenshots in test-output/publish-browser/ (ignored by git; the path is printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium, screenshotWholePage } from '../helpers/chromium.js';
import type { RegressionRecord } from '../../reports/site/regressions.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { HOSTILE_HOST, STEP_RUN, writePublishTree } from '../helpers/publish-tree.js';

const OUT = path.join(repoRoot, 'test-output', 'publish-browser');
const SITE = path.join(OUT, 'site');

let browser: Browser;

before(async () => {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  console.log(`publish-browser: the site and screenshots in ${OUT}`);
  const results = path.join(OUT, 'results');
  await writePublishTree(results, { runs: 30, hostile: true });
  const r = await runCli(['publish', results, '--out', SITE]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

interface Trouble {
  errors: string[];
  /** Requests for anything but a file of the site. */
  foreign: string[];
}

function watch(page: Page): Trouble {
  const trouble: Trouble = { errors: [], foreign: [] };
  const siteUrl = pathToFileURL(SITE).href + '/';
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') trouble.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => trouble.errors.push(String(e)));
  page.on('requestfailed', (r) => trouble.errors.push(`failed ${r.url()}: ${r.failure()?.errorText ?? '?'}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(siteUrl) && !/^(data|blob):/.test(r.url())) trouble.foreign.push(r.url());
  });
  return trouble;
}

async function open(file: string): Promise<{ page: Page; trouble: Trouble }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1300, height: 1000 });
  const trouble = watch(page);
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, trouble };
}

function assertClean(trouble: Trouble, where: string): void {
  assert.deepEqual(trouble.errors, [], `${where}: console errors, page errors, failed requests`);
  assert.deepEqual(trouble.foreign, [], `${where}: requests beyond the site`);
}

async function notPwned(page: Page, where: string): Promise<void> {
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, `${where}: a payload ran`);
  assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0, `${where}: a payload became an element`);
}

test('index.html from file://: clean, tiles with sparklines, the regression listed; its link opens the series page with the step drawn', async () => {
  const { regressions } = JSON.parse(await readFile(path.join(SITE, 'regressions.json'), 'utf8')) as { regressions: RegressionRecord[] };
  assert.equal(regressions.length, 1);
  const { page, trouble } = await open(path.join(SITE, 'index.html'));
  try {
    await screenshotWholePage(page, path.join(OUT, 'index.png'));
    assertClean(trouble, 'index');
    await notPwned(page, 'index');
    assert.ok((await page.$$eval('.tile', (t) => t.length)) > 10);
    // The sparklines and the latest runs are not in index.html: its script draws them from the series' data shards.
    const html = await readFile(path.join(SITE, 'index.html'), 'utf8');
    assert.ok(!html.includes('<polyline') && !html.includes('<svg'), 'no sparkline in the index file itself');
    assert.ok(!/data-latest-runs="\d+"><thead>.*?<\/thead><tbody><tr>/.test(html), 'no latest-run row in the index file itself');
    assert.ok((await page.$$eval('.tile svg.spark polyline', (p) => p.filter((l) => (l.getAttribute('points') ?? '').split(' ').length >= 30).length)) > 10, 'sparklines of 30 runs');
    const latest = await page.$$eval('table[data-latest-runs]', (tables) =>
      tables.map((t) => ({
        want: Number(t.getAttribute('data-latest-runs')),
        rows: Array.from(t.querySelectorAll('tbody tr'), (tr) => ({ cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? ''), href: tr.querySelector('td a')?.getAttribute('href') ?? '' })),
      })),
    );
    assert.ok(latest.length >= 3);
    for (const t of latest) assert.equal(t.rows.length, t.want, 'each series lists its latest runs');
    const nightlyRows = latest.find((t) => t.rows[0]?.cells[0] === `box-a/nightly/run-0${30 - 1}`);
    assert.ok(nightlyRows, 'the nightly series lists its newest run first');
    assert.equal(nightlyRows.rows.length, 10);
    assert.deepEqual(nightlyRows.rows[0]!.cells.slice(1, 2), ['box-a']);
    for (const row of nightlyRows.rows) assert.ok(existsSync(path.join(SITE, row.href)), `${row.href} is a run page`);
    const hostileRows = latest.flatMap((t) => t.rows).filter((r) => r.cells[1] === HOSTILE_HOST);
    assert.equal(hostileRows.length, 1, 'the hostile host name is a cell\'s text');
    const listed = await page.$$eval('ul.open-regressions li', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.equal(listed.length, 1);
    assert.match(listed[0]!, /read\.clat\.p50 of nvme-randread-64k:.*step \+\d\.\d\d%/);
    assert.match(await page.$eval('#unreadable', (e) => e.textContent ?? ''), /vm\/torn/);
    assert.ok((await page.evaluate(() => document.body.textContent ?? '')).includes(HOSTILE_HOST), 'the hostile host name reads as text');

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('ul.open-regressions li a')]);
    assert.ok(page.url().endsWith(regressions[0]!.links.series), page.url());
    await screenshotWholePage(page, path.join(OUT, 'series.png'));
    assertClean(trouble, 'series page');
    const chart = await page.$eval('#series-chart', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) drawn++;
      const chartJs = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string; data: { x: number; y: number | null }[] }[] } } } }).Chart.getChart(canvas);
      const levels = chartJs.data.datasets.find((d) => d.label === 'fitted level')!.data.map((p) => p.y);
      return { drawn, area: canvas.width * canvas.height, steps: canvas.dataset.steps, shaded: canvas.dataset.shaded, levels };
    });
    assert.ok(chart.drawn > 0.02 * chart.area, `the chart is drawn: ${chart.drawn} of ${chart.area} pixels`);
    assert.equal(chart.steps, '1');
    assert.equal(chart.shaded, '1');
    const firstHigh = chart.levels.findIndex((y) => y !== chart.levels[0]);
    assert.equal(firstHigh, STEP_RUN, 'the fitted level steps up at the first bad run');
    assert.ok(chart.levels[STEP_RUN]! > chart.levels[0]!);
    assert.match(await page.$eval('#changes tbody tr.regression', (tr) => tr.textContent ?? ''), /step regression \+\d\.\d\d%.*git bisect start/);

    await page.click('#log-y');
    assert.equal(await page.$eval('#series-chart', (c) => (window as unknown as { Chart: { getChart(c: Element): { options: { scales: { y: { type: string } } } } } }).Chart.getChart(c).options.scales.y.type), 'logarithmic');
    assert.equal(await page.$eval('#log-y', (b) => b.getAttribute('aria-pressed')), 'true');
    assertClean(trouble, 'series page after log y');

    // On to the first bad run's report, from the change's row.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#changes tbody tr.regression td:nth-child(3) a')]);
    assert.ok(page.url().endsWith(regressions[0]!.links.firstBadRun), page.url());
    assertClean(trouble, 'run page');
    const canvases = await page.$$eval('figure.chart canvas', (cs) => cs.length);
    assert.ok(canvases >= 2, `the run page draws its charts (${canvases})`);
    assert.ok(await page.$eval('nav.site a', (a) => (a as HTMLAnchorElement).href.endsWith('/index.html')));
  } finally {
    await page.close();
  }
});

test('the hostile bundle\'s pages: every payload is text, nothing runs', async () => {
  const index = await readFile(path.join(SITE, 'index.html'), 'utf8');
  const seriesLinks = [...index.matchAll(/<section class="series" id="series-[0-9a-f]+" data-series="[0-9a-f]+"><h2>box&lt;img[\s\S]*?<\/section>/g)].flatMap((m) => [...m[0].matchAll(/href="((?:series|runs)\/[0-9a-f]+\.html)"/g)].map((x) => x[1]!));
  assert.ok(seriesLinks.length >= 2, 'the hostile series has pages');
  for (const link of [...new Set(seriesLinks)].slice(0, 3)) {
    const { page, trouble } = await open(path.join(SITE, link));
    try {
      assertClean(trouble, link);
      await notPwned(page, link);
    } finally {
      await page.close();
    }
  }
});
