// The per-I/O call counts of ARCHITECTURE.md "What the lab showed", proven in the QEMU lab: configs/lab-profile.yaml runs
// inside a 6.12 and a 7.x guest (strict IOMMU) with perf stat and ftrace profile passes, and the
// two bundles must show the two mapping paths: dma_iova_try_alloc / link / sync through the block
// layer iterator on 7.x, dma_map_sgtable → iommu_dma_map_sg and no dma_iova_* at all on 6.12.
// The windows (review M7): profilers are on for fio's I/O only, per-I/O figures divide by the
// requests the trace saw, and so per read the DMA API's mapping entry points add up to exactly
// 1.00 on both kernels, whichever path each read took.
// Needs root, QEMU and the lab image (dmabench lab image); boots two guests (a few minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/cli.js';
import { staleDistFiles } from '../helpers/dist.js';
import { readBundle } from '../../core/bundle/read.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { comparabilityWarnings } from '../../reports/compare/comparability.js';
import { rawRepDir } from '../../core/bundle/layout.js';
import { cellDirName } from '../../core/campaign/matrix.js';

const isRoot = process.getuid?.() === 0;

function value(b: LoadedBundle, cellPrefix: string, pass: string, metric: string): number | null | undefined {
  const s = b.samples.find((x) => x.cell.startsWith(cellPrefix) && x.pass === pass && x.metric === metric);
  return s?.value;
}

const CELL = 'nvme-randread-64k:';
const GRAPH_CELL = 'nvme-randread-64k-graph:';
const SMALL_CELL = 'nvme-randread-64k-small:';
const SMALL_GRAPH_CELL = 'nvme-randread-64k-small-graph:';
const CELL_4K = 'nvme-randread-4k-small:';
/** Entry points of a read's mapping per kernel (model/dma-functions.ts mapEntry, as the lab showed them). */
const ENTRIES = { '6.12': ['dma_map_sgtable', 'dma_map_page_attrs'], '7.x': ['dma_iova_try_alloc', 'dma_map_page_attrs'] } as const;

test('lab: per-I/O DMA call counts on 7.x (dma_iova_*) and 6.12 (dma_map_sgtable)', { skip: !isRoot && 'needs root', timeout: 40 * 60_000 }, async () => {
  // The guest runs dist/: build it (other files of the tree may have type errors mid-edit; tsc
  // still emits, and the freshness check below is what matters).
  const build = await execa('npm', ['run', 'build'], { cwd: repoRoot, reject: false });
  const stale = staleDistFiles();
  assert.deepEqual(stale, [], `dist is stale after npm run build (exit ${build.exitCode}): ${String(build.stdout).slice(-2000)}`);

  const out = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-profile-'));
  const run = await runCli(['lab', 'run', 'configs/lab-profile.yaml', '--kernels', '6.12,7', '--iommu', 'strict', '--out', out, '--format', 'text'], {
    timeout: 35 * 60_000,
  });
  process.stdout.write(`# lab run output (${out}):\n${String(run.stdout)}\n`);
  assert.equal(run.exitCode, 0, `lab run failed: ${String(run.stderr).slice(-4000)}`);

  const dirs = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(out, d.name));
  const bundles = await Promise.all(dirs.map((d) => readBundle(d)));
  const k7 = bundles.find((b) => b.manifest.system?.kernel.release.startsWith('7.'));
  const k612 = bundles.find((b) => b.manifest.system?.kernel.release.startsWith('6.12'));
  assert.ok(k7 && k612, `bundles for 7.x and 6.12 in ${out}`);
  for (const b of [k7, k612]) {
    assert.equal(b.manifest.status, 'complete', `${b.dir}: ${JSON.stringify(b.manifest.errors)}`);
    assert.match(b.manifest.system?.kernel.cmdline ?? '', /iommu\.strict=1/);
    // The benchmarked NVMe's own group (review M17): DMA, behind the emulated unit in caching mode.
    const system = b.manifest.system!;
    const target = system.dma?.targets.find((t) => t.workload === 'nvme-randread-64k');
    assert.equal(target?.iommuMode, 'strict', JSON.stringify(system.dma));
    assert.ok(target.devices.some((d) => d.pci !== undefined && d.iommuGroupType === 'DMA' && d.iommuGroup !== null), JSON.stringify(target.devices));
    assert.ok((target.devices[0]?.queue?.maxSegments ?? 0) > 0, 'queue limits recorded');
    assert.equal(system.iommu.mode, 'strict');
    assert.match(system.iommu.modeOf ?? '', /^benchmarked device of nvme-randread-64k, \S+ at 0000:\S+, IOMMU group \d+ \(DMA\)$/);
    assert.equal(system.dma?.cachingMode, true, 'QEMU caching-mode=on shows in CAP.CM');
    assert.equal(typeof system.dma?.nvmeSglThreshold, 'number');
    assert.match(system.kernel.buildId ?? '', /^[0-9a-f]{40}$/);
    // One run, one kernel log window, closed at its end, nothing the kernel complained about.
    assert.deepEqual(b.manifest.kernelLog?.map((w) => [w.closedBy, w.lines.length, w.error]), [['run', 0, undefined]]);
  }
  // Two guests of one lab run differ in nothing but the kernel (and what the kernel itself sets:
  // the NVMe driver's queue limits and SGL threshold may differ between releases).
  const warnings = comparabilityWarnings([k612, k7], ['6.12', '7']);
  process.stdout.write(`# comparability warnings, 6.12 -> 7: ${JSON.stringify(warnings)}\n`);
  assert.deepEqual(warnings.filter((w) => w.kind !== 'queue-limits' && w.kind !== 'sgl-threshold'), []);

  const P = 'profile:ftrace';
  // 7.x: the link API through the block layer iterator.
  const v7 = (m: string): number => value(k7, CELL, P, m) ?? NaN;
  for (const fn of ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync', 'blk_rq_dma_map_iter_start']) {
    assert.ok(v7(`${fn}.calls_per_io`) > 0, `7.x ${fn}.calls_per_io = ${v7(`${fn}.calls_per_io`)}`);
  }
  // One IOVA allocation and one sync per iterated (multi-segment) request, several links each.
  assert.ok(v7('dma_iova_try_alloc.calls_per_io') <= 1.01, `at most one try_alloc per I/O: ${v7('dma_iova_try_alloc.calls_per_io')}`);
  assert.ok(Math.abs(v7('dma_iova_try_alloc.calls') / v7('blk_rq_dma_map_iter_start.calls') - 1) < 0.02, 'try_alloc ≈ 1 per iterated request');
  assert.equal(v7('dma_iova_sync.calls'), v7('dma_iova_try_alloc.calls'), 'one sync per IOVA allocation');
  // Links per allocation = segments per I/O, which depends on how contiguous fio's buffer happens
  // to be in physical memory (seen from 1.1 to 15.6): only "at least one" is deterministic.
  assert.ok(v7('dma_iova_link.calls') >= v7('dma_iova_try_alloc.calls'), 'at least one link per allocation');

  // 6.12: every I/O is mapped by the classic API: a multi-segment one through dma_map_sgtable →
  // iommu_dma_map_sg, a physically contiguous one (one segment) through dma_map_bvec →
  // dma_map_page_attrs → iommu_dma_map_page. Which of the two depends on the buffer's physical
  // layout; every dma_map_sgtable goes to iommu_dma_map_sg.
  const v612 = (m: string): number => value(k612, CELL, P, m) ?? NaN;
  assert.equal(v612('iommu_dma_map_sg.calls'), v612('dma_map_sgtable.calls'), '6.12: each dma_map_sgtable maps through iommu_dma_map_sg');
  assert.equal(v612('iommu_dma_map_page.calls'), v612('dma_map_page_attrs.calls'), '6.12: each single-range mapping goes to iommu_dma_map_page');
  // 6.12 has no dma_iova_*: those metrics are recorded as absent (null), never as 0 calls.
  const iova612 = k612.samples.filter((s) => s.metric.startsWith('dma_iova_'));
  assert.ok(iova612.some((s) => s.metric === 'dma_iova_try_alloc.calls_per_io'), '6.12 records dma_iova_try_alloc as absent');
  assert.deepEqual(iova612.filter((s) => s.value !== null).map((s) => s.metric), [], '6.12 has no dma_iova_* values at all');

  // The windows (review M7): per read, the mapping entry points add up to exactly 1.00 on both
  // kernels, in every ftrace pass (function tracer, function_graph, the small run kept as a
  // fixture), because the profiler is on for fio's I/O only and the I/O count is the trace's own.
  const shown: string[] = [];
  for (const [name, b] of [['6.12', k612], ['7.x', k7]] as const) {
    for (const cell of [CELL, GRAPH_CELL, SMALL_CELL, SMALL_GRAPH_CELL, CELL_4K]) {
      const v = (m: string): number => value(b, cell, P, m) ?? NaN;
      const entries = v('dma.map_entries.calls_per_io');
      const parts = ENTRIES[name].map((f) => `${f} ${v(`${f}.calls_per_io`).toFixed(4)}`).join(' + ');
      shown.push(`${name} ${cell} dma.map_entries.calls_per_io = ${entries.toFixed(2)} (${parts}; ftrace.ios ${v('ftrace.ios')}, fio counted ${v('ftrace.workload_ios')})`);
      assert.equal(entries.toFixed(2), '1.00', `${name} ${cell}: entry points per read ${entries} (${parts})`);
      // The sum is exactly these functions' calls on this kernel: no other entry point was taken.
      const sum = ENTRIES[name].reduce((n, f) => n + (value(b, cell, P, `${f}.calls`) ?? 0), 0);
      assert.equal(sum, v('dma.map_entries.calls'), `${name} ${cell}: entries are ${ENTRIES[name].join(' + ')}`);
      assert.ok(v('ftrace.ios') > 0 && v('ftrace.workload_ios') > 0, `${name} ${cell}: both I/O counts recorded`);
    }
    // fio's jobs marked their I/O phase in every profile pass.
    for (const cell of b.manifest.cells.filter((c) => c.tool === 'fio')) {
      for (const pass of ['profile:ftrace', 'profile:perf-stat'] as const) {
        const dir = rawRepDir(b.dir, cell.rawDir ?? cellDirName(cell.cell), pass, 0);
        if (!existsSync(dir)) continue;
        const phase = JSON.parse(await readFile(path.join(dir, 'fio-io-phase.json'), 'utf8')) as { events: { what: string }[] };
        assert.deepEqual(phase.events.map((e) => e.what), ['start', 'end'], `${name} ${cell.cell} ${pass}`);
      }
    }
  }
  process.stdout.write(`# mapping entry points per read:\n${shown.map((l) => `#   ${l}`).join('\n')}\n`);
  // 4 KiB reads are one physical range each: every one enters through dma_map_page_attrs, on 7.x
  // too (nvme's simple path, not the iterator), and 7.x's dma_map_phys runs inside it, once per
  // read, which is why it is not an entry point of its own.
  for (const [name, b] of [['6.12', k612], ['7.x', k7]] as const) {
    assert.equal(value(b, CELL_4K, P, 'dma_map_page_attrs.calls_per_io'), 1, `${name}: 4 KiB reads map through dma_map_page_attrs`);
    assert.equal(value(b, CELL_4K, P, 'ftrace.ios'), 128, `${name}: 128 reads of 4 KiB`);
  }
  assert.equal(value(k7, CELL_4K, P, 'dma_map_phys.calls'), value(k7, CELL_4K, P, 'dma_map_page_attrs.calls'), '7.x: dma_map_phys under dma_map_page_attrs');
  assert.equal(value(k7, CELL_4K, P, 'dma_iova_try_alloc.calls'), 0, '7.x: 4 KiB reads never reach the iterator');
  // The small run's trace counts exactly fio's 128 reads (io_size 8 MiB / 64 KiB, no ramp, nothing left in flight).
  for (const b of [k612, k7]) {
    for (const cell of [SMALL_CELL, SMALL_GRAPH_CELL]) {
      assert.equal(value(b, cell, P, 'ftrace.ios'), 128, `${b.dir} ${cell}: 128 reads in the small run's trace`);
      assert.equal(value(b, cell, P, 'ftrace.workload_ios'), 128, `${b.dir} ${cell}: fio counted them too`);
    }
  }

  // Both: the IOMMU maps the whole 64 KiB of every read, nothing was lost, and the graph pass timed the mappers.
  for (const [name, b] of [['7.x', k7], ['6.12', k612]] as const) {
    const bytes = value(b, CELL, P, 'iommu.map.bytes_per_io') ?? NaN;
    assert.ok(Math.abs(bytes / 65536 - 1) < 0.05, `${name}: iommu map bytes per I/O ${bytes}`);
    assert.equal(value(b, CELL, P, 'ftrace.lost_events'), 0, `${name}: lost events`);
    assert.equal(value(b, GRAPH_CELL, P, 'ftrace.lost_events'), 0, `${name}: lost events (graph)`);
    // perf stat's I/O count: the NVMe's data requests it counted in its own window.
    const perfIos = value(b, CELL, 'profile:perf-stat', 'perf.ios') ?? 0;
    assert.ok(perfIos > 0 && (value(b, CELL, 'profile:perf-stat', 'perf.workload_ios') ?? 0) > 0, `${name}: perf.ios ${perfIos}`);
    const taskClock = value(b, CELL, 'profile:perf-stat', 'perf.task-clock');
    assert.ok(taskClock !== undefined && taskClock !== null && taskClock > 0, `${name}: perf stat task-clock`);
    // Kernel-mode cycles are perf stat's default (issue 12 item 11); TCG has no PMU.
    assert.equal(value(b, CELL, 'profile:perf-stat', 'perf.cycles:k'), null, `${name}: cycles:k not supported under TCG: null, not 0`);
    // CPU per I/O from busy time over perf's window, not task-clock (wall × CPUs under -a).
    const cpuPerIo = value(b, CELL, 'profile:perf-stat', 'perf.cpu.per_io');
    assert.ok(cpuPerIo !== undefined && cpuPerIo !== null && cpuPerIo > 0, `${name}: perf.cpu.per_io ${cpuPerIo}`);
  }
  // The graph pass traces the mapping calls only and times those within which no traced call ran
  // (review M10): on 7.x the link API's calls under blk_rq_dma_map_iter_start, which itself has no
  // duration; on 6.12 dma_map_sgtable (a scattered buffer) or, for a physically contiguous one,
  // nvme's own map and unmap, under which nothing traced runs then.
  assert.ok((value(k7, GRAPH_CELL, P, 'dma_iova_link.duration.mean') ?? 0) > 0);
  assert.equal(value(k7, GRAPH_CELL, P, 'blk_rq_dma_map_iter_start.duration.mean'), undefined, '7.x: a parent of traced calls is not timed');
  const timed612 = ['dma_map_sgtable', 'dma_unmap_sg_attrs', 'nvme_map_data', 'nvme_unmap_data'].map((f) => value(k612, GRAPH_CELL, P, `${f}.duration.mean`) ?? 0);
  assert.ok(Math.max(...timed612) > 0, '6.12: the graph pass timed a mapping call');
  assert.equal(value(k612, GRAPH_CELL, P, 'iommu_dma_map_sg.duration.mean'), undefined, '6.12: the IOMMU functions under a mapping call are not traced in the graph pass');

  // compare lines the two kernels' call counts up side by side: the text for the reader, the
  // JSON (the same Comparison) for the assertions, since the text table's columns may change.
  const cmp = await runCli(['compare', k612.dir, k7.dir, '--pass', P, '--format', 'text']);
  assert.equal(cmp.exitCode, 0, String(cmp.stderr));
  process.stdout.write(`# dmabench compare --pass ${P}:\n${String(cmp.stdout)}\n`);
  const json = await runCli(['compare', k612.dir, k7.dir, '--pass', P, '--format', 'json']);
  assert.equal(json.exitCode, 0, String(json.stderr));
  type Row = { cell: string; metric: string; unit: string; role?: string; base: { n: number; missing: number }; candidates: ({ stats: { n: number }; verdict: string } | null)[] };
  const rows = (JSON.parse(String(json.stdout)) as { rows: Row[] }).rows.filter((r) => r.cell.startsWith(CELL));
  const row = (metric: string): Row => {
    const r = rows.find((x) => x.metric === metric);
    assert.ok(r, `compare has a row for ${metric}`);
    return r;
  };
  // Functions both kernels have: one row with a value on each side (7.x calls dma_map_sgtable 0 times).
  for (const m of ['dma_map_sgtable.calls_per_io', 'iommu_dma_map_sg.calls_per_io', 'iommu.map.calls_per_io', 'nvme_unmap_data.calls_per_io']) {
    const r = row(m);
    assert.equal(r.unit, 'calls/IO', m);
    assert.deepEqual([r.base.n, r.candidates[0]?.stats.n], [1, 1], m);
    // A call count per I/O is informational: never a regression or an improvement.
    assert.ok(!['regression', 'improvement'].includes(r.candidates[0]!.verdict), `${m}: ${r.candidates[0]!.verdict}`);
  }
  // Functions 6.12 does not have stand in the same table, the base without a value (absent, not 0).
  for (const fn of ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync', 'blk_rq_dma_map_iter_start']) {
    const r = row(`${fn}.calls_per_io`);
    assert.deepEqual([r.base.n, r.base.missing, r.candidates[0]?.stats.n], [0, 1, 1], fn);
  }
});
