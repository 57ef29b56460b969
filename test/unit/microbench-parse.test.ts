// parseMicrobenchResult over results read from the dma_bench module in lab guests
// (test/fixtures/dma_bench/README.md says how each was produced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import type { PhaseStats } from '../../collectors/microbench/types.js';
import { ParseError } from '../../model/parse-error.js';

const read = (name: string): string => readFileSync(fixture('dma_bench', name), 'utf8');

function assertOrdered(s: PhaseStats | undefined, label: string): void {
  assert.ok(s, `${label} present`);
  assert.ok(s.count > 0, `${label} count`);
  for (const [a, b] of [
    ['min', 'p50'],
    ['p50', 'p90'],
    ['p90', 'p99'],
    ['p99', 'p999'],
    ['p999', 'max'],
    ['min', 'mean'],
    ['mean', 'max'],
  ] as const) {
    assert.ok(s[a] <= s[b], `${label}: ${a}=${s[a]} <= ${b}=${s[b]}`);
  }
  assert.ok(s.stdev >= 0);
}

test('link run on 7.2 under a strict IOMMU: status, request echo, per-thread and merged stats', () => {
  const r = parseMicrobenchResult(read('7.2-strict-link-scattered-64k.txt'));
  assert.equal(r.formatVersion, 1);
  assert.match(r.kernel, /^7\.2\.\d+/);
  assert.equal(r.clock, 'local_clock');
  assert.equal(r.status, 'ok');
  assert.equal(r.path, 'link');
  assert.equal(r.errno, 0);
  assert.equal(r.reason, null);
  assert.equal(r.device.iommuDomain, 'DMA');
  assert.match(r.device.bdf ?? '', /^0000:00:/);
  assert.deepEqual(r.request, {
    api: 'link', size: 65536, segs: 16, segSize: 4096, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered',
  });
  assert.equal(r.threads.length, 2);
  assert.deepEqual(r.threads.map((t) => t.cpu), [0, 1]);
  for (const phase of ['map', 'unmap', 'total', 'timer'] as const) {
    const all = r.all?.phases[phase];
    assertOrdered(all, `all.${phase}`);
    const per = r.threads.map((t) => t.phases[phase]!);
    per.forEach((s, i) => assertOrdered(s, `thread${i}.${phase}`));
    assert.equal(all!.count, per.reduce((n, s) => n + s.count, 0), `${phase}: merged count is the sum`);
    assert.equal(all!.min, Math.min(...per.map((s) => s.min)));
    assert.equal(all!.max, Math.max(...per.map((s) => s.max)));
  }
  assert.equal(r.all!.phases.map!.count, 2 * 2000, 'warm-up iterations are not counted');
  assert.ok(r.timerOverheadNs! > 0 && r.timerOverheadNs! < r.all!.phases.map!.p50);
  assert.equal(r.timerOverheadNs, r.all!.phases.timer!.p50);
});

test('sg and per-segment phys runs parse with their own paths', () => {
  const sg = parseMicrobenchResult(read('7.2-strict-sg-contig-64k.txt'));
  assert.equal(sg.path, 'sg');
  assert.equal(sg.request?.layout, 'contiguous');
  assert.equal(sg.threads.length, 1);
  const phys = parseMicrobenchResult(read('7.2-strict-phys-scattered-64k.txt'));
  assert.equal(phys.path, 'phys');
  assert.equal(phys.request?.dir, 'bidirectional');
});

test('6.12: link is unsupported (no stats), phys runs as dma_map_page', () => {
  const link = parseMicrobenchResult(read('6.12-strict-link-unsupported.txt'));
  assert.match(link.kernel, /^6\.12\./);
  assert.equal(link.status, 'unsupported');
  assert.equal(link.reason, 'link_api_needs_6.16');
  assert.equal(link.all, undefined);
  assert.equal(link.threads.length, 0);
  const phys = parseMicrobenchResult(read('6.12-strict-phys-scattered-64k.txt'));
  assert.equal(phys.status, 'ok');
  assert.equal(phys.path, 'page');
});

test('no IOMMU: link falls back to per-segment dma_map_phys and says so', () => {
  const r = parseMicrobenchResult(read('7.2-iommu-off-link-fallback.txt'));
  assert.equal(r.status, 'fallback');
  assert.equal(r.path, 'phys');
  assert.equal(r.reason, 'dma_iova_try_alloc_false');
  assert.equal(r.device.iommuDomain, 'none');
  assert.ok(r.all?.phases.map);
});

test('rejected and aborted requests: status error with errno and reason', () => {
  const bad = parseMicrobenchResult(read('7.2-strict-bad-divisible.txt'));
  assert.equal(bad.status, 'error');
  assert.equal(bad.errno, -22);
  assert.equal(bad.reason, 'size_not_divisible');
  assert.equal(bad.request, undefined);
  assert.equal(bad.device.bdf, null);

  const noDev = parseMicrobenchResult(read('7.2-strict-no-device.txt'));
  assert.equal(noDev.errno, -19);
  assert.equal(noDev.reason, 'no_device_bound');
  assert.equal(noDev.request?.api, 'sg');

  const intr = parseMicrobenchResult(read('7.2-strict-interrupted.txt'));
  assert.equal(intr.errno, -4);
  assert.equal(intr.reason, 'interrupted');

  const removed = parseMicrobenchResult(read('7.2-strict-device-removed.txt'));
  assert.equal(removed.errno, -19);
  assert.equal(removed.reason, 'device_removed');
});

test('truncated, foreign or inconsistent text is a ParseError', () => {
  const good = read('7.2-strict-link-scattered-64k.txt');
  const lines = good.trimEnd().split('\n');
  assert.throws(() => parseMicrobenchResult(lines.slice(0, -1).join('\n')), ParseError, 'no end line');
  assert.throws(() => parseMicrobenchResult(lines.slice(0, 6).join('\n')), ParseError, 'cut mid-way');
  assert.throws(() => parseMicrobenchResult(''), ParseError);
  assert.throws(() => parseMicrobenchResult('{"jobs": []}\n'), ParseError);
  assert.throws(() => parseMicrobenchResult(good.replace('version=1', 'version=5')), /version 5 is not supported/);
  assert.throws(() => parseMicrobenchResult(good.replace('status=ok', 'status=great')), ParseError);
  assert.throws(() => parseMicrobenchResult(good.replace(/ p50=\d+/, ' p50=x')), /not a number/);
  // a result that claims ok but lost its merged stats lines
  const noAll = lines.filter((l) => !l.startsWith('stats thread=all')).join('\n');
  assert.throws(() => parseMicrobenchResult(noAll), /all-threads/);
  // percentiles swapped: a mangled copy
  const swapped = good.replace(/p90=(\d+) p99=(\d+)/, (_m, a: string, b: string) => `p90=${b}9 p99=${a}`);
  assert.throws(() => parseMicrobenchResult(swapped), /not ordered/);
});

test('counts and times are whole numbers, and the timer overhead is its stats line\'s p50 (cases the fuzzer found)', () => {
  const good = read('hist/7.2-phys-64k-16seg-contiguous-t2-auto-irqson.txt');
  // A thread that issued half a DMA segment would make issued.dma_segs a fraction of a count.
  assert.throws(() => parseMicrobenchResult(good.replace(/ dma_segs_max=\d+ /, ' dma_segs_max=0.0 ')), /dma_segs_max=0\.0 is not a whole number/);
  assert.throws(() => parseMicrobenchResult(good.replace(/ count=(\d+) /, ' count=$1.5 ')), /is not a whole number/);
  assert.throws(() => parseMicrobenchResult(good.replace(/^timer overhead_ns=\d+/m, 'timer overhead_ns=18446744073709551615')), /overhead_ns=18446744073709551615… is out of range/);
  const p50 = /phase=timer count=\d+ .* p50=(\d+)/.exec(good)![1]!;
  assert.throws(() => parseMicrobenchResult(good.replace(/^timer overhead_ns=\d+/m, `timer overhead_ns=${Number(p50) + 1}`)), /timer overhead_ns=\d+ is not the timer stats' p50=\d+/);
  // Means and stdevs keep their decimals.
  assert.equal(parseMicrobenchResult(good).all?.phases.map?.mean, Number(/thread=all cpu=-1 phase=map count=\d+ mean=([\d.]+)/.exec(good)![1]));
});

test('tolerates CRLF line ends and unknown records from a newer module', () => {
  const good = read('7.2-strict-sg-contig-64k.txt');
  const crlf = parseMicrobenchResult(good.replace(/\n/g, '\r\n'));
  assert.equal(crlf.status, 'ok');
  const extra = parseMicrobenchResult(good.replace('\nend', '\nnuma node=0\nend'));
  assert.deepEqual(extra.all, parseMicrobenchResult(good).all);
});

test('v2 on 7.2: the echo with irqs and batch, the path and its function, batch, what each thread issued', () => {
  const r = parseMicrobenchResult(read('v2-7.2-strict-lab-link-scattered-t2.txt'));
  assert.equal(r.formatVersion, 2);
  assert.equal(r.status, 'ok');
  assert.equal(r.path, 'link');
  assert.equal(r.function, 'dma_iova_link');
  assert.deepEqual(r.request, {
    api: 'link', size: 65536, segs: 16, segSize: 4096, dir: 'to_device', threads: 2, iters: 500, warmup: 50, layout: 'scattered', irqs: 'on', batch: 0,
  });
  // batch=0 asked the module to choose: it timed batches of 9 requests, so 500 requests are 56 samples.
  assert.equal(r.batch, 9);
  assert.equal(r.maxSegSize, 4294967295, 'NVMe\'s max segment size while the module holds the device');
  assert.equal(r.segBoundary, '0xffffffff');
  assert.equal(r.workers.length, 2);
  for (const [i, w] of r.workers.entries()) {
    assert.equal(w.cpu, r.threads[i]!.cpu);
    // 16 scattered pages: 16 ranges, one dma_iova_link each, one IOVA range handed out.
    assert.deepEqual([w.ranges, w.calls, w.dmaSegsMin, w.dmaSegsMax], [16, 16, 1, 1]);
    assert.equal(w.batches, Math.ceil(500 / 9));
    assert.equal(w.batches, r.threads[i]!.phases.map!.count, 'a sample per batch');
    assert.ok(w.disturbed <= w.batches && w.irqHit <= w.disturbed && w.switched === 0);
  }
  assert.deepEqual(r.workers.map((w) => w.disturbed), [4, 2]);
});

test('v2: every path maps the merged ranges: sg contiguous is one range, phys scattered sixteen; 6.12 maps with dma_map_page', () => {
  const sg = parseMicrobenchResult(read('v2-7.2-strict-lab-sg-contiguous-t1.txt'));
  assert.equal(sg.function, 'dma_map_sgtable');
  assert.deepEqual(sg.workers.map((w) => [w.ranges, w.calls, w.dmaSegsMax]), [[1, 1, 1]]);
  const phys = parseMicrobenchResult(read('v2-7.2-strict-lab-phys-scattered-t1.txt'));
  assert.equal(phys.function, 'dma_map_phys');
  assert.deepEqual(phys.workers.map((w) => [w.ranges, w.calls, w.dmaSegsMax]), [[16, 16, 16]]);
  const page = parseMicrobenchResult(read('v2-6.12-strict-lab-phys-scattered-t1.txt'));
  assert.equal(page.path, 'page');
  assert.equal(page.function, 'dma_map_page');
  assert.deepEqual(page.workers.map((w) => [w.ranges, w.calls]), [[16, 16]]);
  const link = parseMicrobenchResult(read('v2-6.12-strict-lab-link-unsupported.txt'));
  assert.equal(link.status, 'unsupported');
  assert.equal(link.function, 'none');
  assert.equal(link.batch, 0);
  assert.deepEqual(link.workers, []);
  assert.equal(link.request?.batch, 0);
});

test('v2: a worker record missing or not matching the threads is a ParseError', () => {
  const good = read('v2-7.2-strict-lab-link-scattered-t2.txt');
  const lines = good.split('\n');
  assert.throws(() => parseMicrobenchResult(lines.filter((l) => !l.startsWith('worker thread=1 ')).join('\n')), /1 worker records for 2 threads/);
  assert.throws(() => parseMicrobenchResult(lines.filter((l) => !l.startsWith('worker thread=0 ')).join('\n')), /skips a worker/);
  // (a hole in the thread numbers was not caught before: Array.prototype.some skips holes)
  assert.throws(() => parseMicrobenchResult(lines.filter((l) => !l.startsWith('stats thread=0 ')).join('\n')), /skips a thread number/);
  assert.throws(() => parseMicrobenchResult(good.replace(' irqs=on ', ' irqs=sometimes ')), /irqs=sometimes/);
  assert.throws(() => parseMicrobenchResult(good.replace(' function=dma_iova_link', '')), /missing function/);
  assert.throws(() => parseMicrobenchResult(good.replace(/ batch=9 /, ' batch=0 ')), /status ok has batch=0/);
});

test('v3 on 7.2: the echo of inflight and sg_build, the requests in flight, the APIs the headers offered', () => {
  const link = parseMicrobenchResult(read('v3-7.2-strict-lab-nvme-link-inflight16.txt'));
  assert.equal(link.formatVersion, 3);
  assert.deepEqual(link.kernelApis, { link: true, mapPhys: true });
  assert.deepEqual(link.request, {
    api: 'link', size: 65536, segs: 16, segSize: 4096, dir: 'from_device', threads: 1, iters: 320, warmup: 32,
    layout: 'scattered', irqs: 'on', batch: 0, inflight: 16, sg_build: 0,
  });
  assert.deepEqual([link.status, link.path, link.function, link.batch, link.inflight], ['ok', 'link', 'dma_iova_link', 8, 16]);
  // 320 requests in rounds of 16, timed in batches of 8: 40 samples.
  assert.equal(link.workers[0]!.batches, 40);
  assert.equal(link.all?.phases.map?.count, 40);
  const sg = parseMicrobenchResult(read('v3-7.2-strict-lab-nvme-sg-build-inflight16.txt'));
  assert.deepEqual([sg.request?.api, sg.request?.sg_build, sg.request?.inflight, sg.path, sg.function, sg.inflight], ['sg', 1, 16, 'sg', 'dma_map_sgtable', 16]);
  assert.deepEqual([sg.workers[0]!.ranges, sg.workers[0]!.calls, sg.workers[0]!.dmaSegsMax], [16, 1, 1]);
  // batch 4 fixed, 16 in flight: four batches a round, 640 / 4 samples.
  const b4 = parseMicrobenchResult(read('v3-7.2-strict-selftest-sg-build-inflight16-batch4.txt'));
  assert.deepEqual([b4.batch, b4.inflight, b4.workers[0]!.batches, b4.request?.batch, b4.request?.inflight], [4, 16, 160, 4, 16]);
  // A request the module refuses for its values is echoed, sg_build included.
  const bad = parseMicrobenchResult(read('v3-7.2-strict-selftest-bad-sg-build-link.txt'));
  assert.deepEqual([bad.status, bad.errno, bad.reason, bad.request?.api, bad.request?.sg_build, bad.inflight], ['error', -22, 'sg_build_needs_api_sg', 'link', 1, 0]);
});

test('v3 on 6.12: the headers have neither the link API nor dma_map_phys; link is unsupported for that reason, phys maps with dma_map_page', () => {
  const link = parseMicrobenchResult(read('v3-6.12-strict-lab-nvme-link-unsupported.txt'));
  assert.deepEqual(link.kernelApis, { link: false, mapPhys: false });
  assert.deepEqual([link.status, link.path, link.reason, link.inflight, link.request?.inflight], ['unsupported', 'none', 'no_link_api_in_kernel_headers', 0, 16]);
  const phys = parseMicrobenchResult(read('v3-6.12-strict-selftest-phys-scattered-64k.txt'));
  assert.deepEqual([phys.path, phys.function, phys.kernelApis?.mapPhys], ['page', 'dma_map_page', false]);
});

test('v3: the defaults the module fills in are the collector\'s (both from dma_bench.h)', async () => {
  const { microbenchDefaults } = await import('../../collectors/microbench/params.js');
  // Written: `api=sg size=8192 segs=2`; everything else is the module's default.
  const echo = parseMicrobenchResult(read('v3-7.2-strict-selftest-defaults.txt')).request;
  assert.ok(echo);
  const { api: _api, size: _size, segs: _segs, segSize: _segSize, ...filled } = echo;
  assert.deepEqual(filled, microbenchDefaults);
});

test('v3: an ok result with fewer requests in flight than its batch, or without the APIs line, is a ParseError', () => {
  const good = read('v3-7.2-strict-lab-nvme-link-inflight16.txt');
  assert.equal(parseMicrobenchResult(good).inflight, 16);
  assert.throws(() => parseMicrobenchResult(good.replace(' batch=8 inflight=16 ', ' batch=8 inflight=4 ')), /inflight=4 below batch=8/);
  assert.throws(() => parseMicrobenchResult(good.replace(' link_api=1 map_phys=1', '')), /missing link_api/);
  assert.throws(() => parseMicrobenchResult(good.replace(' sg_build=0', ' sg_build=2')), /sg_build=2 is not one of 0, 1/);
});
