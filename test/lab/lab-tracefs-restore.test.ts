// The ftrace profiler in an instance of its own (review M9), in freshly booted 6.12 and 7.x guests
// (where function and function_graph run in instances, and the global ring buffer has never been
// expanded): a function_graph pass and an events pass run in instances/dmabench-<pid>, the global
// instance is the same before, during and after by meaning, its trace buffer keeps a marker written
// before, and no instance is left; SIGINT removes the instance; after SIGKILL the next run removes
// it and says so. The guest side is tracefs-restore-guest.ts (run from dist/: `npm run build`
// first). Needs root and the lab image; boots one guest per kernel. The guest's traces are copied
// to DMABENCH_LAB_OUT (when set) for fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ensureLabImage, installDmabenchIntoImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';

const isRoot = process.getuid?.() === 0;

interface InstanceView {
  name: string;
  current_tracer: string;
  set_event: string;
  set_ftrace_filter: string;
  blockFilter?: string;
}
interface Report {
  kernel: string;
  errors: string[];
  markerWritten: boolean;
  markerKept: boolean | null;
  globalBufferAtBoot: string;
  globalBufferBefore: string;
  globalBufferAfter: string;
  globalChanged: string[];
  passes: { exit: number; ftraceLog: string[]; instancesSeen: InstanceView[]; globalChangedDuring: string[]; instancesAfter: string[] };
  graph: { durations: Record<string, [number, string]>; calls: Record<string, number>; lost: number };
  events: { metrics: Record<string, number> };
  setups: Record<string, { instance: string; spool: { inMemory: boolean }; eventFilters: Record<string, string>; diskIo: { name: string }[]; otherDevicesDidIo: string[]; tracer: string }>;
  sigint: { sawPass: boolean; exit: number | string; instancesAfter: string[]; globalChanged: string[]; globalChangedDuring: string[]; fioLeft: string };
  sigkill: { sawPass: boolean; killedPid: number; leftAfterKill: string[]; fioAfterKill: string; nextExit: number; nextLog: string[]; instancesAfter: string[] };
  probe: { tracers: string; graphFilesInInstance: string[]; optionShared: Record<string, boolean | string> };
}

for (const kernel of ['6.12', '7'] as const) {
  test(`lab ${kernel}: ftrace passes run in their own instance; the global instance is untouched; SIGINT and SIGKILL leave no instance`, { skip: !isRoot && 'needs root', timeout: 20 * 60_000 }, async () => {
    const image = await ensureLabImage({ log: () => undefined });
    await installDmabenchIntoImage(image, repoRoot);
    const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-instance-'));
    const guestOut = `/root/dmabench-instance-out-${kernel}`;
    const lines: string[] = [];
    const boot = await bootGuest({
      image,
      kernel,
      iommu: 'strict',
      command: ['node', '/opt/dmabench/dist/test/lab/tracefs-restore-guest.mjs', guestOut],
      timeoutSec: 900,
      consoleLog: path.join(dir, 'console.log'),
      onConsoleLine: (l) => lines.push(l),
    });
    const hostOut = path.join(image.rootfs, guestOut);
    try {
      if (process.env.DMABENCH_LAB_OUT) await cp(hostOut, path.join(process.env.DMABENCH_LAB_OUT, kernel), { recursive: true });
    } finally {
      await rm(hostOut, { recursive: true, force: true });
    }
    // The guest prints its report after every part: the last one is the whole.
    const reportLine = lines.filter((l) => l.includes('TRACEFS-INSTANCE ')).pop();
    assert.ok(reportLine, `no report from the guest; console: ${path.join(dir, 'console.log')}`);
    const r = JSON.parse(reportLine.slice(reportLine.indexOf('TRACEFS-INSTANCE ') + 17)) as Report;
    process.stdout.write(`# guest ${r.kernel}: ${JSON.stringify(r)}\n`);
    assert.equal(boot.exitCode, 0);
    assert.deepEqual(r.errors, []);

    // The passes traced in instances/dmabench-<pid>, with the tracer asked for.
    assert.equal(r.passes.exit, 0, r.passes.ftraceLog.join('\n'));
    const tracers = r.passes.instancesSeen.map((v) => v.current_tracer);
    assert.ok(tracers.includes('function_graph'), `instances seen: ${JSON.stringify(r.passes.instancesSeen)}`);
    assert.ok(tracers.includes('nop'));
    for (const v of r.passes.instancesSeen) assert.match(v.name, /^dmabench-\d+$/);
    // The graph pass traced the mapping calls only, and timed those within which nothing traced ran.
    const graph = r.passes.instancesSeen.find((v) => v.current_tracer === 'function_graph')!;
    assert.doesNotMatch(graph.set_ftrace_filter, /__iommu_map|iommu_dma_map_sg/);
    const timed = Object.keys(r.graph.durations);
    if (kernel === '7') assert.ok(timed.some((m) => m.startsWith('dma_iova_')), `7: durations ${timed.join(' ')}`);
    // 6.12: dma_map_sgtable for a scattered buffer; for a physically contiguous one nvme's own map
    // and unmap, under which nothing traced runs then (dma_map_page is not in the table).
    else assert.ok(timed.some((m) => /^(dma_map_sgtable|dma_unmap_sg_attrs|nvme_map_data|nvme_unmap_data)\./.test(m)), `6.12: durations ${timed.join(' ')}`);
    assert.ok(!timed.includes('blk_rq_dma_map_iter_start.duration.p50'), 'a parent of traced calls has no duration');
    // The events pass: block events filtered to the NVMe disk, the trace spooled in memory, only the target did I/O.
    // (An instance can be seen an instant after its mkdir, before its set-up: a new instance starts
    // with tracing on and the nop tracer. The events pass is the nop instance with events.)
    const events = r.passes.instancesSeen.find((v) => v.current_tracer === 'nop' && v.set_event.includes('block:block_rq_issue'));
    assert.ok(events, JSON.stringify(r.passes.instancesSeen.map((v) => [v.current_tracer, v.set_event])));
    assert.match(events.blockFilter ?? '', /dev == \d+/);
    assert.ok((r.events.metrics['events.block_rq_issue.per_io'] ?? 0) >= 1, JSON.stringify(r.events));
    assert.equal(Object.keys(r.setups).length, 2, `the graph and events passes' ftrace-setup.json: ${Object.keys(r.setups).join(' ')}`);
    for (const [pass, setup] of Object.entries(r.setups)) {
      assert.equal(setup.spool.inMemory, true, `${pass}: trace spooled on tmpfs`);
      assert.deepEqual(setup.otherDevicesDidIo, [], `${pass}: only the target did I/O (virtiofs root)`);
      assert.deepEqual(setup.diskIo.map((d) => d.name), ['nvme0n1'], `${pass}: diskIo`);
    }
    // The global instance: untouched during and after, its buffer never expanded, the marker kept.
    assert.deepEqual(r.passes.globalChangedDuring, []);
    assert.deepEqual(r.globalChanged, []);
    assert.match(r.globalBufferAtBoot, /expanded:/, 'the guest booted with an unexpanded global ring buffer');
    assert.equal(r.globalBufferAfter, r.globalBufferBefore, 'the global ring buffer size reads as before, as text');
    assert.equal(r.markerWritten, true);
    assert.equal(r.markerKept, true, 'the global trace buffer still holds the marker written before');
    assert.deepEqual(r.passes.instancesAfter, []);
    // SIGINT mid-pass: exit 130, no instance, no fio, the global instance untouched.
    assert.equal(r.sigint.sawPass, true);
    assert.equal(r.sigint.exit, 130);
    assert.deepEqual(r.sigint.instancesAfter, []);
    assert.deepEqual([...r.sigint.globalChanged, ...r.sigint.globalChangedDuring], []);
    assert.equal(r.sigint.fioLeft, '');
    // SIGKILL mid-pass: the instance stays; the next run removes it and says so.
    assert.equal(r.sigkill.sawPass, true);
    assert.deepEqual(r.sigkill.leftAfterKill, [`dmabench-${r.sigkill.killedPid}`]);
    assert.equal(r.sigkill.nextExit, 0);
    assert.ok(r.sigkill.nextLog.some((l) => l.includes(`removed the leftover tracefs instance dmabench-${r.sigkill.killedPid} (pid ${r.sigkill.killedPid} is gone)`)), r.sigkill.nextLog.join('\n'));
    assert.deepEqual(r.sigkill.instancesAfter, []);
    // Both lab kernels run function and function_graph in instances.
    assert.match(r.probe.tracers, /\bfunction_graph\b/);
    assert.match(r.probe.tracers, /\bfunction\b/);
  });
}
