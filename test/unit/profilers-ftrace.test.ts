// The ftrace profiler on this machine (root, tracefs): an events pass around dd gives the syscall
// counts dd made, traces in an instance of its own while the trace goes to tmpfs, keeps trace.txt,
// records which block devices did I/O, and leaves the global instance as found; an abort mid-pass
// removes the instance at once; a function pass either works or (this VM) is refused; block events
// are filtered to the target device (proven on a loop device of our own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ftraceProfiler, ftracePassConfig, ftraceOptionsSchema, defaultBufferSizeKb, graphRootFunctions, TRACE_FILE, FTRACE_SETUP_FILE } from '../../collectors/ftrace/profiler.js';
import { ProfilerOptionsError } from '../../collectors/profiler-options.js';
import { dmaFunctionTable, dmaFunctions } from '../../model/dma-functions.js';
import { instanceName, readTracefsFile } from '../../collectors/ftrace/tracefs.js';
import { isMemoryFs } from '../../collectors/ftrace/spool.js';
import { assertGlobalBufferKept, assertSameTracefs, dmabenchInstances, globalTracefsSnapshot, markGlobalBuffer, type TracefsSnapshot } from '../helpers/tracefs.js';
import { locateOrMountTracefs } from '../../core/system/tracefs.js';
import type { DiskActivity } from '../../core/system/diskstats.js';
import type { Measurement } from '../../model/measurement.js';

const isRoot = process.getuid?.() === 0;
const root = isRoot ? await locateOrMountTracefs() : '';
const skip = !isRoot && 'needs root';

function snapshot(): TracefsSnapshot {
  return globalTracefsSnapshot(root);
}
const instanceDir = path.join(root, 'instances', instanceName());

/** Descriptors of this process open on trace_pipe. */
function tracePipeFds(): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('/trace_pipe');
    } catch {
      return false;
    }
  }).length;
}

function metric(ms: Measurement[], name: string): number | null | undefined {
  return ms.find((m) => m.metric === name)?.value;
}

test('ftrace options: defaults, the DMA set plus extra functions, and refusals', async () => {
  const opts = ftraceOptionsSchema.parse({ functions: ['my_driver_map'] });
  assert.equal(opts.tracer, 'function');
  const cfg = ftracePassConfig(opts);
  assert.equal(cfg.tracer, 'function');
  assert.deepEqual(cfg.filterFunctions, [...dmaFunctions, 'my_driver_map']);
  assert.deepEqual(cfg.events, ['iommu:map', 'iommu:unmap']);
  assert.equal(ftracePassConfig(ftraceOptionsSchema.parse({ tracer: 'events' })).filterFunctions, undefined);
  assert.equal(ftracePassConfig(ftraceOptionsSchema.parse({ tracer: 'events' })).tracer, 'nop');
  // function_graph times the mapping calls only, without tracepoints inside them (review M10).
  const graph = ftracePassConfig(ftraceOptionsSchema.parse({ tracer: 'function_graph' }));
  assert.deepEqual(graph.filterFunctions, dmaFunctionTable.filter((f) => f.root).map((f) => f.name));
  assert.deepEqual(graph.filterFunctions, [...graphRootFunctions]);
  assert.ok(!graph.filterFunctions?.includes('__iommu_map') && !graph.filterFunctions?.includes('iommu_dma_map_sg'));
  assert.deepEqual(graph.events, []);
  assert.deepEqual(ftracePassConfig(ftraceOptionsSchema.parse({ tracer: 'function_graph', iommuEvents: true })).events, ['iommu:map', 'iommu:unmap']);
  assert.deepEqual(ftracePassConfig(ftraceOptionsSchema.parse({ tracer: 'function_graph', dmaFunctions: false, functions: ['nvme_map_data'] })).filterFunctions, ['nvme_map_data']);
  assert.equal(defaultBufferSizeKb(2), 16384);
  assert.equal(defaultBufferSizeKb(128), 2048);
  await assert.rejects(ftraceProfiler.preflight({ tracer: 'blk' }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ functions: ['a b'] }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ tracer: 'events', iommuEvents: false }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ dmaFunctions: false }), ProfilerOptionsError);
});

test('preflight refuses a tracer an instance does not offer, before anything runs', { skip }, async () => {
  fs.mkdirSync(instanceDir);
  const offered = readTracefsFile(instanceDir, 'available_tracers')?.trim().split(/\s+/) ?? [];
  fs.rmdirSync(instanceDir);
  if (offered.includes('function_graph')) {
    await ftraceProfiler.preflight({ tracer: 'function_graph' });
  } else {
    await assert.rejects(ftraceProfiler.preflight({ tracer: 'function_graph' }), (e: Error) => e.name === 'TracefsError' && /function_graph tracer is not available in a tracefs instance/.test(e.message));
  }
  await ftraceProfiler.preflight({ tracer: 'events' });
  assert.deepEqual(dmabenchInstances(root), []);
});

const READS = 128;
async function ddReads(dir: string): Promise<number> {
  const file = path.join(dir, 'data');
  fs.writeFileSync(file, Buffer.alloc(READS * 64 * 1024, 3));
  await execa('dd', [`if=${file}`, 'of=/dev/null', 'bs=64k', 'status=none']);
  return READS;
}

test('events pass around dd: sys_read counts per I/O, traced in its own instance onto tmpfs, trace.txt kept, global instance as found', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-'));
  try {
    const before = snapshot();
    const proof = markGlobalBuffer(root);
    const options = { tracer: 'events', events: ['syscalls:sys_enter_read'], bufferSizeKb: 4096 };
    const log: string[] = [];
    const active = await ftraceProfiler.start({ options, rawDir: dir, signal: new AbortController().signal, log: (l) => log.push(l), ioTarget: dir });
    await active.on();
    assert.equal(readTracefsFile(instanceDir, 'tracing_on')?.trim(), '1', 'tracing in instances/dmabench-<pid>');
    assertSameTracefs(snapshot(), before, 'the global instance is untouched during the pass');
    const during = JSON.parse(await readFile(path.join(dir, FTRACE_SETUP_FILE), 'utf8')) as { instance: string; spool: { dir: string; inMemory: boolean } };
    assert.equal(during.instance, instanceDir);
    // The trace goes to memory while tracing runs, not to the bundle's disk (review M8).
    assert.equal(during.spool.inMemory, true);
    assert.ok(isMemoryFs(during.spool.dir), `${during.spool.dir} is on tmpfs`);
    assert.equal(fs.existsSync(path.join(dir, TRACE_FILE)), false, 'no trace in the bundle while tracing');
    const ios = await ddReads(dir);
    const ms = await active.stop({ ios, workloadOk: true });
    assert.equal(fs.existsSync(instanceDir), false, 'the instance is removed');
    assert.equal(fs.existsSync(during.spool.dir), false, 'the spool is removed');
    assertSameTracefs(snapshot(), before);
    assertGlobalBufferKept(root, proof);

    const trace = await readFile(path.join(dir, TRACE_FILE), 'utf8');
    // Drained from trace_pipe while dd ran: records only, no `trace` header.
    assert.doesNotMatch(trace, /^# tracer/);
    // Recount from the kept text: every sys_read entry of any task.
    const reads = trace.split('\n').filter((l) => /: sys_read\(fd:/.test(l)).length;
    const ddReadsSeen = trace.split('\n').filter((l) => /^\s*dd-\d+ .*: sys_read\(fd:/.test(l)).length;
    assert.ok(ddReadsSeen >= READS, `dd read ${ddReadsSeen} times`);
    assert.equal(metric(ms, 'events.sys_read.count'), reads);
    // Per I/O is per request the trace saw go to the target's disk in the window; dd read from the
    // page cache, so unless writeback reached that disk meanwhile, dd's own count stands in.
    const traceIos = metric(ms, 'ftrace.ios');
    assert.ok(typeof traceIos === 'number' && traceIos > 0);
    assert.equal(metric(ms, 'events.sys_read.per_io'), reads / traceIos);
    assert.equal(metric(ms, 'ftrace.workload_ios'), ios);
    assert.equal(metric(ms, 'ftrace.lost_events'), 0);
    // No IOMMU on this VM: the tracepoints exist but never fire; the totals say 0, not nothing.
    const setup = JSON.parse(await readFile(path.join(dir, FTRACE_SETUP_FILE), 'utf8')) as {
      missingEvents: string[];
      events: string[];
      diskIo: DiskActivity[];
      otherDevicesDidIo: string[];
      target: { name: string } | null;
    };
    // The target's block requests are traced to count the window's I/Os (review M7).
    assert.deepEqual(setup.events, ['iommu:map', 'iommu:unmap', 'syscalls:sys_enter_read', 'block:block_rq_issue']);
    if (setup.missingEvents.length === 0) assert.equal(typeof metric(ms, 'iommu.map.calls_per_io'), 'number');
    // Which block devices did I/O is recorded (the data file's writeback may or may not land in the window).
    assert.ok(Array.isArray(setup.diskIo));
    assert.deepEqual(setup.otherDevicesDidIo, setup.diskIo.map((d) => d.name).filter((n) => n !== setup.target?.name));
    if (setup.otherDevicesDidIo.length > 0) assert.ok(log.some((l) => l.includes('block devices other than the target did I/O')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('block events are filtered to the target device: a loop device of our own, with I/O on another disk recorded and warned about', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-loop-'));
  const image = path.join(dir, 'loop.img');
  fs.writeFileSync(image, Buffer.alloc(32 << 20, 7));
  const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  try {
    const before = snapshot();
    const log: string[] = [];
    const active = await ftraceProfiler.start({
      options: { tracer: 'events', iommuEvents: false, events: ['block:block_rq_issue'], bufferSizeKb: 2048 },
      rawDir: dir,
      signal: new AbortController().signal,
      log: (l) => log.push(l),
      ioTarget: loop,
    });
    await active.on();
    // I/O on the target, and on the disk under /tmp (a direct write, so it reaches the disk now).
    await execa('dd', [`if=${loop}`, 'of=/dev/null', 'bs=64k', 'count=64', 'iflag=direct', 'status=none']);
    await execa('dd', ['if=/dev/zero', `of=${path.join(dir, 'other.dat')}`, 'bs=64k', 'count=16', 'oflag=direct', 'status=none']);
    const ms = await active.stop({ ios: 64, workloadOk: true });
    const setup = JSON.parse(await readFile(path.join(dir, FTRACE_SETUP_FILE), 'utf8')) as {
      eventFilters: Record<string, string>;
      target: { name: string; dev: string };
      diskIo: DiskActivity[];
      otherDevicesDidIo: string[];
    };
    const name = path.basename(loop);
    const [major, minor] = fs.readFileSync(`/sys/class/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
    assert.equal(setup.target.name, name);
    assert.deepEqual(setup.eventFilters, { 'block:block_rq_issue': `dev == ${major! * 2 ** 20 + minor!}` });
    // Every request issued in the trace is the loop device's: the other disk's writes were filtered out.
    const trace = await readFile(path.join(dir, TRACE_FILE), 'utf8');
    const issues = trace.split('\n').filter((l) => l.includes('block_rq_issue:'));
    assert.ok(issues.length >= 64, `${issues.length} requests issued on ${loop}`);
    assert.deepEqual([...new Set(issues.map((l) => /block_rq_issue: (\d+,\d+)/.exec(l)?.[1]))], [`${major},${minor}`]);
    assert.equal(metric(ms, 'events.block_rq_issue.count'), issues.length);
    // diskstats saw both devices; the one that is not the target is named in a warning.
    const loopIo = setup.diskIo.find((d) => d.name === name);
    assert.ok(loopIo && loopIo.reads >= 64, `diskstats: ${JSON.stringify(setup.diskIo)}`);
    assert.ok(setup.otherDevicesDidIo.length > 0 && !setup.otherDevicesDidIo.includes(name), JSON.stringify(setup.otherDevicesDidIo));
    assert.ok(log.some((l) => l.startsWith('ftrace: block devices other than the target did I/O during the pass') && l.includes(setup.otherDevicesDidIo[0]!)), log.join('\n'));
    assertSameTracefs(snapshot(), before);
  } finally {
    await execa('losetup', ['--detach', loop], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});

test('abort during an events pass stops tracing at once; stop(), once the workload is gone, removes the instance', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-'));
  try {
    const before = snapshot();
    const controller = new AbortController();
    const active = await ftraceProfiler.start({ options: { tracer: 'events', bufferSizeKb: 2048 }, rawDir: dir, signal: controller.signal, log: () => undefined });
    await active.on();
    assert.equal(tracePipeFds(), 1, 'trace_pipe is being drained');
    assert.equal(readTracefsFile(instanceDir, 'tracing_on')?.trim(), '1');
    controller.abort(new Error('SIGINT'));
    // Tracing stops synchronously; the instance (whose removal patches kernel text) waits for
    // stop(), which the runner calls once the workload's processes are gone.
    assert.equal(readTracefsFile(instanceDir, 'tracing_on')?.trim(), '0', 'tracing off synchronously on abort');
    assert.equal(fs.existsSync(instanceDir), true);
    assert.deepEqual(await active.stop({ workloadOk: false }), []);
    // trace_pipe closed first: the kernel refuses to remove an instance (EBUSY) while it is open.
    assert.equal(tracePipeFds(), 0, 'trace_pipe closed');
    assert.equal(fs.existsSync(instanceDir), false, 'instance removed by stop()');
    assert.deepEqual(dmabenchInstances(root), []);
    assertSameTracefs(snapshot(), before, 'tracefs as found');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('function pass: counts, or a refusal that leaves tracefs untouched', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-'));
  try {
    const before = snapshot();
    let ms: Measurement[] | undefined;
    try {
      const active = await ftraceProfiler.start({ options: { dmaFunctions: false, functions: ['ksys_read', 'vfs_read'], iommuEvents: false }, rawDir: dir, signal: new AbortController().signal, log: () => undefined });
      await active.on();
      ms = await active.stop({ ios: await ddReads(dir), workloadOk: true });
    } catch (err) {
      // This development VM refuses set_ftrace_filter, also in an instance: no instance may be left.
      assert.match(String(err), /set_ftrace_filter/);
    }
    assert.deepEqual(dmabenchInstances(root), []);
    assertSameTracefs(snapshot(), before);
    if (ms) assert.ok((metric(ms, 'ksys_read.calls_per_io') ?? 0) >= 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
