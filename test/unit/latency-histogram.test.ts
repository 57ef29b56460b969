// model/latency-histogram.ts on histograms built here from seeded random samples, on the bucket
// grid benches/dma_bench/dma_bench.h describes (one bucket per ns below 128 ns, then 128 buckets
// per power of two): the quantile it cuts is within the stated relative error of the exact
// nearest-rank sample, and histogramProblem refuses what no tool could have written. The real
// module's histograms are tested against its own percentiles in microbench-histogram.test.ts.
// Also the bundle's histograms.json (core/bundle/histograms.ts): what is written reads back, and
// a damaged file is a BundleError naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../core/random/prng.js';
import { histogramProblem, histogramQuantile, type HistogramBucket, type LatencyHistogram } from '../../model/latency-histogram.js';
import { readHistograms, serializeHistograms } from '../../core/bundle/histograms.js';
import { HISTOGRAMS_FILE } from '../../core/bundle/layout.js';
import { BundleError } from '../../core/bundle/read.js';

/** dma_bench.h's grid: [low, low + width) of the bucket holding v. */
function gridBucket(v: number): { low: number; width: number } {
  if (v < 128) return { low: v, width: 1 };
  const shift = Math.floor(Math.log2(v)) - 7;
  return { low: Math.floor(v / 2 ** shift) * 2 ** shift, width: 2 ** shift };
}

function histogramOf(samples: number[]): LatencyHistogram {
  const byLow = new Map<number, HistogramBucket>();
  for (const v of samples) {
    const { low, width } = gridBucket(v);
    const b = byLow.get(low) ?? { low, width, count: 0 };
    b.count++;
    byLow.set(low, b);
  }
  return {
    unit: 'ns',
    count: samples.length,
    min: Math.min(...samples),
    max: Math.max(...samples),
    maxRelErr: 0.004,
    buckets: [...byLow.values()].sort((a, b) => a.low - b.low),
  };
}

const exactNearestRank = (sorted: number[], q: number): number => sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1]!;

test('a quantile cut from the histogram is within its stated relative error of the exact nearest-rank sample', () => {
  const random = mulberry32(20261202);
  let checked = 0;
  for (const [n, scale] of [[1, 3000], [7, 90], [500, 2500], [2000, 40_000], [10_000, 1_000_000]] as const) {
    // Log-normal-ish latencies with a long tail, as a timed map call has: from tens of ns to ms.
    const samples = Array.from({ length: n }, () => Math.max(1, Math.round(scale * Math.exp(2 * (random() - 0.3) ** 3 * 4))));
    const h = histogramOf(samples);
    assert.equal(histogramProblem(h), undefined);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const q of [0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
      const exact = exactNearestRank(sorted, q);
      const cut = histogramQuantile(h, q)!;
      assert.ok(Math.abs(cut - exact) <= 0.004 * exact, `n=${n} q=${q}: ${cut} vs exact ${exact}`);
      checked++;
    }
    // Clamped to the exact extremes, as the module clamps: never outside the samples.
    for (const q of [0.001, 1]) assert.ok(histogramQuantile(h, q)! >= h.min! && histogramQuantile(h, q)! <= h.max!, `n=${n} q=${q} within [min, max]`);
  }
  assert.equal(checked, 35);
});

test('the rank is ⌈q·n⌉ even where q·n lands a hair off an integer (0.999 × 1000)', () => {
  // 999 samples at 10 ns and one at 20: p99.9 of 1000 is rank 999, the last 10.
  const h: LatencyHistogram = { unit: 'ns', count: 1000, min: 10, max: 20, maxRelErr: 0.004, buckets: [{ low: 10, width: 1, count: 999 }, { low: 20, width: 1, count: 1 }] };
  assert.equal(histogramQuantile(h, 0.999), 10);
  assert.equal(histogramQuantile(h, 0.9991), 20);
  assert.equal(histogramQuantile({ ...h, count: 0, buckets: [], min: undefined, max: undefined }, 0.5), undefined);
  assert.throws(() => histogramQuantile(h, 0), RangeError);
  assert.throws(() => histogramQuantile(h, 1.5), RangeError);
});

test('histogramProblem refuses what no tool writes: counts that do not add up, disorder, overlap, too wide, extremes outside', () => {
  const h = histogramOf([130, 131, 300, 300, 5000, 70_000]);
  assert.equal(histogramProblem(h), undefined);
  const b = h.buckets;
  const cases: Array<[string, LatencyHistogram, RegExp]> = [
    ['count off by one', { ...h, count: h.count + 1 }, /hold 6 samples, count says 7/],
    ['out of order', { ...h, buckets: [b[1]!, b[0]!, ...b.slice(2)] }, /starts before the previous one ends/],
    ['overlapping', { ...h, buckets: [b[0]!, { ...b[1]!, low: b[0]!.low }, ...b.slice(2)] }, /starts before/],
    ['an empty bucket', { ...h, buckets: [...b, { low: 1e6, width: 4096, count: 0 }] }, /not a non-empty bucket/],
    ['wider than 0.4% allows', { ...h, buckets: [b[0]!, b[1]!, { ...b[2]!, width: 64 }, ...b.slice(3)] }, /wider than the stated relative error/],
    ['min outside the first bucket', { ...h, min: 120 }, /min 120 is not in the first bucket/],
    ['max below the last bucket', { ...h, max: 60_000 }, /max 60000 is below the last bucket/],
    ['a fractional bound', { ...h, buckets: [{ ...b[0]!, low: 130.5 }, ...b.slice(1)] }, /not a non-empty bucket of whole ns/],
  ];
  for (const [what, bad, re] of cases) assert.match(histogramProblem(bad) ?? 'accepted', re, what);
});

test('histograms.json: what the collector writes reads back; a damaged file is a BundleError naming it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-hist-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(await readHistograms(dir), undefined, 'no file: no histograms');
  const map = { metric: 'map', batch: 4, ...histogramOf([900, 950, 1200, 30_000]) };
  const timer = { metric: 'timer', batch: 1, ...histogramOf([40, 41, 41, 90]) };
  await writeFile(path.join(dir, HISTOGRAMS_FILE), serializeHistograms('microbench', [map, timer]));
  assert.deepEqual(await readHistograms(dir), { version: 1, tool: 'microbench', histograms: [map, timer] });

  const damaged: Array<[string, string, RegExp]> = [
    ['truncated', serializeHistograms('microbench', [map]).slice(0, 80), /histograms\.json: invalid JSON/],
    ['a future version', JSON.stringify({ version: 2, tool: 'microbench', histograms: [] }), /histograms\.json: not a dmabench histograms file: version: Invalid literal value/],
    ['a count as text', serializeHistograms('microbench', [map]).replace('"count":4,', '"count":"4",'), /histograms\.\d+\.count: Expected number/],
    ['buckets that do not add up', serializeHistograms('microbench', [{ ...map, count: 5 }]), /histogram of map: the buckets hold 4 samples, count says 5/],
  ];
  for (const [what, text, re] of damaged) {
    await writeFile(path.join(dir, HISTOGRAMS_FILE), text);
    await assert.rejects(readHistograms(dir), (e: unknown) => e instanceof BundleError && re.test(e.message) && e.message.includes(dir), what);
  }
});
