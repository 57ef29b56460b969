// What the parser fuzz test (parsers-fuzz.test.ts) found, pinned: each case is a real capture with
// one deliberate change, and the parser must raise ParseError for it rather than return NaN, an
// infinity or an impossible value, throw another error, or hang. The fuzz test draws new cases on
// every run; these stay the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixture } from '../helpers/paths.js';
import { ParseError } from '../../model/parse-error.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { parsePerfStat } from '../../collectors/perf/stat-parse.js';
import { perfStatMeasurements } from '../../collectors/perf/stat-measurements.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { summarizeTrace, traceMeasurements } from '../../collectors/ftrace/trace-summary.js';
import { parseTraceCmdReport, traceCmdSummary } from '../../collectors/ftrace/trace-cmd-report.js';
import { parsePerftestJson, parsePerftestText } from '../../collectors/perftest/parse.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import { ingestFile } from '../../collectors/ingest.js';
import { diffFolded, parseFolded, parseFoldedDiff, serializeFolded, serializeFoldedDiff } from '../../core/text/folded-stacks.js';

const read = (...parts: string[]): string => readFileSync(fixture(...parts), 'utf8');

/** The capture with the first occurrence of `from` replaced; fails when `from` is not there. */
function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  assert.notEqual(out, text, `${String(from)} is not in the capture`);
  return out;
}

const rejects = async (f: () => unknown, message: RegExp): Promise<void> => {
  await assert.rejects(async () => f(), (e: unknown) => e instanceof ParseError && message.test(e.message));
};

// ---------------------------------------------------------------------------------------------
// fio

const fio = (text: string) => fioMeasurements(parseFioOutput(text, 'fio.json'));
const twoJobs = read('fio', 'numjobs2-per-job-3.33.json');

test('fio: a negative CPU share, bandwidth or latency is a ParseError', async () => {
  await rejects(() => fio(edit(twoJobs, '"sys_cpu" : 17.700000', '"sys_cpu" : -17.700000')), /sys_cpu is negative/);
  await rejects(() => fio(edit(twoJobs, '"bw" : 143996', '"bw" : -143996')), /bw is negative/);
  await rejects(() => fio(edit(read('fio', 'randread-iouring-3.33.json'), /(?<="clat_ns" : \{[^}]*?"mean" : )/, '-')), /mean is negative/);
});

test('fio: a number too large for a double (Infinity once parsed) is a ParseError, not absent', async () => {
  await rejects(() => fio(edit(twoJobs, '"iops" : 35999.000999', '"iops" : 1e999')), /iops is not a finite number/);
  await rejects(() => fio(edit(twoJobs, /(?<="clat_ns" : \{[^}]*?"N" : )\d+/, '1e999')), /N is not a finite number/);
});

test('fio: json+ histogram bins that are not durations or counts are a ParseError (they made NaN and Infinity percentiles)', async () => {
  await rejects(() => fio(edit(twoJobs, '"155" : 1', '"NaN" : 1')), /bin that is not a duration/);
  await rejects(() => fio(edit(twoJobs, '"155" : 1', `"${'9'.repeat(400)}" : 1`)), /bin that is not a duration/);
  await rejects(() => fio(edit(twoJobs, '"155" : 1', '"155" : 1e999')), /not a finite number/);
});

test('fio: sums over jobs that overflow are a ParseError', async () => {
  const huge = twoJobs.replace(/"iops" : 3\d+\.\d+/g, '"iops" : 1.7e308');
  assert.equal(huge.match(/1\.7e308/g)?.length, 2);
  await rejects(() => fio(huge), /read\.iops comes out as Infinity/);
});

// ---------------------------------------------------------------------------------------------
// perf stat

const perfStat = (text: string) => perfStatMeasurements(parsePerfStat(text), { ios: 1000 });

test('perf stat: a negative counter is a ParseError, in CSV and in JSON', async () => {
  await rejects(() => perfStat(edit(read('perf', 'stat-events.csv'), '94,,page-faults', '-94,,page-faults')), /negative counter value -94 for page-faults/);
  await rejects(() => perfStat(edit(read('perf', 'stat-events.jsonl'), '"counter-value" : "9.269277"', '"counter-value" : "-9.269277"')), /negative counter value -9\.269277 for task-clock/);
});

test('perf stat: a running share outside 0..100% is a ParseError, in CSV and in JSON', async () => {
  await rejects(() => perfStat(edit(read('perf', 'stat-events.csv'), '94,,page-faults,8657872,100.00', '94,,page-faults,8657872,-100.00')), /running share -100% of page-faults is not a percentage/);
  await rejects(() => perfStat(edit(read('perf', 'stat-events.jsonl'), '"pcnt-running" : 100.00, "metric-value" : 0.095844', '"pcnt-running" : 250.00, "metric-value" : 0.095844')), /running share 250% of task-clock/);
});

test('perf stat: a clock so large that its value per I/O in ns overflows is a ParseError', async () => {
  await rejects(() => perfStat(edit(read('perf', 'stat-events.jsonl'), '"counter-value" : "9.269277"', '"counter-value" : "1e305"')), /task-clock_per_io comes out as Infinity/);
});

// ---------------------------------------------------------------------------------------------
// folded stacks (what the perf-record profiler writes, from a real perf script capture)

const folded = async (): Promise<string> => serializeFolded((await foldPerfScript(read('perf', 'script-dd.txt'))).stacks);

test('folded: a negative, fractional, exponent or oversized count is a ParseError, not a sample count', async () => {
  const text = await folded();
  const firstCount = / (\d+)\n/;
  for (const bad of ['-1', '1.5', '1e3', '0x10', 'NaN', '18446744073709551615']) {
    await rejects(() => parseFolded(edit(text, firstCount, ` ${bad}\n`)), /folded: line 1 has no count/);
  }
});

test('folded: counts whose sum leaves the exact range are a ParseError', async () => {
  const text = await folded();
  const big = String(2 ** 52);
  await rejects(() => parseFolded(text.replace(/ \d+\n/g, ` ${big}\n`)), /add up past 2\^53/);
  const diff = serializeFoldedDiff(diffFolded(await parseFolded(text), await parseFolded(text)));
  await rejects(() => parseFoldedDiff(edit(diff, / \d+ (\d+)\n/, ' -1 1\n')), /needs two counts/);
});

// ---------------------------------------------------------------------------------------------
// perf script → stacks.folded

test('perf script: a stray CR in place of the blank line before a header folds as stackcollapse-perf.pl reads it, into a stacks.folded that reads back', async () => {
  const text = read('perf', 'script-dd.txt');
  const damaged = edit(text, /\n\n(?=\S)/, '\n\r');
  const r = await foldPerfScript(damaged);
  // The script takes `\rdd …` for neither a header nor a frame: the sample before runs on into
  // the next one's frames, under its own name.
  assert.equal(r.samples, (await foldPerfScript(text)).samples - 1);
  assert.equal(r.unrecognized, 1);
  assert.ok([...r.stacks.keys()].every((k) => !k.startsWith(';') && k !== ''));
  assert.deepEqual(await parseFolded(serializeFolded(r.stacks)), r.stacks);
});

// ---------------------------------------------------------------------------------------------
// ftrace: function, function_graph, trace-cmd report

const traceOpts = { ios: 1000, iommuEvents: true };
const fnTrace = async (text: string) => traceMeasurements(await summarizeTrace(text, 'function'), traceOpts);
const graphTrace = async (text: string) => traceMeasurements(await summarizeTrace(text, 'function_graph'), traceOpts);
const digits400 = '9'.repeat(400);

test('ftrace: a header with more entries in the buffer than written is a ParseError (it made a negative lost-event count)', async () => {
  await rejects(() => fnTrace(edit(read('ftrace', 'trace-overwritten.txt'), '556/8014', '8014/556')), /entries-in-buffer 8014 exceeds entries-written 556/);
});

test('ftrace: counts beyond 2^53 (lost events, entries, iommu sizes) are a ParseError', async () => {
  await rejects(() => fnTrace(edit(read('ftrace', 'trace-pipe-lost.txt'), '[LOST 32657 EVENTS]', `[LOST ${digits400} EVENTS]`)), /lost events 9+… is out of range/);
  await rejects(() => fnTrace(edit(read('ftrace', 'trace-overwritten.txt'), '556/8014', `556/${digits400}`)), /entries-written .* is out of range/);
  await rejects(() => fnTrace(edit(read('ftrace', 'lab-7', 'iommu-events.txt'), 'size=4096', 'size=18446744073709551615')), /iommu map size 18446744073709551615 is out of range/);
});

test('function_graph: a duration too long for a double is a ParseError (it made an Infinity mean and a NaN p99)', async () => {
  const text = read('ftrace', 'lab-7', 'fgraph-default.txt');
  await rejects(() => graphTrace(edit(text, '169.482 us', `${digits400}.482 us`)), /duration "! 9+" is out of range/);
  await rejects(() => graphTrace(edit(text, '169.482 us', '9007199254740.993 us')), /is out of range/);
  // Many decimals are not out of range: they are rounded to ns.
  const m = await graphTrace(edit(text, '169.482 us', `169.${'4'.repeat(400)} us`));
  assert.ok(m.every((x) => x.value === null || Number.isFinite(x.value)));
});

test('trace-cmd report: a duration too long for a double is a ParseError', async () => {
  const text = gunzipSync(readFileSync(fixture('ftrace', 'lab-7', 'trace-cmd-fgraph-iommu.txt.gz'))).toString('utf8');
  await rejects(async () => traceMeasurements(traceCmdSummary(await parseTraceCmdReport(edit(text, /(?<=funcgraph_exit: +)\d+/, digits400))), traceOpts), /is out of range/);
});

/** Parse time of `f`, in ms. */
async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f().catch(() => undefined);
  return performance.now() - t0;
}

test('ftrace: a line of 200k blanks parses in linear time (it took tens of seconds: the record regex backtracked quadratically)', async () => {
  const text = read('ftrace', 'lab-7', 'function.txt');
  const damaged = edit(text, /\n(?=\s+fio-)/, `\n${' '.repeat(200_000)}\n`);
  const ms = await timed(() => fnTrace(damaged));
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

test('trace-cmd report: records run together, then a stray CR, parse in linear time (the record regex retried every "-pid" of the line)', async () => {
  const text = gunzipSync(readFileSync(fixture('ftrace', 'lab-7', 'trace-cmd-fgraph-iommu.txt.gz'))).toString('utf8');
  const lines = text.split('\n');
  // 4000 records on one line (newlines lost), and a CR where the next newline was.
  const damaged = [...lines.slice(0, 10), `${lines.slice(10, 4010).join(' ')}\r${lines[4010]}`, ...lines.slice(4011)].join('\n');
  const ms = await timed(async () => traceMeasurements(traceCmdSummary(await parseTraceCmdReport(damaged)), traceOpts));
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

test('perf script: a header with a long run of blanks folds in linear time (the header regex backtracked quadratically)', async () => {
  const text = read('perf', 'script-dd.txt');
  const damaged = edit(text, /^d/, `d${' '.repeat(200_000)}`);
  let samples = 0;
  const ms = await timed(async () => (samples = (await foldPerfScript(damaged)).samples));
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  assert.equal(samples, (await foldPerfScript(text)).samples);
});

// ---------------------------------------------------------------------------------------------
// ib_write_bw (perftest)

test('ib_write_bw text: a size or rate too long for a double is a ParseError (it made Infinity)', async () => {
  const text = read('perftest', 'lab-7.2', 'mbs.client.txt');
  await rejects(() => parsePerftestText(edit(text, ' 65536      500 ', ` ${digits400}      500 `), 'mbs'), /message size Infinity is not a plausible whole number/);
  await rejects(() => parsePerftestText(edit(text, '0.000283', `${digits400}.5`), 'mbs'), /message rate Infinity is not a plausible rate/);
});

test('ib_write_bw text: a settings line with a long run of blanks parses in linear time (its regex backtracked quadratically)', async () => {
  const text = read('perftest', 'lab-7.2', 'mbs.client.txt');
  const damaged = edit(text, ' Number of qps', ` Number${' '.repeat(200_000)}of qps`);
  let rows = 0;
  const ms = await timed(async () => (rows = parsePerftestText(damaged, 'mbs').rows.length));
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  assert.equal(rows, 1);
});

test('ib_write_bw JSON: a negative or infinite figure is a ParseError, not a rate or an absent peak', async () => {
  const text = read('perftest', 'lab-7.2', 'json.client.json');
  await rejects(() => parsePerftestJson(edit(text, /"BW_average": /, '"BW_average": -'), 'json'), /BW_average -[\d.]+ is not a plausible number/);
  await rejects(() => parsePerftestJson(edit(text, /"BW_peak": [\d.]+/, '"BW_peak": 1e999'), 'json'), /BW_peak Infinity is not a plausible number/);
  await rejects(() => parsePerftestJson(edit(text, /"MsgSize": 65536/, '"MsgSize": -65536'), 'json'), /MsgSize -65536/);
  // A broken file read key by key: a size of 400 digits.
  await rejects(() => parsePerftestJson(edit(text, /"MsgSize": 65536,/, `"MsgSize": "${digits400}",,`), 'json'), /MsgSize "9+…" is not a plausible number/);
});

// ---------------------------------------------------------------------------------------------
// dma_bench result

test('dma_bench result: a negative time or one too long for a double is a ParseError; errno and cpu=-1 stay signed', async () => {
  const text = read('dma_bench', '7.2-strict-link-scattered-64k.txt');
  const dmaBench = (t: string) => microbenchMeasurements(parseMicrobenchResult(t));
  await rejects(() => dmaBench(edit(text, 'overhead_ns=60', 'overhead_ns=-60')), /overhead_ns=-60 is negative/);
  await rejects(() => dmaBench(edit(text, 'phase=map count=4000 mean=22833.826', `phase=map count=4000 mean=${digits400}`)), /mean=9+… is out of range/);
  await rejects(() => dmaBench(edit(text, 'phase=unmap count=4000 mean=5064.782 stdev=110345.721', 'phase=unmap count=4000 mean=5064.782 stdev=-110345.721')), /stdev=-110345\.721 is negative/);
  assert.equal(parseMicrobenchResult(read('dma_bench', '7.2-strict-bad-divisible.txt')).errno, -22);
  assert.equal(parseMicrobenchResult(text).all?.cpu, -1);
});

// ---------------------------------------------------------------------------------------------
// `dmabench ingest` of a gzip-compressed capture

test('ingest: a gzip capture cut short or corrupted is a ParseError naming the file, not a zlib error', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dmabench-bad-gz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gz = readFileSync(fixture('ftrace', 'lab-7', 'trace-cmd-fgraph-iommu.txt.gz'));
  const cut = path.join(dir, 'cut.txt.gz');
  writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
  await rejects(() => ingestFile(cut), /cut\.txt\.gz: damaged gzip data: unexpected end of file/);
  await rejects(() => ingestFile(cut, 'trace-cmd'), /damaged gzip data/);
  const flipped = Buffer.from(gz);
  const mid = Math.floor(gz.length / 2);
  flipped[mid] = flipped[mid]! ^ 0x10;
  const bad = path.join(dir, 'flipped.txt.gz');
  writeFileSync(bad, flipped);
  await rejects(() => ingestFile(bad), /flipped\.txt\.gz: damaged gzip data/);
  // The intact capture still ingests.
  const good = path.join(dir, 'good.txt.gz');
  writeFileSync(good, gz);
  assert.equal((await ingestFile(good)).tool, 'trace-cmd');
});

test('perf stat: two events that would make the same metric name are a ParseError, not a duplicate metric', async () => {
  const text = read('perf', 'stat-events.csv');
  await rejects(() => perfStat(edit(text, '94,,page-faults', '94,,page-faults\n95,,page-faults/')), /events "page-faults" and "page-faults\/" both make the metric perf\.page-faults/);
  await rejects(() => perfStat(edit(text, '94,,page-faults', '94,,page-faults\n95,,page-faults_per_io')), /both make the metric perf\.page-faults_per_io/);
});
