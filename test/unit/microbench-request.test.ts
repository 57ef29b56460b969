// formatMicrobenchRequest: the line written to the module's debugfs `run` file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMicrobenchRequest, requestMismatches } from '../../collectors/microbench/request.js';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';

test('writes key=value pairs in a fixed order and leaves omitted keys to the module', () => {
  assert.equal(
    formatMicrobenchRequest({ api: 'link', size: 65536, segs: 16, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered' }),
    'api=link size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered',
  );
  assert.equal(formatMicrobenchRequest({ api: 'sg', size: 8192, segs: 2 }), 'api=sg size=8192 segs=2');
  assert.equal(
    formatMicrobenchRequest({ api: 'phys', size: 8192, segs: 2, irqs: 'off', batch: 0 }),
    'api=phys size=8192 segs=2 irqs=off batch=0',
    'batch=0 (auto) is written, not left out',
  );
});

test('refuses numbers the module could not read', () => {
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: -1, segs: 1 }), RangeError);
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: 4096.5, segs: 1 }), RangeError);
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: 4096, segs: 1, iters: Number.NaN }), RangeError);
});

test('the echo is compared field by field with every key written', () => {
  // The module's echo of `api=link size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered` (format v1).
  const echo = parseMicrobenchResult(readFileSync(fixture('dma_bench', '7.2-strict-link-scattered-64k.txt'), 'utf8')).request;
  const sent = { api: 'link', size: 65536, segs: 16, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered' } as const;
  assert.deepEqual(requestMismatches(sent, echo), []);
  assert.deepEqual(requestMismatches({ api: 'link', size: 65536, segs: 16 }, echo), [], 'keys left out are the module\'s to fill');
  assert.deepEqual(requestMismatches({ ...sent, api: 'sg', threads: 1 }, echo), ['api: wrote sg, module says link', 'threads: wrote 1, module says 2']);
  assert.deepEqual(requestMismatches({ ...sent, layout: 'contiguous', dir: 'from_device' }, echo), ['dir: wrote from_device, module says to_device', 'layout: wrote contiguous, module says scattered']);
  // A v1 module echoes neither irqs nor batch: a request that sets them is not answered.
  assert.deepEqual(requestMismatches({ ...sent, irqs: 'on', batch: 0 }, echo), ['irqs: wrote on, module says (nothing)', 'batch: wrote 0, module says (nothing)']);
  assert.deepEqual(requestMismatches(sent, undefined), ['the result echoes no request']);
});

const header = readFileSync(new URL('../../benches/dma_bench/dma_bench.h', import.meta.url), 'utf8');
/** The text a macro of dma_bench.h expands to. */
const macro = (name: string): string => {
  const m = new RegExp(`^#define ${name}[ \\t]+(.+?)\\s*(?:/\\*.*)?$`, 'm').exec(header);
  assert.ok(m, `${name} in dma_bench.h`);
  return m[1]!;
};
/** A numeric macro: 64U, (64UL << 20). */
const define = (name: string): number => {
  const m = /^\(?(\d+)U?L?(?:\s*<<\s*(\d+))?\)?$/.exec(macro(name));
  assert.ok(m, `${name} is a number: ${macro(name)}`);
  return Number(m[1]) * 2 ** Number(m[2] ?? 0);
};

test("the collector's limits are the module's (benches/dma_bench/dma_bench.h), so a campaign never plans what the module refuses", async () => {
  const { maxSize, maxSegs, maxThreads, maxIters, maxBatch, maxBatchSegs, maxInflight, autoBatchMinWarmup, maxDurationMs } = await import('../../collectors/microbench/params.js');
  assert.equal(maxSize, define('DMA_BENCH_MAX_SIZE'));
  assert.equal(maxSegs, define('DMA_BENCH_MAX_SEGS'));
  assert.equal(maxThreads, define('DMA_BENCH_MAX_THREADS'));
  assert.equal(maxIters, define('DMA_BENCH_MAX_ITERS'));
  assert.equal(maxBatch, define('DMA_BENCH_MAX_BATCH'));
  assert.equal(maxBatchSegs, define('DMA_BENCH_MAX_BATCH_SEGS'));
  assert.equal(maxInflight, define('DMA_BENCH_MAX_INFLIGHT'));
  assert.equal(autoBatchMinWarmup, define('DB_AUTO_BATCH_MIN_WARMUP'));
  assert.equal(maxDurationMs, define('DMA_BENCH_MAX_DURATION_MS'));
});

test("the collector's defaults are the module's (DMA_BENCH_DEFAULT_* in dma_bench.h), and request.c uses them", async () => {
  const { microbenchDefaults, microbenchParamsSchema } = await import('../../collectors/microbench/params.js');
  // The kernel's names for the enum-valued defaults, as request.c spells them on the wire.
  const dirs: Record<string, string> = { DMA_TO_DEVICE: 'to_device', DMA_FROM_DEVICE: 'from_device', DMA_BIDIRECTIONAL: 'bidirectional' };
  const layouts: Record<string, string> = { DB_LAYOUT_CONTIGUOUS: 'contiguous', DB_LAYOUT_SCATTERED: 'scattered' };
  const booleans: Record<string, boolean> = { false: false, true: true };
  const fromHeader = {
    dir: dirs[macro('DMA_BENCH_DEFAULT_DIR')],
    layout: layouts[macro('DMA_BENCH_DEFAULT_LAYOUT')],
    threads: define('DMA_BENCH_DEFAULT_THREADS'),
    iters: define('DMA_BENCH_DEFAULT_ITERS'),
    warmup: define('DMA_BENCH_DEFAULT_WARMUP'),
    irqs: booleans[macro('DMA_BENCH_DEFAULT_IRQS_OFF')] ? 'off' : 'on',
    batch: define('DMA_BENCH_DEFAULT_BATCH'),
    inflight: define('DMA_BENCH_DEFAULT_INFLIGHT'),
    sg_build: booleans[macro('DMA_BENCH_DEFAULT_SG_BUILD')] ? 1 : 0,
  };
  assert.ok(macro('DMA_BENCH_DEFAULT_IRQS_OFF') in booleans && macro('DMA_BENCH_DEFAULT_SG_BUILD') in booleans);
  assert.deepEqual(microbenchDefaults, fromHeader);
  // The schema fills in exactly these for a cell that names none of them.
  const parsed = microbenchParamsSchema.parse({ api: 'sg', size: '64k', segs: 16, device: 'edu' });
  const { api: _api, size: _size, segs: _segs, device: _device, ...filled } = parsed;
  assert.deepEqual(filled, fromHeader);
  // Keys with no default: a cell without duration_ms runs iters (the module's default duration is
  // 0, none), and one without cpus runs on the online CPUs (request.c copies the online mask).
  const { microbenchOptionalKeys } = await import('../../collectors/microbench/params.js');
  assert.deepEqual([...microbenchOptionalKeys].sort(), ['cpus', 'duration_ms']);
  for (const key of microbenchOptionalKeys) assert.equal(key in parsed ? parsed[key as keyof typeof parsed] : undefined, undefined, key);
  assert.equal(define('DMA_BENCH_DEFAULT_DURATION_MS'), 0);
  // And the module's parser starts from them: every optional key is set from its macro.
  const requestC = readFileSync(new URL('../../benches/dma_bench/request.c', import.meta.url), 'utf8');
  for (const [field, name] of [['dir', 'DIR'], ['threads', 'THREADS'], ['iters', 'ITERS'], ['warmup', 'WARMUP'], ['layout', 'LAYOUT'], ['irqs_off', 'IRQS_OFF'], ['batch', 'BATCH'], ['inflight', 'INFLIGHT'], ['sg_build', 'SG_BUILD'], ['duration_ms', 'DURATION_MS']]) {
    assert.match(requestC, new RegExp(`^\\treq->${field} = DMA_BENCH_DEFAULT_${name};$`, 'm'), `request.c sets ${field} from DMA_BENCH_DEFAULT_${name}`);
  }
  assert.match(requestC, /^\tcpumask_copy\(&req->cpus, cpu_online_mask\);$/m, 'request.c starts cpus from the online CPUs');
});
