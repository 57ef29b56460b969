// runFio against the real fio on a scratch file: short runs, real numbers, raw files kept,
// abort kills every fio process, failures are reported with fio's own words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFio, FioRunError, FIO_CPU_FILE, FIO_OUTPUT_FILE, FIO_STDERR_FILE } from '../../collectors/fio/run.js';
import { fioParamsSchema } from '../../collectors/fio/params.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { DeviceSafetyError } from '../../collectors/fio/device-safety.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-fio-collector-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const live = () => new AbortController().signal;

/** PIDs of processes whose command line mentions `needle` (to find fio job processes). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

test('a 1 s randread on a scratch file gives positive measurements and keeps raw output', async () => {
  const params = fioParamsSchema.parse({ rw: 'randread', bs: '4k', iodepth: 4, runtime: 1, ioengine: 'psync' });
  const rawDir = path.join(dir, 'raw-randread');
  // The scratch directory does not exist yet: runFio creates it and fio lays out the file.
  const target = { kind: 'file' as const, path: path.join(dir, 'scratch', 'sub', 'a.fio'), size: '16M' };
  const { result, measurements } = await runFio(params, target, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-randread' });

  assert.match(result.fioVersion ?? '', /^fio-\d+\.\d+/);
  assert.equal(result.jobs.length, 1);
  assert.equal(result.jobs[0]!.name, 'unit-randread');
  for (const name of ['read.iops', 'read.bw', 'read.clat.mean', 'read.clat.p50']) {
    const m = measurements.find((x) => x.metric === name);
    assert.ok(m, `${name} missing`);
    assert.equal(typeof m.value, 'number');
    assert.ok(m.value! > 0, `${name} = ${m.value}`);
  }
  // The far percentiles are numbers when enough I/Os completed (1/(1-p)), else absent: how many
  // a second brings depends on the disk and its load.
  const n = result.jobs[0]!.directions.read!.clat!.n;
  for (const [name, needed] of [['read.clat.p99', 100], ['read.clat.p99.9', 1000]] as const) {
    const m = measurements.find((x) => x.metric === name);
    assert.ok(m, `${name} missing`);
    if (n >= needed) assert.ok(m.value! > 0, `${name} = ${m.value} with ${n} I/Os`);
    else assert.equal(m.value, null, `${name} with ${n} I/Os`);
  }
  assert.ok(!measurements.some((x) => x.metric === 'errors'), 'no dead errors row (review m10)');
  assert.ok(!measurements.some((m) => m.metric.startsWith('write.')));

  // The raw file is fio's own json+, and it holds the numbers we returned.
  const raw = await readFile(path.join(rawDir, FIO_OUTPUT_FILE), 'utf8');
  assert.ok(raw.includes('"bins"'), 'json+ histogram kept');
  assert.equal(parseFioOutput(raw).jobs[0]!.directions.read!.iops, result.jobs[0]!.directions.read!.iops);
  assert.equal(await readFile(path.join(rawDir, FIO_STDERR_FILE), 'utf8'), '');
});

test('CPU per I/O: /proc/stat around the run, busy time over the I/Os fio completed, fio\'s own usr+sys within it', async () => {
  const params = fioParamsSchema.parse({ rw: 'randread', bs: '4k', iodepth: 8, runtime: 2, ioengine: 'io_uring' });
  const rawDir = path.join(dir, 'raw-cpu');
  const { result, measurements, toolMs } = await runFio(params, { kind: 'file', path: path.join(dir, 'scratch', 'cpu.fio'), size: '16M' }, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-cpu' });
  const record = JSON.parse(await readFile(path.join(rawDir, FIO_CPU_FILE), 'utf8'));
  const ios = result.jobs[0]!.directions.read!.totalIos;
  const by = (name: string) => measurements.find((m) => m.metric === name)!;
  const perIo = by('cpu.per_io');
  // The record holds both readings and the arithmetic behind the figure.
  assert.ok(record.procStatBefore[0].startsWith('cpu ') && record.procStatAfter[0].startsWith('cpu '));
  assert.equal(record.clockTicksSource, 'getconf');
  // The window is the life of fio's job process: its 2 s of I/O, without fio's start-up
  // (clock calibration, a few hundred ms) and its report.
  assert.equal(record.kind, 'jobs');
  const runtimeMs = result.jobs[0]!.directions.read!.runtimeMs;
  assert.ok(record.wallMs >= runtimeMs && record.wallMs < toolMs, `window ${record.wallMs} ms, fio measured ${runtimeMs} ms and ran ${toolMs} ms`);
  assert.ok(Math.abs(record.capacityTicks - (record.wallMs / 1000) * record.clkTck * record.cpus) < 1e-6);
  assert.ok(Math.abs(perIo.value! - (record.busySeconds * 1e6) / ios) < 1e-9);
  assert.equal(record.cpuPerIoUs, perIo.value);
  assert.equal(perIo.unit, 'us/IO');
  assert.equal(perIo.role, record.resolved ? 'primary' : 'descriptive');
  assert.equal(by('cpu.busy_ticks').value, record.busyTicks);
  // fio's own CPU time is part of the box's busy time over a window that holds fio's whole life
  // (two ticks of rounding allowed).
  const fioCpuUs = (by('cpu.usr_per_io').value! + by('cpu.sys_per_io').value!) * ios;
  assert.ok(record.busySeconds * 1e6 >= fioCpuUs - (2 / record.clkTck) * 1e6, `busy ${record.busySeconds} s < fio's ${fioCpuUs / 1e6} s`);
});

test('16 I/Os (size: 64k of 4k reads): p50 and p90 reported, p99, p99.9, p99.99 absent (null, descriptive), never a number (review m10)', async () => {
  const params = fioParamsSchema.parse({ rw: 'randread', bs: '4k', size: '64k', ioengine: 'psync' });
  const rawDir = path.join(dir, 'raw-few-ios');
  const { result, measurements } = await runFio(params, { kind: 'file', path: path.join(dir, 'scratch', 'few.fio'), size: '1M' }, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-few' });
  const read = result.jobs[0]!.directions.read!;
  assert.equal(read.clat!.n, 16, 'fio completed exactly size / bs I/Os');
  const by = (name: string) => measurements.find((m) => m.metric === name);
  // p50 needs 2 completions, p90 10: reported, as fio computed them.
  assert.equal(by('read.clat.p50')!.value, read.clat!.percentiles.p50);
  assert.equal(by('read.clat.p90')!.value, read.clat!.percentiles.p90);
  // p99 needs 100, p99.9 1 000, p99.99 10 000. fio still printed them: each is its slowest I/O,
  // the largest bin of its own histogram. Recorded as absent, with the row kept.
  const slowest = Math.max(...Object.keys(read.clat!.bins!).map(Number));
  for (const p of ['p99', 'p99.9', 'p99.99']) {
    assert.equal(read.clat!.percentiles[p], slowest, `fio's ${p} of 16 I/Os is its slowest`);
    assert.deepEqual(by(`read.clat.${p}`), { metric: `read.clat.${p}`, value: null, unit: 'ns', better: 'lower', role: 'descriptive' });
  }
  assert.ok(!measurements.some((m) => m.value === 0 && m.metric.includes('clat')), 'no percentile reads 0');
  assert.ok(!measurements.some((m) => m.metric === 'errors'), 'no dead errors row (review m10)');
});

test('numjobs=2 randrw with group reporting: both directions, one job entry', async () => {
  const params = fioParamsSchema.parse({ rw: 'randrw', bs: '4k', numjobs: 2, runtime: 1, rwmixread: 50, ioengine: 'psync' });
  const { result, measurements } = await runFio(
    params,
    { kind: 'file', path: path.join(dir, 'scratch', 'b.fio'), size: '16M' },
    { rawDir: path.join(dir, 'raw-randrw'), signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'unit-randrw' },
  );
  assert.equal(result.jobs.length, 1);
  for (const name of ['read.iops', 'write.iops', 'write.clat.p50']) assert.ok(measurements.find((m) => m.metric === name)!.value! > 0, name);
});

test('abort kills fio and its job processes promptly', async () => {
  const params = fioParamsSchema.parse({ rw: 'randread', bs: '4k', numjobs: 2, runtime: 60, ioengine: 'psync' });
  const scratch = path.join(dir, 'scratch', 'abort-me.fio');
  // fio opens the file through an inherited descriptor; its command line names the raw dir.
  const rawAbort = path.join(dir, 'raw-abort');
  const ac = new AbortController();
  const t0 = performance.now();
  const run = runFio(params, { kind: 'file', path: scratch, size: '16M' }, { rawDir: rawAbort, signal: ac.signal, scratchDir: path.join(dir, 'scratch'), jobName: 'abort', killGraceMs: 2000 });
  // Abort once the job processes exist.
  for (let i = 0; i < 50 && (await processesMentioning(rawAbort)).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok((await processesMentioning(rawAbort)).length >= 2, 'fio and its job processes were running');
  ac.abort(new Error('test abort'));
  await assert.rejects(run, /test abort/);
  assert.ok(performance.now() - t0 < 15_000, 'returned well before the 60 s runtime');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await processesMentioning(rawAbort), []);
});

test('fio failing (unknown ioengine) throws FioRunError with fio\'s message', async () => {
  const params = fioParamsSchema.parse({ rw: 'read', bs: '4k', runtime: 1, ioengine: 'nosuchengine' });
  const rawDir = path.join(dir, 'raw-bad-engine');
  await assert.rejects(
    runFio(params, { kind: 'file', path: path.join(dir, 'scratch', 'c.fio'), size: '1M' }, { rawDir, signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'bad' }),
    (err: unknown) => err instanceof FioRunError && /engine nosuchengine not loadable/.test(err.message) && err.exitCode === 1,
  );
  assert.match(await readFile(path.join(rawDir, FIO_STDERR_FILE), 'utf8'), /failed to load engine/);
});

test('a write workload on a device target is checked before fio starts', async () => {
  const params = fioParamsSchema.parse({ rw: 'randwrite', bs: '4k', runtime: 1 });
  await assert.rejects(
    runFio(params, { kind: 'device', path: path.join(dir, 'not-a-device') }, { rawDir: path.join(dir, 'raw-dev'), signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'dev' }),
    (err: unknown) => err instanceof DeviceSafetyError && /not a block device/.test(err.message),
  );
  // Any block device on the machine: the flag is checked before the device is even inspected.
  let someDevice = '';
  for (const name of await readdir('/sys/class/block')) {
    if ((await stat(`/dev/${name}`).catch(() => null))?.isBlockDevice()) {
      someDevice = `/dev/${name}`;
      break;
    }
  }
  assert.ok(someDevice, 'this machine has a block device node');
  await assert.rejects(
    runFio(params, { kind: 'device', path: someDevice }, { rawDir: path.join(dir, 'raw-dev'), signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'dev' }),
    (err: unknown) => err instanceof DeviceSafetyError && /not marked destructive/.test(err.message),
  );
});

test('fio missing from PATH: the error names the Debian package', async () => {
  const params = fioParamsSchema.parse({ rw: 'read', bs: '4k', runtime: 1 });
  const saved = process.env.PATH;
  process.env.PATH = path.join(dir, 'empty-bin');
  try {
    await assert.rejects(
      runFio(params, { kind: 'file', path: path.join(dir, 'd.fio'), size: '1M' }, { rawDir: path.join(dir, 'raw-nofio'), signal: live(), scratchDir: path.join(dir, 'scratch'), jobName: 'x' }),
      /fio not found: install it \(Debian: apt-get install fio\)/,
    );
  } finally {
    process.env.PATH = saved;
  }
});
