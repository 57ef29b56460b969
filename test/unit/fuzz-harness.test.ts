// The parser fuzz harness itself (test/helpers/fuzz): cases reproduce from their seed, the
// mutators do what their names say, the plausibility rules reject what they must, and the
// watchdog turns a parser that never returns into a finding instead of a hung test run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../reports/stats/prng.js';
import { generateCase, type FuzzConfig } from '../helpers/fuzz/cases.js';
import { mutatorByName, mutators } from '../helpers/fuzz/mutators.js';
import { implausibilities } from '../helpers/fuzz/plausible.js';
import { formatFindings, fuzzTarget } from '../helpers/fuzz/run.js';
import { parserTargets } from '../helpers/fuzz/targets.js';
import type { Measurement } from '../../model/measurement.js';

const selftest = new URL('../helpers/fuzz/selftest-targets.ts', import.meta.url).href;
const config = (over: Partial<FuzzConfig> = {}): FuzzConfig => ({ seed: 42, cases: 20, watchdogMs: 5000, ...over });
const m = (metric: string, value: number | null, unit: string): Measurement => ({ metric, value, unit, better: 'lower', role: 'primary' });

test('a case is a function of seed, target and case number', async () => {
  const seeds = await parserTargets.find((t) => t.name === 'fio')!.seeds();
  const a = generateCase('fio', seeds, false, 7, 500);
  assert.deepEqual(generateCase('fio', seeds, false, 7, 500), a);
  assert.notEqual(generateCase('fio', seeds, false, 8, 500).text, a.text);
  // The first cases are the real captures, unmutated.
  assert.equal(generateCase('fio', seeds, false, 7, 0).text, seeds[0]!.text);
  assert.ok(a.mutators.length >= 1);
});

test('the mutators cover what the issue lists and each changes its input', async () => {
  const names = mutators.map((x) => x.name);
  for (const want of ['truncate', 'flip-bits', 'drop-lines', 'shuffle-lines', 'crlf', 'number-huge', 'number-negative', 'number-nan', 'number-infinite', 'random-bytes']) {
    assert.ok(names.includes(want), `no ${want} mutator`);
  }
  const text = (await parserTargets.find((t) => t.name === 'dma_bench')!.seeds())[0]!.text;
  for (const mut of mutators) {
    const random = mulberry32(3);
    // Probabilistic mutators may pick a no-op once (a shuffle that puts lines back); ten tries do not.
    const changed = Array.from({ length: 10 }, () => mut.apply(text, random).text).some((t) => t !== text);
    assert.ok(changed, `${mut.name} left the input as it was`);
  }
  const r = mutatorByName('number-nan').apply('count=2000 mean=1.5', mulberry32(1));
  assert.match(r.text, /nan/i);
  assert.equal(mutatorByName('crlf').apply('a\nb\n', () => 0).text, 'a\r\nb\r\n');
});

test('plausibility: NaN, infinities, negatives, fractional counts, duplicates are findings', () => {
  assert.deepEqual(implausibilities([m('read.iops', 1000, 'IOPS'), m('x.calls', 3, 'count'), m('cpu.per_io', null, 'us/IO')], 'fio'), []);
  assert.match(implausibilities([m('map.mean', NaN, 'ns')], 'microbench').join(), /NaN/);
  assert.match(implausibilities([m('map.mean', Infinity, 'ns')], 'microbench').join(), /Infinity/);
  assert.match(implausibilities([m('read.bw', -1, 'MiB/s')], 'fio').join(), /negative/);
  assert.match(implausibilities([m('x.calls', 2.5, 'count')], 'ftrace').join(), /whole number/);
  assert.match(implausibilities([m('x.calls', 2 ** 60, 'count')], 'ftrace').join(), /2\^53/);
  assert.match(implausibilities([m('x.calls', 1, 'count'), m('x.calls', 2, 'count')], 'ftrace').join(), /twice/);
  assert.match(implausibilities([m('util', 101, '%')], 'perf-stat').join(), /0\.\.100/);
  // perf stat -r N averages counts.
  assert.deepEqual(implausibilities([m('perf.cycles', 2.5, 'count')], 'perf-stat'), []);
  // Every measurement carries a role, and a metric where neither direction is better is never primary.
  assert.match(implausibilities([{ metric: 'read.iops', value: 1, unit: 'IOPS', better: 'higher' }], 'fio').join(), /role is undefined/);
  assert.match(implausibilities([{ ...m('x.calls_per_io', 8, 'calls/IO'), better: 'none' }], 'ftrace').join(), /primary, but neither direction is better/);
  assert.deepEqual(implausibilities([{ ...m('x.calls_per_io', 8, 'calls/IO'), better: 'none', role: 'informational' }], 'ftrace'), []);
});

test('watchdog: a parser spinning forever is stopped and reported, the run goes on', async () => {
  const t0 = performance.now();
  const r = await fuzzTarget({ name: 'selftest:spin', share: 1 }, config({ watchdogMs: 300 }), { targetsModule: selftest, maxHangs: 2 });
  // Two hangs, then the target gives up: a bounded number of watchdog periods, not forever.
  assert.equal(r.findings.length, 2, formatFindings(r));
  assert.deepEqual(r.findings.map((f) => f.index), [0, 1]);
  assert.equal(r.cases, 2);
  for (const f of r.findings) assert.match(f.problem, /hang: no result after 0\.3 s/);
  assert.ok(performance.now() - t0 < 60_000);
});

test('watchdog: a parser whose promise never settles is a finding too', async () => {
  const r = await fuzzTarget({ name: 'selftest:never-settles', share: 1 }, config({ watchdogMs: 300 }), { targetsModule: selftest, maxHangs: 1 });
  assert.equal(r.findings.length, 1);
  assert.match(r.findings[0]!.problem, /hang/);
  const dry = await fuzzTarget({ name: 'selftest:dry', share: 1 }, config({ watchdogMs: 300 }), { targetsModule: selftest, maxHangs: 1 });
  assert.match(dry.findings[0]!.problem, /never ended and nothing was left to run/);
});

test('an exception other than ParseError is a finding; ParseError is not', async () => {
  const r = await fuzzTarget({ name: 'selftest:type-error', share: 1 }, config(), { targetsModule: selftest });
  assert.equal(r.cases, 20);
  assert.ok(r.parseErrors > 0 && r.findings.length > 0, formatFindings(r));
  assert.equal(r.parseErrors + r.findings.length, 20);
  assert.match(r.findings[0]!.problem, /threw TypeError: Cannot read properties/);
  const text = formatFindings(r);
  assert.match(text, /seed 42/);
  assert.match(text, /DMABENCH_FUZZ_SEED=42 DMABENCH_FUZZ_ONLY=selftest:type-error#/);
  assert.match(text, /input: /);
});

test('an implausible value, a worker exiting, and a clean target', async () => {
  const nan = await fuzzTarget({ name: 'selftest:nan', share: 1 }, config(), { targetsModule: selftest });
  assert.equal(nan.findings.length, 20);
  assert.match(nan.findings[0]!.problem, /map\.mean = NaN/);
  const exit = await fuzzTarget({ name: 'selftest:exit', share: 1 }, config(), { targetsModule: selftest, maxHangs: 1 });
  assert.match(exit.findings[0]!.problem, /exited with code 7/);
  const fine = await fuzzTarget({ name: 'selftest:fine', share: 1 }, config(), { targetsModule: selftest });
  assert.deepEqual(fine.findings, []);
  assert.equal(fine.accepted, 20);
});
