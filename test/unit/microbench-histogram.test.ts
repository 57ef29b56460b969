// The histograms dma_bench exports (`hist` records, benches/dma_bench/report.c), on results the
// module wrote in lab guests of both kernels (test/fixtures/dma_bench/hist/README.md): the parser
// reads them, every percentile the module printed comes out of its histogram again within the
// relative error the module states, and the bundle's histograms.json the collector wrote in the
// guest is exactly what the host makes of the same result. Damaged copies of a real result are
// ParseErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchHistograms } from '../../collectors/microbench/histograms.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import { microbenchPhases } from '../../collectors/microbench/types.js';
import { histogramQuantile } from '../../model/latency-histogram.js';
import { readHistograms, serializeHistograms } from '../../core/bundle/histograms.js';
import { ParseError } from '../../model/parse-error.js';

const dir = fixture('dma_bench', 'hist');
const results = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const text = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
const measured = results.filter((f) => /^result status=(ok|fallback) /m.test(text(f)));

test('the captures cover both kernels, every path, one and two threads, batches of one and more', () => {
  const parsed = measured.map((f) => parseMicrobenchResult(text(f)));
  const kernels = new Set(parsed.map((r) => r.kernel.replace(/^(\d+\.\d+).*/, '$1')));
  assert.ok(kernels.has('6.12') && [...kernels].some((k) => /^7\./.test(k)), `kernels: ${[...kernels].join(', ')}`);
  assert.deepEqual(new Set(parsed.map((r) => r.path)), new Set(['sg', 'link', 'phys', 'page']));
  assert.ok(parsed.some((r) => r.request?.threads === 2) && parsed.some((r) => r.request?.threads === 1));
  assert.ok(parsed.some((r) => r.batch === 1) && parsed.some((r) => r.batch > 1));
});

test('every percentile the module printed is recomputed from its histogram, within the stated relative error', () => {
  let checked = 0;
  let exact = 0;
  for (const name of measured) {
    const r = parseMicrobenchResult(text(name));
    for (const phase of microbenchPhases) {
      const s = r.all?.phases[phase];
      const h = r.histograms[phase];
      assert.ok(s && h, `${name}: ${phase} has stats and a histogram`);
      assert.equal(h.maxRelErr, 0.004, `${name}: the header states 0.4%`);
      assert.equal(h.count, s.count, `${name} ${phase}: one histogram sample per timed sample`);
      assert.equal(h.buckets.reduce((a, b) => a + b.count, 0), s.count);
      for (const [q, printed] of [[0.5, s.p50], [0.9, s.p90], [0.99, s.p99], [0.999, s.p999]] as const) {
        const cut = histogramQuantile(h, q)!;
        assert.ok(Math.abs(cut - printed) <= h.maxRelErr * printed, `${name} ${phase} p${q * 100}: ${cut} from the histogram, ${printed} printed`);
        if (cut === printed) exact++;
        checked++;
      }
    }
  }
  assert.ok(checked >= 4 * 4 * 20, `percentiles checked: ${checked}`);
  // Same rule, same buckets: the module's own arithmetic is reproduced, not only approached.
  assert.equal(exact, checked, `${checked - exact} of ${checked} percentiles differ from the module's while within the error`);
});

test('a result that measured nothing (link on 6.12) has no histograms, and none are kept', () => {
  const unsupported = results.filter((f) => /^result status=unsupported /m.test(text(f)));
  assert.ok(unsupported.length > 0);
  for (const name of unsupported) {
    const r = parseMicrobenchResult(text(name));
    assert.deepEqual(r.histograms, {});
    assert.deepEqual(microbenchHistograms(r), []);
  }
});

test('the histograms.json the collector wrote in the guest is what the host makes of the same result', async () => {
  const written = readdirSync(dir).filter((f) => f.endsWith('.histograms.json'));
  assert.ok(written.length >= 2, `histograms.json captures: ${written.length}`);
  for (const json of written) {
    const result = json.replace(/\.histograms\.json$/, '.txt');
    assert.ok(existsSync(path.join(dir, result)), `${json} has its result ${result}`);
    const r = parseMicrobenchResult(text(result));
    assert.equal(readFileSync(path.join(dir, json), 'utf8'), serializeHistograms('microbench', microbenchHistograms(r)), json);
    // What reports read back: one per phase, named after its metrics, with the batch of its samples.
    const read = await readHistogramsFile(path.join(dir, json));
    const prefix = r.status === 'fallback' ? 'fallback.' : '';
    assert.deepEqual(read.histograms.map((h) => h.metric), ['map', 'unmap', 'total', 'timer'].map((m) => `${prefix}${m}`), json);
    assert.deepEqual(read.histograms.map((h) => h.batch), [r.batch, r.batch, r.batch, 1]);
  }
});

test('a link run that fell back (passthrough: identity domain) keeps its histograms under the fallback.* names its metrics have', () => {
  const fallbacks = measured.filter((f) => /^result status=fallback /m.test(text(f)));
  assert.ok(fallbacks.length >= 2, `fallback captures: ${fallbacks.length}`);
  for (const name of fallbacks) {
    const r = parseMicrobenchResult(text(name));
    assert.equal(r.device.iommuDomain, 'identity');
    const metrics = new Set(microbenchMeasurements(r).map((m) => m.metric));
    for (const h of microbenchHistograms(r)) {
      assert.match(h.metric, /^fallback\./, name);
      // Each histogram sits beside the samples it is the distribution of.
      assert.ok(metrics.has(h.metric.endsWith('timer') ? `${h.metric}_overhead` : `${h.metric}.p50`), `${name}: ${h.metric} has its samples`);
    }
  }
});

/** readHistograms takes a repetition's directory: give it one holding only this file under its bundle name. */
async function readHistogramsFile(file: string): Promise<NonNullable<Awaited<ReturnType<typeof readHistograms>>>> {
  const { mkdtemp, copyFile, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const { HISTOGRAMS_FILE } = await import('../../core/bundle/layout.js');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dmabench-histjson-'));
  try {
    await copyFile(file, path.join(tmp, HISTOGRAMS_FILE));
    const h = await readHistograms(tmp);
    assert.ok(h);
    return h;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

test('a v2 result from a module before the export (test/fixtures/dma_bench/v2-*) parses, without histograms', () => {
  const older = readdirSync(fixture('dma_bench')).filter((f) => f.startsWith('v2-'));
  assert.ok(older.length > 0);
  for (const name of older) {
    const r = parseMicrobenchResult(readFileSync(fixture('dma_bench', name), 'utf8'));
    assert.deepEqual(r.histograms, {}, name);
    assert.deepEqual(microbenchHistograms(r), [], name);
  }
});

test('a damaged histogram in a real result is a ParseError, never a distribution', () => {
  // A two-thread result: its histograms have many buckets.
  const name = measured.find((f) => /threads=2 /.test(text(f)))!;
  const good = text(name);
  const line = good.split('\n').find((l) => l.startsWith('hist thread=all phase=map '))!;
  const count = Number(/ count=(\d+) /.exec(line)![1]);
  const entries = line.split('buckets=')[1]!.split(',');
  assert.ok(entries.length >= 3, `${name}: map has ${entries.length} buckets`);
  const withBuckets = (list: string[]): string => good.replace(line, `${line.split('buckets=')[0]}buckets=${list.join(',')}`);
  const [low, width, n] = entries[1]!.split(':').map(Number) as [number, number, number];
  const cases: Array<[string, string, RegExp]> = [
    ['count off by one', good.replace(line, line.replace(` count=${count} `, ` count=${count + 1} `)), /hist of map: the buckets hold \d+ samples, count says \d+/],
    ['two buckets swapped', withBuckets([entries[1]!, entries[0]!, ...entries.slice(2)]), /starts before the previous one ends/],
    ['a bucket that is not LOW:WIDTH:COUNT', withBuckets(['x', ...entries.slice(1)]), /hist bucket "x" is not LOW:WIDTH:COUNT/],
    ['a negative count', withBuckets([entries[0]!, `${low}:${width}:-${n}`, ...entries.slice(2)]), /is not LOW:WIDTH:COUNT/],
    ['a bucket wider than 0.4% allows', withBuckets([entries[0]!, `${low}:${width * 4}:${n}`, ...entries.slice(2)]), /wider than the stated relative error/],
    ['an empty bucket', withBuckets([entries[0]!, `${low}:${width}:0`, ...entries.slice(2)]), /not a non-empty bucket/],
    ['a bucket dropped (stats count differs)', good.replace(line, line.replace(` count=${count} `, ` count=${count - n} `).replace(`,${entries[1]!},`, ',')), /the hist of map holds \d+ samples, its stats count \d+/],
    ['no stated error', good.replace(/ hist_max_rel_err_pct=[^ \n]+/, ''), /states no hist_max_rel_err_pct/],
    ['a second hist of the same phase', good.replace(line, `${line}\n${line}`), /a second hist of phase map/],
    ['buckets= missing', good.replace(line, line.split(' buckets=')[0]!), /missing buckets/],
  ];
  for (const [what, bad, re] of cases) {
    assert.throws(() => parseMicrobenchResult(bad), (e: unknown) => e instanceof ParseError && re.test(e.message), what);
  }
  // The minimum moved out of the first bucket: the stats and the histogram no longer describe the same samples.
  const statsLine = good.split('\n').find((l) => l.startsWith('stats thread=all cpu=-1 phase=map '))!;
  const [lo0, w0] = entries[0]!.split(':').map(Number) as [number, number];
  const movedMin = statsLine.replace(/ min=\d+ /, ` min=${lo0 + w0} `);
  assert.throws(() => parseMicrobenchResult(good.replace(statsLine, movedMin)), /hist of map and its stats disagree: min \d+ is not in the first bucket/);
});
