// The HTML report (reports/html/) as a string: escaping of everything a bundle carries, the JSON
// data block that cannot close its element, the Content-Security-Policy's hashes, byte-identical
// output for the same bundles, and a bundle copied without raw/ (issue 13 items 1 and 7). The
// browser side is test/unit/report-browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import { buildCharts } from '../../reports/charts/index.js';
import { CHARTS_DATA_ID, type PageCharts } from '../../reports/html/chart-data.js';
import { assertInlineScript, escapeHtml, jsonForScript } from '../../reports/html/escape.js';
import { TABLE_DATA_ID, type TableData } from '../../reports/html/table-data.js';
import { renderHtmlReport } from '../../reports/html/report.js';
import { fixture } from '../helpers/paths.js';
import { withTempDir } from '../helpers/cli.js';
import { writeVerdictBundles } from '../helpers/bundles.js';
import { PAYLOAD_CLOSE, PAYLOAD_IMG, PAYLOAD_SCRIPT, writeHostileBundle } from '../helpers/hostile-bundle.js';

const BASE = fixture('bundles', 'lab-profile-schema2-6.12');
const CAND = fixture('bundles', 'lab-profile-schema2-7.2');
const HOSTILE_WORKLOAD = `graph${PAYLOAD_SCRIPT}`;

async function report(dirs: string[]): Promise<string> {
  const bundles = await Promise.all(dirs.map((d) => readBundle(d)));
  return renderHtmlReport({ bundles, charts: buildCharts(bundles) });
}

/** The inline scripts' texts and the data blocks', in page order. */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}

/** The JSON of the data block with this id. */
function dataOf<T>(html: string, id: string): T {
  const block = scripts(html).find((s) => s.attrs === ` type="application/json" id="${id}"`);
  assert.ok(block, `a data block ${id}`);
  return JSON.parse(block.body) as T;
}

test('jsonForScript: no <, >, & or line separators left, and JSON.parse gives the value back', () => {
  const value = { a: '</script><!-- & \u2028\u2029 <img>', b: ['</SCRIPT>'] };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(json), value);
});

test('assertInlineScript refuses what would end the element early or change under the HTML parser (and so miss its hash)', () => {
  assert.equal(assertInlineScript('ok', 'var a = "\\r\\n";'), 'var a = "\\r\\n";');
  for (const bad of ['x = "</script>"', 'x = "<!--"', 'x = 1;\r\ny = 2;', 'x = "\0"']) assert.throws(() => assertInlineScript('bad', bad), JSON.stringify(bad));
});

test('escapeHtml escapes the five markup characters', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('a report of real bundles: one CSP with the hash of each inline script, the charts and the table as data blocks', async () => {
  const html = await report([BASE, CAND]);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta element');
  assert.match(csp, /default-src 'none'/);
  const all = scripts(html);
  const data = all.filter((s) => /type="application\/json"/.test(s.attrs));
  const code = all.filter((s) => s.attrs === '');
  assert.equal(data.length, 2, 'two data blocks: the table and the charts');
  assert.equal(code.length, 4, 'chart.js, the chart script, the table script, the flame graph search');
  assert.equal(all.length, 6, 'no other script element');
  for (const s of code) assert.ok(csp.includes(`'sha256-${createHash('sha256').update(s.body, 'utf8').digest('base64')}'`), 'each inline script allowed by its hash');
  assert.ok(code[0]!.body.includes('Chart.js v4'), 'chart.js is inlined, not fetched');
  assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//, 'nothing refers to the network');
  const charts = dataOf<PageCharts>(html, CHARTS_DATA_ID).charts;
  const bundles = await Promise.all([BASE, CAND].map((d) => readBundle(d)));
  assert.deepEqual(charts.map((c) => c.id), buildCharts(bundles).map((c) => c.id), 'every chart of the builders, in their order');
  assert.ok(charts.length > 2);
  assert.equal((html.match(/<canvas /g) ?? []).length, charts.length);
  assert.doesNotMatch(html, /"csv":/, 'no CSV in the page: the page makes it from the points');
  // 24 rows of compare (read.iops, bw, clat ... cpu of both workloads), each with its repetitions, built in the page.
  const table = dataOf<TableData>(html, TABLE_DATA_ID);
  assert.equal(table.entries.side.length, 24);
  assert.ok(table.entries.repsBase.every((r) => r.length >= 1) && table.entries.repsCand.every((r) => r.length >= 1), 'every row has its repetitions');
  assert.match(html, /<table id="comparison" data-rows="24"><thead>/);
  assert.doesNotMatch(html, /<tbody class="entry"/, 'no row as markup');
});

test('two reports of the same bundles are byte-identical', async () => {
  const first = await report([BASE, CAND]);
  const second = await report([BASE, CAND]);
  assert.equal(createHash('sha256').update(first).digest('hex'), createHash('sha256').update(second).digest('hex'));
  assert.equal(first, second);
});

test('hostile labels, host and workload names are escaped everywhere and cannot close the data block', async () => {
  await withTempDir('dmabench-report-hostile-', async (dir) => {
    // Both copies rename a workload (so its rows still match); the base's host and the candidate's label are payloads.
    const workload = ['nvme-randread-64k-graph', HOSTILE_WORKLOAD] as [string, string];
    const base = await writeHostileBundle(BASE, path.join(dir, 'base'), { hostname: PAYLOAD_IMG, replace: [workload] });
    const cand = await writeHostileBundle(CAND, path.join(dir, 'cand'), { label: PAYLOAD_CLOSE, replace: [workload] });
    const html = await report([base, cand]);
    for (const payload of [PAYLOAD_SCRIPT, PAYLOAD_CLOSE, PAYLOAD_IMG]) {
      assert.ok(!html.includes(payload), `${payload} appears unescaped`);
      assert.ok(html.includes(escapeHtml(payload)), `${payload} appears escaped`);
    }
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /window\.__pwned=\d;console\.error\('pwned'\)<\/script>/);
    const all = scripts(html);
    assert.equal(all.length, 6, 'the payloads added no script element and closed none early');
    const { charts, strings } = dataOf<PageCharts>(html, CHARTS_DATA_ID);
    assert.ok(charts.some((c) => c.title.includes(HOSTILE_WORKLOAD)), 'the data block keeps the names as they are');
    assert.ok(charts.some((c) => c.series.some((s) => strings[s.label] === PAYLOAD_CLOSE)));
    const table = dataOf<TableData>(html, TABLE_DATA_ID);
    assert.ok(table.strings.includes(HOSTILE_WORKLOAD) && table.labels.includes(PAYLOAD_CLOSE), "the table's data block keeps them as they are too");
  });
});

test('a bundle copied without raw/ still renders, and the page says what is missing', async () => {
  await withTempDir('dmabench-report-trimmed-', async (dir) => {
    // old-main-fio is the fixture that keeps its raw/; the candidate is the same bundle without it.
    const whole = path.join(dir, 'whole');
    const trimmed = path.join(dir, 'trimmed');
    await cp(fixture('bundles', 'old-main-fio'), whole, { recursive: true });
    await cp(whole, trimmed, { recursive: true });
    await rm(path.join(trimmed, 'raw'), { recursive: true });
    const html = await report([whole, trimmed]);
    const missing = /<ul class="notes-list" id="missing">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    assert.match(missing, /old-main-fio#1: raw\/ is not in this copy/);
    assert.doesNotMatch(missing, /old-main-fio#0/, 'the whole copy lacks nothing');
    assert.ok(dataOf<TableData>(html, TABLE_DATA_ID).entries.side.length > 0, 'the table is there');
    const charts = buildCharts(await Promise.all([whole, trimmed].map((d) => readBundle(d))));
    assert.ok(charts.length > 0);
    assert.equal((html.match(/<canvas /g) ?? []).length, charts.length, 'the charts are there');
  });
});

test('one bundle: the page has its charts and says there is nothing to compare', async () => {
  const html = await report([CAND]);
  assert.match(html, /One bundle: nothing to compare/);
  assert.doesNotMatch(html, /<table id="comparison"/);
  const charts = buildCharts([await readBundle(CAND)]);
  assert.ok(charts.length > 0);
  assert.equal((html.match(/<canvas /g) ?? []).length, charts.length);
});

test("each row's verdict reaches the page's table data (the page colours regressions and improvements: report-browser.test.ts)", async () => {
  await withTempDir('dmabench-report-verdicts-', async (dir) => {
    const { base, candidates } = await writeVerdictBundles(dir);
    const verdicts = new Map<string, string>();
    for (const [name, candidate] of candidates) {
      const table = dataOf<TableData>(await report([base, candidate]), TABLE_DATA_ID);
      const row = table.entries.metric.findIndex((m) => table.strings[m] === 'read.iops');
      assert.ok(row >= 0, name);
      verdicts.set(name, `${table.strings[table.entries.verdict[row]!]} / ${table.strings[table.entries.role[row]!]}`);
    }
    assert.deepEqual(Object.fromEntries(verdicts), {
      worse: 'regression / primary',
      better: 'improvement / primary',
      same: 'inconclusive / primary',
    });
  });
});

test('the summary (reports/summary/, already escaped by its producer) goes in as it is, first after the title', async () => {
  const bundles = await Promise.all([BASE, CAND].map((d) => readBundle(d)));
  const summaryHtml = '<p class="answer">7.2 reads <b>19%</b> more 64 KiB IOPS</p>';
  const html = await renderHtmlReport({ bundles, charts: buildCharts(bundles), summaryHtml });
  assert.match(html, /<\/h1><section id="summary"><p class="answer">7\.2 reads <b>19%<\/b> more 64 KiB IOPS<\/p><\/section><section id="bundles">/);
  assert.doesNotMatch(await report([BASE, CAND]), /id="summary"/, 'no summary given: no section');
});
