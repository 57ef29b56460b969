// Chart builders (reports/charts/) on real bundles: the lab's 6.12 and 7.2 profile bundles (fio,
// ftrace, perf stat), an old fio bundle with two block sizes, the Soft-RoCE ib_write_bw bundle, and
// dma_bench bundles made by the real collector code from the lab's module results
// (test/helpers/microbench-bundles.ts says how). Expected values are read from the samples or the
// raw result text here, independently of the builders' own grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedBundle } from '../../model/bundle.js';
import type { Sample } from '../../model/measurement.js';
import { readBundle, readManifest } from '../../core/bundle/read.js';
import { busyBetween, parseProcStat } from '../../core/cpu/proc-stat.js';
import { cellKey } from '../../core/campaign/matrix.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { buildCharts, type ChartSpec } from '../../reports/charts/index.js';
import { chartBundles, PALETTE } from '../../reports/charts/bundles.js';
import { histDir, microbenchBundle } from '../helpers/microbench-bundles.js';
import { fixture } from '../helpers/paths.js';

/** One CSV record per line (no field of these charts spans lines), quotes as RFC 4180 writes them. */
const parseCsv = (line: string): string[][] => parse(line, { relax_column_count: true }) as string[][];

const load = (name: string): Promise<LoadedBundle> => readBundle(fixture('bundles', name));

function byTitle(charts: ChartSpec[], ...parts: string[]): ChartSpec[] {
  return charts.filter((c) => parts.every((p) => c.title.includes(p)));
}

function one(charts: ChartSpec[], ...parts: string[]): ChartSpec {
  const found = byTitle(charts, ...parts);
  assert.equal(found.length, 1, `one chart titled with ${parts.join(' + ')}, found ${found.map((c) => c.id).join(', ') || 'none'}`);
  return found[0]!;
}

function seriesOf(c: ChartSpec, label: string) {
  const s = c.series.find((x) => x.label === label);
  assert.ok(s, `${c.id}: a series ${label} (have ${c.series.map((x) => x.label).join(', ')})`);
  return s;
}

function yAt(c: ChartSpec, label: string, x: number | string): number | null {
  const p = seriesOf(c, label).points.find((q) => q.x === x);
  assert.ok(p, `${c.id}: ${label} has a point at ${x}`);
  return p.y;
}

const values = (b: LoadedBundle, pred: (s: Sample) => boolean): number[] => b.samples.filter(pred).map((s) => s.value as number);
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};


async function allFixtureBundles(): Promise<LoadedBundle[]> {
  return [
    await load('lab-profile-schema2-6.12'),
    await load('lab-profile-schema2-7.2'),
    await load('old-main-fio'),
    await load('lab-rxe-7.2'),
    await microbenchBundle('6.12'),
    await microbenchBundle('7.2'),
    await microbenchBundle('7.2-passthrough'),
  ];
}

test('every chart: a unique [a-z0-9-]+ id, a title with the IOMMU mode, its bundle colour, CSV rows that are its points', async () => {
  const bundles = await allFixtureBundles();
  const charts = buildCharts(bundles);
  assert.ok(charts.length > 30, `${charts.length} charts`);
  assert.equal(new Set(charts.map((c) => c.id)).size, charts.length, 'ids unique');
  // The microbench bundles carry the lab bundles' manifests: a repeated label is told apart.
  const names = chartBundles(bundles).map((b) => b.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names[4], `${bundles[0]!.manifest.label} #2`);
  for (const c of charts) {
    assert.match(c.id, /^[a-z0-9-]+$/);
    assert.match(c.title, /IOMMU (strict|off|passthrough)/, c.title);
    for (const s of c.series) {
      // The series of bundle i (labelled with its name, or `name: path`) has palette colour i.
      const i = names.findIndex((n) => s.label === n || s.label.startsWith(`${n}:`));
      assert.ok(i >= 0, `${c.id}: series ${s.label} names a bundle`);
      assert.equal(s.color, PALETTE[i], `${c.id}: ${s.label}`);
    }
    const lines = c.csv.trimEnd().split('\n');
    assert.deepEqual(parseCsv(lines[0]!)[0]!, ['series', c.xLabel, c.yLabel, 'y_min', 'y_max', 'note']);
    const points = c.series.flatMap((s) => s.points.map((p) => ({ s, p })));
    assert.equal(lines.length - 1, points.length, `${c.id}: one CSV row per point`);
    points.forEach(({ s, p }, k) => {
      const [label, x, y, lo, hi] = parseCsv(lines[k + 1]!)[0]!;
      assert.equal(label, s.label);
      assert.equal(x, String(p.x));
      assert.equal(y, p.y === null ? '' : String(p.y), `${c.id}: an absent value is an empty field, never 0`);
      assert.equal(lo, p.yMin === undefined ? '' : String(p.yMin));
      assert.equal(hi, p.yMax === undefined ? '' : String(p.yMax));
    });
  }
});

test('the same bundles give the same charts, and a bundle keeps its colour whichever charts it is in', async () => {
  const a = buildCharts(await allFixtureBundles());
  const b = buildCharts(await allFixtureBundles());
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  // 7.2 alone, first: the first colour; after 6.12: the second, in every chart.
  const alone = buildCharts([await load('lab-profile-schema2-7.2')]);
  assert.ok(alone.every((c) => c.series.every((s) => s.color === PALETTE[0])));
  const pair = buildCharts([await load('lab-profile-schema2-6.12'), await load('lab-profile-schema2-7.2')]);
  const second = pair.flatMap((c) => c.series.filter((s) => s.label.startsWith('7.2')));
  assert.ok(second.length > 10 && second.every((s) => s.color === PALETTE[1]));
});

test('fio: IOPS, bandwidth and CPU per I/O per block size with min-max whiskers, the nines, the repetitions in run order', async () => {
  const old = await load('old-main-fio');
  const charts = buildCharts([old]);
  const label = old.manifest.label;
  const iops = one(charts, 'fio read IOPS', 'per block size');
  assert.equal(iops.kind, 'bar');
  assert.deepEqual(seriesOf(iops, label).points.map((p) => p.x), ['4k', '64k'], 'block sizes in size order');
  for (const bs of ['4k', '64k']) {
    const reps = values(old, (s) => s.pass === 'timed' && s.metric === 'read.iops' && s.cell.includes(`bs=${bs},`));
    assert.equal(reps.length, 3);
    const p = seriesOf(iops, label).points.find((q) => q.x === bs)!;
    assert.equal(p.y, med(reps));
    assert.equal(p.yMin, Math.min(...reps));
    assert.equal(p.yMax, Math.max(...reps));
    assert.match(p.note!, /n=3/);
  }
  assert.equal(yAt(one(charts, 'fio read bandwidth'), label, '64k'), med(values(old, (s) => s.pass === 'timed' && s.metric === 'read.bw' && s.cell.includes('bs=64k,'))));
  // This bundle predates cpu.per_io and cpu.*_per_io: its CPU per I/O is fio's usr+sys % over IOPS (numjobs=1).
  const cpu = one(charts, "CPU time per I/O (fio's own usr+sys)");
  const rep0 = (m: string): number => values(old, (s) => s.pass === 'timed' && s.rep === 0 && s.metric === m && s.cell.includes('bs=4k,'))[0]!;
  const perIo0 = ((rep0('cpu.usr') + rep0('cpu.sys')) / 100) * 1e6 / rep0('read.iops');
  const p4k = seriesOf(cpu, label).points.find((q) => q.x === '4k')!;
  assert.ok(p4k.yMin! <= perIo0 && perIo0 <= p4k.yMax!, `rep 0's ${perIo0} us/IO within the whiskers`);
  assert.ok(perIo0 > 1 && perIo0 < 1000);
  assert.equal(byTitle(charts, 'busy time of the box').length, 0, 'no box busy-time chart without cpu.per_io samples');

  const nines = one(charts, 'completion latency percentiles', 'bs=64k,');
  assert.equal(nines.yLog, true);
  assert.deepEqual(seriesOf(nines, label).points.map((p) => p.x), ['p50', 'p90', 'p99', 'p99.9', 'p99.99']);
  const p99 = values(old, (s) => s.pass === 'timed' && s.metric === 'read.clat.p99' && s.cell.includes('bs=64k,'));
  assert.equal(yAt(nines, label, 'p99'), med(p99) / 1000, 'ns shown in us');

  // No `order` in this bundle's samples: its repetitions ran in rep order.
  const drift = one(charts, 'IOPS of each repetition in run order', 'bs=4k,');
  assert.equal(drift.xLabel, 'repetition');
  assert.deepEqual(
    seriesOf(drift, label).points.map((p) => [p.x, p.y]),
    old.samples.filter((s) => s.pass === 'timed' && s.metric === 'read.iops' && s.cell.includes('bs=4k,')).map((s) => [s.rep, s.value]),
  );
});

/**
 * A fio bundle of today's format, with the box's busy time per I/O: no bundle fixture has one. Its
 * one repetition is the real capture test/fixtures/proc-stat/devvm-6.18.44/fio-iouring-randread
 * (fio's JSON and /proc/stat around it, README there) put through the fio collector's own
 * parser and metrics with that window, as the collector does; the manifest is old-main-fio's
 * (the same development VM, kernel and fio), its cells replaced by the captured command's.
 */
async function busyTimeFioBundle(): Promise<LoadedBundle> {
  const read = (name: string): Promise<string> => readFile(fixture('proc-stat', 'devvm-6.18.44', 'fio-iouring-randread', name), 'utf8');
  const busy = busyBetween(parseProcStat(await read('before.txt')), parseProcStat(await read('after.txt')), Number(await read('wall-us.txt')) / 1000, Number(await read('getconf-clk-tck.txt')));
  const manifest = await readManifest(fixture('bundles', 'old-main-fio'));
  const params = { rw: 'randread', bs: '4k', ioengine: 'io_uring', iodepth: 8, runtime: 3 };
  const cell = cellKey('rr', params, 'fio');
  manifest.cells = [{ workload: 'rr', cell, tool: 'fio', params }];
  manifest.done = {};
  const samples = fioMeasurements(parseFioOutput(await read('command-output.txt')), { busy }).map((m): Sample => ({ ...m, workload: 'rr', cell, rep: 0, pass: 'timed', tool: 'fio' }));
  return { dir: 'proc-stat capture', manifest, samples };
}

test("fio CPU per I/O: the box's busy time where the bundle has it, fio's usr+sys beside it", async () => {
  const b = await busyTimeFioBundle();
  const charts = buildCharts([b]);
  const value = (m: string): number => b.samples.find((s) => s.metric === m)!.value!;
  assert.equal(yAt(one(charts, 'CPU time per I/O (busy time of the box while fio ran)'), b.manifest.label, '4k'), value('cpu.per_io'));
  assert.equal(yAt(one(charts, "CPU time per I/O (fio's own usr+sys)"), b.manifest.label, '4k'), value('cpu.usr_per_io') + value('cpu.sys_per_io'));
});

test('profilers on 6.12 against 7.2: calls per I/O side by side, a function a kernel lacks absent (null), never 0', async () => {
  const b612 = await load('lab-profile-schema2-6.12');
  const b72 = await load('lab-profile-schema2-7.2');
  const charts = buildCharts([b612, b72]);
  const [l612, l72] = [b612.manifest.label, b72.manifest.label];
  const calls = byTitle(charts, 'Calls per I/O of the DMA mapping functions');
  assert.equal(calls.length, 2, 'one per profiled cell');
  const c = one(calls, 'nvme-randread-64k:');
  const recorded = (b: LoadedBundle, fn: string): number | null | undefined =>
    b.samples.find((s) => s.cell.startsWith('nvme-randread-64k:') && s.metric === `${fn}.calls_per_io`)?.value;
  // The link API: called on 7.2, not in 6.12 (the profiler recorded it absent).
  assert.equal(recorded(b612, 'dma_iova_link'), null);
  assert.equal(yAt(c, l612, 'dma_iova_link'), null);
  assert.equal(yAt(c, l72, 'dma_iova_link'), recorded(b72, 'dma_iova_link'));
  assert.ok(yAt(c, l72, 'dma_iova_link')! > 1, 'several links per 64 KiB read');
  // The scatterlist call: 6.12 maps with it, 7.2 has it and calls it 0 times (a real 0, not absent).
  assert.ok(yAt(c, l612, 'dma_map_sgtable')! > 0.5);
  assert.equal(yAt(c, l72, 'dma_map_sgtable'), 0);
  // Renamed in 6.18: iommu_dma_map_page is in 6.12 only.
  assert.ok(yAt(c, l612, 'iommu_dma_map_page')! > 0);
  assert.equal(yAt(c, l72, 'iommu_dma_map_page'), null);
  // A function no kernel called (0 on both) says nothing and is left out; the IOMMU's own counts are in.
  const xs = seriesOf(c, l72).points.map((p) => p.x);
  assert.ok(!xs.includes('dma_map_sg_attrs'));
  assert.ok(xs.indexOf('dma_iova_link') < xs.indexOf('dma_map_sgtable'), 'functions in model/dma-functions.ts order');
  assert.equal(yAt(c, l612, 'iommu:map (tracepoint)'), recorded(b612, 'iommu.map'));

  const p50 = one(charts, 'function_graph duration p50', 'nvme-randread-64k-graph:');
  assert.equal(p50.yLog, true);
  const d = (b: LoadedBundle, fn: string): number | null | undefined => b.samples.find((s) => s.metric === `${fn}.duration.p50`)?.value;
  assert.equal(yAt(p50, l72, 'dma_iova_link'), d(b72, 'dma_iova_link')! / 1000);
  assert.equal(yAt(p50, l612, 'dma_iova_link'), null);
  assert.equal(yAt(p50, l612, 'dma_map_sgtable'), d(b612, 'dma_map_sgtable')! / 1000);
  assert.equal(byTitle(charts, 'function_graph duration').length, 3, 'p50, p99 and mean of the graph cell only');

  const perf = one(charts, 'perf stat counters per I/O');
  const perfValue = (b: LoadedBundle, m: string): number | null | undefined => b.samples.find((s) => s.tool === 'perf-stat' && s.metric === m)?.value;
  assert.equal(yAt(perf, l612, 'context-switches'), perfValue(b612, 'perf.context-switches_per_io'));
  assert.equal(yAt(perf, l72, 'page-faults'), perfValue(b72, 'perf.page-faults_per_io'));
  // Under TCG the hardware counters were not supported (null in both bundles): not drawn.
  assert.equal(perfValue(b72, 'perf.cycles_per_io'), null);
  assert.ok(!seriesOf(perf, l72).points.some((p) => p.x === 'cycles'));
  // task-clock per I/O under perf stat -a is wall x CPUs / I/Os, not CPU time: recorded, not drawn.
  assert.ok(perfValue(b72, 'perf.task-clock_per_io')! > 0);
  assert.ok(!seriesOf(perf, l72).points.some((p) => p.x === 'task-clock'));
});

test('ib_write_bw: bandwidth and message rate against the message size, log x', async () => {
  const rxe = await load('lab-rxe-7.2');
  const charts = buildCharts([rxe]);
  const bw = one(charts, 'ib_write_bw average bandwidth');
  const rate = one(charts, 'ib_write_bw message rate');
  assert.equal(bw.xLog, true);
  assert.equal(bw.id.includes('rxe0'), false, "the machine's RDMA device does not name the chart");
  const timed = (m: string): number[] => values(rxe, (s) => s.pass === 'timed' && s.metric === m);
  assert.equal(yAt(bw, rxe.manifest.label, 65536), med(timed('size=65536.bw_avg')));
  assert.equal(yAt(rate, rxe.manifest.label, 65536), med(timed('size=65536.msg_rate')));
  assert.match(bw.yLabel, /^MiB\/s/);
  assert.equal(byTitle(charts, 'Calls per I/O').length, 0, 'Soft-RoCE traced no per-I/O DMA calls');
});

test('dma_bench: map, unmap and total per path across segment counts, one line per bundle and path, the fallback apart', async () => {
  const bundles = [await microbenchBundle('6.12'), await microbenchBundle('7.2'), await microbenchBundle('7.2-passthrough')];
  const [l612, l72, lpt] = bundles.map((b) => b.manifest.label) as [string, string, string];
  const charts = buildCharts(bundles);
  const p50In = async (file: string, phase: string): Promise<number> => {
    const text = await readFile(path.join(histDir, file), 'utf8');
    return Number(new RegExp(`^stats thread=all cpu=-1 phase=${phase} .* p50=(\\d+)`, 'm').exec(text)![1]);
  };
  for (const phase of ['map', 'unmap', 'total']) {
    const c = one(charts, `dma_bench ${phase} p50`, '64 KiB', 'layout=scattered', 'threads=1;');
    assert.equal(c.xLog, true);
    assert.equal(c.yLog, true);
    assert.equal(c.kind, 'line');
    assert.equal(yAt(c, `${l72}: link`, 16), await p50In('7.2-link-64k-16seg-scattered-t1-auto-irqson.txt', phase));
    assert.equal(yAt(c, `${l72}: sg`, 16), await p50In('7.2-sg-64k-16seg-scattered-t1-auto-irqson.txt', phase));
    assert.equal(yAt(c, `${l612}: phys`, 16), await p50In('6.12-phys-64k-16seg-scattered-t1-auto-irqson.txt', phase));
    // 6.12 has no link API: the module said unsupported, the line is there and absent.
    assert.equal(yAt(c, `${l612}: link`, 16), null);
    assert.deepEqual(c.series.filter((s) => s.label.startsWith(l72)).map((s) => s.label), ['sg', 'link', 'phys'].map((p) => `${l72}: ${p}`));
    const dashes = c.series.filter((s) => s.label.startsWith(l72)).map((s) => JSON.stringify(s.dash));
    assert.equal(new Set(dashes).size, 3, 'each path its own dash');
  }
  // Under passthrough link fell back to dma_map_phys: drawn as a line of its own, never as link.
  const pt = one(charts, 'dma_bench map p50', '64 KiB', 'layout=scattered', 'threads=2;');
  assert.match(pt.title, /passthrough/);
  assert.equal(yAt(pt, `${lpt}: link, fell back to dma_map_phys`, 16), await p50In('7.2-passthrough-link-64k-16seg-scattered-t2-auto-irqson.txt', 'map'));
  assert.equal(yAt(pt, `${lpt}: link`, 16), null);
  // The single-page cells: their own charts (4 KiB, 1 segment).
  assert.equal(yAt(one(charts, 'dma_bench total p50', ': 4 KiB'), `${l72}: phys`, 1), await p50In('7.2-phys-4k-1seg-scattered-t1-auto-irqson.txt', 'total'));
});
