// The I/O count of an ftrace pass and the mapping entry points (review M7), on the profile passes
// of a real `dmabench lab run configs/lab-profile.yaml` in the 6.12 and 7.x guests (the 128-read
// cells of 64 KiB and 4 KiB; test/fixtures/ftrace/README.md says how they were captured): the
// block requests the trace saw go to the NVMe disk in the pass's window are exactly fio's 128
// reads, in the function tracer's records and in function_graph's comments alike, and per read
// the DMA API's entry points add up to exactly 1, whichever path the reads took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { summarizeTrace, traceMeasurements } from '../../collectors/ftrace/trace-summary.js';
import { RequestEventAccumulator } from '../../collectors/ftrace/request-events.js';
import { ioCount } from '../../collectors/ftrace/profiler.js';
import { mapEntryFunctions } from '../../model/dma-functions.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioTotalIos } from '../../collectors/fio/metrics.js';
import type { BlockDeviceId } from '../../core/system/diskstats.js';
import { repoRoot } from '../helpers/paths.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'ftrace');

/** A pass's trace.txt, kept gzipped (`gzip -9 -n`). */
function traceOf(dir: string): Readable {
  return createReadStream(path.join(dir, 'trace.txt.gz')).pipe(createGunzip());
}

interface Setup {
  tracer: string;
  traced: string[];
  target: BlockDeviceId;
  ios: number;
  workloadIos: number;
  window: string;
}

/** Entry points of a read's mapping, as the lab showed them (ARCHITECTURE.md, "What the lab showed"). */
const ENTRIES: Record<string, string[]> = { 'lab-windows-6.12': ['dma_map_sgtable', 'dma_map_page_attrs'], 'lab-windows-7': ['dma_iova_try_alloc', 'dma_map_page_attrs'] };

for (const kernel of ['lab-windows-6.12', 'lab-windows-7']) {
  for (const [pass, tracer] of [['function', 'function'], ['graph', 'function_graph']] as const) {
    const dir = path.join(fixtures, kernel, pass);
    test(`${kernel} ${pass}: the trace's requests to the NVMe disk are fio's reads, and per read the entry points add up to 1`, async () => {
      const setup = JSON.parse(readFileSync(path.join(dir, 'ftrace-setup.json'), 'utf8')) as Setup;
      const fioIos = fioTotalIos(parseFioOutput(readFileSync(path.join(dir, 'fio-output.json'), 'utf8')).jobs);
      assert.equal(fioIos, 128, 'io_size 8 MiB of 64 KiB reads');
      assert.equal(setup.window, 'io');
      const summary = await summarizeTrace(traceOf(dir), tracer);
      const disk = summary.requests.get(setup.target.diskDev);
      assert.equal(disk?.data, fioIos, `requests to ${setup.target.disk} (${setup.target.diskDev}) in the trace`);
      assert.equal(disk?.noData, 0);
      // The profiler's own record says the same, and took the trace's count.
      assert.deepEqual([setup.ios, setup.workloadIos], [fioIos, fioIos]);
      const counted = ioCount(summary.requests, setup.target, 'block:block_rq_issue', fioIos);
      assert.deepEqual(counted, { ios: fioIos, notes: [] });

      const ms = traceMeasurements(summary, { ios: counted.ios, traced: setup.traced, ioEvents: ['block_rq_issue'] });
      const value = (m: string): number | null | undefined => ms.find((x) => x.metric === m)?.value;
      assert.equal(value('dma.map_entries.calls_per_io'), 1, JSON.stringify(Object.fromEntries(ENTRIES[kernel]!.map((f) => [f, value(`${f}.calls`)]))));
      // Exactly this kernel's two entry points, and both were traced.
      const sum = ENTRIES[kernel]!.reduce((n, f) => n + (summary.calls.get(f) ?? 0), 0);
      assert.equal(sum, fioIos);
      for (const f of ENTRIES[kernel]!) assert.ok(setup.traced.includes(f) && mapEntryFunctions.includes(f), f);
      assert.ok(!ms.some((m) => m.metric.startsWith('events.block_rq_issue')), 'the counting event is not an events.* figure');
    });
  }
}

for (const kernel of ['lab-windows-6.12', 'lab-windows-7']) {
  test(`${kernel} 4 KiB reads: every one enters through dma_map_page_attrs, and 7.x's dma_map_phys inside it is not counted again`, async () => {
    const dir = path.join(fixtures, kernel, 'function-4k');
    const setup = JSON.parse(readFileSync(path.join(dir, 'ftrace-setup.json'), 'utf8')) as Setup;
    const fioIos = fioTotalIos(parseFioOutput(readFileSync(path.join(dir, 'fio-output.json'), 'utf8')).jobs);
    assert.equal(fioIos, 128);
    const summary = await summarizeTrace(traceOf(dir), 'function');
    assert.equal(summary.requests.get(setup.target.diskDev)?.data, 128);
    const ms = traceMeasurements(summary, { ios: 128, traced: setup.traced, ioEvents: ['block_rq_issue'] });
    const value = (m: string): number | null | undefined => ms.find((x) => x.metric === m)?.value;
    assert.equal(value('dma_map_page_attrs.calls_per_io'), 1);
    assert.equal(value('dma.map_entries.calls_per_io'), 1);
    if (kernel === 'lab-windows-7') {
      // 7.2: dma_map_bvec → dma_map_page_attrs → dma_map_phys (a tail call: the trace names nvme_prep_rq as its parent).
      assert.equal(value('dma_map_phys.calls'), 128);
      assert.equal(value('dma_iova_try_alloc.calls'), 0, 'never the iterator');
    } else {
      assert.equal(value('iommu_dma_map_page.calls'), 128);
    }
  });
}

test('fio and the trace disagree: the trace\'s count is kept and the difference said', async () => {
  const dir = path.join(fixtures, 'lab-windows-7', 'function');
  const setup = JSON.parse(readFileSync(path.join(dir, 'ftrace-setup.json'), 'utf8')) as Setup;
  const summary = await summarizeTrace(traceOf(dir), 'function');
  const r = ioCount(summary.requests, setup.target, 'block:block_rq_issue', 120);
  assert.equal(r.ios, 128);
  assert.match(r.notes.join('\n'), /^128 requests to nvme0n1 in the trace, 120 I\/Os counted by the workload \(\+8\)/);
  // Without the event (refused), or without a block target, the workload's count stands in.
  assert.deepEqual(ioCount(summary.requests, setup.target, undefined, 120), { ios: 120, notes: [] });
  assert.deepEqual(ioCount(summary.requests, undefined, 'block:block_rq_issue', 120), { ios: 120, notes: [] });
  // Another disk's requests are not the target's: none for a disk the trace never saw.
  const other = { ...setup.target, disk: 'vdb', diskDev: '254:16' };
  assert.match(ioCount(summary.requests, other, 'block:block_rq_issue', 120).notes[0] ?? '', /no block:block_rq_issue record for vdb \(254:16\) in the window: per-I\/O figures divide by the workload's own count/);
});

test('block_rq_issue lines of every format give the disk, the data requests and the rwbs flags', () => {
  const acc = new RequestEventAccumulator();
  const lines = gunzipSync(readFileSync(path.join(fixtures, 'lab-windows-7', 'graph', 'trace.txt.gz'))).toString('utf8').split('\n').filter((l) => l.includes('block_rq_issue: '));
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => /\/\* block_rq_issue: /.test(l)), 'function_graph prints events as comments');
  for (const l of lines) acc.push(l);
  const [dev, d] = [...acc.disks][0]!;
  assert.match(dev, /^\d+:\d+$/);
  assert.equal(d.data, lines.length);
  assert.deepEqual([...d.byRwbs.keys()], ['R']);
});
