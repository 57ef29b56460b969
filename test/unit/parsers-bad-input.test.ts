// What the parser fuzz test (parsers-fuzz.test.ts) found, pinned: each case is a real capture with
// one deliberate change, and the parser must raise ParseError for it rather than return NaN, an
// infinity or an impossible value, throw another error, or hang. The fuzz test draws new cases on
// every run; these stay the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { ParseError } from '../../model/parse-error.js';
import { parseFioOutput } from '../../collectors/fio/parse.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { parsePerfStat } from '../../collectors/perf/stat-parse.js';
import { perfStatMeasurements } from '../../collectors/perf/stat-measurements.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
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

test('perf script: a header with no process name (a stray CR before it) still folds into a stacks.folded that reads back', async () => {
  const text = read('perf', 'script-dd.txt');
  const damaged = edit(text, /\n\n(?=\S)/, '\n\r');
  const r = await foldPerfScript(damaged);
  assert.equal(r.samples, (await foldPerfScript(text)).samples);
  assert.ok([...r.stacks.keys()].every((k) => !k.startsWith(';') && k !== ''));
  assert.deepEqual(await parseFolded(serializeFolded(r.stacks)), r.stacks);
});
