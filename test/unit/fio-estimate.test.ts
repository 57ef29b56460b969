// How long a fio repetition is expected to take, and so its deadline (estimate × 3 + 60 s): a
// time-based job from its runtime, a size-based one (no runtime) from its size at an assumed
// floor rate, said in `plan` and in the run's log (review m10: size-based jobs were estimated at
// 5 s, so a multi-GB job was killed by the default 75 s deadline). The last test runs the real fio.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { estimateFioRepetition, SIZE_JOB_FLOOR } from '../../collectors/fio/workload.js';
import { fioParamsSchema, type FioParamsInput } from '../../collectors/fio/params.js';
import { readBundle } from '../../core/bundle/read.js';

const MiB = 1024 * 1024;
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-fio-estimate-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const estimate = (p: FioParamsInput) => estimateFioRepetition(fioParamsSchema.parse(p));
const deadlineOf = (sec: number) => sec * 3 + 60;

test('a time-based job: its runtime, ramp and a second of start-up, with no assumption to state', () => {
  assert.equal(estimate({ rw: 'randread', bs: '4k', runtime: 2 }), 3);
  assert.equal(estimate({ rw: 'randread', bs: '4k', runtime: 2, ramp_time: 1, size: '4g' }), 4);
});

test('a 4 GiB size-based job gets a deadline long enough to move 4 GiB at the assumed floor (not 5 s)', () => {
  const e = estimate({ rw: 'read', bs: '1m', size: '4g' });
  assert.ok(typeof e === 'object');
  const atFloorSec = (4096 * MiB) / (SIZE_JOB_FLOOR.mibPerSec * MiB);
  assert.equal(e.seconds, Math.ceil(atFloorSec + 1));
  // The old estimate (5 s + 1) gave 78 s: less than the floor rate needs.
  assert.ok(deadlineOf(6) < atFloorSec);
  assert.ok(deadlineOf(e.seconds) >= 3 * atFloorSec);
  assert.equal(e.basis, `size 4g = 4096 MiB in 4096 I/Os, at an assumed floor of ${SIZE_JOB_FLOOR.mibPerSec} MiB/s and ${SIZE_JOB_FLOOR.iops} IOPS (a slower target needs the workload's timeout:)`);
});

test('small blocks: the I/O count at the floor IOPS decides; numjobs multiplies the size', () => {
  const e = estimate({ rw: 'randread', bs: '4k', size: '1g', numjobs: 2 });
  assert.ok(typeof e === 'object');
  const ios = (2 * 1024 * MiB) / 4096;
  assert.equal(e.seconds, Math.ceil(ios / SIZE_JOB_FLOOR.iops + 1));
  assert.match(e.basis, /^size 1g x 2 jobs = 2048 MiB in 524288 I\/Os, at an assumed floor/);
});

async function campaign(name: string, matrix: string, extra = ''): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `name: ${name}\nrepetitions: 1\nwarmup: 0\nworkloads:\n  - name: w\n    tool: fio\n    target: { kind: file, size: 64M }\n${extra}    matrix:\n${matrix}`);
  return file;
}

test('plan says what a size-based estimate rests on and the deadline it gives; a timeout: set by the campaign is the deadline', async () => {
  const file = await campaign('plan-size', '      rw: read\n      bs: 1m\n      size: [4g, 1g]\n');
  const text = await runCli(['plan', file]);
  assert.equal(text.exitCode, 0, String(text.stderr));
  assert.match(String(text.stdout), /w:bs=1m,rw=read,size=4g\s+\[fio\]\s+1× timed\s+~03:26 each \(estimate: size 4g = 4096 MiB in 4096 I\/Os, at an assumed floor of 20 MiB\/s and 500 IOPS \(a slower target needs the workload's timeout:\); deadline 11:18\)/);
  const json = await runCli(['plan', file, '--json']);
  const cells = (JSON.parse(String(json.stdout)) as { cells: { cell: string; estimateSec: number; estimateBasis?: string; deadlineSec: number }[] }).cells;
  const big = cells.find((c) => c.cell.endsWith('size=4g'))!;
  assert.equal(big.estimateSec, 206);
  assert.equal(big.deadlineSec, 678);
  assert.match(big.estimateBasis!, /^size 4g = 4096 MiB/);

  const timed = await campaign('plan-timeout', '      rw: read\n      bs: 1m\n      size: 4g\n', '    timeout: 900\n');
  assert.match(String((await runCli(['plan', timed])).stdout), /; deadline 15:00\)/);
  const byRuntime = await campaign('plan-runtime', '      rw: read\n      bs: 1m\n      runtime: 2\n');
  const plain = String((await runCli(['plan', byRuntime])).stdout);
  assert.match(plain, /~00:03 each\n/);
  assert.doesNotMatch(plain, /estimate:/);
});

test('a real size-based run: the log states the estimate\'s basis and deadline once per cell, and fio read the size asked within it', async () => {
  const file = await campaign('run-size', '      rw: randread\n      bs: 4k\n      size: 32m\n      ioengine: psync\n');
  const out = path.join(dir, 'bundle-run-size');
  const r = await runCli(['run', file, '--out', out]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const lines = String(r.stderr).split('\n').filter((l) => l.includes('per repetition (estimate:'));
  assert.deepEqual(lines, [
    `w:bs=4k,ioengine=psync,rw=randread,size=32m: ~00:18 per repetition (estimate: size 32m = 32 MiB in 8192 I/Os, at an assumed floor of ${SIZE_JOB_FLOOR.mibPerSec} MiB/s and ${SIZE_JOB_FLOOR.iops} IOPS (a slower target needs the workload's timeout:); deadline 01:54)`,
  ]);
  const bundle = await readBundle(out);
  assert.equal(bundle.manifest.status, 'complete');
  const [cell] = await readdir(path.join(out, 'raw'));
  const fio = JSON.parse(await readFile(path.join(out, 'raw', cell!, 'timed-0', 'fio-output.json'), 'utf8')) as { jobs: { read: { io_bytes: number; runtime: number } }[] };
  // fio read exactly the size asked (how fast depends on the disk and its load: not asserted).
  assert.equal(fio.jobs[0]!.read.io_bytes, 32 * MiB);
  assert.ok(fio.jobs[0]!.read.runtime < 114_000);
});
