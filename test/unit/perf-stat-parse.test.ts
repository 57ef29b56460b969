// perf stat -x, and -j parsing on outputs captured with perf 6.1 on this machine (see
// test/fixtures/perf/README.md). Expected values are re-derived from the fixture text here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parsePerfStat, parsePerfStatCsv, parsePerfStatJson } from '../../collectors/perf/stat-parse.js';
import { multiplexedEvents, multiplexWarning, perfStatMeasurements, unsupportedEvents, unsupportedWarning } from '../../collectors/perf/stat-measurements.js';
import { busyBetween, parseProcStat } from '../../core/cpu/proc-stat.js';
import { runningPctMetric, runningPctMetricOf } from '../../model/perf-counters.js';
import { ParseError } from '../../model/parse-error.js';

const read = (name: string): string => fs.readFileSync(fixture('perf', name), 'utf8');
const counterLines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

for (const name of ['stat-default.csv', 'stat-events.csv', 'stat-events-r3.csv', 'stat-commas.csv', 'stat-not-counted.csv', 'stat-7.2-lab.csv']) {
  test(`perf stat -x, ${name}: one event per counter line, values as printed, absent values null`, () => {
    const text = read(name);
    const lines = counterLines(text);
    const r = parsePerfStat(text);
    assert.equal(r.events.length, lines.length);
    lines.forEach((line, i) => {
      const e = r.events[i];
      assert.ok(e);
      const first = line.split(',')[0] ?? '';
      if (first.startsWith('<not')) {
        assert.equal(e.value, null, `${e.event} must be null, not 0`);
        assert.equal(e.absent, first);
        assert.equal(e.metric, undefined);
      } else {
        assert.equal(e.value, Number(first));
      }
      assert.ok(line.includes(`,${e.event},`), `event name ${e.event} appears in its line`);
    });
  });
}

test('perf stat -x, -r 3: the variance column is read, not taken for the run time', () => {
  const text = read('stat-events-r3.csv');
  const r = parsePerfStatCsv(text);
  for (const [i, line] of counterLines(text).entries()) {
    const fields = line.split(',');
    const variance = fields.find((f) => f.endsWith('%'));
    assert.ok(variance, 'each -r line carries a variance');
    const e = r.events[i];
    assert.ok(e);
    assert.equal(e.variancePct, Number(variance.slice(0, -1)));
    assert.equal(e.runtimeNs, Number(fields[fields.length - 4]));
    assert.equal(e.runPct, Number(fields[fields.length - 3]));
  }
  const plain = parsePerfStatCsv(read('stat-events.csv'));
  assert.deepEqual(r.events.map((e) => e.event), plain.events.map((e) => e.event));
  assert.ok(plain.events.every((e) => e.variancePct === undefined));
});

test('perf stat -x,: unquoted commas inside an event name stay in the name', () => {
  const text = read('stat-commas.csv');
  const r = parsePerfStatCsv(text);
  const withCommas = counterLines(text).filter((l) => l.split(',').length > 7);
  assert.ok(withCommas.length > 0, 'the fixture has a line with an extra comma');
  for (const line of withCommas) {
    const name = line.split(',').slice(2, -4).join(',');
    const e = r.events.find((x) => x.event === name);
    assert.ok(e, `event ${name} parsed whole`);
    assert.equal(e.value, Number(line.split(',')[0]));
  }
});

test('perf stat -x, -A: CPU prefix column is kept apart and values sum per event', () => {
  const text = read('stat-percpu.csv');
  const r = parsePerfStatCsv(text);
  const lines = counterLines(text);
  assert.equal(r.events.length, lines.length);
  assert.ok(r.events.every((e) => /^CPU\d+$/.test(e.cpu ?? '')));
  const taskClock = lines.filter((l) => l.split(',')[3] === 'task-clock').reduce((s, l) => s + Number(l.split(',')[1]), 0);
  const m = perfStatMeasurements(r).find((x) => x.metric === 'perf.task-clock');
  assert.ok(m && m.value !== null);
  assert.ok(Math.abs(m.value - taskClock) < 1e-9);
  assert.equal(perfStatMeasurements(r).find((x) => x.metric === 'perf.cycles')?.value, null);
});

for (const [json, csv] of [
  ['stat-events.jsonl', 'stat-events.csv'],
  ['stat-events-r3.jsonl', 'stat-events-r3.csv'],
  ['stat-not-counted.jsonl', 'stat-not-counted.csv'],
  ['stat-7.2-lab.jsonl', 'stat-7.2-lab.csv'],
] as const) {
  test(`perf stat -j ${json}: fields from each JSON object, same events and nulls as ${csv}`, () => {
    const text = read(json);
    const objs = counterLines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
    const r = parsePerfStatJson(text);
    assert.equal(r.events.length, objs.length);
    objs.forEach((o, i) => {
      const e = r.events[i];
      assert.ok(e);
      assert.equal(e.event, o['event']);
      const cv = String(o['counter-value']);
      assert.equal(e.value, cv.startsWith('<') ? null : Number(cv));
      if (o['variance'] !== undefined) assert.equal(e.variancePct, o['variance']);
      if (cv.startsWith('<')) assert.equal(e.metric, undefined, 'no metric for an absent counter');
    });
    const fromCsv = parsePerfStatCsv(read(csv));
    assert.deepEqual(r.events.map((e) => [e.event, e.value === null]), fromCsv.events.map((e) => [e.event, e.value === null]));
  });
}

test('perfStatMeasurements: per-event values, task-clock per I/O in ns, null stays null', () => {
  const r = parsePerfStat(read('stat-events.csv'));
  // The workload (README) read 64 MiB with bs=64k: 1024 reads.
  const ios = 1024;
  const ms = perfStatMeasurements(r, { ios });
  const tc = r.events.find((e) => e.event === 'task-clock');
  assert.ok(tc && tc.value !== null);
  // A raw total grows with the work done: informational, neither direction better.
  assert.deepEqual(ms.find((m) => m.metric === 'perf.task-clock'), { metric: 'perf.task-clock', value: tc.value, unit: 'msec', better: 'none', role: 'informational' });
  const perIo = ms.find((m) => m.metric === 'perf.task-clock_per_io');
  assert.equal(perIo?.unit, 'ns/IO');
  assert.equal(perIo?.better, 'lower');
  assert.equal(perIo?.role, 'descriptive');
  assert.ok(perIo?.value !== null && Math.abs((perIo?.value ?? 0) - (tc.value * 1e6) / ios) < 1e-6);
  for (const e of r.events.filter((x) => x.value === null)) {
    assert.equal(ms.find((m) => m.metric === `perf.${e.event}`)?.value, null);
    assert.equal(ms.find((m) => m.metric === `perf.${e.event}_per_io`)?.value, null);
  }
  assert.ok(ms.some((m) => m.metric === 'perf.cycles_per_io'));
  assert.ok(perfStatMeasurements(r).every((m) => !m.metric.endsWith('_per_io')));
  // Every counter ran the whole window (100.00 in the file): no running share reported.
  assert.ok(!ms.some((m) => m.metric.endsWith('.running_pct')));
});

test('perfStatMeasurements system-wide (-a): clock events get no per-I/O figure (review M6), counts still do', () => {
  // perf stat -a -A: each CPU's task-clock runs through idle (1.00 "CPUs utilized" per CPU), so
  // per I/O it would be CPUs x window / I/Os.
  const r = parsePerfStat(read('stat-percpu.csv'));
  const perCpu = r.events.filter((e) => e.event === 'task-clock');
  assert.equal(perCpu.length, 2);
  for (const e of perCpu) assert.ok(e.metric && Math.abs(e.metric.value - 1) < 0.01, `${e.cpu} ${e.metric?.value} CPUs utilized`);
  const ms = perfStatMeasurements(r, { ios: 1024, systemWide: true });
  assert.ok(ms.some((m) => m.metric === 'perf.task-clock'), 'the total stays (informational)');
  assert.ok(!ms.some((m) => m.metric === 'perf.task-clock_per_io'));
  assert.equal(ms.find((m) => m.metric === 'perf.page-faults_per_io')?.value, (21 + 179) / 1024);
  // Without -a (perf stat -p PID or a command), task-clock is the task's CPU time: kept.
  assert.ok(perfStatMeasurements(r, { ios: 1024 }).some((m) => m.metric === 'perf.task-clock_per_io'));
});

test('perf stat: garbage and empty input raise ParseError', () => {
  assert.throws(() => parsePerfStat('# started on x\n\n'), ParseError);
  assert.throws(() => parsePerfStatCsv('abc,msec,task-clock,1,100.00,,'), ParseError);
  assert.throws(() => parsePerfStatJson('{"event": "x", "counter-value": "1"'), ParseError);
});

test('perf 7.2 (lab): empty metric columns in -x, and no metric keys in -j give no metric', () => {
  for (const name of ['stat-7.2-lab.csv', 'stat-7.2-lab.jsonl']) {
    const r = parsePerfStat(read(name));
    assert.ok(r.events.length > 0);
    assert.ok(r.events.every((e) => e.metric === undefined), name);
    assert.ok(r.events.some((e) => e.event === 'task-clock' && e.value !== null && e.value > 0));
    assert.ok(r.events.some((e) => e.event === 'cycles' && e.value === null));
  }
});

test('multiplexed counters: running share reported as perf.<event>.running_pct (descriptive) and a warning (review m9)', () => {
  // Neither this VM nor the lab's TCG guests have a PMU (hardware events are <not supported>), so
  // no capture can show a multiplexed counter: the share is lowered on a parsed real capture.
  const r = parsePerfStat(read('stat-events.csv'));
  assert.deepEqual(multiplexedEvents(r), [], 'every counter of the capture ran 100% of the window');
  assert.equal(multiplexWarning(multiplexedEvents(r)), undefined);
  const pf = r.events.find((e) => e.event === 'page-faults')!;
  assert.equal(pf.runPct, 100);
  const lowered = { events: r.events.map((e) => (e === pf ? { ...e, runPct: 37.5 } : e)) };
  assert.deepEqual(multiplexedEvents(lowered), [{ event: 'page-faults', runPct: 37.5 }]);
  const ms = perfStatMeasurements(lowered, { ios: 1024 });
  assert.deepEqual(ms.find((m) => m.metric === 'perf.page-faults.running_pct'), { metric: 'perf.page-faults.running_pct', value: 37.5, unit: '%', better: 'none', role: 'descriptive' });
  assert.equal(ms.filter((m) => m.metric.endsWith('.running_pct')).length, 1);
  assert.match(multiplexWarning(multiplexedEvents(lowered))!, /multiplexed .*page-faults 37\.5%.*estimates/);
});

test('perf stat -a without a PMU (stat-a-kmode.*): cycles:k and instructions:k are <not supported>, absent (null) with their per-I/O figures, and named for the log', () => {
  for (const name of ['stat-a-kmode.csv', 'stat-a-kmode.jsonl']) {
    const text = read(name);
    const r = parsePerfStat(text);
    for (const event of ['cycles:k', 'instructions:k']) {
      const e = r.events.find((x) => x.event === event);
      assert.ok(e, `${name}: ${event} parsed with its modifier`);
      assert.equal(e.value, null, `${name}: ${event} is absent, not 0`);
      assert.equal(e.absent, '<not supported>');
      // perf printed its running share as 100 (it never ran): not a multiplexed counter.
      assert.equal(e.runPct, 100);
    }
    const ms = perfStatMeasurements(r, { ios: 1024, systemWide: true });
    for (const metric of ['perf.cycles:k', 'perf.cycles:k_per_io', 'perf.instructions:k', 'perf.instructions:k_per_io']) {
      const m = ms.find((x) => x.metric === metric);
      assert.ok(m, metric);
      assert.equal(m.value, null, `${metric} is n/a`);
    }
    assert.equal(ms.find((x) => x.metric === 'perf.cycles:k_per_io')?.unit, 'count/IO');
    // Every counter line of the file that reads <not supported>, in the order perf printed them.
    const expected = counterLines(text).filter((l) => l.includes('<not supported>')).map((l) => (l.startsWith('{') ? (JSON.parse(l) as { event: string }).event : l.split(',')[2]!));
    assert.deepEqual(unsupportedEvents(r), expected);
    assert.ok(expected.includes('cycles:k') && expected.includes('instructions:k'));
    assert.match(unsupportedWarning(unsupportedEvents(r))!, /^perf stat: cycles:k, instructions:k, .*<not supported> here .*recorded as absent \(n\/a\), never 0$/);
    // Every counter ran the whole window: no running share, no multiplexing warning.
    assert.deepEqual(multiplexedEvents(r), []);
    assert.ok(!ms.some((m) => m.metric.endsWith('.running_pct')));
  }
  // A capture where every counter is counted has nothing to say.
  assert.equal(unsupportedWarning(unsupportedEvents(parsePerfStat(read('stat-commas.csv')))), undefined);
});

test('perf stat -a: task-clock is every CPU\'s wall time ("CPUs utilized" = the CPU count), so it has no per-I/O figure', () => {
  const r = parsePerfStat(read('stat-a-kmode.csv'));
  const tc = r.events.find((e) => e.event === 'task-clock')!;
  // perf's own derived metric: task-clock / wall, here the 2 CPUs of the machine (README).
  assert.ok(tc.metric && tc.metric.unit === 'CPUs utilized' && Math.abs(tc.metric.value - 2) < 0.01, `${tc.metric?.value} CPUs utilized`);
  assert.ok(!perfStatMeasurements(r, { ios: 1024, systemWide: true }).some((m) => m.metric === 'perf.task-clock_per_io'));
});

test('perf.cpu.per_io on a real profiler window (stat-a-dd-direct.*): /proc/stat busy time over the I/Os, not task-clock, which is CPUs x window', () => {
  const record = JSON.parse(read('stat-a-dd-direct.cpu-time.json')) as Record<string, unknown> & { procStatBefore: string[]; procStatAfter: string[]; wallMs: number; clkTck: number };
  const meta = JSON.parse(read('stat-a-dd-direct.meta.json')) as { ios: number; cpus: number };
  const ios = meta.ios;
  // The busy time, recomputed from the two /proc/stat readings the profiler kept.
  const busy = busyBetween(parseProcStat(record.procStatBefore.join('\n')), parseProcStat(record.procStatAfter.join('\n')), record.wallMs, record.clkTck);
  assert.equal(busy.busyTicks, record['busyTicks']);
  assert.equal(busy.cpus, meta.cpus);
  const r = parsePerfStat(read('stat-a-dd-direct.csv'));
  const ms = perfStatMeasurements(r, { ios, systemWide: true, busy });
  const perIo = ms.find((m) => m.metric === 'perf.cpu.per_io')!;
  assert.deepEqual({ ...perIo, value: undefined }, { metric: 'perf.cpu.per_io', value: undefined, unit: 'us/IO', better: 'lower', role: 'descriptive' });
  // The definition: (wall x CPUs - idle - iowait - steal) / I/Os, in µs.
  const [, , , idle, iowait, , , steal] = record.procStatAfter[0]!.split(/\s+/).slice(1).map(Number).map((v, i) => v - Number(record.procStatBefore[0]!.split(/\s+/).slice(1)[i]));
  const byHand = (((record.wallMs / 1000) * record.clkTck * meta.cpus - idle! - iowait! - steal!) / record.clkTck) * 1e6 / ios;
  assert.ok(Math.abs(perIo.value! - byHand) < 1e-6, `${perIo.value} vs ${byHand}`);
  assert.equal(perIo.value, record['cpuPerIoUs']);
  assert.equal(ms.find((m) => m.metric === 'perf.cpu.busy_ticks')?.value, busy.busyTicks);
  // What task-clock per I/O would have said: CPUs x window / I/Os (1% for the microseconds between
  // perf's enable/disable and the readings), i.e. CPUs / IOPS ...
  const taskClockUs = r.events.find((e) => e.event === 'task-clock')!.value! * 1e3;
  const oldPerIo = taskClockUs / ios;
  const cpusOverIops = (meta.cpus * record.wallMs * 1e3) / ios;
  assert.ok(Math.abs(oldPerIo / cpusOverIops - 1) < 0.01, `task-clock per I/O ${oldPerIo} us vs CPUs/IOPS ${cpusOverIops} us`);
  // ... which exceeds the busy figure by the window's idle and stolen time.
  const notBusyPerIo = (((idle! + iowait! + steal!) / record.clkTck) * 1e6) / ios;
  assert.ok(notBusyPerIo > 0, 'the window had idle or stolen time');
  assert.ok(Math.abs(oldPerIo - perIo.value! - notBusyPerIo) < 0.01 * oldPerIo, `old ${oldPerIo} - new ${perIo.value} vs idle+steal ${notBusyPerIo} us/IO`);
  assert.ok(!ms.some((m) => m.metric === 'perf.task-clock_per_io'));
});

test('perf counter names: the running share behind a count or its per-I/O figure', () => {
  assert.equal(runningPctMetricOf('perf.cycles:k'), 'perf.cycles:k.running_pct');
  assert.equal(runningPctMetricOf('perf.cycles:k_per_io'), 'perf.cycles:k.running_pct');
  assert.equal(runningPctMetricOf('perf.cycles:k.running_pct'), undefined);
  assert.equal(runningPctMetricOf('read.iops'), undefined);
  assert.equal(runningPctMetric('perf.page-faults'), 'perf.page-faults.running_pct');
});
