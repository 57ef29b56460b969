// Nothing lost on a crash (ARCHITECTURE.md, "The run bundle"). A killed process cannot show a
// missing fsync (the page cache outlives it) and this machine cannot be crashed, so the order of
// the writes is proven from the system calls of a real `dmabench run` under strace: samples and
// raw outputs fsynced, and their directories, before the manifest that marks a repetition done.
// Then SIGKILL at seeded random points of a real run, a torn last line of samples.jsonl, and
// --resume: every repetition marked done has its samples exactly once, and the bundle completes,
// having run its passes in the order an uninterrupted run would have (interleaved rounds shuffled
// from the recorded seed; adaptive cells stopped where the rule stops them).
// The machine crash itself is test/lab/lab-crash-resume.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cliEntry, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { checkBundle } from '../helpers/bundle-invariants.js';
import { readBundle } from '../../core/bundle/read.js';
import { mulberry32 } from '../../core/random/prng.js';
import { loadPlan, type PlannedCell } from '../../runner/plan.js';
import { executedPasses, replayStop, scheduledPasses, timedValues } from '../helpers/run-order.js';

// Size-bound fio runs of 1 MiB: a repetition takes a few hundred ms, so a short run has many
// repetitions for a kill to land between.
function campaign(cells: string[], reps: number | string, warmup = 0): string {
  return `name: durability
warmup: ${warmup}
workloads:
  - name: rr
    tool: fio
    repetitions: ${reps}
    target: { kind: file, size: 4M }
    matrix:
      rw: randread
      bs: [${cells.join(', ')}]
      iodepth: 1
      ioengine: psync
      size: 1m
`;
}

const cli = [process.execPath, ...cliEntry()];

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'dmabench-durable-'));
}

/** Every regular file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out;
}

interface Syscall {
  name: string;
  /** The first argument: with -y, an fd prints as 19</path>; we keep the path. */
  fdPath?: string;
  /** Quoted string arguments (rename's two paths). */
  strings: string[];
  /** Line index where the call started and where it returned. */
  start: number;
  end: number;
  ok: boolean;
}

/**
 * Parses `strace -f -y -qq` output into calls ordered by line. With -f a call may be split into
 * `name(args <unfinished ...>` and `<... name resumed>) = rv` lines of the same pid.
 */
function parseStrace(text: string): Syscall[] {
  const calls: Syscall[] = [];
  const pending = new Map<string, { name: string; args: string; start: number }>();
  const finish = (name: string, args: string, start: number, end: number, rv: string): void => {
    const fd = /^\d+<([^>]*)>/.exec(args);
    const strings = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    calls.push({ name, fdPath: fd?.[1], strings, start, end, ok: /^\s*=\s*0\b/.test(rv) || /^\s*=\s*\d+/.test(rv) });
  };
  text.split('\n').forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) return;
    const [, pid, rest] = m as unknown as [string, string, string];
    const unfinished = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (unfinished) {
      pending.set(pid, { name: unfinished[1]!, args: unfinished[2]!, start: i });
      return;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)\)(\s*=.*)$/.exec(rest);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (p) finish(p.name, p.args + resumed[2]!, p.start, i, resumed[3]!);
      return;
    }
    const whole = /^(\w+)\((.*)\)(\s*=.*)$/.exec(rest);
    if (whole) finish(whole[1]!, whole[2]!, i, i, whole[3]!);
  });
  return calls;
}

const isSync = (c: Syscall): boolean => c.name === 'fsync' || c.name === 'fdatasync';
const isRename = (c: Syscall): boolean => c.name.startsWith('rename');
const isWrite = (c: Syscall): boolean => /^(p?writev?|pwrite64)$/.test(c.name);
/** rename's target: the last quoted path. */
const renameTarget = (c: Syscall): string => c.strings.at(-1) ?? '';
const renameSource = (c: Syscall): string => c.strings[0] ?? '';

/**
 * What must hold before each rename of the manifest (the moment a repetition becomes "done"),
 * returned as a list of broken rules.
 */
function durabilityViolations(calls: Syscall[], bundle: string, rawFiles: Map<string, string[]>): string[] {
  const violations: string[] = [];
  const manifest = path.join(bundle, 'manifest.json');
  const samples = path.join(bundle, 'samples.jsonl');
  const syncedBefore = (p: string, after: number, before: number): boolean =>
    calls.some((c) => isSync(c) && c.fdPath === p && c.ok && c.start > after && c.end < before);
  const manifestRenames = calls.filter((c) => isRename(c) && renameTarget(c) === manifest);
  manifestRenames.forEach((r, n) => {
    const next = manifestRenames[n + 1]?.start ?? Infinity;
    // The manifest's own data, then its name.
    if (!syncedBefore(renameSource(r), -1, r.start)) violations.push(`manifest rename #${n}: its temp file was not fsynced first`);
    if (!syncedBefore(bundle, r.end, next)) violations.push(`manifest rename #${n}: the bundle directory was not fsynced after it`);
    // Every append to samples.jsonl before it is on the disk before it.
    for (const w of calls.filter((c) => isWrite(c) && c.fdPath === samples && c.end < r.start)) {
      if (!syncedBefore(samples, w.end, r.start)) violations.push(`manifest rename #${n}: an append to samples.jsonl (line ${w.start}) was not fsynced before it`);
    }
  });
  // Each repetition's raw directory: every file fsynced before the rename into place, the rename
  // made durable (parent fsynced) before the manifest that follows it.
  for (const r of calls.filter((c) => isRename(c) && renameSource(c).endsWith('.partial'))) {
    const from = renameSource(r);
    const to = renameTarget(r);
    for (const f of rawFiles.get(to) ?? []) {
      if (!syncedBefore(path.join(from, f), -1, r.start)) violations.push(`${path.relative(bundle, to)}/${f}: not fsynced before its directory was renamed into place`);
    }
    const nextManifest = manifestRenames.find((m) => m.start > r.end);
    if (!nextManifest) violations.push(`${path.relative(bundle, to)}: no manifest written after it`);
    else if (!syncedBefore(path.dirname(to), r.end, nextManifest.start)) violations.push(`${path.relative(bundle, to)}: its parent directory was not fsynced before the manifest marked it done`);
  }
  return violations;
}

test('the system calls of a run: samples, raw outputs and their directories are fsynced before the manifest marks a repetition done', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k'], 3));
    const out = path.join(dir, 'bundle');
    const trace = path.join(dir, 'strace.txt');
    // --seccomp-bpf stops only at the traced calls: the run is not slowed by every other one.
    const r = await execa(
      'strace',
      ['-f', '-y', '-qq', '--seccomp-bpf', '-e', 'trace=write,writev,pwrite64,pwritev,fsync,fdatasync,rename,renameat,renameat2', '-o', trace, ...cli, 'run', file, '--out', out],
      { reject: false, cwd: repoRoot },
    );
    assert.notEqual((r as { code?: string }).code, 'ENOENT', 'strace is missing (scripts/setup-host.sh installs it)');
    assert.equal(r.exitCode, 0, String(r.stderr));
    const bundle = await readBundle(out);
    assert.equal(bundle.manifest.status, 'complete');

    const rawRoot = path.join(out, 'raw');
    const rawFiles = new Map<string, string[]>();
    for (const cell of await readdir(rawRoot)) {
      for (const rep of await readdir(path.join(rawRoot, cell))) rawFiles.set(path.join(rawRoot, cell, rep), await filesUnder(path.join(rawRoot, cell, rep)));
    }
    assert.equal(rawFiles.size, 3);
    const calls = parseStrace(await readFile(trace, 'utf8'));
    // The trace saw what the rules are about (a parser that saw nothing would pass them all).
    assert.equal(calls.filter((c) => isRename(c) && renameSource(c).endsWith('.partial')).length, 3, 'three raw directories renamed into place');
    assert.ok(calls.filter((c) => isRename(c) && renameTarget(c) === path.join(out, 'manifest.json')).length >= 5, 'the manifest written at the start, per repetition and at the end');
    assert.equal(calls.filter((c) => isWrite(c) && c.fdPath === path.join(out, 'samples.jsonl')).length, 3, 'one append per repetition');
    assert.deepEqual(durabilityViolations(calls, out, rawFiles), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Waits until `file` exists (the run has created its bundle). */
async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await stat(file).then(() => true, () => false))) {
    assert.ok(Date.now() < deadline, `${file} appeared within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** No fio still working on the bundle's scratch file (a SIGKILLed run leaves its fio to finish alone). */
async function waitForNoFio(scratch: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const left = (await execa('pgrep', ['-f', scratch], { reject: false })).stdout.trim();
    if (left === '') return;
    assert.ok(Date.now() < deadline, `fio left running on ${scratch}: ${left}`);
    await sleep(100);
  }
}

/**
 * Runs the campaign in `file` into `out`, SIGKILLs it `kills` times at seeded random points
 * (resuming in between), then resumes it to the end. A run that ends by itself before its kill is
 * a failure before `minKills` kills (the campaign is too short for the kill points), and ends the
 * killing after (adaptive campaigns may stop early).
 */
async function killAndResume(file: string, out: string, kills: number, minKills = kills): Promise<void> {
  const seed = Number(process.env.DMABENCH_TEST_SEED ?? Date.now() % 2 ** 31);
  process.stdout.write(`# seed ${seed} (DMABENCH_TEST_SEED=${seed} repeats these kill points)\n`);
  const random = mulberry32(seed);
  const landed: string[] = [];
  for (let k = 0; k < kills; k++) {
    const args = k === 0 ? ['run', file, '--out', out] : ['run', file, '--out', out, '--resume'];
    const child = execa(cli[0]!, [...cli.slice(1), ...args], { reject: false, cwd: repoRoot });
    // Half the kill points land while the process starts (loading, preflight): a random delay from
    // its start, cut short by its first progress line. The other half land in its passes: a random
    // delay after its 1st to 4th progress line. Counting passes rather than time keeps what one
    // run gets through bounded on a fast machine (time-only kill points let a fast machine finish
    // the campaign before the kills were spent) and still reaches the passes on a loaded one.
    const fromPasses = random() < 0.5;
    const passesWanted = fromPasses ? 1 + Math.floor(random() * 4) : 1;
    let passesSeen = 0;
    const passesStarted = new Promise<boolean>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        passesSeen += chunk.toString().match(/^\[\d+\//gm)?.length ?? 0;
        if (passesSeen >= passesWanted) resolve(true);
      });
      void child.then(() => resolve(false));
    });
    // The first run is killed once its bundle exists (before that there is nothing to resume).
    if (k === 0) await waitForFile(path.join(out, 'manifest.json'), 30_000);
    const delayMs = fromPasses ? Math.round(random() * 500) : Math.round(100 + random() * 2900);
    if (fromPasses) await passesStarted;
    const killAt = fromPasses ? sleep(delayMs) : Promise.race([sleep(delayMs), passesStarted]);
    const exited = await Promise.race([killAt.then(() => false), child.then(() => true)]);
    if (!exited) child.kill('SIGKILL');
    const r = await child;
    if (exited && k >= minKills) {
      assert.equal(r.exitCode, 0, String(r.stderr));
      landed.push(`run ${k} completed the bundle before its kill at ${delayMs} ms`);
      break;
    }
    assert.ok(!exited, `run ${k} ended by itself (exit ${r.exitCode}) before its kill at ${delayMs} ms: the campaign is too short for the kill points`);
    assert.equal(r.signal, 'SIGKILL');
    const check = await checkBundle(out);
    landed.push(`${fromPasses ? `${delayMs} ms after its progress line ${passesWanted}` : `${delayMs} ms after its start or at its first progress line`}: ${check.done} done, ${check.undoneSamples} samples of unfinished repetitions${check.tornTail ? ', torn last line' : ''}`);
    assert.deepEqual(check.violations, [], `after kill ${k} at ${delayMs} ms`);
    assert.notEqual(check.status, 'complete');
    await waitForNoFio(path.join(out, 'scratch'));
  }
  process.stdout.write(`# kill points: ${landed.join('; ')}\n`);
  if ((await readBundle(out)).manifest.status !== 'complete') {
    const last = await runCli(['run', file, '--out', out, '--resume']);
    assert.equal(last.exitCode, 0, String(last.stderr));
  }
  const check = await checkBundle(out);
  assert.deepEqual(check.violations, []);
  assert.equal(check.status, 'complete');
  assert.equal(check.undoneSamples, 0);
  // No temp files of atomic writes and no half-written raw directories are left.
  const left = (await filesUnder(out)).filter((f) => f.endsWith('.tmp') || f.includes('.partial'));
  assert.deepEqual(left, []);
}

test('SIGKILL at seeded random points of an interleaved run, then --resume: every repetition marked done has its samples exactly once, and the bundle completes in the order the seed gives', { timeout: 240_000 }, async () => {
  const cells = ['4k', '8k', '16k'];
  const reps = 16;
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(cells, reps, 1));
    const out = path.join(dir, 'bundle');
    await killAndResume(file, out, 10, 6);
    const bundle = await readBundle(out);
    const { plan } = await loadPlan(file);
    const schedule = bundle.manifest.schedule!;
    assert.equal(schedule.order, 'interleaved');
    assert.equal((await checkBundle(out)).done, cells.length * (reps + 1));
    const iops = bundle.samples.filter((s) => s.metric === 'read.iops' && s.pass === 'timed');
    assert.equal(iops.length, cells.length * reps, 'one read.iops sample per cell × repetition');
    // Resumed nine times, the passes still ran in the order one uninterrupted run would have: no
    // repetition twice, none missing, the rounds and their shuffled orders those of the recorded
    // seed, the one warm-up of each cell (a single boot) right before its first repetition.
    const ran = executedPasses(bundle);
    assert.deepEqual(ran, scheduledPasses(plan, { order: 'interleaved', seed: schedule.seed, bootIndex: 0 }));
    assert.equal(schedule.nextOrder, ran.length);
    const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    assert.ok(bundle.samples.every((s) => s.bootId === boot));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGKILL at seeded random points of a run with adaptive repetitions, then --resume: each cell stops where the rule stops it on its samples, in the seed\'s order, nothing duplicated or lost', { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    // Two workloads: one whose target any run meets (its cells stop at min, mostly, and leave the
    // rounds early), one whose target none meets (its cells go on to max, mostly).
    const loose = campaign(['4k', '8k'], '{ min: 3, max: 12, target_cov: 99% }', 1);
    // The strict cells read the whole 4 MiB file: fio's IOPS come from a runtime in whole
    // milliseconds, and runs of a few milliseconds tie (CoV 0), which stops a cell as stable at
    // min and leaves the campaign too short for the kill points.
    const strict = campaign(['4k', '8k'], '{ min: 3, max: 20, target_cov: 0.001% }', 1)
      .split('workloads:\n')[1]!
      .replace('- name: rr', '- name: strict')
      .replace('size: 1m', 'size: 4m');
    await writeFile(file, loose + strict);
    const out = path.join(dir, 'bundle');
    await killAndResume(file, out, 10, 6);
    const bundle = await readBundle(out);
    const { plan } = await loadPlan(file);
    const schedule = bundle.manifest.schedule!;
    const stops: string[] = [];
    for (const cell of plan.cells) {
      const values = timedValues(bundle.samples, cell.key);
      const { stoppedAt, reason } = replayStop(cell, values);
      stops.push(`${cell.workload.name} ${String(cell.params.bs)}: ${reason} after ${stoppedAt}`);
      assert.equal(values.length, stoppedAt, `${cell.key}: ${values.length} repetitions, the rule stops it at ${stoppedAt} (${reason})`);
      assert.deepEqual(bundle.manifest.done[`${cell.key}|timed`]!.sort((a, b) => a - b), values.map((_, i) => i), 'repetitions 0..n-1, once each');
      assert.deepEqual([schedule.cells[cell.key]!.stopped, schedule.cells[cell.key]!.stoppedAt, schedule.cells[cell.key]!.repetitions], [reason, stoppedAt, stoppedAt]);
    }
    process.stdout.write(`# stops: ${stops.join('; ')}\n`);
    const stoppedAt = (cell: PlannedCell, rep: number): boolean => rep < schedule.cells[cell.key]!.stoppedAt!;
    assert.deepEqual(executedPasses(bundle), scheduledPasses(plan, { order: 'interleaved', seed: schedule.seed, bootIndex: 0 }, stoppedAt));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a torn last line of samples.jsonl (a crash in the middle of an append) is dropped by --resume, which completes the bundle', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign(['4k', '16k'], 2));
    const out = path.join(dir, 'bundle');
    // A real bundle interrupted after its first repetitions.
    const child = execa(cli[0]!, [...cli.slice(1), 'run', file, '--out', out], { reject: false, cwd: repoRoot });
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.ok(Date.now() < deadline, 'two repetitions finished within 60 s');
      const text = await readFile(path.join(out, 'manifest.json'), 'utf8').catch(() => '');
      if (text && Object.values((JSON.parse(text) as { done: Record<string, number[]> }).done).flat().length >= 2) break;
      await sleep(20);
    }
    child.kill('SIGKILL');
    await child;
    await waitForNoFio(path.join(out, 'scratch'));
    const before = await readBundle(out);
    const doneKey = Object.keys(before.manifest.done)[0]!;
    // What a crash in the middle of the next append leaves: whole lines of a repetition the
    // manifest does not mark done, then half a line. They are the bundle's own lines, re-stamped.
    const text = await readFile(path.join(out, 'samples.jsonl'), 'utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    const notDone = lines.slice(0, 3).map((l) => JSON.stringify({ ...JSON.parse(l), rep: 99 }));
    const torn = notDone[2]!.slice(0, Math.floor(notDone[2]!.length / 2));
    await appendFile(path.join(out, 'samples.jsonl'), `${notDone[0]}\n${notDone[1]}\n${torn}`);
    const check = await checkBundle(out);
    assert.equal(check.tornTail, true);
    assert.equal(check.undoneSamples, 2);
    assert.deepEqual(check.violations, []);
    // Readers tolerate the torn line.
    assert.equal((await readBundle(out)).samples.length, lines.length + 2);

    const r = await runCli(['run', file, '--out', out, '--resume']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const after = await checkBundle(out);
    assert.equal(after.status, 'complete');
    assert.equal(after.tornTail, false);
    assert.equal(after.undoneSamples, 0);
    assert.deepEqual(after.violations, []);
    assert.equal(after.done, 4);
    const complete = await readBundle(out);
    assert.equal(complete.samples.filter((s) => s.metric === 'read.iops').length, 4);
    assert.ok(complete.samples.every((s) => s.rep !== 99));
    assert.ok(complete.manifest.done[doneKey], 'what was done before stays done');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
