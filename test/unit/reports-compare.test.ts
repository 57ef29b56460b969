// compareBundles over bundles built in the test (plain data, not tool output): the whole-interval
// verdicts, roles, units, q-values, missing values, unmatched keys and worstRegression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Better, MetricRole, PassKind, Sample } from '../../model/measurement.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { testBundle } from '../helpers/bundles.js';
import { compareBundles, worstRegression, worstRegressionOf, type ComparisonRow } from '../../reports/compare/compare.js';
import { renderText } from '../../reports/render/text.js';

interface Series {
  metric: string;
  values: (number | null)[];
  better?: Better;
  unit?: string | string[];
  cell?: string;
  pass?: PassKind;
  role?: MetricRole;
  /** A role per repetition, when they differ (overrides role). */
  roles?: MetricRole[];
  bootIds?: string[];
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
      unit: Array.isArray(s.unit) ? s.unit[rep]! : (s.unit ?? 'IOPS'),
      better: s.better ?? 'higher',
      ...(s.roles ? { role: s.roles[rep]! } : s.role ? { role: s.role } : {}),
      ...(s.bootIds ? { bootId: s.bootIds[rep]! } : {}),
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

test('a clear shift is an improvement or a regression according to the metric direction, with a ratio and its interval', () => {
  const c = compareBundles([
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
  ]);
  const up = row(c.rows, 'read.iops').candidates[0]!;
  assert.equal(up.verdict, 'improvement');
  // Every value scaled by 1.1: the median of the pairwise log ratios is exactly log 1.1.
  assert.ok(Math.abs(up.changePct! - 10) < 1e-9, `change ${up.changePct}`);
  assert.ok(up.ci!.lowPct > 2 && up.ci!.highPct < 12 && up.ci!.lowPct < 10 && up.ci!.highPct > 10);
  assert.equal(up.ci!.method, 'rank');
  assert.ok(Math.abs(up.ci!.level - 0.947) < 0.001, `7 v 7 achieves ${up.ci!.level}`);
  assert.equal(up.mannWhitney!.method, 'exact');
  assert.ok(up.q! < 0.05 && up.q! >= up.mannWhitney!.p);
  assert.ok(up.significant);

  assert.equal(row(c.rows, 'read.clat.p99').candidates[0]!.verdict, 'regression', 'higher latency is worse');
  const down = row(c.rows, 'write.iops').candidates[0]!;
  assert.equal(down.verdict, 'regression', 'lower IOPS is worse');
  assert.ok(down.changePct! < 0);

  // The largest regression, measured by the bound of its interval nearest to no change: the IOPS
  // drop's upper bound (about -14%), not its point estimate (-15%).
  const worst = worstRegressionOf(c)!;
  assert.equal(worst.row.metric, 'write.iops');
  assert.equal(worst.pct, -down.ci!.highPct);
  assert.ok(worst.pct > 12 && worst.pct < 15, `worst ${worst.pct}`);
  assert.equal(worstRegression(c), worst.pct);
});

test('a change whose interval straddles the noise threshold is inconclusive and says what would settle it', () => {
  // +30 on ~1000: the interval [+2.2%, +3.8%] lies beyond 2%, across 2.5% and within 5%.
  const bundles = [bundle('old', [{ metric: 'read.iops', values: BASE }]), bundle('new', [{ metric: 'read.iops', values: BASE.map((v) => v + 30) }])];
  const at = (noisePct: number) => row(compareBundles(bundles, { noisePct }).rows, 'read.iops').candidates[0]!;
  assert.equal(compareBundles(bundles).options.noisePct, 2, 'noise threshold defaults to 2%');
  const two = at(2);
  assert.ok(two.ci!.lowPct > 2 && two.ci!.highPct < 4, `interval [${two.ci!.lowPct}, ${two.ci!.highPct}]`);
  assert.equal(two.verdict, 'improvement');
  const straddling = at(2.5);
  assert.equal(straddling.verdict, 'inconclusive');
  assert.match(straddling.reason, /repetitions per side/);
  assert.equal(straddling.significant, false, 'no star without a verdict, however small q is');
  assert.ok(straddling.q! < 0.05);
  assert.equal(at(5).verdict, 'no difference');
});

// The old engine called this "no difference" because p >= 0.05; a wide interval is no evidence of
// no difference, so the whole-interval rule calls it inconclusive.
test('overlapping samples with a wide interval are inconclusive, not "no difference"', () => {
  const c = compareBundles([bundle('old', [{ metric: 'read.iops', values: [100, 140, 90, 160, 110] }]), bundle('new', [{ metric: 'read.iops', values: [130, 95, 150, 105, 170] }])]);
  const r = row(c.rows, 'read.iops').candidates[0]!;
  assert.ok(r.mannWhitney!.p >= 0.05);
  assert.ok(r.ci!.lowPct < -2 && r.ci!.highPct > 2);
  assert.equal(r.verdict, 'inconclusive');
  assert.equal(r.significant, false);
});

test('review C3 at the compare level: tied values get the exact p; 3 against 3 has no interval near 95%', () => {
  const c = compareBundles([
    bundle('old', [
      { metric: 'total.p50', values: [5, 5, 5, 6], better: 'lower', unit: 'ns' },
      { metric: 'map.p50', values: [10, 10, 10], better: 'lower', unit: 'ns' },
    ]),
    bundle('new', [
      { metric: 'total.p50', values: [6, 7, 7, 7], better: 'lower', unit: 'ns' },
      { metric: 'map.p50', values: [11, 11, 11], better: 'lower', unit: 'ns' },
    ]),
  ]);
  const four = row(c.rows, 'total.p50').candidates[0]!;
  assert.equal(four.mannWhitney!.p, 0.05714285714285714);
  assert.equal(four.mannWhitney!.ties, true);
  assert.ok(Math.abs(four.ci!.level - 0.9429) < 1e-4, '4 v 4 achieves 94.3%');
  // Every candidate value lies above every base value: the whole 94.3% interval is beyond +2%.
  // The verdict stands, but p = 0.057 (q = 0.076): no star.
  assert.equal(four.verdict, 'regression');
  assert.equal(four.significant, false);
  const three = row(c.rows, 'map.p50').candidates[0]!;
  assert.equal(three.mannWhitney!.p, 0.1);
  assert.equal(three.verdict, 'n too small');
  assert.equal(three.ci, null);
  assert.match(three.reason, /no rank interval comes near 95%: 4 per side is the least; the smallest p these values allow is 0\.1/);
});

test('null values are excluded and counted as missing; fewer than 2 values is n too small', () => {
  const c = compareBundles([
    bundle('old', [
      { metric: 'cycles', values: [5, null, 6, null, 7], unit: 'count', better: 'lower' },
      { metric: 'instructions', values: [null, 3, null], unit: 'count' },
    ]),
    bundle('new', [
      { metric: 'cycles', values: [50, 60, 70], unit: 'count', better: 'lower' },
      { metric: 'instructions', values: [4, 5, 6], unit: 'count' },
    ]),
  ]);
  const cycles = row(c.rows, 'cycles');
  assert.equal(cycles.base.n, 3);
  assert.equal(cycles.base.missing, 2);
  assert.equal(cycles.base.median, 6);
  assert.equal(cycles.candidates[0]!.verdict, 'n too small', '3 v 3: no interval near 95%, and p >= 0.1');

  const instr = row(c.rows, 'instructions');
  assert.equal(instr.base.n, 1);
  assert.equal(instr.base.missing, 2);
  const cand = instr.candidates[0]!;
  assert.equal(cand.verdict, 'n too small');
  assert.equal(cand.mannWhitney, null, 'no test is run on a single value');
  assert.equal(cand.ci, null);
  assert.equal(cand.q, null, 'untested rows are outside the false-discovery family');
  assert.match(cand.reason, /at least 2/);
});

test('a group whose every value is null has n = 0 and is n too small, not an error', () => {
  const c = compareBundles([bundle('old', [{ metric: 'x', values: [null, null] }]), bundle('new', [{ metric: 'x', values: [1, 2] }])]);
  const r = row(c.rows, 'x');
  assert.equal(r.base.n, 0);
  assert.equal(r.base.median, null);
  assert.equal(r.candidates[0]!.changePct, null);
  assert.equal(r.candidates[0]!.verdict, 'n too small');
});

test('roles: descriptive rows are shown and never tested; informational rows are "changed", never starred or in q', () => {
  const c = compareBundles([
    bundle('old', [
      { metric: 'read.iops', values: BASE },
      { metric: 'read.clat.max', values: BASE, better: 'lower', unit: 'ns' },
      { metric: 'read.clat.p99.99', values: BASE, better: 'lower', unit: 'ns' },
      { metric: 'dma_iova_link.calls_per_io', values: [8, 8, 8, 8, 8, 8, 8], better: 'none', unit: 'calls/IO' },
      { metric: 'map.calls_per_io', values: [8, 8, 8, 8, 8, 8, 8], better: 'lower', unit: 'calls/IO', role: 'informational' },
      { metric: 'read.clat.mean', values: BASE, better: 'lower', unit: 'ns', role: 'descriptive' },
    ]),
    bundle('new', [
      { metric: 'read.iops', values: scale(BASE, 1.1) },
      { metric: 'read.clat.max', values: scale(BASE, 3) , better: 'lower', unit: 'ns' },
      { metric: 'read.clat.p99.99', values: scale(BASE, 3), better: 'lower', unit: 'ns' },
      { metric: 'dma_iova_link.calls_per_io', values: [1, 1, 1, 1, 1, 1, 1], better: 'none', unit: 'calls/IO' },
      { metric: 'map.calls_per_io', values: [16, 16, 16, 16, 16, 16, 16], better: 'lower', unit: 'calls/IO', role: 'informational' },
      { metric: 'read.clat.mean', values: scale(BASE, 3), better: 'lower', unit: 'ns', role: 'descriptive' },
    ]),
  ]);
  for (const metric of ['read.clat.max', 'read.clat.p99.99', 'read.clat.mean']) {
    const r = row(c.rows, metric);
    assert.equal(r.role, 'descriptive', metric);
    const cand = r.candidates[0]!;
    assert.equal(cand.verdict, 'not tested', metric);
    assert.equal(cand.mannWhitney, null);
    assert.equal(cand.ci, null);
    assert.equal(cand.q, null);
    assert.equal(cand.significant, false);
    assert.ok(Math.abs(cand.changePct! - 200) < 1e-9, 'the change of the median is still shown');
  }
  for (const metric of ['dma_iova_link.calls_per_io', 'map.calls_per_io']) {
    const r = row(c.rows, metric);
    assert.equal(r.role, 'informational', metric);
    const cand = r.candidates[0]!;
    assert.equal(cand.verdict, 'changed', metric);
    assert.ok(cand.mannWhitney !== null, 'informational rows are tested');
    assert.equal(cand.q, null, 'but outside the false-discovery family');
    assert.equal(cand.significant, false);
  }
  // Only the primary row is in the family: its q is its p.
  const iops = row(c.rows, 'read.iops').candidates[0]!;
  assert.equal(iops.q, iops.mannWhitney!.p);
  // map.calls_per_io doubled and is 'lower is better', but informational: not a regression.
  assert.equal(worstRegressionOf(c), null);
});

test('Benjamini-Hochberg over the primary rows: q >= p, and the star needs q < alpha', () => {
  // 20 primary metrics, 19 unchanged (same values) and one shifted: the shifted one's q is 20 p.
  const series = (shift: number): Series[] => [
    { metric: 'shifted', values: scale([1000, 1012, 993, 1005], shift) },
    ...Array.from({ length: 19 }, (_, i) => ({ metric: `same${i}`, values: [1000, 1012, 993, 1005] })),
  ];
  const c = compareBundles([bundle('old', series(1)), bundle('new', series(1.1))]);
  const shifted = row(c.rows, 'shifted').candidates[0]!;
  assert.equal(shifted.mannWhitney!.p, 2 / 70);
  assert.ok(Math.abs(shifted.q! - (20 * 2) / 70) < 1e-12, `q ${shifted.q}`);
  assert.equal(shifted.verdict, 'improvement', 'the whole interval lies beyond +2%');
  assert.equal(shifted.significant, false, 'but q = 0.57: no star');
  const alone = compareBundles([bundle('old', series(1).slice(0, 1)), bundle('new', series(1.1).slice(0, 1))]);
  assert.equal(row(alone.rows, 'shifted').candidates[0]!.significant, true, 'alone in its family, q = p = 0.029 < 0.05');
});

test('units: a known conversion is applied before testing; an unknown one makes the row incomparable (review M4)', () => {
  const c = compareBundles([
    bundle('old', [
      { metric: 'read.iops', values: BASE, unit: 'IOPS' },
      { metric: 'bw_avg', values: BASE, unit: 'MiB/s' },
      { metric: 'odd', values: BASE, unit: 'IOPS' },
      { metric: 'mixed', values: [1000, 1012, 993, 1005], unit: ['IOPS', 'IOPS', 'ops', 'IOPS'] },
    ]),
    bundle('new', [
      { metric: 'read.iops', values: BASE.map((v) => v / 1000), unit: 'KIOPS' },
      { metric: 'bw_avg', values: BASE.map((v) => (v * 1.1 * 1048576 * 8) / 1e9), unit: 'Gb/s' },
      { metric: 'odd', values: BASE, unit: 'MiB/s' },
      { metric: 'mixed', values: [1000, 1012, 993, 1005], unit: 'IOPS' },
    ]),
  ]);
  const iops = row(c.rows, 'read.iops');
  const same = iops.candidates[0]!;
  assert.ok(Math.abs(same.stats.median! - 1000) < 1e-9, 'candidate median in the base unit');
  assert.equal(same.verdict, 'no difference');
  assert.match(iops.notes.join('\n'), /converted from 'KIOPS' to 'IOPS'/);
  const bw = row(c.rows, 'bw_avg').candidates[0]!;
  assert.ok(Math.abs(bw.changePct! - 10) < 1e-6, `Gb/s converted to MiB/s: ${bw.changePct}`);
  assert.equal(bw.verdict, 'improvement');
  for (const metric of ['odd', 'mixed']) {
    const cand = row(c.rows, metric).candidates[0]!;
    assert.equal(cand.verdict, 'incomparable', metric);
    assert.equal(cand.mannWhitney, null);
    assert.equal(cand.q, null);
    assert.equal(cand.significant, false);
  }
  assert.match(row(c.rows, 'mixed').notes.join('\n'), /base values in 'IOPS' and 'ops'/);
});

test('only the timed pass is compared by default; pass selects another; vsPass sets the candidates\' pass', () => {
  const bundles = [
    bundle('old', [
      { metric: 'read.iops', values: BASE },
      { metric: 'read.iops', values: [1, 1, 1], pass: 'warmup' },
    ]),
    bundle('new', [
      { metric: 'read.iops', values: BASE },
      { metric: 'read.iops', values: [9, 9, 9], pass: 'warmup' },
    ]),
  ];
  const c = compareBundles(bundles);
  assert.equal(row(c.rows, 'read.iops').base.n, BASE.length);
  assert.equal(row(c.rows, 'read.iops').candidates[0]!.verdict, 'no difference');
  assert.equal(c.bundles[0]!.selection, 'pass timed');
  const warm = compareBundles(bundles, { pass: 'warmup' });
  assert.equal(warm.options.pass, 'warmup');
  assert.equal(row(warm.rows, 'read.iops').base.n, 3);
  const cross = compareBundles(bundles, { pass: 'timed', vsPass: 'warmup' });
  assert.equal(row(cross.rows, 'read.iops').candidates[0]!.stats.n, 3);
  assert.equal(cross.bundles[1]!.selection, 'pass warmup');
});

test('keys present in only some bundles are listed, and a candidate lacking a key gets null', () => {
  const c = compareBundles([
    bundle('a', [{ metric: 'read.iops', values: BASE }, { metric: 'only.base', values: BASE }]),
    bundle('b', [{ metric: 'read.iops', values: BASE }, { metric: 'only.b', values: BASE }]),
    bundle('c', [{ metric: 'read.iops', values: BASE, cell: 'fio-randread:bs=128k' }, { metric: 'only.base', values: BASE }]),
  ]);
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

test('bundle header facts come from the manifest; missing system state is null; duplicate labels are told apart; boots are counted', () => {
  const c = compareBundles([
    bundle('run', [{ metric: 'm', values: [1, 2], bootIds: ['b1', 'b1'] }], { release: '6.12.117-amd64', mode: 'strict' }),
    bundle('run', [{ metric: 'm', values: [1, 2] }]),
  ]);
  assert.deepEqual(
    c.bundles.map((b) => [b.label, b.kernelRelease, b.iommuMode, b.sampleCount, b.boots, b.bootIdsKnown]),
    [
      ['run#0', '6.12.117-amd64', 'strict', 2, 1, true],
      ['run#1', null, null, 2, null, false],
    ],
  );
});

test('results are reproducible, and a row does not depend on the other rows (except through q)', () => {
  const two = [bundle('old', [{ metric: 'read.iops', values: BASE }]), bundle('new', [{ metric: 'read.iops', values: scale(BASE, 1.05) }])];
  const first = compareBundles(two);
  assert.deepEqual(compareBundles(two), first);
  const more = [
    bundle('old', [{ metric: 'read.iops', values: BASE }, { metric: 'aaa', values: BASE }]),
    bundle('new', [{ metric: 'read.iops', values: scale(BASE, 1.05) }, { metric: 'aaa', values: BASE }]),
  ];
  assert.deepEqual(row(compareBundles(more).rows, 'read.iops').candidates[0]!.ci, row(first.rows, 'read.iops').candidates[0]!.ci);
});

test('deterministic counts: equal is no difference, a different primary count is a regression', () => {
  const c = compareBundles([
    bundle('old', [
      { metric: 'map.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower', role: 'primary' },
      { metric: 'sync.calls_per_io', values: [1, 1, 1, 1, 1], unit: 'calls/IO', better: 'lower', role: 'primary' },
    ]),
    bundle('new', [
      { metric: 'map.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower', role: 'primary' },
      { metric: 'sync.calls_per_io', values: [8, 8, 8, 8, 8], unit: 'calls/IO', better: 'lower', role: 'primary' },
    ]),
  ]);
  const same = row(c.rows, 'map.calls_per_io').candidates[0]!;
  assert.equal(same.mannWhitney!.p, 1);
  assert.deepEqual([same.ci!.lowPct, same.ci!.highPct], [0, 0]);
  assert.equal(same.verdict, 'no difference');
  const more = row(c.rows, 'sync.calls_per_io').candidates[0]!;
  assert.ok(Math.abs(more.changePct! - 700) < 1e-9);
  assert.ok(Math.abs(more.ci!.lowPct - 700) < 1e-9 && Math.abs(more.ci!.highPct - 700) < 1e-9);
  assert.equal(more.mannWhitney!.p, 2 / 252);
  assert.equal(more.verdict, 'regression');
  assert.ok(Math.abs(worstRegression(c) - 700) < 1e-9);
});

test('a rise from a base of 0 has no finite percentage and counts as an unbounded regression', () => {
  const c = compareBundles([
    bundle('old', [{ metric: 'errors', values: [0, 0, 0, 0, 0], better: 'lower', unit: 'count' }]),
    bundle('new', [{ metric: 'errors', values: [3, 3, 4, 3, 5], better: 'lower', unit: 'count' }]),
  ]);
  const r = row(c.rows, 'errors').candidates[0]!;
  assert.equal(r.changePct, Infinity);
  assert.equal(r.ci!.lowPct, Infinity);
  assert.equal(r.verdict, 'regression');
  assert.equal(worstRegression(c), Infinity);
});

test('the levels achieved are listed for the legend', () => {
  const c = compareBundles([
    bundle('old', [{ metric: 'a', values: [1, 2, 3, 4, 5] }, { metric: 'b', values: [1, 2, 3, 4, 5] }, { metric: 'c', values: [1, 2, 3, 4] }]),
    bundle('new', [{ metric: 'a', values: [1, 2, 3, 4, 5] }, { metric: 'b', values: [1, 2, 3, 4, 5] }, { metric: 'c', values: [1, 2, 3, 4] }]),
  ]);
  assert.deepEqual(
    c.levels.map((l) => [l.n1, l.n2, Number(l.level.toFixed(4)), l.rows]),
    [
      [5, 5, 0.9444, 2],
      [4, 4, 0.9429, 1],
    ],
  );
});

test('bad options and too few bundles are refused', () => {
  const b = bundle('x', [{ metric: 'm', values: [1, 2] }]);
  assert.throws(() => compareBundles([b]), RangeError);
  assert.throws(() => compareBundles([b, b], { alpha: 0 }), RangeError);
  assert.throws(() => compareBundles([b, b], { noisePct: -1 }), RangeError);
});

test('sides that ran in several boots take their interval from the two-level bootstrap; one boot keeps the rank interval', () => {
  const boots = (prefix: string): string[] => Array.from({ length: 12 }, (_, i) => `${prefix}${Math.floor(i / 4)}`);
  const values = [1000, 1004, 998, 1002, 1021, 1025, 1019, 1023, 985, 989, 983, 987];
  const c = compareBundles([
    bundle('old', [{ metric: 'read.iops', values, bootIds: boots('a') }, { metric: 'write.iops', values, bootIds: Array(12).fill('a0') }]),
    bundle('new', [{ metric: 'read.iops', values: scale(values, 1.1), bootIds: boots('b') }, { metric: 'write.iops', values: scale(values, 1.1), bootIds: Array(12).fill('b0') }]),
  ]);
  assert.deepEqual(c.bundles.map((b) => [b.boots, b.bootIdsKnown]), [[3, true], [3, true]]);
  const multi = row(c.rows, 'read.iops').candidates[0]!;
  assert.equal(multi.ci!.method, 'two-level bootstrap');
  assert.equal(multi.ci!.level, 0.95);
  const rank = row(c.rows, 'write.iops');
  assert.equal(rank.base.boots, 1);
  assert.equal(rank.candidates[0]!.ci!.method, 'rank');
  // The boots differ by about 2%: the interval that resamples them is wider than the rank one on the same values.
  const width = (ci: { lowPct: number; highPct: number }): number => ci.highPct - ci.lowPct;
  assert.ok(width(multi.ci!) > width(rank.candidates[0]!.ci!), `${JSON.stringify(multi.ci)} vs ${JSON.stringify(rank.candidates[0]!.ci)}`);
  assert.ok(Math.abs(multi.changePct! - 10) < 1e-9, 'the estimate is the Hodges-Lehmann ratio either way');
  assert.deepEqual(compareBundles([bundle('old', [{ metric: 'read.iops', values, bootIds: boots('a') }]), bundle('new', [{ metric: 'read.iops', values: scale(values, 1.1), bootIds: boots('b') }])]).rows[0]!.candidates[0]!.ci, multi.ci, 'seeded per row');
});

test('a metric whose role differs between repetitions or bundles takes the weakest: a p99 too thin in one repetition is not tested', () => {
  const thin: MetricRole[] = ['primary', 'primary', 'descriptive', 'primary', 'primary', 'primary', 'primary'];
  const c = compareBundles([
    bundle('old', [
      { metric: 'read.clat.p99', values: BASE, better: 'lower', unit: 'ns', roles: thin },
      { metric: 'read.clat.p50', values: BASE, better: 'lower', unit: 'ns', role: 'primary' },
      { metric: 'read.iops', values: BASE, role: 'primary' },
    ]),
    bundle('new', [
      { metric: 'read.clat.p99', values: scale(BASE, 1.3), better: 'lower', unit: 'ns', role: 'primary' },
      { metric: 'read.clat.p50', values: scale(BASE, 1.3), better: 'lower', unit: 'ns', role: 'informational' },
      { metric: 'read.iops', values: scale(BASE, 0.7), role: 'primary' },
    ]),
  ]);
  const p99 = row(c.rows, 'read.clat.p99');
  assert.equal(p99.role, 'descriptive');
  assert.equal(p99.candidates[0]!.verdict, 'not tested');
  assert.equal(p99.candidates[0]!.significant, false);
  const p50 = row(c.rows, 'read.clat.p50');
  assert.equal(p50.role, 'informational', 'the candidate only vouches for informational');
  assert.equal(p50.candidates[0]!.verdict, 'changed');
  assert.equal(p50.candidates[0]!.q, null, 'outside the BH family');
  assert.ok(p50.notes.some((n) => n.includes("the weaker, 'informational', used")), p50.notes.join('; '));
  // The control: a row every repetition and bundle calls primary is still tested and starred.
  const iops = row(c.rows, 'read.iops');
  assert.equal(iops.role, 'primary');
  assert.equal(iops.candidates[0]!.verdict, 'regression');
  assert.equal(iops.candidates[0]!.significant, true);
});

test('a multiplexed perf counter: its count and per-I/O rows say in which bundle, how often and at what share (review m9)', () => {
  const perf = (metric: string, values: number[], extra: Partial<Series> = {}): Series => ({ metric, values, pass: 'profile:perf-stat', better: 'none', unit: 'count', role: 'informational', ...extra });
  const c = compareBundles(
    [
      bundle('old', [perf('perf.cycles:k', BASE), perf('perf.cycles:k_per_io', BASE, { better: 'lower', role: 'descriptive' }), perf('perf.page-faults', BASE)]),
      bundle('new', [
        perf('perf.cycles:k', BASE),
        perf('perf.cycles:k_per_io', BASE, { better: 'lower', role: 'descriptive' }),
        perf('perf.page-faults', BASE),
        // Written by the collector only for the repetitions where the counter ran < 100%.
        perf('perf.cycles:k.running_pct', [80, 62.5], { unit: '%', role: 'descriptive' }),
      ]),
    ],
    { pass: 'profile:perf-stat' },
  );
  for (const metric of ['perf.cycles:k', 'perf.cycles:k_per_io']) {
    const notes = row(c.rows, metric).notes;
    assert.equal(notes.length, 1, notes.join('; '));
    assert.match(notes[0]!, /^new: perf multiplexed this counter in 2 of 7 repetition\(s\), running as little as 62\.5% of the window: its count is perf's estimate/);
  }
  assert.deepEqual(row(c.rows, 'perf.page-faults').notes, [], 'a counter that ran the whole window has no note');
  // The renderers print row notes under the table.
  assert.match(renderText(c), /note: perf\.cycles:k_per_io: new: perf multiplexed this counter in 2 of 7/);
});
