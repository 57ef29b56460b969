// cpu.per_io from a real fio run captured with /proc/stat around it
// (test/fixtures/proc-stat/devvm-6.18.44/fio-iouring-randread, README beside it): the busy time of
// the window over the I/Os fio completed, and fio's own usr/sys per I/O beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { busyBetween, parseProcStat } from '../../core/cpu/proc-stat.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { quantileSupported } from '../../collectors/metric-spec.js';

const dir = 'fio-iouring-randread';
const read = (name: string) => readFileSync(fixture('proc-stat', 'devvm-6.18.44', dir, name), 'utf8');

function window() {
  return busyBetween(parseProcStat(read('before.txt')), parseProcStat(read('after.txt')), Number(read('wall-us.txt')) / 1000, Number(read('getconf-clk-tck.txt')));
}

/** fio's JSON as fio wrote it, read without the parser. */
function rawJob(): { read: { total_ios: number }; usr_cpu: number; sys_cpu: number; job_runtime: number } {
  const text = read('command-output.txt');
  return JSON.parse(text.slice(text.indexOf('{'))).jobs[0];
}

test('cpu.per_io = busy seconds of the window x 1e6 / I/Os fio completed, in us/IO, primary', () => {
  const busy = window();
  const job = rawJob();
  const ms = fioMeasurements(parseFioOutput(read('command-output.txt')), { busy });
  const perIo = ms.find((m) => m.metric === 'cpu.per_io');
  assert.ok(perIo);
  assert.equal(perIo.unit, 'us/IO');
  assert.equal(perIo.better, 'lower');
  assert.equal(perIo.role, 'primary', `${busy.busyTicks} busy ticks resolve it`);
  assert.ok(Math.abs(perIo.value! - (busy.busySeconds * 1e6) / job.read.total_ios) < 1e-9);
  assert.deepEqual(
    ms.find((m) => m.metric === 'cpu.busy_ticks'),
    { metric: 'cpu.busy_ticks', value: busy.busyTicks, unit: 'ticks', better: 'none', role: 'descriptive' },
  );
  // fio's own figures: percent of one CPU over job_runtime (ms), per I/O in µs.
  const usr = ms.find((m) => m.metric === 'cpu.usr_per_io')!;
  const sys = ms.find((m) => m.metric === 'cpu.sys_per_io')!;
  assert.ok(Math.abs(usr.value! - ((job.usr_cpu / 100) * job.job_runtime * 1000) / job.read.total_ios) < 1e-9);
  assert.ok(Math.abs(sys.value! - ((job.sys_cpu / 100) * job.job_runtime * 1000) / job.read.total_ios) < 1e-9);
  assert.equal(usr.role, 'descriptive');
  assert.equal(sys.role, 'descriptive');
  // The box's busy time holds fio's own CPU time (and, here, other processes' too: README).
  assert.ok(perIo.value! >= usr.value! + sys.value!, `${perIo.value} < ${usr.value} + ${sys.value}`);
});

test('ramp_time: the busy time is scaled to the share of the run fio measured, and the figure is descriptive', () => {
  const busy = window();
  const r = parseFioOutput(read('command-output.txt'));
  const measuredMs = r.jobs[0]!.directions.read!.runtimeMs;
  const plain = fioMeasurements(r, { busy }).find((m) => m.metric === 'cpu.per_io')!;
  const ramped = fioMeasurements(r, { busy, rampSeconds: 1 }).find((m) => m.metric === 'cpu.per_io')!;
  assert.equal(ramped.role, 'descriptive');
  assert.ok(Math.abs(ramped.value! - (plain.value! * measuredMs) / (measuredMs + 1000)) < 1e-9);
});

test('too few busy ticks behind the window: cpu.per_io is descriptive for that run', () => {
  const busy = { ...window(), busyTicks: 49, busySeconds: 0.49 };
  const m = fioMeasurements(parseFioOutput(read('command-output.txt')), { busy }).find((x) => x.metric === 'cpu.per_io')!;
  assert.equal(m.role, 'descriptive');
  assert.ok(Math.abs(m.value! - (0.49 * 1e6) / rawJob().read.total_ios) < 1e-9);
});

test('clat percentiles: primary only when fio\'s own sample count resolves them (10/(1-p))', () => {
  // 125 753 I/Os: p50 and p99 resolved (20 and 1 000 needed), p99.9 needs 10 000 but is descriptive anyway,
  // p99.99 would need 100 000 (descriptive either way).
  const ms = fioMeasurements(parseFioOutput(read('command-output.txt')));
  const role = new Map(ms.map((m) => [m.metric, m.role]));
  assert.equal(rawJob().read.total_ios, 125753);
  assert.equal(role.get('read.clat.p50'), 'primary');
  assert.equal(role.get('read.clat.p99'), 'primary');
  for (const d of ['read.clat.p90', 'read.clat.p99.9', 'read.clat.p99.99', 'read.clat.mean', 'read.lat.mean']) assert.equal(role.get(d), 'descriptive', d);
  assert.equal(role.get('read.iops'), 'primary');
  assert.equal(role.get('read.bw'), 'primary');
});

test('a lab run of 128 reads: p50 primary, p99 descriptive (1 000 I/Os needed), p99.9 and p99.99 absent (1 000 and 10 000 needed to report them)', () => {
  const text = readFileSync(fixture('ftrace', 'lab-7', 'fio-function.json'), 'utf8');
  const r = parseFioOutput(text);
  const clat = r.jobs[0]!.directions.read!.clat!;
  assert.equal(clat.n, 128);
  const ms = fioMeasurements(r);
  const role = new Map(ms.map((m) => [m.metric, m.role]));
  const value = new Map(ms.map((m) => [m.metric, m.value]));
  assert.equal(role.get('read.clat.p50'), 'primary');
  assert.equal(role.get('read.clat.p99'), 'descriptive');
  assert.equal(value.get('read.clat.p99'), clat.percentiles.p99, '128 >= 100 completions: p99 reported');
  assert.equal(role.get('read.iops'), 'primary');
  // fio printed p99.9 and p99.99 of 128 I/Os: both are its slowest I/O.
  assert.equal(clat.percentiles['p99.9'], clat.percentiles['p99.99']);
  for (const p of ['read.clat.p99.9', 'read.clat.p99.99']) {
    assert.ok(value.has(p), `${p} recorded`);
    assert.equal(value.get(p), null, `${p} absent`);
    assert.equal(role.get(p), 'descriptive');
  }
});

test('quantileSupported: at least 1/(1-p) samples, the rule the README states', () => {
  for (const [p, n] of [[0.5, 2], [0.9, 10], [0.99, 100], [0.999, 1000], [0.9999, 10000]] as const) {
    assert.equal(quantileSupported(p, n), true, `p${p * 100} with ${n}`);
    assert.equal(quantileSupported(p, n - 1), false, `p${p * 100} with ${n - 1}`);
  }
});
