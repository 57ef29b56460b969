// tracefs control, for real on this machine (root): a pass changes tracer, events and options,
// the trace comes back as a stream, and every file the pass touched reads as before afterwards,
// also when SIGINT, SIGTERM or SIGHUP arrives in the middle of the pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/paths.js';
import { assertSameTracefs, tracefsSnapshot, type TracefsSnapshot } from '../helpers/tracefs.js';
import { eachLine } from '../../core/text/lines.js';
import { parseFunctionTrace } from '../../collectors/ftrace/function-trace.js';
import { parseTraceRecord } from '../../collectors/ftrace/trace-line.js';
import { locateOrMountTracefs, TracefsError } from '../../core/system/tracefs.js';
import {
  runTracePass,
  sameTracefsSetting,
  bufferSizeKb,
  TracefsPass,
  touchedFiles,
  type TracefsPassConfig,
} from '../../collectors/ftrace/tracefs.js';

const isRoot = process.getuid?.() === 0;
const root = isRoot ? await locateOrMountTracefs() : '';

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

/** What every file of interest reads now; unreadable files as null. */
function snapshot(cfg: TracefsPassConfig): TracefsSnapshot {
  return tracefsSnapshot(root, new Set([...touchedFiles(cfg), 'current_tracer', 'tracing_on', 'set_event', 'buffer_size_kb', 'options/irq-info']));
}

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
};

test('events pass: sys_enter_read records from dd, tracefs restored afterwards', { skip: !isRoot && 'needs root' }, async () => {
  const before = snapshot(eventsCfg);
  const ddReads = { n: 0 };
  const out = await runTracePass(eventsCfg, ddRead, async (trace) => {
    const text: string[] = [];
    await eachLine(trace, (l) => {
      text.push(l);
      const rec = parseTraceRecord(l);
      if (rec?.task === 'dd' && rec.body.startsWith('sys_read(fd: 0')) ddReads.n++;
    });
    return parseFunctionTrace(text);
  });
  assert.deepEqual(out.setup.missingEvents, []);
  // dd read its 64 blocks of 64 KiB from stdin... from if= (fd 0 after dd's dup): at least 64 reads.
  assert.ok(ddReads.n >= out.workload, `dd read ${ddReads.n} times, expected >= ${out.workload}`);
  assert.ok((out.result.events.get('sys_read') ?? 0) >= ddReads.n);
  assert.equal(out.result.health.tracer, 'nop');
  // irq-info off and record-tgid on were in force: no flags column, a (tgid) column.
  assert.ok(out.result.records > 0);
  assert.deepEqual(out.restoreErrors, []);
  assertSameTracefs(snapshot(eventsCfg), before);
});

test('function pass with a filter: counts, or a refusal that leaves tracefs untouched', { skip: !isRoot && 'needs root' }, async () => {
  const cfg: TracefsPassConfig = { tracer: 'function', filterFunctions: ['vfs_read', 'ksys_read', 'dmabench_no_such_function'] };
  const before = snapshot(cfg);
  let outcome: Awaited<ReturnType<typeof runTracePass<number, Awaited<ReturnType<typeof parseFunctionTrace>>>>> | TracefsError;
  try {
    outcome = await runTracePass(cfg, ddRead, (trace) => parseFunctionTrace(trace));
  } catch (e) {
    assert.ok(e instanceof TracefsError, String(e));
    outcome = e;
  }
  if (outcome instanceof TracefsError) {
    // On kernels that refuse the function tracer or hide set_ftrace_filter (this VM: EPERM under
    // lockdown), the pass must say why and change nothing.
    assert.match(outcome.message, /set_ftrace_filter|current_tracer|Operation not permitted|EPERM/);
  } else {
    assert.deepEqual(outcome.setup.missingFilterFunctions, ['dmabench_no_such_function']);
    assert.ok((outcome.result.calls.get('vfs_read') ?? 0) > 0);
    assert.ok((outcome.result.calls.get('ksys_read') ?? 0) > 0);
    assert.deepEqual([...outcome.result.calls.keys()].sort(), ['ksys_read', 'vfs_read']);
  }
  assertSameTracefs(snapshot(cfg), before);
});

// SIGHUP is what a closed ssh session sends: it must restore tracefs like SIGINT and SIGTERM.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${sig} in the middle of a pass: the child restores tracefs and dies of ${sig}`, { skip: !isRoot && 'needs root' }, async () => {
    const cfg = eventsCfg;
    const before = snapshot(cfg);
    const child = execa('node', ['--import', 'tsx', path.join(repoRoot, 'test/unit/ftrace-tracefs-child.ts'), JSON.stringify(cfg)], {
      cwd: repoRoot,
      reject: false,
      buffer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('PASS-RUNNING')) resolve();
      });
      void child.then(() => reject(new Error(`child ended before its pass ran: ${stderr}`)));
    });
    const during = snapshot(cfg);
    assert.notDeepEqual(during, before, 'the pass did change tracefs');
    assert.equal(during['set_event']?.includes('syscalls:sys_enter_read'), true);
    child.kill(sig);
    const r = await child;
    assert.equal(r.signal, sig, `child ended by ${r.signal ?? r.exitCode}: ${stderr}`);
    assertSameTracefs(snapshot(cfg), before);
  });
}

test('a pass that cannot be set up restores what it changed', { skip: !isRoot && 'needs root' }, async () => {
  const cfg: TracefsPassConfig = { tracer: 'dmabench_no_such_tracer', events: ['syscalls:sys_enter_read'] };
  const before = snapshot(cfg);
  await assert.rejects(TracefsPass.begin(cfg, { root }), TracefsError);
  assertSameTracefs(snapshot(cfg), before);
});
