// fio's I/O phase (collectors/fio/io-phase-hook.ts, review M7), with the real fio on a scratch
// file: the profiler's switch is flipped by fio's own jobs right before their first read and
// right after their last, what fio runs holds no input, and a switch that fails stops fio's I/O.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFio, FioRunError, FIO_IO_PHASE_FILE } from '../../collectors/fio/run.js';
import { fioParamsSchema } from '../../collectors/fio/params.js';
import { FioIoPhaseHook, HOOK_SCRIPT } from '../../collectors/fio/io-phase-hook.js';
import type { IoPhase } from '../../model/workload-collector.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-fio-io-phase-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const live = () => new AbortController().signal;
const MIB = 1 << 20;

/** File positions of every descriptor of `file` held by processes other than ours. */
async function positionsOf(file: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) !== file) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
      const m = /^pos:\s*(\d+)/m.exec(info);
      if (m) out.push(Number(m[1]));
    }
  }
  return out;
}

test('fio flips the switch right before its first read and right after its last: the window holds all of the reads and only them', async () => {
  // rw=read with the sync engine: read() moves the job's file position, 4 KiB per I/O, so the
  // position of fio's descriptor of the file says how much it has read at each edge.
  const params = fioParamsSchema.parse({ rw: 'read', bs: '4k', iodepth: 1, ioengine: 'sync', numjobs: 1, size: '4M' });
  const file = path.join(dir, 'scratch', 'seq.fio');
  const seen: { what: string; positions: number[] }[] = [];
  const phase: IoPhase = {
    start: async () => void seen.push({ what: 'start', positions: await positionsOf(file) }),
    end: async () => void seen.push({ what: 'end', positions: await positionsOf(file) }),
  };
  const rawDir = path.join(dir, 'raw-seq');
  const cwdBefore = fs.readdirSync(process.cwd());
  const { result } = await runFio(params, { kind: 'file', path: file, size: '4M' }, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-seq', ioPhase: phase });
  assert.equal(result.jobs[0]!.directions.read!.totalIos, 1024, 'fio read the whole 4 MiB file in 4 KiB I/Os');
  // start once at the first job's prerun, end once at its postrun (the runner's end after fio exited is a second call).
  assert.equal(seen[0]?.what, 'start');
  assert.equal(seen[1]?.what, 'end');
  assert.ok(seen[0]!.positions.length > 0, 'fio had the file open when its I/O started');
  assert.deepEqual(seen[0]!.positions.filter((p) => p !== 0), [], `nothing read before the window: ${JSON.stringify(seen[0])}`);
  assert.ok(seen[1]!.positions.includes(4 * MIB), `everything read inside it: ${JSON.stringify(seen[1])}`);
  const record = JSON.parse(await readFile(path.join(rawDir, FIO_IO_PHASE_FILE), 'utf8')) as { events: { what: string; pid: number }[] };
  assert.deepEqual(record.events.map((e) => e.what), ['start', 'end']);
  // fio writes `<job>.prerun.txt` into its working directory: ours, not the caller's.
  assert.deepEqual(fs.readdirSync(process.cwd()), cwdBefore, 'nothing written into our working directory');
});

test('numjobs 2: on at the first job\'s start, off at the last job\'s end', async () => {
  const params = fioParamsSchema.parse({ rw: 'randread', bs: '4k', iodepth: 1, ioengine: 'psync', numjobs: 2, size: '2M' });
  const calls: string[] = [];
  const phase: IoPhase = { start: async () => void calls.push('start'), end: async () => void calls.push('end') };
  const rawDir = path.join(dir, 'raw-two');
  await runFio(params, { kind: 'file', path: path.join(dir, 'scratch', 'two.fio'), size: '8M' }, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-two', ioPhase: phase });
  const record = JSON.parse(await readFile(path.join(rawDir, FIO_IO_PHASE_FILE), 'utf8')) as { events: { what: string; pid: number }[] };
  assert.deepEqual(record.events.map((e) => e.what).sort(), ['end', 'end', 'start', 'start']);
  assert.equal(new Set(record.events.map((e) => e.pid)).size, 4, 'one hook process per job and edge');
  // The collector's phase: two starts (the second a no-op for IoPhaseWindow), end only after the second job's end, and once more by runFio after fio exited.
  const lastStart = calls.lastIndexOf('start');
  assert.equal(calls.indexOf('end'), lastStart + 1, JSON.stringify(calls));
  assert.deepEqual(calls.slice(0, 2), ['start', 'start']);
});

test('a switch that fails fails the job before its first I/O', async () => {
  const params = fioParamsSchema.parse({ rw: 'read', bs: '4k', iodepth: 1, ioengine: 'sync', numjobs: 1, size: '4M' });
  const phase: IoPhase = {
    start: () => Promise.reject(new Error('profiler refused')),
    end: async () => undefined,
  };
  const log: string[] = [];
  const err = await runFio(params, { kind: 'file', path: path.join(dir, 'scratch', 'fail.fio'), size: '1M' }, { rawDir: path.join(dir, 'raw-fail'), signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-fail', ioPhase: phase, log: (l) => log.push(l) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof FioRunError, String(err));
  assert.equal(err.result?.jobs[0]?.directions.read?.totalIos ?? 0, 0, 'no read was done');
  assert.ok(log.some((l) => /could not be switched at the start of fio's I\/O: profiler refused/.test(l)), log.join('\n'));
});

test('what fio runs through its shell holds nothing from input: a fixed script in a plain path of ours, a checked job name', async () => {
  const phase: IoPhase = { start: async () => undefined, end: async () => undefined };
  await assert.rejects(FioIoPhaseHook.create(phase, { jobName: 'a;rm -rf /', jobs: 1 }), /may not go into fio's exec_prerun shell string/);
  const hook = await FioIoPhaseHook.create(phase, { jobName: 'ok-name', jobs: 1 });
  try {
    assert.match(hook.dir, /^\/[A-Za-z0-9_./-]+$/);
    assert.equal(fs.statSync(hook.dir).mode & 0o777, 0o700, 'a directory only we can write');
    assert.deepEqual(hook.fioArgs(), [`--exec_prerun=${hook.dir}/hook start`, `--exec_postrun=${hook.dir}/hook end`]);
    assert.equal(fs.readFileSync(path.join(hook.dir, 'hook'), 'utf8'), HOOK_SCRIPT);
  } finally {
    await hook.close();
  }
  assert.equal(fs.existsSync(hook.dir), false, 'removed when closed');
});
