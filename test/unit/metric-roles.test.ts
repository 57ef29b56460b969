// The role tables (collectors/metric-spec.ts and each tool's table): every metric a parser makes
// from a real capture carries a role, no metric where neither direction is better is primary, and
// each tool's primary set is what issue 11 names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from '../../model/measurement.js';
import { parserTargets, ingestTargets } from '../helpers/fuzz/targets.js';
import { measure, quantileOfLabel, quantileResolved, type MetricSpec } from '../../collectors/metric-spec.js';
import { FIO_METRICS } from '../../collectors/fio/metrics.js';
import { MICROBENCH_METRICS } from '../../collectors/microbench/metrics.js';
import { PERFTEST_METRICS } from '../../collectors/perftest/metrics.js';
import { PERF_METRICS } from '../../collectors/perf/metrics.js';
import { FTRACE_METRICS, durationIsPrimary } from '../../collectors/ftrace/metrics.js';
import { dmaFunctionTable } from '../../model/dma-functions.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const tables: Record<string, Record<string, MetricSpec>> = {
  fio: FIO_METRICS,
  microbench: MICROBENCH_METRICS,
  ib_write_bw: PERFTEST_METRICS,
  perf: PERF_METRICS,
  ftrace: FTRACE_METRICS,
};

test('no table declares a primary metric where neither direction is better', () => {
  for (const [tool, table] of Object.entries(tables)) {
    for (const [name, spec] of Object.entries(table)) {
      assert.ok(['primary', 'informational', 'descriptive'].includes(spec.role), `${tool} ${name}`);
      const { better, role } = spec as { better: string; role: string };
      assert.ok(!(better === 'none' && role === 'primary'), `${tool} ${name} is primary with better 'none'`);
    }
  }
  // @ts-expect-error the type refuses it too
  const refused: MetricSpec = { unit: 'x', better: 'none', role: 'primary' };
  assert.ok(refused);
});

test('the primary sets are the ones issue 11 names', () => {
  const primary = (t: Record<string, MetricSpec>) => Object.keys(t).filter((k) => t[k]!.role === 'primary').sort();
  assert.deepEqual(primary(FIO_METRICS), ['bw', 'clat.p50', 'clat.p99', 'cpu.per_io', 'iops']);
  assert.deepEqual(primary(MICROBENCH_METRICS), ['p50', 'p99']);
  assert.deepEqual(primary(PERFTEST_METRICS), ['bw_avg', 'msg_rate']);
  assert.deepEqual(primary(PERF_METRICS), []);
  assert.deepEqual(primary(FTRACE_METRICS), ['duration.p50', 'duration.p99']);
  assert.equal(MICROBENCH_METRICS.timer_overhead.better, 'none');
  assert.equal(FTRACE_METRICS.calls_per_io.better, 'none');
  assert.equal(PERF_METRICS.samples.better, 'none');
  assert.equal(PERF_METRICS.total.better, 'none');
});

/** Every measurement a real capture gives, through the in-memory parsers and the file-level ingest. */
async function fromEveryCapture(): Promise<{ source: string; m: Measurement }[]> {
  const out: { source: string; m: Measurement }[] = [];
  for (const target of parserTargets) {
    for (const seed of await target.seeds()) {
      let results;
      try {
        results = await target.run({ text: seed.text, file: '' });
      } catch {
        continue; // captures of failures (no JSON, device removed): nothing to give a role to
      }
      for (const r of results) for (const m of r.measurements) out.push({ source: `${target.name} ${seed.name}`, m });
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-roles-'));
  try {
    for (const target of ingestTargets) {
      for (const [i, seed] of (await target.seeds()).entries()) {
        let results;
        try {
          results = await target.run({ text: seed.text, file: path.join(dir, `${target.name.replace(/\W/g, '_')}-${i}`) });
        } catch {
          continue;
        }
        for (const r of results) for (const m of r.measurements) out.push({ source: `${target.name} ${seed.name}`, m });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

test('every metric a real capture yields carries a role, and none with better "none" is primary', async () => {
  const all = await fromEveryCapture();
  assert.ok(all.length > 1000, `${all.length} measurements`);
  const tools = new Set(all.map((x) => x.source.split(/[: ]/)[0]));
  for (const t of ['fio', 'perf-stat-csv', 'perf-stat-json', 'perf-script', 'ftrace-function', 'ftrace-function-graph', 'trace-cmd-report', 'perftest-text', 'perftest-json', 'dma_bench', 'ingest']) {
    assert.ok(tools.has(t), `captures of ${t} were read`);
  }
  for (const { source, m } of all) {
    assert.ok(m.role === 'primary' || m.role === 'informational' || m.role === 'descriptive', `${source}: ${m.metric} has role ${m.role}`);
    assert.ok(!(m.better === 'none' && m.role === 'primary'), `${source}: ${m.metric} is primary with better 'none'`);
  }
  // Every role occurs, and the primary figures of each tool are among them.
  const primary = new Set(all.filter((x) => x.m.role === 'primary').map((x) => x.m.metric));
  for (const name of ['read.iops', 'read.bw', 'read.clat.p50', 'map.p50', 'unmap.p99', 'size=65536.bw_avg', 'size=65536.msg_rate', 'dma_iova_try_alloc.duration.p50', 'dma_iova_sync.duration.p50']) {
    assert.ok(primary.has(name), `${name} primary somewhere`);
  }
  const informational = new Set(all.filter((x) => x.m.role === 'informational').map((x) => x.m.metric));
  for (const name of ['timer_overhead', 'perf.samples', 'perf.task-clock', 'dma_iova_link.calls_per_io', 'iommu.map.calls_per_io']) {
    assert.ok(informational.has(name), `${name} informational`);
  }
  // Internals under a mapping call: their durations never primary.
  assert.ok(!all.some((x) => x.m.role === 'primary' && /^(__iommu_unmap|iommu_unmap_fast|__iommu_map)\.duration\./.test(x.m.metric)));
});

test('ftrace: durations are primary for mapping calls and campaign-added functions, descriptive for what runs under them', () => {
  for (const f of dmaFunctionTable) assert.equal(durationIsPrimary(f.name), f.root === true, f.name);
  assert.equal(durationIsPrimary('my_driver_map_request'), true);
  const roots = dmaFunctionTable.filter((f) => f.root).map((f) => f.name);
  for (const name of ['nvme_unmap_data', 'blk_rq_dma_map_iter_start', 'dma_map_sgtable', 'dma_unmap_sg_attrs', 'dma_iova_link', 'dma_iova_sync', 'dma_iova_destroy', 'dma_map_phys']) {
    assert.ok(roots.includes(name), name);
  }
  for (const name of ['nvme_queue_rq', '__iommu_map', 'iommu_dma_map_sg', '__iommu_dma_unmap']) assert.ok(!roots.includes(name), name);
});

test('quantileResolved: 10/(1-p) samples', () => {
  assert.equal(quantileResolved(0.5, 20), true);
  assert.equal(quantileResolved(0.5, 19), false);
  assert.equal(quantileResolved(0.99, 1000), true);
  assert.equal(quantileResolved(0.99, 999), false);
  assert.equal(quantileResolved(0.999, 10000), true);
  assert.equal(quantileResolved(0.999, 9999), false);
  assert.equal(quantileResolved(0.9999, 99999), false);
  assert.equal(quantileResolved(1, 1e9), false);
  assert.ok(Math.abs(quantileOfLabel('p99.9')! - 0.999) < 1e-12);
  assert.equal(quantileOfLabel('p50'), 0.5);
  assert.equal(quantileOfLabel('mean'), undefined);
});

test('measure: a primary spec is demoted to descriptive when the figure is not resolved, never promoted', () => {
  assert.equal(measure('x', 1, FIO_METRICS['clat.p99'], { resolved: false }).role, 'descriptive');
  assert.equal(measure('x', 1, FIO_METRICS['clat.p99']).role, 'primary');
  assert.equal(measure('x', 1, FIO_METRICS['clat.p99.9'], { resolved: true }).role, 'descriptive');
  assert.equal(measure('x', 1, MICROBENCH_METRICS.timer_overhead, { resolved: false }).role, 'informational');
  assert.throws(() => measure('x', 1, PERF_METRICS.total), /names no unit/);
  assert.deepEqual(measure('size=1.bw_avg', 2, PERFTEST_METRICS.bw_avg, { unit: 'Gb/s' }), { metric: 'size=1.bw_avg', value: 2, unit: 'Gb/s', better: 'higher', role: 'primary' });
});
