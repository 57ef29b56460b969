// Signals reaching a real `dmabench run` (fio on a temp file; perf and tracefs as root):
// - SIGHUP, sent directly and by a real terminal hang-up (a pty whose master goes away, as when
//   an ssh session closes), is handled like SIGTERM: the bundle ends `incomplete`, no fio is left;
// - a second SIGINT kills every child at once but the clean-up still runs: tracefs is restored,
//   the bundle is marked incomplete, the exit code is 130;
// - perf record outlives a frozen dmabench only until its deadline (the pass's timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cliArgs, startCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { readBundle } from '../../core/bundle/read.js';
import { processStartTime, processTree } from '../../core/proc/tree.js';
import { locateOrMountTracefs } from '../../core/system/tracefs.js';
import { assertSameTracefs, dmabenchInstances, globalTracefsSnapshot } from '../helpers/tracefs.js';
import { readTracefsFile } from '../../collectors/ftrace/tracefs.js';

const isRoot = process.getuid?.() === 0;
const hasPerf = (await execa('perf', ['version'], { reject: false })).exitCode === 0;
const hasScript = (await execa('script', ['--version'], { reject: false })).exitCode === 0;

function campaign(opts: { runtime: number; reps: number; extra?: string }): string {
  return `name: signals
repetitions: ${opts.reps}
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 16M }
    matrix:
      rw: randread
      bs: [4k, 8k]
      iodepth: 1
      ioengine: psync
      runtime: ${opts.runtime}
${opts.extra ?? ''}`;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The manifest's `done` count, undefined while there is no manifest yet. */
async function doneCount(out: string): Promise<number | undefined> {
  const text = await readFile(path.join(out, 'manifest.json'), 'utf8').catch(() => '');
  if (!text) return undefined;
  return Object.values((JSON.parse(text) as { done: Record<string, number[]> }).done).flat().length;
}

/** PIDs of processes whose command line mentions `needle` (ours: a unique temp path). */
async function processesMentioning(needle: string): Promise<string> {
  return (await execa('pgrep', ['-af', needle], { reject: false })).stdout
    .split('\n')
    .filter((l) => l && !l.includes('pgrep'))
    .join('\n');
}

/** A process that exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Kills what a failed test left behind, by PID, so later tests start clean. */
function killLeftovers(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

test('SIGHUP mid-run is handled like SIGTERM: exit 130, bundle incomplete, no fio left', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-hup-'));
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign({ runtime: 2, reps: 2 }));
    const out = path.join(dir, 'bundle');
    const child = startCli(['run', file, '--out', out]);
    await until('a finished repetition', 60_000, async () => ((await doneCount(out)) ?? 0) >= 1 || undefined);
    await sleep(300);
    child.kill('SIGHUP');
    const r = await child;
    assert.equal(r.exitCode, 130, `exit ${r.exitCode ?? r.signal}: ${String(r.stderr)}`);
    assert.match(String(r.stderr), /SIGHUP: stopping; finished repetitions are kept/);
    const bundle = await readBundle(out);
    assert.equal(bundle.manifest.status, 'incomplete');
    assert.equal(bundle.manifest.interruptedBy, 'SIGHUP');
    assert.equal(await processesMentioning(path.join(out, 'scratch')), '', 'no fio left on the scratch file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a terminal hang-up (the pty goes away, as when ssh closes) leaves an incomplete bundle and no fio', { skip: !hasScript && 'needs script (util-linux)' }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-pty-'));
  const pids: number[] = [];
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign({ runtime: 2, reps: 2 }));
    const out = path.join(dir, 'bundle');
    // script(1) gives dmabench a pty as its controlling terminal and runs `$SHELL -c TEXT`. The text
    // is a constant: the paths reach it through the environment, never spliced into shell text.
    // The CLI's entry is one path (the build) or tsx's --import and the source: DMABENCH_IMPORT is
    // empty for the first.
    const entry = cliArgs([]);
    const main = entry.at(-1)!;
    const tsxImport = entry.length > 1 ? entry[1]! : '';
    const term = execa('script', ['-qfec', 'exec "$DMABENCH_NODE" ${DMABENCH_IMPORT:+--import "$DMABENCH_IMPORT"} "$DMABENCH_MAIN" run "$DMABENCH_CAMPAIGN" --out "$DMABENCH_OUT"', '/dev/null'], {
      reject: false,
      cwd: repoRoot,
      stdin: 'pipe', // script copies its stdin to the pty: keep it open and quiet
      env: { SHELL: '/bin/sh', DMABENCH_NODE: process.execPath, DMABENCH_IMPORT: tsxImport, DMABENCH_MAIN: main, DMABENCH_CAMPAIGN: file, DMABENCH_OUT: out },
    });
    await until('a finished repetition', 60_000, async () => ((await doneCount(out)) ?? 0) >= 1 || undefined);
    const tree = processTree(term.pid!);
    pids.push(...tree);
    const dmabench = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(main));
    assert.ok(dmabench, 'dmabench runs under script');
    assert.notEqual(processStartTime(dmabench), undefined);
    await sleep(300);
    term.kill('SIGKILL'); // the pty master closes: the kernel hangs up the terminal
    await term;
    await until('dmabench to exit after the hang-up', 30_000, () => (running(dmabench) ? undefined : true));
    const bundle = await readBundle(out);
    assert.equal(bundle.manifest.status, 'incomplete', `status ${bundle.manifest.status}`);
    assert.equal(bundle.manifest.interruptedBy, 'SIGHUP');
    assert.equal(await processesMentioning(path.join(out, 'scratch')), '', 'no fio left on the scratch file');
  } finally {
    killLeftovers(pids);
    await rm(dir, { recursive: true, force: true });
  }
});

/** The dmabench instance tracing `event` now, if any. */
function instanceTracing(root: string, event: string): string | undefined {
  return dmabenchInstances(root).find((n) => {
    const dir = path.join(root, 'instances', n);
    return readTracefsFile(dir, 'set_event')?.includes(event) === true && readTracefsFile(dir, 'tracing_on')?.trim() === '1';
  });
}

test('a second SIGINT kills every child at once, and tracefs, the bundle and the exit code are still seen to', { skip: !isRoot && 'needs root (tracefs)' }, async () => {
  const root = await locateOrMountTracefs();
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-int2-'));
  try {
    const file = path.join(dir, 'c.yaml');
    // An events pass on an event nothing else here traces, so "our pass is on" can be seen from outside.
    const event = 'syscalls:sys_enter_preadv2';
    await writeFile(file, campaign({ runtime: 4, reps: 1, extra: `    profilers:\n      - kind: ftrace\n        options: { tracer: events, iommuEvents: false, events: [${event}] }\n` }));
    const out = path.join(dir, 'bundle');
    const before = globalTracefsSnapshot(root);
    const child = startCli(['run', file, '--out', out]);
    await until('the ftrace pass to trace', 90_000, () => (instanceTracing(root, event) !== undefined ? true : undefined));
    await sleep(300);
    // The second SIGINT goes the moment the first is acknowledged: dmabench is then winding down
    // (fio stopping, tracefs to restore, the bundle to finish), which is when a user hits Ctrl-C again.
    const acknowledged = new Promise<void>((resolve) => {
      let seen = '';
      child.stderr?.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('SIGINT: stopping')) resolve();
      });
    });
    child.kill('SIGINT');
    await acknowledged;
    child.kill('SIGINT');
    const r = await child;
    const stderr = String(r.stderr);
    assert.equal(r.exitCode, 130, `exit ${r.exitCode ?? r.signal}: ${stderr}`);
    const bundle = await readBundle(out);
    assert.equal(bundle.manifest.status, 'incomplete', 'the bundle was finished, not left running');
    assert.match(stderr, /SIGINT again: killing every child process now \(SIGKILL\)/);
    assert.equal(bundle.manifest.interruptedBy, 'SIGINT');
    assert.ok(Object.values(bundle.manifest.done).flat().length >= 1, 'the timed repetitions before are kept');
    assertSameTracefs(globalTracefsSnapshot(root), before, 'the global instance as found');
    assert.deepEqual(dmabenchInstances(root), [], 'the pass instance is removed');
    assert.equal(await processesMentioning(path.join(out, 'scratch')), '', 'no fio left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perf record ends by its deadline when dmabench freezes in the middle of a pass (SIGSTOP: its timers and pipes are stuck)', { skip: (!isRoot && 'needs root') || (!hasPerf && 'needs perf') }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-perfstop-'));
  const pids: number[] = [];
  try {
    const file = path.join(dir, 'c.yaml');
    // Each repetition may take 8 s: the pass's timeout, and so perf record's deadline.
    await writeFile(file, campaign({ runtime: 3, reps: 1, extra: `    timeout: 8\n    profilers:\n      - kind: perf-record\n        options: { frequency: 99 }\n` }));
    const out = path.join(dir, 'bundle');
    const child = startCli(['run', file, '--out', out]);
    const perf = await until('perf record to run', 90_000, () =>
      processTree(child.pid!).find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('perf\0record\0');
        } catch {
          return false;
        }
      }),
    );
    pids.push(...processTree(child.pid!));
    // Frozen (a Ctrl-Z, a hung process): no timer of dmabench fires and perf's control pipe stays
    // open, so nothing but perf's own deadline can end a system-wide perf record.
    child.kill('SIGSTOP');
    const started = Date.now();
    try {
      await until('perf record to end by itself', 25_000, () => (running(perf) ? undefined : true));
    } catch {
      assert.fail(`perf ${perf} still records ${Date.now() - started} ms after dmabench froze`);
    }
    assert.ok(Date.now() - started < 20_000);
    child.kill('SIGKILL');
    await child;
  } finally {
    killLeftovers(pids);
    await rm(dir, { recursive: true, force: true });
  }
});
