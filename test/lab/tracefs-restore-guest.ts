// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-tracefs-restore.test.ts, once
// per kernel): the ftrace profiler traces in an instance of its own and leaves the global instance
// alone (review M9). It runs `dmabench run` on
//   - a function_graph pass and an events pass (block:block_rq_issue filtered to the target),
//     watching the instance while it traces and the global instance before, during and after;
//   - a function pass interrupted by SIGINT: the instance must be gone, fio too;
//   - an events pass killed with SIGKILL: the instance stays, and the next run removes it, saying so.
// Then it probes what this kernel offers in an instance (tracers, graph files, which tracer options
// are shared with the global instance: the guest is disposable, so it may flip one and put it back).
// Prints one `TRACEFS-INSTANCE {json}` line; copies the traces it made to OUT (argv[2]) when given.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { globalTracefsSnapshot, tracefsDifferences, type TracefsSnapshot } from '../helpers/tracefs.js';
import { INSTANCE_PREFIX, readTracefsFile } from '../../collectors/ftrace/tracefs.js';
import { GUEST_CLI } from '../../lab/guest-cli.js';

const T = '/sys/kernel/tracing';
const out = process.argv[2];
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = path.join(dist, '..', GUEST_CLI);

const fioMatrix = (runtime: number): string => `{ rw: randread, bs: 64k, iodepth: 8, numjobs: 1, ioengine: io_uring, runtime: ${runtime} }`;
const workload = (name: string, runtime: number, options: string): string => `  - name: ${name}
    tool: fio
    target: { kind: device, path: /dev/nvme0n1 }
    matrix: ${fioMatrix(runtime)}
    profilers:
      - kind: ftrace
        options: ${options}
`;
const campaign = (name: string, workloads: string): string => `name: ${name}\nrepetitions: 1\nwarmup: 0\nworkloads:\n${workloads}`;

function instances(): string[] {
  try {
    return readdirSync(path.join(T, 'instances')).filter((n) => n.startsWith(INSTANCE_PREFIX)).sort();
  } catch {
    return [];
  }
}

/** What an instance holds while it traces. */
function instanceView(name: string): Record<string, unknown> {
  const dir = path.join(T, 'instances', name);
  const r = (f: string): string | undefined => readTracefsFile(dir, f)?.trim();
  return {
    name,
    files: readdirSync(dir).sort(),
    current_tracer: r('current_tracer'),
    tracing_on: r('tracing_on'),
    buffer_size_kb: r('buffer_size_kb'),
    set_event: r('set_event'),
    set_ftrace_filter: r('set_ftrace_filter'),
    blockFilter: r('events/block/block_rq_issue/filter'),
    options: Object.fromEntries(readdirSync(path.join(dir, 'options')).map((o) => [o, r(`options/${o}`)])),
  };
}

interface Watched {
  views: Record<string, unknown>[];
  globalDuring: string[];
}

/** Polls the instances while `child` runs: one view per tracer seen tracing, and the global instance's differences from `before`. */
async function watch(child: ResultPromise, before: TracefsSnapshot, until?: (name: string) => boolean): Promise<Watched & { stoppedAt?: string }> {
  const w: Watched & { stoppedAt?: string } = { views: [], globalDuring: [] };
  const seen = new Set<string>();
  let done = false;
  void child.finally(() => (done = true));
  while (!done) {
    for (const name of instances()) {
      const dir = path.join(T, 'instances', name);
      const tracer = readTracefsFile(dir, 'current_tracer')?.trim();
      if (readTracefsFile(dir, 'tracing_on')?.trim() !== '1' || tracer === undefined) continue;
      const key = `${tracer} ${readTracefsFile(dir, 'set_event')?.trim()}`;
      if (!seen.has(key)) {
        seen.add(key);
        try {
          w.views.push(instanceView(name));
        } catch {
          // removed meanwhile
        }
        w.globalDuring.push(...tracefsDifferences(before, globalTracefsSnapshot(T)));
      }
      if (until?.(name)) {
        w.stoppedAt = name;
        return w;
      }
    }
    await sleep(20);
  }
  return w;
}

/** Whether a fio process is running now (synchronous: for watch()'s `until`). */
function fioRunning(): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'fio') return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function run(args: string[]): ResultPromise<{ reject: false; stdin: 'ignore'; all: true }> {
  return execa(process.execPath, [main, ...args], { reject: false, stdin: 'ignore', all: true });
}

async function noFioWithin(ms: number): Promise<string> {
  const end = Date.now() + ms;
  let left = '';
  do {
    left = (await execa('pgrep', ['-x', 'fio'], { reject: false })).stdout.trim();
    if (left === '') return '';
    await sleep(200);
  } while (Date.now() < end);
  return left;
}

const report: Record<string, unknown> = { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() };
report.globalBufferAtBoot = readTracefsFile(T, 'buffer_size_kb');
const marker = `dmabench-lab-marker-${process.pid}`;
const tracingOn = readTracefsFile(T, 'tracing_on')?.trim() === '1';
if (tracingOn) writeFileSync(path.join(T, 'trace_marker'), marker);
report.markerWritten = tracingOn;
const before = globalTracefsSnapshot(T);
report.globalBufferBefore = before['buffer_size_kb'];

const errors: string[] = [];
report.errors = errors;
async function section(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    errors.push(`${name}: ${(e as Error).stack ?? String(e)}`);
  }
  // The whole report so far after every part: a guest that dies later still leaves what it saw.
  process.stdout.write(`TRACEFS-INSTANCE ${JSON.stringify(report)}\n`);
}

// 1. function_graph and events passes.
await section('passes', async () => {
  writeFileSync(
    '/tmp/instance.yaml',
    campaign(
      'instance',
      workload('graph', 2, '{ tracer: function_graph }') + workload('events', 2, "{ tracer: events, events: ['block:block_rq_issue', 'nvme:nvme_setup_cmd'] }"),
    ),
  );
  const passes = run(['run', '/tmp/instance.yaml', '--out', '/tmp/instance-bundle']);
  const watched = await watch(passes, before);
  const passesResult = await passes;
  report.passes = {
    exit: passesResult.exitCode,
    ftraceLog: (passesResult.all ?? '').split('\n').filter((l) => l.includes('ftrace')),
    instancesSeen: watched.views,
    globalChangedDuring: [...new Set(watched.globalDuring)],
    instancesAfter: instances(),
  };
  const samples = readFileSync('/tmp/instance-bundle/samples.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { workload: string; pass: string; tool: string; metric: string; value: number | null; role: string });
  const ftraceSamples = samples.filter((s) => s.pass === 'profile:ftrace');
  report.graph = {
    durations: Object.fromEntries(ftraceSamples.filter((s) => s.workload === 'graph' && s.metric.endsWith('.duration.p50')).map((s) => [s.metric, [s.value, s.role]])),
    calls: Object.fromEntries(ftraceSamples.filter((s) => s.workload === 'graph' && s.metric.endsWith('.calls') && s.value !== null && s.value > 0).map((s) => [s.metric, s.value])),
    lost: ftraceSamples.find((s) => s.workload === 'graph' && s.metric === 'ftrace.lost_events')?.value,
  };
  report.events = {
    metrics: Object.fromEntries(ftraceSamples.filter((s) => s.workload === 'events' && s.metric.startsWith('events.')).map((s) => [s.metric, s.value])),
    iommuMapPerIo: ftraceSamples.find((s) => s.workload === 'events' && s.metric === 'iommu.map.calls_per_io')?.value,
  };
  const setups: Record<string, unknown> = {};
  for (const cell of readdirSync('/tmp/instance-bundle/raw')) {
    // Raw directories are named without the colon (core/bundle/layout.ts rawRepDir): profile-ftrace-0.
    for (const passDir of readdirSync(path.join('/tmp/instance-bundle/raw', cell)).filter((d) => d.startsWith('profile-ftrace'))) {
      const dir = path.join('/tmp/instance-bundle/raw', cell, passDir);
      const setup = JSON.parse(readFileSync(path.join(dir, 'ftrace-setup.json'), 'utf8')) as Record<string, unknown>;
      const { options: _options, ...rest } = setup;
      setups[`${cell}/${passDir}`] = rest;
      if (out) {
        mkdirSync(path.join(out, cell), { recursive: true });
        cpSync(dir, path.join(out, cell, passDir), { recursive: true });
      }
    }
  }
  report.setups = setups;
});

// 2. SIGINT while a function pass traces.
await section('sigint', async () => {
  writeFileSync('/tmp/sigint.yaml', campaign('sigint', workload('rr', 4, '{ tracer: function }')));
  const beforeInt = globalTracefsSnapshot(T);
  const interrupted = run(['run', '/tmp/sigint.yaml', '--out', '/tmp/sigint-bundle']);
  const wInt = await watch(interrupted, beforeInt, (name) => readTracefsFile(path.join(T, 'instances', name), 'current_tracer')?.trim() === 'function');
  if (wInt.stoppedAt) {
    await sleep(500);
    interrupted.kill('SIGINT');
  }
  const intResult = await interrupted;
  report.sigint = {
    sawPass: wInt.stoppedAt !== undefined,
    exit: intResult.exitCode ?? intResult.signal,
    instancesAfter: instances(),
    globalChanged: tracefsDifferences(beforeInt, globalTracefsSnapshot(T)),
    globalChangedDuring: wInt.globalDuring,
    fioLeft: await noFioWithin(1000),
  };
});

// 3. SIGKILL while an events pass traces; the next run removes the leftover.
await section('sigkill', async () => {
  writeFileSync('/tmp/sigkill.yaml', campaign('sigkill', workload('rr', 3, "{ tracer: events, events: ['block:block_rq_issue'] }")));
  const killed = run(['run', '/tmp/sigkill.yaml', '--out', '/tmp/sigkill-bundle']);
  // Killed while fio does its I/O: the instance traces only then (the profiler is switched on by
  // fio's jobs), and the watch sees an instance only while it traces.
  const wKill = await watch(killed, globalTracefsSnapshot(T), () => fioRunning());
  if (wKill.stoppedAt) killed.kill('SIGKILL');
  await killed;
  const fioAfterKill = await noFioWithin(30_000); // fio runs its 3 s out by itself
  const leftover = instances();
  const next = await run(['run', '/tmp/sigkill.yaml', '--out', '/tmp/sigkill-bundle-2']);
  report.sigkill = {
    sawPass: wKill.stoppedAt !== undefined,
    killedPid: killed.pid,
    leftAfterKill: leftover,
    fioAfterKill,
    nextExit: next.exitCode,
    nextLog: (next.all ?? '').split('\n').filter((l) => l.includes('leftover tracefs instance')),
    instancesAfter: instances(),
  };
});

// 4. The global instance after everything, and its buffer.
await section('global', async () => {
  report.globalChanged = tracefsDifferences(before, globalTracefsSnapshot(T));
  report.globalBufferAfter = readTracefsFile(T, 'buffer_size_kb');
  report.markerKept = tracingOn ? (readTracefsFile(T, 'trace') ?? '').includes(marker) : null;
});

// 5. What an instance offers here (after every check above: this part may write the global instance).
await section('probe', async () => {
  const probe = path.join(T, 'instances', 'probe');
  mkdirSync(probe);
  const probeReport: Record<string, unknown> = {
    tracers: readTracefsFile(probe, 'available_tracers')?.trim(),
    files: readdirSync(probe).sort(),
    graphFilesInInstance: ['set_graph_function', 'set_graph_notrace', 'max_graph_depth'].filter((f) => existsSync(path.join(probe, f))),
  };
  const shared: Record<string, boolean | string> = {};
  // A function tracer in the probe traces one function only, its filter written before the tracer:
  // an unfiltered one patches every function of the kernel, and flipping func_stack_trace on it
  // oopsed both lab kernels under QEMU 7.2's multi-threaded TCG (int3 in ftrace_replace_code,
  // from trace_options_write; QEMU's bug, lab/boot.ts), and this probe needs no more than one.
  // Only display options are flipped, so nothing is re-registered.
  writeFileSync(path.join(probe, 'set_ftrace_filter'), 'vfs_read\n');
  for (const tracer of ['function_graph']) {
    try {
      writeFileSync(path.join(probe, 'current_tracer'), tracer);
    } catch (e) {
      shared[tracer] = `cannot set: ${(e as Error).message}`;
      continue;
    }
    for (const opt of ['funcgraph-tail', 'funcgraph-proc', 'funcgraph-abstime', 'irq-info', 'record-tgid']) {
      const key = `${tracer}:${opt}`;
      const inst = readTracefsFile(probe, `options/${opt}`)?.trim();
      const glob = readTracefsFile(T, `options/${opt}`)?.trim();
      if (inst === undefined || glob === undefined) {
        shared[key] = `instance ${inst ?? 'absent'}, global ${glob ?? 'absent'}`;
        continue;
      }
      writeFileSync(path.join(probe, 'options', opt), inst === '1' ? '0' : '1');
      const globAfter = readTracefsFile(T, `options/${opt}`)?.trim();
      writeFileSync(path.join(probe, 'options', opt), inst);
      if (readTracefsFile(T, `options/${opt}`)?.trim() !== glob) writeFileSync(path.join(T, 'options', opt), glob);
      shared[key] = globAfter !== glob;
    }
  }
  writeFileSync(path.join(probe, 'current_tracer'), 'nop');
  rmdirSync(probe);
  probeReport.optionShared = shared;
  report.probe = probeReport;
});

if (out) {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
}
process.exit(0);
