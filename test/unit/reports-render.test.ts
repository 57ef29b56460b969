// Renderers: structure of each output (headers, roles, p and q, marker, legend, widths), CSV and JSON parse back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Better, Sample } from '../../model/measurement.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { testBundle } from '../helpers/bundles.js';
import { compareBundles, type Comparison } from '../../reports/compare/compare.js';
import { renderText } from '../../reports/render/text.js';
import { fill } from '../../reports/render/wrap.js';
import { renderTerminal } from '../../reports/render/terminal.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderJson } from '../../reports/render/json.js';
import { CSV_COLUMNS, renderCsv } from '../../reports/render/csv.js';
import { chooseScale, formatCiShort, formatNumber, formatPct, formatP, formatPShort } from '../../reports/render/format.js';

function bundle(label: string, release: string, mode: 'strict' | 'lazy', metrics: [string, string, Better, (number | null)[]][]): LoadedBundle {
  const samples: Sample[] = metrics.flatMap(([metric, unit, better, values]) =>
    values.map((value, rep) => ({ workload: 'fio-randread', cell: 'fio-randread:bs=64k,iodepth=8', rep, pass: 'timed' as const, tool: 'fio', metric, value, unit, better })),
  );
  return testBundle(`/b/${label}`, label, samples, { release, mode, hostname: 'labhost' });
}

const IOPS = [1000, 1012, 993, 1005, 998];
const LAT = [1.2e6, 1.25e6, 1.22e6, 1.21e6, 1.23e6];

function comparison(): Comparison {
  return compareBundles(
    [
      bundle('linux-6.12', '6.12.117-amd64', 'strict', [
        ['read.iops', 'IOPS', 'higher', IOPS],
        ['read.clat.p99', 'ns', 'lower', LAT],
        ['dma_iova_link.calls_per_io_with_a_very_long_metric_name_indeed', 'calls/IO', 'none', [8, 8, 8, 8, 8]],
        ['cycles', 'count', 'lower', [5, null, null]],
        ['read.clat.max', 'ns', 'lower', LAT],
        ['read.bw', 'MiB/s', 'higher', IOPS],
      ]),
      bundle('linux-7.2', '7.2.13-amd64', 'lazy', [
        ['read.iops', 'IOPS', 'higher', IOPS.map((v) => v * 1.1)],
        ['read.clat.p99', 'ns', 'lower', LAT.map((v) => v * 1.001)],
        ['dma_iova_link.calls_per_io_with_a_very_long_metric_name_indeed', 'calls/IO', 'none', [9, 9, 9, 9, 9]],
        ['cycles', 'count', 'lower', [5, 6, 7]],
        ['only.here', 'count', 'lower', [1, 2]],
        ['read.clat.max', 'ns', 'lower', LAT.map((v) => v * 1.3)],
        ['read.bw', 'IOPS', 'higher', IOPS],
      ]),
    ],
    { seed: 5 },
  );
}

/** The leading `#` lines of our CSV, and the table after them. */
function splitCsvComments(text: string): [string[], string] {
  const lines = text.split('\n');
  const n = lines.findIndex((l) => !l.startsWith('#'));
  return [lines.slice(0, n), lines.slice(n).join('\n')];
}

/** A metric's table row in the text report, joined with its next line when the name stood alone. */
function textRow(text: string, metric: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l === metric || l.startsWith(`${metric} `));
  assert.ok(i >= 0, `row ${metric}`);
  return lines[i] === metric ? `${metric} ${lines[i + 1]!.trim()}` : lines[i]!;
}

/** Minimal RFC 4180 reader (quoted fields, doubled quotes), enough to read our own CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

test('text: header, a legend that states the methods, role marks, p and q, and every line ASCII within 78 columns', () => {
  const text = renderText(comparison());
  for (const expected of ['linux-6.12', 'linux-7.2', '6.12.117-amd64', '7.2.13-amd64', 'strict', 'lazy']) assert.ok(text.includes(expected), expected);
  assert.match(text, /Legend:/);
  const legendText = text.slice(text.indexOf('Legend:'), text.indexOf('==')).replace(/\s+/g, ' ');
  assert.match(legendText, /exact over all splits of the observed values \(conditional on ties\)/);
  assert.match(legendText, /levels achieved: 94\.4% at 5 v 5/);
  assert.match(legendText, /Benjamini-Hochberg/);
  assert.match(legendText, /the whole interval lies beyond \+\/-2% \(--noise\)/);
  assert.match(legendText, /\* q < 0\.05 and the verdict is a regression or an improvement/);
  assert.match(legendText, /between-boot variance was not sampled/);
  assert.match(legendText, /P primary .* i informational .* d descriptive/);
  assert.match(text, /== linux-6\.12 \(base\) vs linux-7\.2 ==/);
  assert.match(text, /^-- fio-randread:bs=64k,iodepth=8 \(n 5v5\)$/m);
  assert.match(text, /^metric +r unit +base +cand +change CI % +p +q verdict$/m);

  const iopsLine = textRow(text, 'read.iops');
  assert.match(iopsLine, / P IOPS .*\+10\.00%\* \[\+8\.7,\+11\.3\] +0\.008 0\.02 improvement$/, 'starred, with its interval, p and q');
  const latLine = textRow(text, 'read.clat.p99');
  assert.doesNotMatch(latLine, /%\*/, 'a 0.1% change is not marked');
  assert.match(latLine, / ms /, 'nanoseconds around 1.2e6 print as ms');
  assert.match(latLine, /inconclusive$/);
  const flat = text.replace(/\s+/g, ' ');
  assert.match(flat, /inconclusive; repetitions per side that would settle it: read\.clat\.p99=9 /);
  const maxLine = textRow(text, 'read.clat.max');
  assert.match(maxLine, / d ms .*\+30\.0% {2}- {2,}- +- not tested$/, 'descriptive: shown, not tested, no star');
  assert.match(text, /\n {10}i calls\/IO .*\+12\.5% {2}\[\+12\.5,\+12\.5\] 0\.008 +- changed\n/, 'informational: changed, no q, no star');
  assert.match(textRow(text, 'read.bw'), /read\.bw +P MiB\/s +1000 +1000 +- +- +- +- incomparable$/);
  assert.match(flat, /read\.bw: units differ \('MiB\/s' and 'IOPS'\) and no conversion is known: not tested/, "the footnote names the candidate's unit");
  assert.match(text, /cycles: n = 1\+2\?v3/);
  assert.match(text, /cycles .*n too small/);
  assert.match(text, /only\.here: only in linux-7\.2/);
  for (const line of text.split('\n')) assert.ok(line.length <= 78, `line too wide (${line.length}): ${line}`);
  assert.ok(/^[\x20-\x7e\n]*$/.test(text), 'plain ASCII');
  // The long metric name went on its own line rather than widening the table.
  assert.ok(text.split('\n').includes('dma_iova_link.calls_per_io_with_a_very_long_metric_name_indeed'));
});

test('text: a long cell key wraps after its commas', () => {
  const key = 'map-2m:api=sg,size=2m,segs=512,layout=scattered,dir=to_device,threads=2,iters=10000,warmup=1000,device=edu';
  const lines = fill(`-- ${key} (n 5v5)`, 78, { indent: '   ' });
  assert.ok(lines.length > 1);
  for (const line of lines) assert.ok(line.length <= 78, line);
  for (const line of lines.slice(0, -1)) assert.match(line, /,$/, 'each line ends after a comma');
  assert.equal(lines.map((l) => l.trim()).join('').replace(/ /g, ''), `-- ${key} (n 5v5)`.replace(/ /g, ''), 'nothing lost');
});

test('terminal: no escape codes unless colour is asked for', () => {
  const c = comparison();
  const plain = renderTerminal(c);
  assert.ok(!plain.includes('\u001b['));
  assert.match(plain, /read\.iops +primary +IOPS +5v5 .* \[\+8\.70%, \+11\.3%\] +94\.4% +0\.0079 +0\.016 +improvement/);
  assert.match(plain, /read\.bw +primary +MiB\/s .* 1000 IOPS .*incomparable/, "an incomparable candidate's median in its own unit");
  const coloured = renderTerminal(c, { colour: true });
  assert.ok(coloured.includes('\u001b[32m'), 'improvement in green');
  // Same text once the escapes are removed.
  assert.equal(coloured.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''), plain);
});

test('markdown: bundle table, legend and one GFM table per group with escaped cells', () => {
  const md = renderMarkdown(comparison());
  assert.match(md, /^# dmabench comparison$/m);
  assert.match(md, /^\| base \| linux-6\.12 \| 6\.12\.117-amd64 \| strict \|/m);
  assert.match(md, /^## linux-6\.12 \(base\) vs linux-7\.2$/m);
  assert.match(md, /^### fio-randread:bs=64k,iodepth=8$/m);
  assert.match(md, /^\| metric \| role \| unit \| base median \| candidate median \| change \| interval \(level\) \| p \| q \| verdict \|$/m);
  const iops = md.split('\n').find((l) => l.startsWith('| `read.iops`'))!;
  assert.match(iops, /\| primary \|/);
  assert.match(iops, /\*\*\+10\.00%\*\*\*/);
  assert.match(iops, /\[\+8\.70%, \+11\.3%\] \(94\.4%\) \| 0\.0079 \| 0\.016 \|/);
  assert.match(iops, /\*\*improvement\*\*/);
  assert.match(md, /- \*\*q\*\*: Benjamini-Hochberg/);
  // Every table row has the same number of unescaped pipes as its header.
  for (const line of md.split('\n').filter((l) => l.startsWith('| `'))) assert.equal(line.replace(/\\\|/g, '').split('|').length, 12, line);
});

test('json: parses back with kind, version and the full comparison', () => {
  const c = comparison();
  const parsed = JSON.parse(renderJson(c)) as Comparison & { kind: string; version: number };
  assert.equal(parsed.kind, 'dmabench-comparison');
  assert.equal(parsed.version, 2);
  assert.equal(parsed.rows.length, c.rows.length);
  assert.deepEqual(parsed.options, c.options);
  const iops = parsed.rows.find((r) => r.metric === 'read.iops')!;
  assert.equal(iops.candidates[0]!.verdict, 'improvement');
  assert.equal(iops.role, 'primary');
  const lat = parsed.rows.find((r) => r.metric === 'read.clat.p99')!.candidates[0]!;
  assert.match(lat.reason, /the 94\.4% interval \[-2\.30%, \+2\.56%\] crosses the 2% threshold; about 9 repetitions per side would bring the interval within \+\/-2%/);
  assert.deepEqual(lat.settle, { replicates: 9, unit: 'repetitions', goal: 'within +/-2%', noiseFactor: lat.settle!.noiseFactor });
  assert.equal(iops.base.median, 1000);
  assert.equal(typeof iops.candidates[0]!.q, 'number');
  assert.equal(iops.candidates[0]!.ci!.method, 'rank');
  assert.deepEqual(parsed.levels, c.levels);
});

test('json: non-finite numbers are spelled out instead of silently becoming null', () => {
  const c = comparison();
  c.rows[0]!.base.mean = Infinity;
  assert.match(renderJson(c), /"mean": "Infinity"/);
});

test('csv: parses back with the documented columns, one row per metric and candidate, empty = absent', () => {
  const c = comparison();
  // Comparability warnings come first as `#` comment lines (here: the two IOMMU modes differ).
  const [comments, table] = splitCsvComments(renderCsv(c));
  assert.match(comments[0] ?? '', /^# Not comparable in every respect:$/);
  const rows = parseCsv(table);
  assert.deepEqual(rows[0], [...CSV_COLUMNS]);
  const body = rows.slice(1);
  assert.equal(body.length, c.rows.length);
  assert.ok(CSV_COLUMNS.includes('q') && CSV_COLUMNS.includes('role') && CSV_COLUMNS.includes('ci_level'));
  for (const r of body) assert.equal(r.length, CSV_COLUMNS.length);
  const col = (name: (typeof CSV_COLUMNS)[number]): number => CSV_COLUMNS.indexOf(name);
  const iops = body.find((r) => r[col('metric')] === 'read.iops')!;
  assert.equal(iops[col('cell')], 'fio-randread:bs=64k,iodepth=8', 'a field with commas survives quoting');
  assert.equal(iops[col('base_label')], 'linux-6.12');
  assert.equal(iops[col('cand_label')], 'linux-7.2');
  assert.equal(Number(iops[col('base_median')]), 1000);
  assert.ok(Math.abs(Number(iops[col('change_pct')]) - 10) < 1e-9);
  assert.equal(iops[col('verdict')], 'improvement');
  assert.equal(iops[col('significant')], 'true');
  assert.equal(iops[col('role')], 'primary');
  assert.ok(Number(iops[col('q')]) >= Number(iops[col('mw_p')]));
  assert.ok(Math.abs(Number(iops[col('ci_level')]) - 0.9444) < 1e-4);
  const max = body.find((r) => r[col('metric')] === 'read.clat.max')!;
  assert.equal(max[col('role')], 'descriptive');
  assert.equal(max[col('q')], '');
  assert.equal(max[col('verdict')], 'not tested');
  const lat = body.find((r) => r[col('metric')] === 'read.clat.p99')!;
  assert.deepEqual([lat[col('verdict')], lat[col('settle_replicates')], lat[col('settle_unit')]], ['inconclusive', '9', 'repetitions']);
  const cycles = body.find((r) => r[col('metric')] === 'cycles')!;
  assert.equal(cycles[col('base_missing')], '2');
  assert.equal(cycles[col('mw_p')], '', 'no test, empty field');
  assert.equal(cycles[col('verdict')], 'n too small');
});

test('number formatting', () => {
  assert.deepEqual(chooseScale('ns', 1.2e6), { unit: 'ms', factor: 1e-6 });
  assert.deepEqual(chooseScale('ns', 850), { unit: 'ns', factor: 1 });
  assert.deepEqual(chooseScale('IOPS', 1.2e6), { unit: 'IOPS', factor: 1 });
  assert.equal(formatNumber(1234567), '1234567');
  assert.equal(formatNumber(12.3), '12.3');
  assert.equal(formatNumber(0.012345), '0.01235');
  assert.equal(formatNumber(null), '-');
  assert.equal(formatPct(2.345), '+2.35%');
  assert.equal(formatPct(-12.34), '-12.3%');
  assert.equal(formatPct(-0.001), '+0.00%');
  assert.equal(formatPct(250), '+250%');
  assert.equal(formatP(0.0004), '<0.001');
  assert.equal(formatP(0.0079365), '0.0079');
  assert.equal(formatPShort(0.0004), '<.001');
  assert.equal(formatPShort(0.0079365), '0.008');
  assert.equal(formatPShort(0.0312), '0.03');
  assert.equal(formatPShort(1), '1.00');
  assert.equal(formatCiShort({ lowPct: 3.14, highPct: 140.2 }), '[+3.1,+140]');
  assert.equal(formatCiShort({ lowPct: -Infinity, highPct: -0.01 }), '[-inf,+0.0]');
});

test('legend: sides with several boots say the interval is a two-level bootstrap', () => {
  const samples = (label: string, factor: number): Sample[] =>
    IOPS.concat(IOPS).map((v, rep) => ({
      workload: 'w', cell: 'w:bs=64k', rep, pass: 'timed' as const, tool: 'fio', metric: 'read.iops', value: v * factor, unit: 'IOPS', better: 'higher' as const, bootId: `${label}${rep % 2}`,
    }));
  const c = compareBundles([testBundle('/b/a', 'a', samples('a', 1)), testBundle('/b/b', 'b', samples('b', 1.1))]);
  const text = renderText(c).replace(/\s+/g, ' ');
  assert.match(text, /a ran in 2 boots, b ran in 2 boots: rows with 2 or more boots on a side take their interval from a two-level bootstrap \(boots resampled, then repetitions within each boot; 2000 resamples, seed 1;/);
  assert.doesNotMatch(text, /between-boot variance was not sampled/);
  const md = renderMarkdown(c);
  assert.match(md, /\(95\.0%\)/, 'the bootstrap level is printed with the interval');
});

test('text: lab-length labels and a long unmatched cell key stay within 78 columns, nothing lost', () => {
  const key = 'map-64k:api=link,dir=to_device,iters=500,layout=scattered,segs=16,size=64k,threads=1,warmup=50';
  const long = (label: string, release: string, extra: Sample[]): LoadedBundle =>
    testBundle(`/b/${label}`, label, [
      ...IOPS.map((value, rep) => ({ workload: 'w', cell: 'w:bs=4k', rep, pass: 'timed' as const, tool: 'fio', metric: 'read.iops', value, unit: 'IOPS', better: 'higher' as const })),
      ...extra,
    ], { release, mode: 'strict', hostname: 'dmabench-lab' });
  const text = renderText(
    compareBundles([
      long('6.12.117+deb13-amd64 iommu=strict cm=on', '6.12.117+deb13-amd64', []),
      long('7.2.13+deb14-amd64 iommu=strict cm=on', '7.2.13+deb14-amd64', [{ workload: 'map-64k', cell: key, rep: 0, pass: 'timed', tool: 'microbench', metric: 'map.max', value: 1, unit: 'us', better: 'lower' }]),
    ]),
  );
  for (const line of text.split('\n')) assert.ok(line.length <= 78, `line too wide (${line.length}): ${line}`);
  assert.match(text, /^base:\n {2}label: +6\.12\.117\+deb13-amd64 iommu=strict cm=on$/m);
  assert.match(text, /^cand:\n {2}label: +7\.2\.13\+deb14-amd64 iommu=strict cm=on\n {2}kernel: +7\.2\.13\+deb14-amd64\n {2}IOMMU mode: strict\n {2}host: +dmabench-lab$/m);
  assert.ok(text.replace(/\n\s*/g, '').includes(`${key} map.max: only in`), 'the key is whole once the line breaks are taken out');
});
