// The ftrace profiler's measurements, from the lab traces (real 7.2 and 6.12 guests, strict
// IOMMU): every expected number is recomputed here from the fixture text with plain regexes, not
// with the parsers under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { summarizeTrace, traceMeasurements, tracerOfHeader } from '../../collectors/ftrace/trace-summary.js';
import type { Measurement } from '../../model/measurement.js';

async function fioIos(kernel: string, pass: string): Promise<number> {
  const json = JSON.parse(await readFile(fixture('ftrace', kernel, `fio-${pass}.json`), 'utf8')) as { jobs: { read: { total_ios: number } }[] };
  return json.jobs.reduce((n, j) => n + j.read.total_ios, 0);
}

async function tracedFunctions(kernel: string): Promise<string[]> {
  return (await readFile(fixture('ftrace', kernel, 'filter-functions.txt'), 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
}

function metric(ms: Measurement[], name: string): number | null | undefined {
  return ms.find((m) => m.metric === name)?.value;
}

for (const kernel of ['lab-7', 'lab-6.12']) {
  test(`${kernel} function trace: calls and calls per I/O of every traced function`, async () => {
    const file = fixture('ftrace', kernel, 'function.txt');
    const text = await readFile(file, 'utf8');
    const ios = await fioIos(kernel, 'function');
    const traced = await tracedFunctions(kernel);
    const s = await summarizeTrace(createReadStream(file), tracerOfHeader(text) ?? 'function');
    assert.equal(s.tracer, 'function');
    const ms = traceMeasurements(s, { ios, traced });
    for (const fn of traced) {
      const calls = text.split('\n').filter((l) => new RegExp(`: ${fn.replace(/[.]/g, '\\.')} <-`).test(l)).length;
      assert.equal(metric(ms, `${fn}.calls`), calls, fn);
      assert.equal(metric(ms, `${fn}.calls_per_io`), calls / ios, fn);
    }
    assert.equal(metric(ms, 'ftrace.lost_events'), 0);
    const iova = ms.filter((m) => m.metric.startsWith('dma_iova_'));
    if (kernel === 'lab-7') {
      // ARCHITECTURE.md "What the lab showed": one try_alloc and one sync per multi-segment I/O, a link per segment.
      assert.ok((metric(ms, 'dma_iova_try_alloc.calls_per_io') ?? 0) > 0);
      assert.equal(metric(ms, 'dma_iova_try_alloc.calls'), metric(ms, 'dma_iova_sync.calls'));
      assert.ok((metric(ms, 'dma_iova_link.calls') ?? 0) > (metric(ms, 'dma_iova_try_alloc.calls') ?? 0));
    } else {
      assert.deepEqual(iova, [], '6.12 has no dma_iova_* at all');
      assert.ok((metric(ms, 'dma_map_sgtable.calls_per_io') ?? 0) > 0);
    }
  });
}

test('function_graph: mean, p50 and p99 of a leaf function from its duration column', async () => {
  const file = fixture('ftrace', 'lab-7', 'fgraph-default.txt');
  const text = await readFile(file, 'utf8');
  const s = await summarizeTrace(createReadStream(file), 'function_graph');
  const ms = traceMeasurements(s, { ios: await fioIos('lab-7', 'fgraph-default') });
  // dma_iova_try_alloc is always a leaf in this trace (`dma_iova_try_alloc();` with its duration
  // in us, never `dma_iova_try_alloc() {`: checked below), so the plain lines give every duration.
  assert.doesNotMatch(text, /dma_iova_try_alloc\(\) \{/);
  const durations = [...text.matchAll(/\)\s+[+!#*@$]?\s*([\d.]+) us\s+\|\s+dma_iova_try_alloc\(\);/g)].map((m) => Math.round(Number(m[1]) * 1000));
  assert.ok(durations.length > 0);
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  assert.equal(metric(ms, 'dma_iova_try_alloc.calls'), durations.length);
  assert.ok(Math.abs(metric(ms, 'dma_iova_try_alloc.duration.mean')! - mean) < 1e-6);
  const sorted = [...durations].sort((a, b) => a - b);
  const p50 = sorted[Math.ceil(0.5 * sorted.length) - 1]!;
  // The histogram keeps 128 buckets per power of two: within 1 % of the exact order statistic.
  assert.ok(Math.abs(metric(ms, 'dma_iova_try_alloc.duration.p50')! - p50) <= p50 * 0.01 + 1);
  // dma_iova_sync is interrupted twice (a completion nests inside): those two calls close with `}`.
  const syncCalls = text.split('\n').filter((l) => /\|\s+dma_iova_sync\(\)/.test(l)).length;
  assert.equal(metric(ms, 'dma_iova_sync.calls'), syncCalls);
  const m99 = ms.find((m) => m.metric === 'dma_iova_sync.duration.p99');
  assert.equal(m99?.unit, 'ns');
  assert.equal(m99?.better, 'lower');
});

test('iommu events: map calls and bytes per I/O from the size= fields', async () => {
  for (const kernel of ['lab-7', 'lab-6.12']) {
    const file = fixture('ftrace', kernel, 'iommu-events.txt');
    const text = await readFile(file, 'utf8');
    const ios = await fioIos(kernel, 'iommu-events');
    const maps = [...text.matchAll(/ map: IOMMU: .* size=(\d+)/g)].map((m) => Number(m[1]));
    const unmaps = [...text.matchAll(/ unmap: IOMMU: .* size=(\d+) unmapped_size/g)].map((m) => Number(m[1]));
    const s = await summarizeTrace(createReadStream(file), 'nop');
    const ms = traceMeasurements(s, { ios, iommuEvents: true });
    assert.equal(metric(ms, 'iommu.map.calls'), maps.length);
    assert.equal(metric(ms, 'iommu.map.calls_per_io'), maps.length / ios);
    assert.equal(metric(ms, 'iommu.map.bytes_per_io'), maps.reduce((a, b) => a + b, 0) / ios);
    assert.equal(metric(ms, 'iommu.unmap.calls_per_io'), unmaps.length / ios);
    // Every 64 KiB read is mapped and unmapped in full.
    assert.equal(metric(ms, 'iommu.map.bytes_per_io'), 64 * 1024, kernel);
  }
});

test('lost events: overwritten entries from the header and LOST markers count', async () => {
  const over = await readFile(fixture('ftrace', 'trace-overwritten.txt'), 'utf8');
  const [, inBuffer, written] = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(over) ?? [];
  const s1 = await summarizeTrace(over, 'nop');
  assert.equal(metric(traceMeasurements(s1), 'ftrace.lost_events'), Number(written) - Number(inBuffer));

  const pipe = await readFile(fixture('ftrace', 'trace-pipe-lost.txt'), 'utf8');
  const lost = [...pipe.matchAll(/\[LOST (\d+) EVENTS\]/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.ok(lost > 0);
  const s2 = await summarizeTrace(pipe, 'nop');
  const ms = traceMeasurements(s2, { ios: 10 });
  assert.equal(metric(ms, 'ftrace.lost_events'), lost);
  // Syscall events become events.<name>.count; exits as .exit.
  const enters = pipe.split('\n').filter((l) => /: sys_read\(/.test(l)).length;
  assert.equal(metric(ms, 'events.sys_read.count'), enters);
  assert.equal(metric(ms, 'events.sys_read.per_io'), enters / 10);
  assert.ok(ms.some((m) => m.metric === 'events.sys_read.exit.count'));
});
