// compareBundles over bundles built in the test (plain data, not tool output): verdicts, noise
// threshold, metric direction, missing values, unmatched keys and worstRegression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Better, PassKind, Sample } from '../../model/measurement.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { testBundle } from '../helpers/bundles.js';
import { compareBundles, smallestTwoSidedP, worstRegression, type ComparisonRow } from '../../reports/compare/compare.js';

interface Series {
  metric: string;
  values: (number | null)[];
  better?: Better;
  unit?: string;
  cell?: string;
  pass?: PassKind;
}

function bundle(label: string, series: Series[], system: { release: string; mode: 'strict' | 'lazy' | 'off' } | null = null): LoadedBundle {
  const samples: Sample[] = series.flatMap((s) =>
    s.values.map((value, rep) => ({
      workload: 'fio-randread',
      cell: s.cell ?? 'fio-randread:bs=64k',
      rep,
      pass: s.pass ?? 'timed',
      tool: 'fio',
      metric: s.metric,
      value,
      unit: s.unit ?? 'IOPS',
      better: s.better ?? 'higher',
    })),
  );
  return testBundle(`/bundles/${label}`, label, samples, system);
}

const scale = (values: number[], factor: number): number[] => values.map((v) => v * factor);
const BASE = [1000, 1012, 993, 1005, 998, 1008, 995];

function row(rows: ComparisonRow[], metric: string, cell = 'fio-randread:bs=64k'): ComparisonRow {
  const found = rows.find((r) => r.metric === metric && r.cell === cell);
  assert.ok(found, `row ${metric} missing`);
  return found;
}

const fast = { bootstrapIterations: 2000, seed: 3 };

test('a clear shift is an improvement or a regression according to the metric direction', () => {
  const c = compareBundles(
    [
      bundle('old', [
        { metric: 'read.iops', values: BASE },
        { metric: 'read.clat.p99', values: BASE, better: 'lower', unit: 'ns' },
        { metric: 'write.iops', values: BASE },
      ]),
      bundle('new', [
        { metric: 'read.iops', values: scale(BASE, 1.1) },
        { metric: 'read.clat.p99', values: scale(BASE, 1.1), better: 'lower', unit: 'ns' },
        { metric: 'write.iops', values: scale(BASE, 0.85) },
      ]),
    ],
    fast,
  );
  const up = row(c.rows, 'read.iops').candidates[0]!;
  assert.equal(up.verdict, 'improvement');
  assert.ok(Math.abs(up.changePct! - 10) < 1e-9);
  assert.ok(up.significant);
  assert.equal(up.mannWhitney!.method, 'exact');
  assert.ok(up.ci!.lowPct > 0);

  assert.equal(row(c.rows, 'read.clat.p99').candidates[0]!.verdict, 'regression', 'higher latency is worse');
  const down = row(c.rows, 'write.iops').candidates[0]!;
  assert.equal(down.verdict, 'regression', 'lower IOPS is worse');
  assert.ok(down.changePct! < 0);

  // Largest regression in the bad direction, as a positive number: the 15% IOPS drop.
  assert.ok(Math.abs(worstRegression(c) - 15) < 1e-9, `worst ${worstRegression(c)}`);
});

test('a significant change below the noise threshold is no difference, above a lower one it counts', () => {
  const bundles = [bundle('old', [{ metric: 'read.iops', values: BASE }]), bundle('new', [{ metric: 'read.iops', values: BASE.map((v) => v + 30) }])];
  // +30 on ~1000 is ~3%: beyond the default 2% noise threshold, within a 5% one.
  const defaults = compareBundles(bundles, fast);
  const r = row(defaults.rows, 'read.iops').candidates[0]!;
  assert.equal(defaults.options.noisePct, 2, 'noise threshold defaults to 2%');
  assert.ok(r.significant, 'all candidate values are above all base values');
  assert.equal(r.verdict, 'improvement');

  const loose = row(compareBundles(bundles, { ...fast, noisePct: 5 }).rows, 'read.iops').candidates[0]!;
  assert.ok(loose.significant);
  assert.equal(loose.verdict, 'no difference');
  assert.match(loose.reason, /noise threshold/);
  assert.equal(worstRegression(compareBundles(bundles, { ...fast, noisePct: 5 })), 0);
});

test('overlapping samples are no difference (not significant), whatever the size of the median change', () => {
  const base = [100, 140, 90, 160, 110];
  const cand = [130, 95, 150, 105, 170];
  const c = compareBundles([bundle('old', [{ metric: 'read.iops', values: base }]), bundle('new', [{ metric: 'read.iops', values: cand }])], fast);
  const r = row(c.rows, 'read.iops').candidates[0]!;
  assert.ok(Math.abs(r.changePct!) > 2, 'median moved more than the noise threshold');
  assert.ok(r.mannWhitney!.p >= 0.05);
  assert.equal(r.significant, false);
  assert.equal(r.verdict, 'no difference');
});

test('null values are excluded and counted as missing; fewer than 2 values is n too small', () => {
  const c = compareBundles(
    [
      bundle('old', [
        { metric: 'cycles', values: [5, null, 6, null, 7], unit: 'count', better: 'lower' },
        { metric: 'instructions', values: [null, 3, null], unit: 'count' },
      ]),
      bundle('new', [
        { metric: 'cycles', values: [50, 60, 70], unit: 'count', better: 'lower' },
        { metric: 'instructions', values: [4, 5, 6], unit: 'count' },
      ]),
    ],
    fast,
  );
  const cycles = row(c.rows, 'cycles');
  assert.equal(cycles.base.n, 3);
  assert.equal(cycles.base.missing, 2);
  assert.equal(cycles.base.median, 6);
  assert.equal(cycles.candidates[0]!.verdict, 'no difference', 'n=3 vs 3 cannot reach p < 0.05 (exact minimum p is 0.1)');
  assert.match(cycles.candidates[0]!.reason, /smallest possible p is 0\.100; add repetitions/);

  const instr = row(c.rows, 'instructions');
  assert.equal(instr.base.n, 1);
  assert.equal(instr.base.missing, 2);
  const cand = instr.candidates[0]!;
  assert.equal(cand.verdict, 'n too small');
  assert.equal(cand.mannWhitney, null, 'no test is run on a single value');
  assert.equal(cand.ci, null);
  assert.match(cand.reason, /at least 2/);
});

test('a group whose every value is null has n = 0 and is n too small, not an error', () => {
  const c = compareBundles([bundle('old', [{ metric: 'x', values: [null, null] }]), bundle('new', [{ metric: 'x', values: [1, 2] }])], fast);
  const r = row(c.rows, 'x');
  assert.equal(r.base.n, 0);
  assert.equal(r.base.median, null);
  assert.equal(r.candidates[0]!.changePct, null);
  assert.equal(r.candidates[0]!.verdict, 'n too small');
});

test('only the timed pass is compared by default; pass selects another', () => {
  const c = compareBundles(
    [
      bundle('old', [
        { metric: 'read.iops', values: BASE },
        { metric: 'read.iops', values: [1, 1, 1], pass: 'warmup' },
      ]),
      bundle('new', [
        { metric: 'read.iops', values: BASE },
        { metric: 'read.iops', values: [9, 9, 9], pass: 'warmup' },
      ]),
    ],
    fast,
  );
  assert.equal(row(c.rows, 'read.iops').base.n, BASE.length);
  assert.equal(row(c.rows, 'read.iops').candidates[0]!.verdict, 'no difference');
  const warm = compareBundles(
    [bundle('old', [{ metric: 'read.iops', values: [1, 1, 1], pass: 'warmup' }]), bundle('new', [{ metric: 'read.iops', values: [9, 9, 9], pass: 'warmup' }])],
    { ...fast, pass: 'warmup' },
  );
  assert.equal(warm.options.pass, 'warmup');
  assert.equal(row(warm.rows, 'read.iops').base.n, 3);
});

test('keys present in only some bundles are listed, and a candidate lacking a key gets null', () => {
  const c = compareBundles(
    [
      bundle('a', [{ metric: 'read.iops', values: BASE }, { metric: 'only.base', values: BASE }]),
      bundle('b', [{ metric: 'read.iops', values: BASE }, { metric: 'only.b', values: BASE }]),
      bundle('c', [{ metric: 'read.iops', values: BASE, cell: 'fio-randread:bs=128k' }, { metric: 'only.base', values: BASE }]),
    ],
    fast,
  );
  const iops = row(c.rows, 'read.iops');
  assert.equal(iops.candidates.length, 2);
  assert.notEqual(iops.candidates[0], null);
  assert.equal(iops.candidates[1], null, 'bundle c has read.iops only in another cell');
  const onlyBase = row(c.rows, 'only.base');
  assert.equal(onlyBase.candidates[0], null);
  assert.equal(onlyBase.candidates[1]!.bundle, 2);

  const unmatched = c.unmatched.map((u) => `${u.cell} ${u.metric} ${u.presentIn.join(',')}`);
  assert.deepEqual(unmatched, [
    'fio-randread:bs=128k read.iops 2',
    'fio-randread:bs=64k only.b 1',
    'fio-randread:bs=64k only.base 0,2',
    'fio-randread:bs=64k read.iops 0,1',
  ]);
  assert.ok(!c.rows.some((r) => r.metric === 'only.b'), 'a key missing from the base is not compared');
});

test('bundle header facts come from the manifest; missing system state is null; duplicate labels are told apart', () => {
  const c = compareBundles(
    [bundle('run', [{ metric: 'm', values: [1, 2] }], { release: '6.12.117-amd64', mode: 'strict' }), bundle('run', [{ metric: 'm', values: [1, 2] }])],
    fast,
  );
  assert.deepEqual(
    c.bundles.map((b) => [b.label, b.kernelRelease, b.iommuMode, b.sampleCount]),
    [
      ['run#0', '6.12.117-amd64', 'strict', 2],
      ['run#1', null, null, 2],
    ],
  );
});

test('results are reproducible for a seed, and a row\'s interval does not depend on the other rows', () => {
  const two = [bundle('old', [{ metric: 'read.iops', values: BASE }]), bundle('new', [{ metric: 'read.iops', values: scale(BASE, 1.05) }])];
  const first = compareBundles(two, fast);
  assert.deepEqual(compareBundles(two, fast), first);
  const more = [
    bundle('old', [{ metric: 'read.iops', values: BASE }, { metric: 'aaa', values: BASE }]),
    bundle('new', [{ metric: 'read.iops', values: scale(BASE, 1.05) }, { metric: 'aaa', values: BASE }]),
  ];
  assert.deepEqual(row(compareBundles(more, fast).rows, 'read.iops').candidates[0]!.ci, row(first.rows, 'read.iops').candidates[0]!.ci);
});

test('deterministic counts: equal is no difference, different is a significant change', () => {
  const c = compareBundles(
    [
      bundle('old', [
        { metric: 'map.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower' },
        { metric: 'sync.calls_per_io', values: [1, 1, 1, 1, 1], unit: 'calls/IO', better: 'lower' },
      ]),
      bundle('new', [
        { metric: 'map.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower' },
        { metric: 'sync.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower' },
      ]),
    ],
    fast,
  );
  const same = row(c.rows, 'map.calls_per_io').candidates[0]!;
  assert.equal(same.mannWhitney!.p, 1);
  assert.equal(same.verdict, 'no difference');
  const more = row(c.rows, 'sync.calls_per_io').candidates[0]!;
  assert.equal(more.changePct, 700);
  assert.deepEqual([more.ci!.lowPct, more.ci!.highPct], [700, 700]);
  assert.equal(more.verdict, 'regression');
  assert.equal(worstRegression(c), 700);
});

test('a significant rise from a base median of 0 has no percentage and counts as an unbounded regression', () => {
  const c = compareBundles([bundle('old', [{ metric: 'errors', values: [0, 0, 0, 0, 0], better: 'lower', unit: 'count' }]), bundle('new', [{ metric: 'errors', values: [3, 3, 4, 3, 5], better: 'lower', unit: 'count' }])], fast);
  const r = row(c.rows, 'errors').candidates[0]!;
  assert.equal(r.changePct, null);
  assert.equal(r.verdict, 'regression');
  assert.equal(worstRegression(c), Infinity);
});

test('smallestTwoSidedP is 2 / C(n1+n2, n1)', () => {
  assert.equal(smallestTwoSidedP(3, 3), 0.1);
  assert.equal(smallestTwoSidedP(5, 5), 2 / 252);
  assert.equal(smallestTwoSidedP(1, 1), 1);
});

test('bad options and too few bundles are refused', () => {
  const b = bundle('x', [{ metric: 'm', values: [1, 2] }]);
  assert.throws(() => compareBundles([b]), RangeError);
  assert.throws(() => compareBundles([b, b], { alpha: 0 }), RangeError);
  assert.throws(() => compareBundles([b, b], { noisePct: -1 }), RangeError);
});
