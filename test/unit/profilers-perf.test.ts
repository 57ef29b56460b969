// perf stat and perf record attached around a workload, for real on this machine (root, perf
// installed): the counters perf wrote come back as Measurements (absent ones null), per-I/O
// figures divide by the I/Os given, perf record leaves folded stacks and a flame graph, and an
// abort leaves no perf process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { perfStatProfiler, PERF_CPU_FILE, PERF_STAT_FILE, perfStatArgs } from '../../collectors/perf/stat-profiler.js';
import { busyWindow, clockTicksPerSecond, readCpuTimes } from '../../core/cpu/busy-window.js';
import { busyBetween, parseProcStat } from '../../core/cpu/proc-stat.js';
import { foldPerfData, PERF_DATA_FILE, perfRecordProfiler } from '../../collectors/perf/record-profiler.js';
import { STACKS_FOLDED_FILE } from '../../core/bundle/layout.js';
import { flameGraphSvg } from '../../reports/flamegraph/svg.js';
import { profilerFor } from '../../runner/registry.js';
import { ProfilerOptionsError } from '../../collectors/profiler-options.js';
import { parseFolded, total } from '../../core/text/folded-stacks.js';
import { processTree } from '../../core/proc/tree.js';
import { perfExitedCleanly } from '../../collectors/perf/control.js';

const isRoot = process.getuid?.() === 0;
const hasPerf = (await execa('perf', ['version'], { reject: false })).exitCode === 0;
const skip = (!isRoot && 'needs root') || (!hasPerf && 'needs perf');

const READS = 256;
async function ddWorkload(dir: string): Promise<number> {
  const file = path.join(dir, 'data');
  fs.writeFileSync(file, Buffer.alloc(READS * 64 * 1024, 7));
  await execa('dd', [`if=${file}`, 'of=/dev/null', 'bs=64k', 'status=none']);
  return READS;
}

function perfChildren(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'perf';
    } catch {
      return false;
    }
  });
}

test('registry: every profiler kind of the campaign schema has an implementation', () => {
  for (const kind of ['perf-stat', 'perf-record', 'ftrace'] as const) assert.equal(profilerFor(kind).kind, kind);
});

test('perf ended by stop() is clean however its version reports the interrupted workload', () => {
  // perf 6.1 (this machine) exits 0; perf 7.2 (the lab guests) exits 130 with "sleep: Interrupt";
  // perf record may re-raise the SIGINT. Ended before stop() (its deadline) or another code: not clean.
  assert.ok(perfExitedCleanly({ stderr: '', exitCode: 0, endedBeforeStop: false }));
  assert.ok(perfExitedCleanly({ stderr: 'sleep: Interrupt\n', exitCode: 130, endedBeforeStop: false }));
  assert.ok(perfExitedCleanly({ stderr: '', signal: 'SIGINT', endedBeforeStop: false }));
  assert.ok(!perfExitedCleanly({ stderr: '', exitCode: 0, endedBeforeStop: true }));
  assert.ok(!perfExitedCleanly({ stderr: 'failed to open', exitCode: 129, endedBeforeStop: false }));
  assert.ok(!perfExitedCleanly({ stderr: '', signal: 'SIGKILL', endedBeforeStop: false }));
});

test('perf-stat options: unknown keys and bad event names are refused before anything runs', async () => {
  await assert.rejects(perfStatProfiler.preflight({ event: 'cycles' }), ProfilerOptionsError);
  await assert.rejects(perfStatProfiler.preflight({ events: ['cycles; rm -rf /'] }), ProfilerOptionsError);
  assert.deepEqual(perfStatArgs({ events: ['task-clock', 'cycles'] }, '/x.csv'), ['-a', '-x,', '-e', 'task-clock,cycles', '-o', '/x.csv']);
});

test('perf-stat around dd: counts from perf-stat.csv, null for unsupported, per-I/O from ios', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfstat-'));
  try {
    const controller = new AbortController();
    const active = await perfStatProfiler.start({ options: {}, rawDir: dir, signal: controller.signal, log: () => undefined });
    await active.on();
    const ios = await ddWorkload(dir);
    const ms = await active.stop({ ios, workloadOk: true });
    assert.deepEqual(perfChildren(), [], 'perf has exited');

    const csv = await readFile(path.join(dir, PERF_STAT_FILE), 'utf8');
    const byName = new Map(ms.map((m) => [m.metric, m]));
    // Recompute from perf's own file: value column of each event line.
    for (const line of csv.split('\n').filter((l) => /^[^#].*,/.test(l))) {
      const [value, , event] = line.split(',');
      const m = byName.get(`perf.${event}`);
      assert.ok(m, `measurement for ${event}`);
      if (value!.startsWith('<not')) assert.equal(m.value, null, `${event} is ${value}, not 0`);
      else assert.equal(m.value, Number(value));
    }
    const taskClock = byName.get('perf.task-clock');
    assert.ok(taskClock && taskClock.value !== null && taskClock.value > 0);
    // A raw total: informational. System-wide (-a), task-clock counts every CPU's wall time, so it
    // gets no per-I/O figure (review M6); counts do, descriptive.
    assert.equal(taskClock.role, 'informational');
    assert.equal(taskClock.better, 'none');
    assert.ok(!byName.has('perf.task-clock_per_io'));
    const faults = byName.get('perf.page-faults')!;
    const faultsPerIo = byName.get('perf.page-faults_per_io')!;
    assert.equal(faultsPerIo.unit, 'count/IO');
    assert.equal(faultsPerIo.role, 'descriptive');
    assert.ok(Math.abs(faultsPerIo.value! - faults.value! / ios) < 1e-9);
    for (const event of ['context-switches', 'cpu-migrations', 'page-faults', 'cycles:k', 'instructions:k', 'cache-misses', 'dTLB-load-misses', 'iTLB-load-misses']) {
      assert.ok(byName.has(`perf.${event}`), `default event ${event} measured`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf-stat around direct-I/O dd: perf.cpu.per_io is the busy time of perf\'s window from /proc/stat, within the busy time read independently around it', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfstat-busy-'));
  try {
    const file = path.join(dir, 'data');
    fs.writeFileSync(file, Buffer.alloc(READS * 64 * 1024, 7));
    const ticks = await clockTicksPerSecond();
    const logs: string[] = [];
    // Our own readings, outside the profiler's: its window lies within them.
    const outerBefore = readCpuTimes();
    const active = await perfStatProfiler.start({ options: {}, rawDir: dir, signal: new AbortController().signal, log: (l) => logs.push(l) });
    // The runner switches the profiler on and off around the workload's I/O (runner/io-phase.ts).
    await active.on();
    await execa('dd', [`if=${file}`, 'of=/dev/null', 'bs=64k', 'iflag=direct', 'status=none']);
    await active.off();
    const ms = await active.stop({ ios: READS, workloadOk: true });
    const outer = busyWindow(outerBefore, readCpuTimes(), ticks).busy;

    const record = JSON.parse(await readFile(path.join(dir, PERF_CPU_FILE), 'utf8'));
    const perIo = ms.find((m) => m.metric === 'perf.cpu.per_io');
    assert.ok(perIo && perIo.value !== null);
    assert.equal(perIo.unit, 'us/IO');
    assert.equal(perIo.role, 'descriptive');
    assert.equal(record.cpuPerIoUs, perIo.value);
    assert.equal(record.ios, READS);
    // The record's readings are this machine's /proc/stat lines and give the figure.
    const inner = busyBetween(parseProcStat(record.procStatBefore.join('\n')), parseProcStat(record.procStatAfter.join('\n')), record.wallMs, record.clkTck);
    assert.ok(Math.abs(perIo.value - (inner.busySeconds * 1e6) / READS) < 1e-9);
    assert.equal(ms.find((m) => m.metric === 'perf.cpu.busy_ticks')?.value, inner.busyTicks);
    // perf's window lies inside ours: no longer, and no busier (the idle clock is read to the
    // tick at each of the four readings: 2 ticks of slack).
    assert.ok(inner.wallMs <= outer.wallMs, `window ${inner.wallMs} ms within ${outer.wallMs} ms`);
    assert.ok(inner.busyTicks <= outer.busyTicks + 2, `busy ${inner.busyTicks} ticks within ${outer.busyTicks}`);
    assert.ok(inner.busyTicks <= inner.capacityTicks);
    // Not task-clock, which under -a is every CPU's wall time, idle included (the figure above
    // comes from the readings, and perf-stat-parse.test.ts shows the two apart on a capture).
    assert.ok(!ms.some((m) => m.metric === 'perf.task-clock_per_io'));
    // No PMU here: the kernel-mode counters are named in the log as unsupported.
    const cyclesK = ms.find((m) => m.metric === 'perf.cycles:k');
    assert.ok(cyclesK);
    if (cyclesK.value === null) assert.ok(logs.some((l) => /cycles:k.*<not supported>/.test(l)), logs.join('\n'));
    else assert.ok(!logs.some((l) => /cycles:k.*<not supported>/.test(l)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf-stat counts only the enabled window, not perf start-up', { skip }, async () => {
  // perf is started disabled and enabled just before the workload: a 0-I/O window right after
  // start must count far less task-clock than perf's own start-up would add.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfstat-'));
  try {
    const active = await perfStatProfiler.start({ options: { events: 'task-clock' }, rawDir: dir, signal: new AbortController().signal, log: () => undefined });
    await active.on();
    const t0 = performance.now();
    const ms = await active.stop({ workloadOk: true });
    const windowMs = performance.now() - t0;
    const tc = ms.find((m) => m.metric === 'perf.task-clock');
    assert.ok(tc && tc.value !== null);
    // task-clock over all CPUs cannot exceed window × CPUs (plus a little slack).
    assert.ok(tc.value <= windowMs * os.availableParallelism() + 5, `task-clock ${tc.value} ms in a ${windowMs.toFixed(1)} ms window`);
    assert.equal(ms.some((m) => m.metric.endsWith('_per_io')), false, 'no per-I/O figures without ios');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf-stat abort kills perf', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfstat-'));
  try {
    const controller = new AbortController();
    const active = await perfStatProfiler.start({ options: { events: ['task-clock'] }, rawDir: dir, signal: controller.signal, log: () => undefined });
    await active.on();
    assert.equal(perfChildren().length, 1);
    controller.abort(new Error('test abort'));
    const ms = await active.stop({ workloadOk: false });
    assert.deepEqual(ms, []);
    assert.deepEqual(perfChildren(), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf-record around a busy dd: samples, folded stacks and a flame graph', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfrec-'));
  try {
    const active = await perfRecordProfiler.start({ options: { frequency: 499 }, rawDir: dir, signal: new AbortController().signal, log: () => undefined });
    await active.on();
    await execa('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64k', 'count=40000', 'status=none']);
    const ms = await active.stop({ workloadOk: true });
    assert.deepEqual(perfChildren(), []);
    const samples = ms.find((m) => m.metric === 'perf.samples');
    assert.ok(samples && samples.value !== null && samples.value > 0);
    const folded = await parseFolded(fs.createReadStream(path.join(dir, STACKS_FOLDED_FILE)));
    assert.equal(total(folded), samples.value, 'every sample is in the folded file');
    assert.ok([...folded.keys()].some((k) => k.startsWith('dd;')), 'dd was sampled');
    // perf's own summary line names the sample count it wrote.
    const stderr = await readFile(path.join(dir, 'perf-record-stderr.txt'), 'utf8');
    const m = /\((\d+) samples\)/.exec(stderr);
    assert.ok(m, stderr);
    assert.equal(samples.value, Number(m[1]));
    // The flame graph is drawn by reports/ from the folded stacks the collector wrote.
    const svg = flameGraphSvg(folded);
    assert.match(svg, /^<\?xml/);
    assert.match(svg, />dd</);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

for (const [kind, profiler] of [['perf-record', perfRecordProfiler], ['perf-stat', perfStatProfiler]] as const) {
  test(`${kind} ends by itself at its deadline, and stop() then says so`, { skip }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfdeadline-'));
    try {
      const active = await profiler.start({ options: {}, rawDir: dir, signal: new AbortController().signal, log: () => undefined, deadlineSec: 2 });
      await active.on();
      assert.equal(perfChildren().length, 1, 'perf runs');
      const t0 = Date.now();
      // Nobody stops it (as when dmabench is killed): perf must end by itself.
      while (perfChildren().length > 0 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(perfChildren(), [], `perf still runs ${Date.now() - t0} ms after a 2 s deadline`);
      await assert.rejects(active.stop({ workloadOk: true }), new RegExp(`perf ${kind.slice(5)} reached its 2 s deadline before the workload ended`));
    } finally {
      for (const pid of perfChildren()) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('perf script folding past its deadline is killed and says so', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfscript-'));
  try {
    const active = await perfRecordProfiler.start({ options: { frequency: 499 }, rawDir: dir, signal: new AbortController().signal, log: () => undefined });
    await active.on();
    await execa('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64k', 'count=20000', 'status=none']);
    await active.stop({ workloadOk: true });
    const dataFile = path.join(dir, PERF_DATA_FILE);
    // The same file folds fine with time to spare...
    const folded = await foldPerfData(dataFile, new AbortController().signal, 60_000);
    assert.ok(folded.samples > 0);
    // ...and is cut off, with the deadline named, when perf script may take only 20 ms.
    await assert.rejects(foldPerfData(dataFile, new AbortController().signal, 20), /perf script -i .* did not finish within its 0\.02 s deadline and was killed/);
    assert.deepEqual(perfChildren(), [], 'no perf script left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf-stat with a block target counts its data requests in the same window: per-I/O figures divide by them, the workload\'s count is kept beside', { skip }, async () => {
  // A loop device of our own, 16 direct 64 KiB reads inside the window and 8 outside it (before
  // on() and after off()): perf.ios must be 16 whatever the workload says it did.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-perfstat-io-'));
  const image = path.join(dir, 'img');
  fs.writeFileSync(image, Buffer.alloc(16 << 20));
  const loop = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  const read = (count: number, skipBlocks: number) => execa('dd', [`if=${loop}`, 'of=/dev/null', 'bs=64k', `count=${count}`, `skip=${skipBlocks}`, 'iflag=direct', 'status=none']);
  try {
    const log: string[] = [];
    const active = await perfStatProfiler.start({ options: { events: ['page-faults'] }, rawDir: dir, signal: new AbortController().signal, log: (l) => log.push(l), ioTarget: loop });
    await read(4, 0);
    await active.on();
    await read(16, 8);
    await active.off();
    await read(4, 100);
    const ms = await active.stop({ ios: 999, workloadOk: true });
    const byName = new Map(ms.map((m) => [m.metric, m.value]));
    assert.equal(byName.get('perf.ios'), 16, JSON.stringify(Object.fromEntries(byName)));
    assert.equal(byName.get('perf.workload_ios'), 999);
    assert.equal(byName.get('perf.page-faults_per_io'), byName.get('perf.page-faults')! / 16);
    assert.ok(!byName.has('perf.block:block_rq_issue'), 'the counting event is perf.ios, not a counter of its own');
    assert.ok(log.some((l) => /16 requests to loop\d+ in the window, 999 I\/Os counted by the workload/.test(l)), log.join('\n'));
    const csv = await readFile(path.join(dir, PERF_STAT_FILE), 'utf8');
    assert.match(csv, /block:block_rq_issue/, 'perf counted the tracepoint (perf-stat.csv)');
  } finally {
    await execa('losetup', ['--detach', loop], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});
