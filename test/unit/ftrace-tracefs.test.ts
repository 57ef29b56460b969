// tracefs control, for real on this machine (root): a pass runs in an instance of its own
// (instances/dmabench-<pid>), which is gone afterwards, also when SIGINT, SIGTERM or SIGHUP
// arrives in the middle of the pass, and which the next pass removes when SIGKILL left it. The
// global instance is compared by meaning before and after (tracer, filters, events, options, pids,
// cpumask, clock, buffer size) and its trace buffer must still hold a marker written before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/paths.js';
import { assertGlobalBufferKept, assertSameTracefs, dmabenchInstances, globalTracefsSnapshot, markGlobalBuffer } from '../helpers/tracefs.js';
import { eachLine } from '../../core/text/lines.js';
import { parseFunctionTrace } from '../../collectors/ftrace/function-trace.js';
import { parseFunctionGraph } from '../../collectors/ftrace/function-graph.js';
import { parseTraceRecord } from '../../collectors/ftrace/trace-line.js';
import { locateOrMountTracefs, TracefsError } from '../../core/system/tracefs.js';
import {
  runTracePass,
  sameTracefsSetting,
  bufferSizeKb,
  instanceName,
  instanceRefusal,
  instanceTracers,
  removeStaleInstances,
  TracefsPass,
  type TracefsPassConfig,
} from '../../collectors/ftrace/tracefs.js';

const isRoot = process.getuid?.() === 0;
const root = isRoot ? await locateOrMountTracefs() : '';
const skip = !isRoot && 'needs root';
const ownInstance = (pid = process.pid): string => path.join(root, 'instances', instanceName(pid));

test('tracefs settings compare by meaning: an unexpanded buffer equals its expanded size', () => {
  assert.equal(bufferSizeKb('7 (expanded: 1408)\n'), 1408);
  assert.equal(bufferSizeKb('1410\n'), 1410);
  assert.equal(bufferSizeKb('X'), undefined);
  assert.ok(sameTracefsSetting('buffer_size_kb', '7 (expanded: 1408)\n', '1410\n'));
  assert.ok(sameTracefsSetting('buffer_size_kb', '1410\n', '1408'));
  assert.ok(!sameTracefsSetting('buffer_size_kb', '7 (expanded: 1408)\n', '8192\n'));
  assert.ok(!sameTracefsSetting('buffer_size_kb', '1408', '1412'));
  assert.ok(sameTracefsSetting('current_tracer', 'nop\n', 'nop'));
  assert.ok(!sameTracefsSetting('current_tracer', 'nop\n', 'function\n'));
  assert.ok(!sameTracefsSetting('tracing_on', undefined, '1'));
});

const dataFile = path.join(os.tmpdir(), `dmabench-tracefs-${process.pid}.dat`);
async function ddRead(): Promise<number> {
  fs.writeFileSync(dataFile, Buffer.alloc(4 << 20, 1));
  await execa('dd', [`if=${dataFile}`, 'of=/dev/null', 'bs=64k', 'status=none']);
  fs.rmSync(dataFile, { force: true });
  return (4 << 20) / (64 << 10);
}

const eventsCfg: TracefsPassConfig = {
  tracer: 'nop',
  events: ['syscalls:sys_enter_read', 'syscalls:sys_exit_read'],
  options: { 'irq-info': false, 'record-tgid': true },
  bufferSizeKb: 2048,
};

test('events pass in its own instance: sys_enter_read records from dd; the instance is gone and the global one untouched', { skip }, async () => {
  const before = globalTracefsSnapshot(root);
  const proof = markGlobalBuffer(root);
  const ddReads = { n: 0 };
  let during: { exists: boolean; setEvent: string; buffer: string } | undefined;
  const out = await runTracePass(
    eventsCfg,
    async () => {
      during = {
        exists: fs.existsSync(ownInstance()),
        setEvent: fs.readFileSync(path.join(ownInstance(), 'set_event'), 'utf8'),
        buffer: fs.readFileSync(path.join(ownInstance(), 'buffer_size_kb'), 'utf8'),
      };
      return ddRead();
    },
    async (trace) => {
      const text: string[] = [];
      await eachLine(trace, (l) => {
        text.push(l);
        const rec = parseTraceRecord(l);
        if (rec?.task === 'dd' && rec.body.startsWith('sys_read(fd: 0')) ddReads.n++;
      });
      return parseFunctionTrace(text);
    },
    { root },
  );
  assert.equal(out.instance, ownInstance());
  assert.equal(during?.exists, true, 'the pass ran in instances/dmabench-<pid>');
  assert.match(during?.setEvent ?? '', /syscalls:sys_enter_read/);
  assert.ok(sameTracefsSetting('buffer_size_kb', during?.buffer, '2048'), `instance buffer ${during?.buffer}`);
  assert.deepEqual(out.setup.missingEvents, []);
  // The instance starts from scratch: no stack trace after each event, whatever the global instance has.
  if (out.setup.options['stacktrace'] !== undefined) assert.equal(out.setup.options['stacktrace'], '0');
  assert.equal(out.setup.options['irq-info'], '0');
  assert.equal(out.setup.options['record-tgid'], '1');
  // dd read its 64 blocks of 64 KiB (fd 0 after dd's dup): at least 64 reads.
  assert.ok(ddReads.n >= out.workload, `dd read ${ddReads.n} times, expected >= ${out.workload}`);
  assert.ok((out.result.events.get('sys_read') ?? 0) >= ddReads.n);
  assert.equal(out.result.health.tracer, 'nop');
  assert.ok(out.result.records > 0);
  assert.deepEqual(out.removeErrors, []);
  assert.equal(fs.existsSync(ownInstance()), false, 'the instance is removed');
  assertSameTracefs(globalTracefsSnapshot(root), before);
  assertGlobalBufferKept(root, proof);
});

test('function pass with a filter: counts in the instance, or a refusal that leaves no instance and the global one untouched', { skip }, async () => {
  const cfg: TracefsPassConfig = { tracer: 'function', filterFunctions: ['vfs_read', 'ksys_read', 'dmabench_no_such_function'] };
  const before = globalTracefsSnapshot(root);
  const proof = markGlobalBuffer(root);
  let outcome: Awaited<ReturnType<typeof runTracePass<number, Awaited<ReturnType<typeof parseFunctionTrace>>>>> | TracefsError;
  try {
    outcome = await runTracePass(cfg, ddRead, (trace) => parseFunctionTrace(trace), { root });
  } catch (e) {
    assert.ok(e instanceof TracefsError, String(e));
    outcome = e;
  }
  if (outcome instanceof TracefsError) {
    // This VM's kernel refuses set_ftrace_filter (EPERM) even in an instance: the pass says so.
    assert.match(outcome.message, /set_ftrace_filter|not available in a tracefs instance/);
  } else {
    assert.deepEqual(outcome.setup.missingFilterFunctions, ['dmabench_no_such_function']);
    assert.ok((outcome.result.calls.get('vfs_read') ?? 0) > 0);
    assert.ok((outcome.result.calls.get('ksys_read') ?? 0) > 0);
    assert.deepEqual([...outcome.result.calls.keys()].sort(), ['ksys_read', 'vfs_read']);
  }
  assert.deepEqual(dmabenchInstances(root), []);
  assertSameTracefs(globalTracefsSnapshot(root), before);
  assertGlobalBufferKept(root, proof);
});

test('function_graph: runs in the instance where the kernel offers it there, else a refusal naming what the instance offers', { skip }, async () => {
  const before = globalTracefsSnapshot(root);
  const proof = markGlobalBuffer(root);
  // What an instance offers, read from one made for the purpose.
  fs.mkdirSync(ownInstance());
  const offered = instanceTracers(ownInstance());
  fs.rmdirSync(ownInstance());
  const cfg: TracefsPassConfig = { tracer: 'function_graph', filterFunctions: ['vfs_read'] };
  if (!offered.includes('function_graph')) {
    const refusal = instanceRefusal(root, 'function_graph');
    assert.equal(refusal, `the function_graph tracer is not available in a tracefs instance on this kernel (an instance offers: ${offered.join(' ')}); dmabench does not take over the global instance for it`);
    await assert.rejects(TracefsPass.begin(cfg, { root }), (e: Error) => e instanceof TracefsError && e.message === refusal);
    process.stdout.write(`# refusal on this kernel (${os.release()}): ${refusal}\n`);
  } else {
    const out = await runTracePass(cfg, ddRead, (trace) => parseFunctionGraph(trace), { root });
    const f = out.result.functions.get('vfs_read');
    assert.ok(f && f.calls > 0 && f.durations.count > 0, 'vfs_read calls timed');
  }
  assert.deepEqual(dmabenchInstances(root), []);
  assertSameTracefs(globalTracefsSnapshot(root), before);
  assertGlobalBufferKept(root, proof);
});

// SIGHUP is what a closed ssh session sends: it must remove the instance like SIGINT and SIGTERM.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${sig} in the middle of a pass: the child removes its instance and dies of ${sig}`, { skip }, async () => {
    const before = globalTracefsSnapshot(root);
    const proof = markGlobalBuffer(root);
    const { child, stderr } = await startChild();
    const dir = ownInstance(child.pid);
    assert.equal(fs.existsSync(dir), true, 'the child traces in instances/dmabench-<its pid>');
    assert.match(fs.readFileSync(path.join(dir, 'set_event'), 'utf8'), /syscalls:sys_enter_read/);
    assert.equal(fs.readFileSync(path.join(dir, 'tracing_on'), 'utf8').trim(), '1');
    assertSameTracefs(globalTracefsSnapshot(root), before, 'the global instance is untouched during the pass');
    child.kill(sig);
    const r = await child;
    assert.equal(r.signal, sig, `child ended by ${r.signal ?? r.exitCode}: ${stderr()}`);
    assert.equal(fs.existsSync(dir), false, 'the instance is removed');
    assertSameTracefs(globalTracefsSnapshot(root), before);
    assertGlobalBufferKept(root, proof);
  });
}

test('SIGKILL leaves the instance behind; the next pass removes it and says so', { skip }, async () => {
  const before = globalTracefsSnapshot(root);
  const { child } = await startChild();
  const dir = ownInstance(child.pid);
  child.kill('SIGKILL');
  await child;
  assert.equal(fs.existsSync(dir), true, 'nothing could remove it');
  const pass = await TracefsPass.begin({ tracer: 'nop', events: ['syscalls:sys_enter_read'] }, { root });
  try {
    assert.deepEqual(pass.setup.staleInstances, [`removed the leftover tracefs instance ${instanceName(child.pid!)} (pid ${child.pid} is gone)`]);
    assert.equal(fs.existsSync(dir), false);
  } finally {
    assert.deepEqual(pass.remove(), []);
  }
  assert.deepEqual(removeStaleInstances(root), [], 'nothing left to sweep');
  assert.deepEqual(dmabenchInstances(root), []);
  assertSameTracefs(globalTracefsSnapshot(root), before);
});

test('a pass that cannot be set up removes its instance and says why', { skip }, async () => {
  const before = globalTracefsSnapshot(root);
  const cfg: TracefsPassConfig = { tracer: 'dmabench_no_such_tracer', events: ['syscalls:sys_enter_read'] };
  await assert.rejects(TracefsPass.begin(cfg, { root }), /the dmabench_no_such_tracer tracer is not available in a tracefs instance on this kernel/);
  await assert.rejects(TracefsPass.begin({ tracer: 'nop', options: { 'dmabench-no-such-option': true } }, { root }), /option dmabench-no-such-option is not offered/);
  assert.deepEqual(dmabenchInstances(root), []);
  assertSameTracefs(globalTracefsSnapshot(root), before);
});

/** A process holding `file` open (fd 3) for `seconds`; resolves once it holds it. */
async function holdOpen(file: string, seconds: number): Promise<{ holder: ReturnType<typeof execa> }> {
  const holder = execa('bash', ['-c', 'exec 3<"$1"; echo HOLDING; exec sleep "$2"', 'holder', file, String(seconds)], { reject: false, buffer: false, stdout: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.on('data', (d: Buffer) => d.toString().includes('HOLDING') && resolve());
    void holder.then(() => reject(new Error('the holder ended before it held the file')));
  });
  return { holder };
}

test('another process reading an instance file for a moment does not leave the instance behind', { skip }, async () => {
  const pass = await TracefsPass.begin({ tracer: 'nop', events: ['syscalls:sys_enter_read'] }, { root });
  const { holder } = await holdOpen(path.join(pass.dir, 'current_tracer'), 0.5);
  const started = Date.now();
  try {
    assert.deepEqual(pass.remove(), []);
    // It waited for the reader: the kernel refused rmdir while the file was open.
    assert.ok(Date.now() - started >= 300, `removed after ${Date.now() - started} ms, while the file was open`);
    assert.equal(fs.existsSync(pass.dir), false);
  } finally {
    holder.kill();
    await holder;
  }
  assert.deepEqual(dmabenchInstances(root), []);
});

test('an instance a process keeps open is reported with that process, and removed later', { skip }, async () => {
  const pass = await TracefsPass.begin({ tracer: 'nop', events: ['syscalls:sys_enter_read'] }, { root });
  const { holder } = await holdOpen(path.join(pass.dir, 'trace'), 30);
  try {
    const errors = pass.remove();
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', new RegExp(`^${pass.dir}: EBUSY.*: still busy after 2 s, held open by pid ${holder.pid} \\(sleep\\)$`));
    assert.equal(fs.existsSync(pass.dir), true);
  } finally {
    holder.kill();
    await holder;
  }
  // This process left it: the next sweep removes it.
  assert.deepEqual(removeStaleInstances(root), [`removed the leftover tracefs instance ${instanceName(process.pid)} (this process left it)`]);
  assert.deepEqual(dmabenchInstances(root), []);
});

/** A child process that begins an events pass and waits; resolves once its pass is running. */
async function startChild(): Promise<{ child: ReturnType<typeof execa>; stderr: () => string }> {
  const child = execa('nice', ['-n', '19', 'node', '--import', 'tsx', path.join(repoRoot, 'test/unit/ftrace-tracefs-child.ts'), JSON.stringify(eventsCfg)], {
    cwd: repoRoot,
    reject: false,
    buffer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /PASS-RUNNING (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    void child.then(() => reject(new Error(`child ended before its pass ran: ${stderr}`)));
  });
  // `nice` execs node: the pid is the same process.
  assert.equal(pid, child.pid);
  return { child, stderr: () => stderr };
}
