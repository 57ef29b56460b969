// Distribution and scaling charts (reports/charts/microbench-latency.ts, microbench-threads.ts,
// fio-clat-bins.ts) on real data: dma_bench bundles made by the collector's own code from the
// lab's module results, with the histograms.json the collector wrote in the guest laid out in raw/
// as the runner lays it out (test/helpers/microbench-bundles.ts), and the old fio bundle, copied
// whole with fio's json+ output of its three repetitions. Expected values are computed here from
// the files, independently of the builders: bucket counts summed by hand, fio's percentiles of
// each repetition's parsed output.
//
// The fixtures keep one repetition per dma_bench cell. To exercise the merge of repetitions, one
// documented transformation: the 7.2 bundle's cell sg, 64 KiB in 16 scattered segments, 1 thread
// gets a repetition 1 whose histograms.json is the real file of the same request with 2 threads
// (the only other capture of that path and shape), marked done in the manifest. Its numbers are
// then a test input, not a measurement of that cell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedBundle } from '../../model/bundle.js';
import { bucketValue, histogramQuantile, type LatencyHistogram, type RepetitionHistograms } from '../../model/latency-histogram.js';
import { passKey } from '../../core/bundle/layout.js';
import { readBundle } from '../../core/bundle/read.js';
import { mergedPercentiles, parseFioOutput } from '../../core/text/fio-output.js';
import { buildCharts, readChartRaw, type ChartSpec } from '../../reports/charts/index.js';
import { downsampleLogX } from '../../reports/charts/downsample.js';
import { MAX_CURVE_POINTS } from '../../reports/charts/microbench-latency.js';
import { histDir, microbenchBundle, timedRepDir } from '../helpers/microbench-bundles.js';
import { fixture } from '../helpers/paths.js';

/** One CSV record per line (no field of these charts spans lines), quotes as RFC 4180 writes them. */
const parseCsv = (line: string): string[][] => parse(line, { relax_column_count: true }) as string[][];

const NINES: [string, number][] = [['p50', 0.5], ['p90', 0.9], ['p99', 0.99], ['p99.9', 0.999], ['p99.99', 0.9999]];
const MERGED_CELL_FIXTURE = '7.2-sg-64k-16seg-scattered-t1-auto-irqson';
const SECOND_REP_FIXTURE = '7.2-sg-64k-16seg-scattered-t2-auto-irqson';

let tmp: string;
let bundles: LoadedBundle[];
let charts: ChartSpec[];
let mergedCell: string;

const readHist = async (name: string): Promise<RepetitionHistograms> => JSON.parse(await readFile(path.join(histDir, `${name}.histograms.json`), 'utf8')) as RepetitionHistograms;

/** The test's own merge: counts summed per bucket start, by hand, min and max over the parts. */
function sumByHand(parts: LatencyHistogram[]): LatencyHistogram {
  const counts = new Map<number, { width: number; count: number }>();
  for (const h of parts) for (const b of h.buckets) counts.set(b.low, { width: b.width, count: (counts.get(b.low)?.count ?? 0) + b.count });
  const buckets = [...counts].sort((a, b) => a[0] - b[0]).map(([low, v]) => ({ low, ...v }));
  return {
    unit: 'ns',
    count: buckets.reduce((n, b) => n + b.count, 0),
    maxRelErr: 0.004,
    buckets,
    min: Math.min(...parts.map((h) => h.min!)),
    max: Math.max(...parts.map((h) => h.max!)),
  };
}

function one(title: (t: string) => boolean, what: string): ChartSpec {
  const found = charts.filter((c) => title(c.title));
  assert.equal(found.length, 1, `one chart ${what}, found ${found.map((c) => c.id).join(', ') || 'none'}`);
  return found[0]!;
}

function series(c: ChartSpec, label: string) {
  const s = c.series.find((x) => x.label === label);
  assert.ok(s, `${c.id}: series ${label} (have ${c.series.map((x) => x.label).join(', ')})`);
  return s;
}

const SCATTERED_T1 = 'dir=to_device, layout=scattered, segs=16, size=64k, threads=1';
const nines = (phase: string, shape: string) => one((t) => t.startsWith(`dma_bench ${phase} latency percentiles`) && t.includes(`: ${shape};`), `${phase} nines of ${shape}`);

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'dmabench-dist-'));
  bundles = [];
  for (const kernel of ['6.12', '7.2', '7.2-passthrough'] as const) {
    bundles.push(await microbenchBundle(kernel, { rawDir: path.join(tmp, kernel) }));
  }
  // The documented transformation: a second repetition of one 7.2 cell (see the top of the file).
  const b72 = bundles[1]!;
  const cells = b72.manifest.cells.filter((c) => c.params.api === 'sg' && c.params.layout === 'scattered' && c.params.threads === 1 && c.params.size === '64k' && c.params.batch === undefined);
  assert.equal(cells.length, 1, 'the 7.2 sg scattered one-thread cell');
  mergedCell = cells[0]!.cell;
  const rep1 = timedRepDir(b72.dir, mergedCell, 1);
  await mkdir(rep1, { recursive: true });
  await copyFile(path.join(histDir, `${SECOND_REP_FIXTURE}.histograms.json`), path.join(rep1, 'histograms.json'));
  b72.manifest.done[passKey(mergedCell, 'timed')] = [0, 1];
  charts = buildCharts(bundles, await readChartRaw(bundles));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('the nines of a cell are the quantiles of its repetitions merged: histogramQuantile on the summed counts', async () => {
  const rep0 = await readHist(MERGED_CELL_FIXTURE);
  const rep1 = await readHist(SECOND_REP_FIXTURE);
  let mergeShows = 0;
  for (const phase of ['map', 'unmap', 'total']) {
    const parts = [rep0, rep1].map((f) => f.histograms.find((h) => h.metric === phase)!);
    const merged = sumByHand(parts);
    const c = nines(phase, SCATTERED_T1);
    const s = series(c, `${bundles[1]!.manifest.label}: sg`);
    for (const [label, q] of NINES) {
      const p = s.points.find((x) => x.x === label)!;
      const resolved = merged.count * (1 - q) >= 1;
      assert.equal(p.y, resolved ? histogramQuantile(merged, q) : null, `${phase} ${label}`);
      if (resolved && histogramQuantile(parts[0]!, q) !== p.y) mergeShows++;
      assert.match(p.note ?? '', new RegExp(`^n=${merged.count} samples of 2 repetitions merged`), `${phase} ${label} note`);
    }
  }
  // Not vacuous: the first repetition alone gives other values, so a merge that kept one would fail.
  assert.ok(mergeShows > 0, 'some merged percentile differs from repetition 0 alone');
});

test('a cell of one repetition: its nines are the quantiles of the histogram the collector wrote, for each bundle and path', async () => {
  for (const [bundle, prefix] of [[bundles[0]!, '6.12'], [bundles[1]!, '7.2']] as const) {
    const c = nines('map', 'dir=to_device, layout=contiguous, segs=16, size=64k, threads=2');
    const h = (await readHist(`${prefix}-phys-64k-16seg-contiguous-t2-auto-irqson`)).histograms.find((x) => x.metric === 'map')!;
    const s = series(c, `${bundle.manifest.label}: phys`);
    for (const [label, q] of NINES) {
      const p = s.points.find((x) => x.x === label)!;
      assert.equal(p.y, h.count * (1 - q) >= 1 ? histogramQuantile(h, q) : null, `${prefix} ${label}`);
    }
  }
});

test('a path a bundle lacks is a line of absent points, never 0; a bundle without raw/ has no line, and no raw/ at all, no chart', async () => {
  const c = nines('total', SCATTERED_T1);
  const link612 = series(c, `${bundles[0]!.manifest.label}: link`);
  assert.equal(link612.points.length, NINES.length);
  assert.ok(link612.points.every((p) => p.y === null), '6.12 link (unsupported) drawn absent');
  assert.ok(series(c, `${bundles[1]!.manifest.label}: link`).points.some((p) => p.y !== null), '7.2 link measured');
  // 6.12 copied without raw/: the same samples, no raw data.
  const noRaw = await microbenchBundle('6.12');
  const mixed = buildCharts([noRaw, bundles[1]!], await readChartRaw([noRaw, bundles[1]!]));
  const dist = mixed.filter((x) => /latency (percentiles|tail)/.test(x.title));
  assert.ok(dist.length > 0);
  assert.ok(dist.every((x) => x.series.every((s) => !s.label.startsWith(noRaw.manifest.label))), 'no series of the bundle without raw/');
  const none = buildCharts([noRaw], await readChartRaw([noRaw]));
  assert.equal(none.filter((x) => /latency (percentiles|tail)/.test(x.title)).length, 0);
  assert.ok(none.some((x) => x.title.startsWith('dma_bench map p50')), 'the sample charts still drawn');
});

test('the tail curve: 1 − CDF of the merged histogram, first and last points kept, at most 200 points', async () => {
  const c = one((t) => t.startsWith('dma_bench total (map + unmap) latency tail') && t.includes(`: ${SCATTERED_T1};`), 'tail of the merged cell');
  const parts = await Promise.all([MERGED_CELL_FIXTURE, SECOND_REP_FIXTURE].map(async (f) => (await readHist(f)).histograms.find((h) => h.metric === 'total')!));
  const merged = sumByHand(parts);
  const s = series(c, `${bundles[1]!.manifest.label}: sg`);
  assert.ok(s.points.length <= MAX_CURVE_POINTS);
  const first = merged.buckets[0]!;
  const last = merged.buckets[merged.buckets.length - 1]!;
  assert.deepEqual([s.points[0]!.x, s.points[0]!.y], [bucketValue(first), 1]);
  assert.deepEqual([s.points.at(-1)!.x, s.points.at(-1)!.y], [bucketValue(last), last.count / merged.count]);
  for (const chartSpec of charts.filter((x) => x.title.includes('latency tail'))) {
    for (const line of chartSpec.series) {
      assert.ok(line.points.length <= MAX_CURVE_POINTS, `${chartSpec.id} ${line.label}: ${line.points.length} points`);
      for (let i = 1; i < line.points.length; i++) {
        assert.ok((line.points[i]!.x as number) > (line.points[i - 1]!.x as number) && line.points[i]!.y! <= line.points[i - 1]!.y!, `${chartSpec.id} ${line.label}: rising x, falling fraction at ${i}`);
      }
    }
  }
});

test('downsampling a real curve longer than the limit keeps the first and last points, at most the limit, in order', async () => {
  // Every bucket value of every total histogram captured: more points than 200, on a log scale.
  const files = (await readdir(histDir)).filter((f) => f.endsWith('.histograms.json')).sort();
  const xs = new Set<number>();
  for (const f of files) for (const h of (JSON.parse(await readFile(path.join(histDir, f), 'utf8')) as RepetitionHistograms).histograms) for (const b of h.buckets) xs.add(bucketValue(b));
  const points = [...xs].sort((a, b) => a - b).map((x, i) => ({ x, i }));
  assert.ok(points.length > MAX_CURVE_POINTS, `${points.length} points`);
  for (const max of [MAX_CURVE_POINTS, 20, 2]) {
    const kept = downsampleLogX(points, max);
    assert.ok(kept.length <= max && kept.length >= Math.min(2, max), `${max}: ${kept.length}`);
    assert.equal(kept[0], points[0]);
    assert.equal(kept.at(-1), points.at(-1));
    for (let i = 1; i < kept.length; i++) assert.ok(kept[i]!.i > kept[i - 1]!.i, 'a subsequence, in order');
  }
});

test('thread scaling: each bundle × path at 1 and 2 threads is the p50 of its cell', () => {
  const c = one((t) => t.startsWith('dma_bench total p50 per request against threads') && t.includes(': dir=to_device, layout=scattered, segs=16, size=64k;'), 'thread scaling of scattered 64k');
  for (const b of bundles.slice(0, 2)) {
    const s = series(c, `${b.manifest.label}: sg`);
    assert.deepEqual(s.points.map((p) => p.x), [1, 2]);
    for (const p of s.points) {
      const cell = b.manifest.cells.find((x) => x.params.api === 'sg' && x.params.layout === 'scattered' && x.params.size === '64k' && x.params.threads === p.x && x.params.batch === undefined)!;
      const v = b.samples.filter((x) => x.cell === cell.cell && x.metric === 'total.p50').map((x) => x.value);
      assert.equal(v.length, 1);
      assert.equal(p.y, v[0], `${b.manifest.label} threads=${String(p.x)}`);
    }
  }
  assert.ok(series(c, `${bundles[0]!.manifest.label}: link`).points.every((p) => p.y === null), '6.12 link absent');
});

test('fio: the nines of the three repetitions json+ bins merged, as fio cuts its percentiles', async () => {
  const bundle = await readBundle(fixture('bundles', 'old-main-fio'));
  const fio = buildCharts([bundle], await readChartRaw([bundle])).filter((c) => c.id.startsWith('fio-clat-bins-'));
  assert.equal(fio.length, bundle.manifest.cells.length, fio.map((c) => c.id).join(', '));
  for (const cell of bundle.manifest.cells) {
    const c = fio.find((x) => x.title.includes(`: ${cell.cell};`))!;
    assert.ok(c, cell.cell);
    const reps = bundle.manifest.done[passKey(cell.cell, 'timed')]!;
    assert.equal(reps.length, 3);
    const clats = await Promise.all(reps.map(async (r) => parseFioOutput(await readFile(path.join(bundle.dir, 'raw', cell.rawDir ?? cell.cell, `timed-${r}`, 'fio-output.json'), 'utf8')).jobs[0]!.directions.read!.clat!));
    const expected = mergedPercentiles(clats);
    const ios = clats.reduce((n, x) => n + x.n, 0);
    const s = c.series[0]!;
    let differsFromRep0 = 0;
    for (const [label, q] of NINES) {
      const p = s.points.find((x) => x.x === label)!;
      assert.equal(p.y, ios * (1 - q) >= 1 ? expected[label]! / 1000 : null, `${cell.cell} ${label}`);
      assert.match(p.note ?? '', new RegExp(`^${ios} I/Os of 3 repetitions merged`));
      if (p.y !== null && p.y !== clats[0]!.percentiles[label]! / 1000) differsFromRep0++;
    }
    assert.ok(differsFromRep0 > 0, `${cell.cell}: the merge shows (some percentile differs from repetition 0 alone)`);
  }
});

test('every chart: ids unique, and its CSV is its points', () => {
  assert.equal(new Set(charts.map((c) => c.id)).size, charts.length);
  const dist = charts.filter((c) => /latency (percentiles|tail)|against threads/.test(c.title));
  assert.ok(dist.length >= 10, `${dist.length} distribution and scaling charts`);
  for (const c of dist) {
    const lines = c.csv.trimEnd().split('\n');
    const rows = lines.slice(1).map((l) => parseCsv(l)[0]!);
    const points = c.series.flatMap((s) => s.points.map((p) => [s.label, String(p.x), p.y === null ? '' : String(p.y), p.yMin === undefined ? '' : String(p.yMin), p.yMax === undefined ? '' : String(p.yMax), p.note ?? '']));
    assert.deepEqual(rows, points, c.id);
  }
});

