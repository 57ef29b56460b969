import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parsePerftestJson, parsePerftestText, perftestErrorLines } from '../../collectors/perftest/parse.js';
import { perftestMeasurements } from '../../collectors/perftest/metrics.js';
import { ingestFile } from '../../collectors/ingest.js';
import { ParseError } from '../../model/parse-error.js';

const read = (...p: string[]) => readFileSync(fixture('perftest', ...p), 'utf8');

/** The table rows as whitespace-split words, read independently of the parser. */
function tableWords(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('#bytes'));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('---') || l.trim() === '') break;
    rows.push(l.trim().split(/\s+/));
  }
  return rows;
}

for (const dir of ['lab-7.2', 'lab-6.12']) {
  test(`${dir}: client text in MiB/s, one size`, () => {
    const text = read(dir, 'mbs.client.txt');
    const r = parsePerftestText(text);
    const [words] = tableWords(text);
    assert.equal(r.side, 'client');
    assert.equal(r.test, 'RDMA_Write BW Test');
    assert.equal(r.device, 'rxe0');
    assert.equal(r.bwUnit, 'MiB/s');
    assert.equal(r.peakMeasured, true);
    assert.deepEqual(r.rows, [
      { bytes: Number(words![0]), iterations: Number(words![1]), bwPeak: Number(words![2]), bwAvg: Number(words![3]), msgRate: Number(words![4]) },
    ]);
    assert.equal(r.rows[0]!.bytes, 65536);
    assert.equal(r.rows[0]!.iterations, 500);
  });

  test(`${dir}: server text has the waiting banner and the same row`, () => {
    const text = read(dir, 'mbs.server.txt');
    const r = parsePerftestText(text);
    assert.equal(r.side, 'server');
    const [words] = tableWords(text);
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]!.bwAvg, Number(words![3]));
  });

  test(`${dir}: --report_gbits reports Gb/s`, () => {
    const text = read(dir, 'gbits.client.txt');
    const r = parsePerftestText(text);
    assert.equal(r.bwUnit, 'Gb/s');
    const [words] = tableWords(text);
    assert.equal(r.rows[0]!.bwPeak, Number(words![2]));
    assert.equal(r.rows[0]!.bwAvg, Number(words![3]));
    const m = perftestMeasurements(r.rows, r.bwUnit);
    assert.deepEqual(
      m.map((x) => [x.metric, x.unit, x.better]),
      [
        ['size=65536.bw_peak', 'Gb/s', 'higher'],
        ['size=65536.bw_avg', 'Gb/s', 'higher'],
        ['size=65536.msg_rate', 'Mpps', 'higher'],
      ],
    );
  });

  test(`${dir}: -a sweep has 23 sizes on the client, only the last on the server`, () => {
    const text = read(dir, 'all.client.txt');
    const r = parsePerftestText(text);
    const words = tableWords(text);
    assert.equal(r.rows.length, 23);
    assert.deepEqual(r.rows.map((x) => x.bytes), words.map((w) => Number(w[0])));
    assert.deepEqual(r.rows.map((x) => x.bwAvg), words.map((w) => Number(w[3])));
    assert.deepEqual(r.rows.map((x) => x.msgRate), words.map((w) => Number(w[4])));
    assert.equal(r.rows[0]!.bytes, 2);
    assert.equal(r.rows[22]!.bytes, 8388608);
    const server = parsePerftestText(read(dir, 'all.server.txt'));
    assert.deepEqual(server.rows.map((x) => x.bytes), [8388608]);
    const m = perftestMeasurements(r.rows, r.bwUnit);
    assert.equal(m.length, 69);
    assert.equal(new Set(m.map((x) => x.metric)).size, 69);
  });

  test(`${dir}: the JSON report`, () => {
    const json = read(dir, 'json.client.json');
    const r = parsePerftestJson(json);
    const doc = JSON.parse(json) as { results: { MsgSize: number; BW_peak: number; BW_average: number; MsgRate: number } };
    assert.equal(r.repaired, false);
    assert.equal(r.test, 'RDMA_Write_BW_Test');
    assert.equal(r.device, 'rxe0');
    assert.deepEqual(r.rows, [{ bytes: doc.results.MsgSize, iterations: 500, bwPeak: doc.results.BW_peak, bwAvg: doc.results.BW_average, msgRate: doc.results.MsgRate }]);
  });

  test(`${dir}: errors quoted from stderr`, () => {
    assert.deepEqual(perftestErrorLines(read(dir, 'nosuchdev.server.stderr.txt')), ['IB device nosuchdev not found', 'Unable to find the Infiniband/RoCE device']);
    assert.equal(perftestErrorLines(read(dir, 'portdown.server.stderr.txt'))[0], 'Port number 1 state is Down');
    assert.match(perftestErrorLines(read(dir, 'noserver.client.stderr.txt'))[0]!, /^Couldn't connect to 127\.0\.0\.1:18609$/);
  });
}

test('-D: peak not measured becomes null, not 0', () => {
  const text = read('lab-7.2', 'duration.client.txt');
  assert.match(text, /BW peak won't be measured/);
  const r = parsePerftestText(text);
  assert.equal(r.peakMeasured, false);
  assert.equal(r.rows[0]!.bwPeak, null);
  assert.equal(r.rows[0]!.bwAvg, Number(tableWords(text)[0]![3]));
  const peak = perftestMeasurements(r.rows, r.bwUnit).find((m) => m.metric === 'size=4096.bw_peak');
  assert.equal(peak?.value, null);
});

test('bidirectional and two QPs: titles and rows', () => {
  const bidir = parsePerftestText(read('lab-7.2', 'bidir.client.txt'));
  assert.equal(bidir.test, 'RDMA_Write Bidirectional BW Test');
  assert.equal(bidir.rows[0]!.bwAvg, Number(tableWords(read('lab-7.2', 'bidir.client.txt'))[0]![3]));
  const qp2 = parsePerftestText(read('lab-7.2', 'qp2.client.txt'));
  assert.deepEqual(qp2.rows.map((r) => [r.bytes, r.iterations]), [[16384, 400]]);
});

test('-a with --report_gbits: six-decimal rows without tabs parse like the others', () => {
  const text = read('lab-7.2', 'jsonall.client.txt');
  const r = parsePerftestText(text);
  assert.equal(r.bwUnit, 'Gb/s');
  assert.equal(r.rows.length, 23);
  assert.deepEqual(r.rows.map((x) => x.bwPeak), tableWords(text).map((w) => Number(w[2])));
  // The JSON of the same run holds the last size only, with more digits than the table.
  const json = parsePerftestJson(read('lab-7.2', 'jsonall.client.json'));
  assert.deepEqual(json.rows.map((x) => x.bytes), [8388608]);
  assert.equal(json.rows[0]!.bwAvg, r.rows[22]!.bwAvg);
});

test('text without a table is a ParseError naming perftest\'s words', () => {
  assert.throws(() => parsePerftestText(read('host-perftest-4.5', 'nosuchdev.server.stderr.txt'), 'x'), (e: unknown) => e instanceof ParseError && /no ib_write_bw result table.*Did not detect devices/.test(e.message));
  // The lab's silent server (stdbuf -oL, killed after 6 s) printed only the banner.
  assert.throws(() => parsePerftestText(read('lab-7.2', 'silent-linebuf.server.txt')), ParseError);
});

test('a text cut inside the table is refused, not read as fewer sizes', () => {
  const text = read('lab-7.2', 'all.client.txt');
  const header = text.indexOf('#bytes');
  // A prefix of the real output up to the end of the header line: what a killed client leaves.
  const cut = text.slice(0, text.indexOf('\n', header) + 1);
  assert.throws(() => parsePerftestText(cut), /no rows/);
  // ... and up to the end of the tenth row.
  let end = text.indexOf('\n', header);
  for (let i = 0; i < 10; i++) end = text.indexOf('\n', end + 1);
  const tenRows = text.slice(0, end + 1);
  assert.equal(tableWords(tenRows).length, 10);
  assert.throws(() => parsePerftestText(tenRows), /not closed after 10 sizes/);
});

test('JSON: a truncated file (a prefix of the real one) is scanned or refused', () => {
  const json = read('lab-7.2', 'json.client.json');
  // Cut after the results object closed but before the document did.
  const prefix = json.slice(0, json.lastIndexOf('}'));
  const r = parsePerftestJson(prefix);
  assert.equal(r.repaired, true);
  assert.equal(r.rows[0]!.bwAvg, (JSON.parse(json) as { results: { BW_average: number } }).results.BW_average);
  assert.equal(r.device, 'rxe0');
  // Cut before any results: nothing to report.
  assert.throws(() => parsePerftestJson(json.slice(0, json.indexOf('"results"'))), ParseError);
});

test('ingest detects ib_write_bw text and JSON by their banners', async () => {
  const text = await ingestFile(fixture('perftest', 'lab-7.2', 'all.client.txt'));
  assert.equal(text.tool, 'ib_write_bw');
  assert.equal(text.measurements.length, 69);
  assert.equal(text.summary?.bwUnit, 'MiB/s');
  const avg = text.measurements.find((m) => m.metric === 'size=65536.bw_avg');
  const words = tableWords(read('lab-7.2', 'all.client.txt')).find((w) => w[0] === '65536');
  assert.equal(avg?.value, Number(words![3]));

  const json = await ingestFile(fixture('perftest', 'lab-6.12', 'json.client.json'));
  assert.equal(json.tool, 'ib_write_bw');
  assert.equal(json.summary?.format, 'json');
  assert.deepEqual(json.measurements.map((m) => m.metric), ['size=65536.bw_peak', 'size=65536.bw_avg', 'size=65536.msg_rate']);
});
