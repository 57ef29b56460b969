// function, function_graph, iommu events and trace-cmd report captured in the QEMU lab (kernels
// 7.2.13 and 6.12.117, emulated Intel IOMMU strict, fio randread bs=64k on the emulated NVMe; see
// test/fixtures/ftrace/README.md). Every expectation is recounted from the fixture text here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fixture } from '../helpers/paths.js';
import { functionGraphStats, parseFunctionGraph } from '../../collectors/ftrace/function-graph.js';
import { parseFunctionTrace } from '../../collectors/ftrace/function-trace.js';
import { parseIommuEvents } from '../../collectors/ftrace/iommu-events.js';
import { parseTraceCmdReport } from '../../collectors/ftrace/trace-cmd-report.js';
import { callCountMeasurements, callsPerIo } from '../../collectors/ftrace/calls-per-io.js';

const KERNELS = ['7', '6.12'] as const;
const file = (k: string, name: string): string => fixture('ftrace', `lab-${k}`, name);
const read = (k: string, name: string): string => fs.readFileSync(file(k, name), 'utf8');
const fioReadIos = (k: string, name: string): { ios: number; bytes: number } => {
  const j = JSON.parse(read(k, name)) as { jobs: { read: { total_ios: number; io_bytes: number } }[] };
  const r = j.jobs[0]?.read;
  assert.ok(r);
  return { ios: r.total_ios, bytes: r.io_bytes };
};
const usToNs = (us: string): number => Math.round(Number(us) * 1000);
const countBy = (items: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
};
const exactQuantile = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

// Function name in a graph body: `name()` or `name [module]()`.
const LEAF = /\|\s+([\w.]+)(?: \[\w+\])?\(\);/;
const OPEN = /\|\s+([\w.]+)(?: \[\w+\])?\(\) \{/;
const DURATION = /(\d+\.\d+) us/;

for (const k of KERNELS) {
  for (const name of ['fgraph-default.txt', 'fgraph-proc-tail-abstime.txt']) {
    test(`${k} ${name}: calls per function = its leaf + opening lines, every duration attributed`, async () => {
      const text = read(k, name);
      const lines = text.split('\n');
      const leaves = lines.map((l) => LEAF.exec(l)?.[1]).filter((x): x is string => x !== undefined);
      const opens = lines.map((l) => OPEN.exec(l)?.[1]).filter((x): x is string => x !== undefined);
      const expectedCalls = countBy([...leaves, ...opens]);
      const allDurations = lines.map((l) => DURATION.exec(l)?.[1]).filter((x): x is string => x !== undefined);

      const r = await parseFunctionGraph(fs.createReadStream(file(k, name)));
      assert.equal(r.health.tracer, 'function_graph');
      assert.equal(r.unparsed, 0);
      assert.equal(r.unclosed + r.unmatchedExits, 0, 'this capture starts and ends between calls');
      const stats = functionGraphStats(r);
      assert.deepEqual(new Map(stats.map((s) => [s.name, s.calls])), expectedCalls);
      // Every duration is attributed: to a call's own time when no traced call ran within it, to
      // its nested time otherwise.
      const attributed = stats.reduce((s, f) => s + f.totalNs + f.nested.totalNs, 0);
      assert.equal(attributed, allDurations.reduce((s, d) => s + usToNs(d), 0));
      assert.equal(stats.reduce((s, f) => s + f.count + f.nested.count, 0), allDurations.length);
      // Timed as its own: exactly the leaf lines (every call closed by a brace here ran traced calls).
      assert.equal(stats.reduce((s, f) => s + f.count, 0), lines.filter((l) => LEAF.test(l) && DURATION.test(l)).length);
    });
  }

  test(`${k} funcgraph-tail: nested totals match the durations on each function's closing lines`, async () => {
    const text = read(k, 'fgraph-proc-tail-abstime.txt');
    const expected = new Map<string, number>();
    for (const line of text.split('\n')) {
      const d = DURATION.exec(line)?.[1];
      if (d === undefined) continue;
      const name = /\} \/\* ([\w.]+)/.exec(line)?.[1] ?? LEAF.exec(line)?.[1];
      assert.ok(name, line);
      expected.set(name, (expected.get(name) ?? 0) + usToNs(d));
    }
    const r = await parseFunctionGraph(text);
    assert.deepEqual(new Map(functionGraphStats(r).map((s) => [s.name, s.totalNs + s.nested.totalNs])), expected);
  });

  test(`${k} function_graph: a call within which traced calls ran has no duration of its own (review M10)`, async () => {
    const text = read(k, 'fgraph-proc-tail-abstime.txt');
    const lines = text.split('\n');
    // The closing lines of calls that opened a brace: each ran traced calls within it.
    const closings = countBy(lines.map((l) => /\} \/\* ([\w.]+)/.exec(l)?.[1]).filter((x): x is string => x !== undefined));
    assert.ok(closings.size > 0);
    const stats = new Map(functionGraphStats(await parseFunctionGraph(text)).map((s) => [s.name, s]));
    for (const [name, n] of closings) {
      const s = stats.get(name);
      assert.ok(s, name);
      assert.equal(s.nested.count, n, `${name}: every closing is a nested duration`);
      const leaves = lines.filter((l) => LEAF.exec(l)?.[1] === name && DURATION.test(l)).length;
      assert.equal(s.count, leaves, `${name}: its own durations are its leaf lines only`);
    }
    // The parent's nested duration holds its children's: never smaller than their sum.
    const outer = [...closings.keys()][0]!;
    assert.ok(stats.get(outer)!.nested.minNs > 0);
  });

  test(`${k} funcgraph-tail: a closing brace goes to the call its tail names, not to the top of the stack (review m8)`, async () => {
    // The real capture with one line taken out: the first closing of a call nested inside another
    // (what a lost event or a task resumed on another CPU leaves). The outer call's closing then
    // arrives with the inner call still on top of the stack.
    const lines = read(k, 'fgraph-proc-tail-abstime.txt').split('\n');
    const depth = (l: string): number => /\|(\s*)\} \/\*/.exec(l)?.[1]?.length ?? -1;
    const innerAt = lines.findIndex((l) => depth(l) > 3);
    assert.ok(innerAt > 0, 'a nested closing in the capture');
    const inner = /\} \/\* ([\w.]+)/.exec(lines[innerAt]!)![1]!;
    const outerAt = lines.findIndex((l, i) => i > innerAt && depth(l) >= 0 && depth(l) < depth(lines[innerAt]!));
    const outer = /\} \/\* ([\w.]+)/.exec(lines[outerAt]!)![1]!;
    assert.notEqual(inner, outer);
    const damaged = [...lines.slice(0, innerAt), ...lines.slice(innerAt + 1)].join('\n');
    const whole = new Map(functionGraphStats(await parseFunctionGraph(lines.join('\n'))).map((s) => [s.name, s]));
    const r = await parseFunctionGraph(damaged);
    const cut = new Map(functionGraphStats(r).map((s) => [s.name, s]));
    // The outer call keeps all its closings and durations; the inner one keeps its call (counted
    // as unclosed) and loses only the duration that was on the removed line.
    assert.equal(r.unclosed, 1);
    assert.equal(r.unmatchedExits, 0);
    assert.equal(cut.get(outer)!.calls, whole.get(outer)!.calls);
    assert.equal(cut.get(outer)!.nested.count, whole.get(outer)!.nested.count);
    assert.equal(cut.get(outer)!.nested.totalNs, whole.get(outer)!.nested.totalNs);
    assert.equal(cut.get(inner)!.calls, whole.get(inner)!.calls);
    assert.equal(cut.get(inner)!.nested.count, whole.get(inner)!.nested.count - 1);
  });

  test(`${k} function_graph: percentiles within 1 % of the exact ones for the busiest leaf`, async () => {
    const text = read(k, 'fgraph-default.txt');
    const leafDurations = new Map<string, number[]>();
    for (const line of text.split('\n')) {
      const name = LEAF.exec(line)?.[1];
      const d = DURATION.exec(line)?.[1];
      if (name === undefined || d === undefined) continue;
      leafDurations.set(name, [...(leafDurations.get(name) ?? []), usToNs(d)]);
    }
    const [busiest, values] = [...leafDurations].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    assert.ok(busiest && values && values.length >= 100, 'a leaf with many calls');
    const sorted = [...values].sort((a, b) => a - b);
    const s = functionGraphStats(await parseFunctionGraph(text)).find((x) => x.name === busiest);
    assert.ok(s);
    assert.equal(s.minNs, sorted[0]);
    assert.equal(s.maxNs, sorted[sorted.length - 1]);
    assert.ok(Math.abs(s.meanNs - sorted.reduce((a, b) => a + b, 0) / sorted.length) < 1e-6);
    for (const [q, got] of [[0.5, s.p50Ns], [0.9, s.p90Ns], [0.99, s.p99Ns]] as const) {
      const exact = exactQuantile(sorted, q);
      assert.ok(Math.abs(got - exact) / exact <= 0.01, `${busiest} q${q}: ${got} vs ${exact}`);
    }
  });

  for (const name of ['function.txt', 'function-noirqinfo.txt']) {
    test(`${k} ${name}: calls per function and per caller from the records`, async () => {
      const text = read(k, name);
      const recs = text.split('\n').filter((l) => l.includes(' <-'));
      const expected = countBy(recs.map((l) => /: ([\w.]+)(?: \[\w+\])? <-/.exec(l)?.[1] ?? '?'));
      const r = await parseFunctionTrace(fs.createReadStream(file(k, name)));
      assert.equal(r.health.tracer, 'function');
      assert.equal(r.unparsed, 0);
      assert.equal(r.records, recs.length);
      assert.deepEqual(r.calls, expected);
      for (const [fn, byParent] of r.callers) {
        assert.equal([...byParent.values()].reduce((a, b) => a + b, 0), expected.get(fn));
      }
    });
  }

  test(`${k} function: calls per I/O from fio's I/O count`, async () => {
    const { ios } = fioReadIos(k, 'fio-function.json');
    assert.equal(ios, 128, 'fio read io_size 8M in 64k blocks');
    const text = read(k, 'function.txt');
    const r = await parseFunctionTrace(text);
    const perIo = callsPerIo(r.calls, ios);
    for (const [fn, v] of perIo) {
      const grepped = text.split('\n').filter((l) => new RegExp(`: ${fn.replace(/[.]/g, '\\.')}(?: \\[\\w+\\])? <-`).test(l)).length;
      assert.equal(v, grepped / ios, fn);
    }
    // One unmap per I/O on both kernels; on 7.2 one IOVA allocation and one sync per I/O.
    assert.equal(perIo.get('nvme_unmap_data'), 1);
    if (k === '7') {
      assert.equal(perIo.get('dma_iova_try_alloc'), 1);
      assert.equal(perIo.get('dma_iova_sync'), 1);
      assert.ok((perIo.get('dma_iova_link') ?? 0) > 1, 'several links per 64 KiB I/O');
    }
    const ms = callCountMeasurements(r.calls, ios);
    assert.equal(ms.length, 2 * r.calls.size);
    assert.deepEqual(ms.find((m) => m.metric === 'nvme_unmap_data.calls_per_io'), {
      metric: 'nvme_unmap_data.calls_per_io',
      value: 1,
      unit: 'calls/IO',
      // The link API makes more, cheaper calls: fewer is not better, a change is only marked.
      better: 'none',
      role: 'informational',
    });
  });

  test(`${k} iommu events: map/unmap counts, bytes equal to what fio read, size distribution`, async () => {
    const text = read(k, 'iommu-events.txt');
    const maps = [...text.matchAll(/ map: IOMMU: .* size=(\d+)$/gm)].map((m) => Number(m[1]));
    const unmaps = [...text.matchAll(/ unmap: IOMMU: .* size=(\d+) unmapped_size=(\d+)$/gm)];
    const r = await parseIommuEvents(fs.createReadStream(file(k, 'iommu-events.txt')));
    assert.equal(r.map.count, maps.length);
    assert.equal(r.unmap.count, unmaps.length);
    assert.deepEqual(r.map.sizes, new Map([...countBy(maps.map(String))].map(([s, n]) => [Number(s), n])));
    const { bytes, ios } = fioReadIos(k, 'fio-iommu-events.json');
    // Every byte fio read was mapped once and unmapped once (one unmap per I/O).
    assert.equal(r.map.bytes, bytes);
    assert.equal(r.unmap.bytes, bytes);
    assert.equal(r.unmap.unmappedBytes, bytes);
    assert.equal(r.unmap.count, ios);
    assert.equal(r.unmap.partial, 0);
    assert.equal(r.health.overwritten, 0);
  });

  test(`${k} trace-cmd report (function_graph + iommu events): same statistics through report text`, async () => {
    const text = zlib.gunzipSync(fs.readFileSync(file(k, 'trace-cmd-fgraph-iommu.txt.gz'))).toString('utf8');
    const lines = text.split('\n');
    const eventNames = countBy(lines.map((l) => /\d+\.\d+: (\w+):/.exec(l)?.[1]).filter((x): x is string => x !== undefined));
    const entries = lines.filter((l) => l.includes('funcgraph_entry:'));
    const expectedCalls = countBy(entries.map((l) => /\|\s+([\w.]+)(?: \[\w+\])?\(/.exec(l)?.[1] ?? '?'));
    const r = await parseTraceCmdReport(fs.createReadStream(file(k, 'trace-cmd-fgraph-iommu.txt.gz')).pipe(zlib.createGunzip()));
    assert.equal(r.unparsed, 0);
    assert.deepEqual(r.events, eventNames);
    assert.deepEqual(new Map(functionGraphStats(r.graph).map((s) => [s.name, s.calls])), expectedCalls);
    assert.equal(r.iommu.map.count, eventNames.get('map'));
    assert.equal(r.iommu.unmap.count, eventNames.get('unmap'));
    const { bytes } = fioReadIos(k, 'fio-trace-cmd-fgraph-iommu.json');
    assert.equal(r.iommu.map.bytes, bytes);
    // Exits carry the durations of nested calls: every one is attributed, as the call's own or as nested.
    const exitsAndTimedLeaves = lines.filter((l) => /funcgraph_(exit|entry):\s+[+!#*@$]?\s*\d+\.\d+ us/.test(l)).length;
    assert.equal(functionGraphStats(r.graph).reduce((s, f) => s + f.count + f.nested.count, 0), exitsAndTimedLeaves);
  });
}

test('7.2 vs 6.12: the link API appears only on 7.2, the scatterlist path only on 6.12', async () => {
  const seven = await parseFunctionTrace(read('7', 'function.txt'));
  const old = await parseFunctionTrace(read('6.12', 'function.txt'));
  assert.ok((seven.calls.get('dma_iova_link') ?? 0) > 0);
  assert.equal(old.calls.get('dma_iova_link'), undefined);
  assert.equal(seven.calls.get('iommu_dma_map_sg'), undefined);
  assert.ok((old.calls.get('__iommu_map') ?? 0) > 0);
});
