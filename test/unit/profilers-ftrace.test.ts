// The ftrace profiler on this machine (root, tracefs): an events pass around dd gives the syscall
// counts dd made, keeps trace.txt, and leaves tracefs as found; an abort mid-pass restores too;
// a function pass either works or (this VM's lockdown) fails without touching tracefs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ftraceProfiler, ftracePassConfig, ftraceOptionsSchema, defaultBufferSizeKb, TRACE_FILE, FTRACE_SETUP_FILE } from '../../collectors/ftrace/profiler.js';
import { ProfilerOptionsError } from '../../collectors/profiler-options.js';
import { dmaFunctions } from '../../model/dma-functions.js';
import { readTracefsFile } from '../../collectors/ftrace/tracefs.js';
import { assertSameTracefs, tracefsSnapshot, type TracefsSnapshot } from '../helpers/tracefs.js';
import { locateOrMountTracefs } from '../../core/system/tracefs.js';
import type { Measurement } from '../../model/measurement.js';

const isRoot = process.getuid?.() === 0;
const root = isRoot ? await locateOrMountTracefs() : '';
const skip = !isRoot && 'needs root';

const FILES = ['tracing_on', 'current_tracer', 'set_event', 'buffer_size_kb', 'set_ftrace_filter'];
function snapshot(): TracefsSnapshot {
  return tracefsSnapshot(root, FILES);
}

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
  assert.equal(defaultBufferSizeKb(2), 16384);
  assert.equal(defaultBufferSizeKb(128), 2048);
  await assert.rejects(ftraceProfiler.preflight({ tracer: 'blk' }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ functions: ['a b'] }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ tracer: 'events', iommuEvents: false }), ProfilerOptionsError);
  await assert.rejects(ftraceProfiler.preflight({ dmaFunctions: false }), ProfilerOptionsError);
});

const READS = 128;
async function ddReads(dir: string): Promise<number> {
  const file = path.join(dir, 'data');
  fs.writeFileSync(file, Buffer.alloc(READS * 64 * 1024, 3));
  await execa('dd', [`if=${file}`, 'of=/dev/null', 'bs=64k', 'status=none']);
  return READS;
}

test('events pass around dd: sys_read counts per I/O, trace.txt kept, tracefs as found', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-'));
  try {
    const before = snapshot();
    const options = { tracer: 'events', events: ['syscalls:sys_enter_read'], bufferSizeKb: 4096 };
    const active = await ftraceProfiler.start({ options, rawDir: dir, signal: new AbortController().signal, log: () => undefined });
    assert.equal(readTracefsFile(root, 'tracing_on')?.trim(), '1');
    const ios = await ddReads(dir);
    const ms = await active.stop({ ios, workloadOk: true });
    assertSameTracefs(snapshot(), before);

    const trace = await readFile(path.join(dir, TRACE_FILE), 'utf8');
    // Drained from trace_pipe while dd ran: records only, no `trace` header.
    assert.doesNotMatch(trace, /^# tracer/);
    // Recount from the kept text: every sys_read entry of any task.
    const reads = trace.split('\n').filter((l) => /: sys_read\(fd:/.test(l)).length;
    const ddReadsSeen = trace.split('\n').filter((l) => /^\s*dd-\d+ .*: sys_read\(fd:/.test(l)).length;
    assert.ok(ddReadsSeen >= READS, `dd read ${ddReadsSeen} times`);
    assert.equal(metric(ms, 'events.sys_read.count'), reads);
    assert.equal(metric(ms, 'events.sys_read.per_io'), reads / ios);
    assert.equal(metric(ms, 'ftrace.lost_events'), 0);
    // No IOMMU on this VM: the tracepoints exist but never fire; the totals say 0, not nothing.
    const setup = JSON.parse(await readFile(path.join(dir, FTRACE_SETUP_FILE), 'utf8')) as { missingEvents: string[]; events: string[] };
    assert.deepEqual(setup.events, ['iommu:map', 'iommu:unmap', 'syscalls:sys_enter_read']);
    if (setup.missingEvents.length === 0) assert.equal(typeof metric(ms, 'iommu.map.calls_per_io'), 'number');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('abort during an events pass restores tracefs at once', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-ftrace-'));
  try {
    const before = snapshot();
    const controller = new AbortController();
    const active = await ftraceProfiler.start({ options: { tracer: 'events', bufferSizeKb: 2048 }, rawDir: dir, signal: controller.signal, log: () => undefined });
    assert.notDeepEqual(snapshot(), before, 'the pass changed tracefs');
    assert.equal(tracePipeFds(), 1, 'trace_pipe is being drained');
    controller.abort(new Error('SIGINT'));
    // trace_pipe closed first: the kernel refuses a current_tracer change (EBUSY) while it is open.
    assert.equal(tracePipeFds(), 0, 'trace_pipe closed synchronously on abort');
    assertSameTracefs(snapshot(), before, 'restored synchronously on abort');
    // The runner still calls stop() after the aborted workload: it must not touch tracefs again.
    assert.deepEqual(await active.stop({ workloadOk: false }), []);
    assertSameTracefs(snapshot(), before, 'stop() after the restore left tracefs alone');
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
      ms = await active.stop({ ios: await ddReads(dir), workloadOk: true });
    } catch (err) {
      // This development VM refuses the function tracer (lockdown): nothing may have changed.
      assert.match(String(err), /cannot read|setting up the trace pass failed/);
    }
    assertSameTracefs(snapshot(), before);
    if (ms) assert.ok((metric(ms, 'ksys_read.calls_per_io') ?? 0) >= 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
