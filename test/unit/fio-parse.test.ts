// Parser and metric tests over real fio 3.33 captures (test/fixtures/fio/README.md says how each
// was made). Expected values come from JSON.parse of the fixture's JSON part, located here by
// the simplest possible rule, independent of the parser's own scanning; a few are pinned as
// literals read from the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { mergedPercentiles, parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { ParseError } from '../../model/parse-error.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (name: string) => readFileSync(fixture('fio', name), 'utf8');

/** Every object in a capture: from each line that is `{` to the next line that is `}`. */
function rawObjects(text: string): Raw[] {
  const lines = text.split('\n');
  const out: Raw[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '{') continue;
    const end = lines.indexOf('}', i);
    out.push(JSON.parse(lines.slice(i, end + 1).join('\n')));
    i = end;
  }
  return out;
}

function metric(ms: ReturnType<typeof fioMeasurements>, name: string) {
  const m = ms.find((x) => x.metric === name);
  assert.ok(m, `metric ${name} missing; have ${ms.map((x) => x.metric).join(', ')}`);
  return m;
}

test('randread json+ (io_uring): every figure matches the JSON fio wrote', () => {
  const text = read('randread-iouring-3.33.json');
  const raw = JSON.parse(text) as Raw;
  const r = parseFioOutput(text, 'randread-iouring-3.33.json');
  assert.equal(r.fioVersion, 'fio-3.33');
  assert.equal(r.source, 'randread-iouring-3.33.json');
  assert.equal(r.jobs.length, 1);
  const job = r.jobs[0]!;
  const rj = raw.jobs[0];
  assert.equal(job.name, 'randread');
  assert.equal(job.error, 0);
  assert.equal(job.usrCpu, rj.usr_cpu);
  assert.equal(job.sysCpu, rj.sys_cpu);

  const rd = job.directions.read!;
  assert.equal(rd.totalIos, 82622); // read off the file
  assert.equal(rd.ioBytes, rj.read.io_bytes);
  assert.equal(rd.iops, rj.read.iops);
  assert.equal(rd.bwKiBps, rj.read.bw);
  assert.equal(rd.bwMiBps, rj.read.bw / 1024);
  assert.equal(rd.clat!.mean, rj.read.clat_ns.mean);
  assert.equal(rd.clat!.stdev, rj.read.clat_ns.stddev);
  assert.equal(rd.clat!.min, rj.read.clat_ns.min);
  assert.equal(rd.clat!.max, rj.read.clat_ns.max);
  assert.equal(rd.lat!.mean, rj.read.lat_ns.mean);
  assert.equal(rd.clat!.percentiles['p50'], rj.read.clat_ns.percentile['50.000000']);
  assert.equal(rd.clat!.percentiles['p90'], rj.read.clat_ns.percentile['90.000000']);
  assert.equal(rd.clat!.percentiles['p99'], rj.read.clat_ns.percentile['99.000000']);
  assert.equal(rd.clat!.percentiles['p99.9'], rj.read.clat_ns.percentile['99.900000']);
  assert.equal(rd.clat!.percentiles['p99.99'], rj.read.clat_ns.percentile['99.990000']);
  assert.equal(Object.keys(rd.clat!.bins ?? {}).length, Object.keys(rj.read.clat_ns.bins).length);
  assert.equal(job.directions.write!.totalIos, 0);
});

test('fio 3.41 json+ (Debian sid chroot) parses the same way', () => {
  const text = read('randread-iouring-3.41.json');
  const rj = (JSON.parse(text) as Raw).jobs[0];
  const r = parseFioOutput(text);
  assert.equal(r.fioVersion, 'fio-3.41');
  const rd = r.jobs[0]!.directions.read!;
  assert.equal(rd.totalIos, 42767); // read off the file
  assert.equal(rd.iops, rj.read.iops);
  assert.equal(rd.clat!.percentiles['p99.9'], 6127616);
  assert.deepEqual(mergedPercentiles([rd.clat]), rd.clat!.percentiles);
});

test('randread metrics: names, units, directions, and only the direction that did I/O', () => {
  const text = read('randread-iouring-3.33.json');
  const rj = (JSON.parse(text) as Raw).jobs[0];
  const ms = fioMeasurements(parseFioOutput(text));
  assert.deepEqual(metric(ms, 'read.iops'), { metric: 'read.iops', value: rj.read.iops, unit: 'IOPS', better: 'higher', role: 'primary' });
  assert.deepEqual(metric(ms, 'read.bw'), { metric: 'read.bw', value: rj.read.bw / 1024, unit: 'MiB/s', better: 'higher', role: 'primary' });
  assert.equal(metric(ms, 'read.clat.p99.9').value, rj.read.clat_ns.percentile['99.900000']);
  assert.equal(metric(ms, 'read.clat.p99.9').unit, 'ns');
  assert.equal(metric(ms, 'read.clat.p99.9').better, 'lower');
  assert.equal(metric(ms, 'read.clat.mean').value, rj.read.clat_ns.mean);
  // fio's own CPU time per I/O: sys_cpu is percent of one CPU over job_runtime (ms).
  assert.ok(Math.abs(metric(ms, 'cpu.sys_per_io').value! - ((rj.sys_cpu / 100) * rj.job_runtime * 1000) / rj.read.total_ios) < 1e-9);
  assert.equal(metric(ms, 'cpu.sys_per_io').unit, 'us/IO');
  assert.equal(metric(ms, 'cpu.sys_per_io').role, 'descriptive');
  // Neither the old percentages nor the dead errors row (m10), nor cpu.per_io without a /proc/stat window.
  for (const gone of ['cpu.usr', 'cpu.sys', 'errors', 'cpu.per_io']) assert.ok(!ms.some((m) => m.metric === gone), gone);
  assert.equal(ms.filter((m) => m.metric.startsWith('write.') || m.metric.startsWith('trim.')).length, 0);
  assert.equal(new Set(ms.map((m) => m.metric)).size, ms.length, 'metric names are unique');
});

test('randrw json+ (libaio): both directions, with values from the file', () => {
  const text = read('randrw-libaio-3.33.json');
  const rj = (JSON.parse(text) as Raw).jobs[0];
  const r = parseFioOutput(text);
  assert.equal(r.jobs[0]!.directions.read!.totalIos, 29479);
  assert.equal(r.jobs[0]!.directions.write!.totalIos, 12599);
  const ms = fioMeasurements(r);
  assert.equal(metric(ms, 'write.iops').value, rj.write.iops);
  assert.equal(metric(ms, 'write.clat.p99').value, rj.write.clat_ns.percentile['99.000000']);
  assert.equal(metric(ms, 'read.lat.mean').value, rj.read.lat_ns.mean);
  assert.ok(!ms.some((m) => m.metric.startsWith('trim.')));
});

test('--output-format=normal,json: skips the header and the normal report', () => {
  const text = read('normal-json-psync-3.33.txt');
  assert.ok(text.startsWith('seqread: (g=0)'), 'fixture has text before the JSON');
  const [raw] = rawObjects(text);
  const r = parseFioOutput(text);
  const rd = r.jobs[0]!.directions.read!;
  assert.equal(rd.totalIos, 12416); // "issued rwts: total=12416,0,0,0" in the normal part
  assert.equal(rd.iops, raw!.jobs[0].read.iops);
  assert.equal(rd.clat!.bins, undefined, 'plain json has no histogram');
  assert.equal(rd.clat!.percentiles['p99.99'], raw!.jobs[0].read.clat_ns.percentile['99.990000']);
});

test('error lines before the JSON and a failed job: parsed, the error kept in the result', () => {
  const text = read('two-jobs-one-fails-json-3.33.txt');
  assert.ok(text.startsWith('file:filesetup.c:455'), 'fixture starts with fio error lines');
  const r = parseFioOutput(text);
  assert.deepEqual(
    r.jobs.map((j) => [j.name, j.error]),
    [
      ['good', 0],
      ['bad', 20],
    ],
  );
  const ms = fioMeasurements(r);
  // No errors row: a run with a failed job exits non-zero and is a failed repetition (review m10).
  assert.ok(!ms.some((m) => m.metric === 'errors'));
  // The failed job did no I/O, so the read figures are the good job's alone.
  assert.equal(metric(ms, 'read.iops').value, rawObjects(text)[0]!.jobs[0].read.iops);
});

test('--status-interval: the last (final, cumulative) object is the result', () => {
  const text = read('status-interval-json-3.33.txt');
  const objects = rawObjects(text);
  assert.equal(objects.length, 4);
  const last = objects[3]!.jobs[0].read.total_ios as number;
  assert.ok(last > (objects[0]!.jobs[0].read.total_ios as number));
  assert.equal(parseFioOutput(text).jobs[0]!.directions.read!.totalIos, last);
});

test('numjobs=2 with group_reporting: one entry, plain metric names', () => {
  const text = read('numjobs2-group-reporting-3.33.json');
  const rj = (JSON.parse(text) as Raw).jobs[0];
  const r = parseFioOutput(text);
  assert.equal(r.jobs.length, 1);
  assert.equal(metric(fioMeasurements(r), 'read.iops').value, rj.read.iops);
});

test('numjobs=2 without group_reporting: jobs aggregated under plain names', () => {
  const text = read('numjobs2-per-job-3.33.json');
  const [a, b] = (JSON.parse(text) as Raw).jobs;
  const r = parseFioOutput(text);
  assert.equal(r.jobs.length, 2);
  assert.deepEqual(
    r.jobs.map((j) => j.name),
    ['nj2', 'nj2'],
  );
  const ms = fioMeasurements(r);
  assert.equal(metric(ms, 'read.iops').value, a.read.iops + b.read.iops);
  assert.equal(metric(ms, 'read.bw').value, (a.read.bw + b.read.bw) / 1024);
  const n = a.read.clat_ns.N + b.read.clat_ns.N;
  const mean = (a.read.clat_ns.mean * a.read.clat_ns.N + b.read.clat_ns.mean * b.read.clat_ns.N) / n;
  assert.ok(Math.abs(metric(ms, 'read.clat.mean').value! - mean) < 1e-6);
  // A percentile of the union lies between the two jobs' own percentiles.
  for (const [label, key] of [
    ['p50', '50.000000'],
    ['p99', '99.000000'],
  ] as const) {
    const v = metric(ms, `read.clat.${label}`).value!;
    const lo = Math.min(a.read.clat_ns.percentile[key], b.read.clat_ns.percentile[key]);
    const hi = Math.max(a.read.clat_ns.percentile[key], b.read.clat_ns.percentile[key]);
    assert.ok(v >= lo && v <= hi, `${label} ${v} not within [${lo}, ${hi}]`);
  }
  assert.ok(!ms.some((m) => m.metric.startsWith('nj2')));
});

test('merging histograms reproduces fio\'s own percentiles for every job in the fixtures', () => {
  for (const name of ['randread-iouring-3.33.json', 'randrw-libaio-3.33.json', 'numjobs2-per-job-3.33.json']) {
    for (const job of parseFioOutput(read(name)).jobs) {
      for (const d of [job.directions.read, job.directions.write]) {
        if (!d || d.totalIos === 0) continue;
        assert.deepEqual(mergedPercentiles([d.clat]), d.clat!.percentiles, `${name} ${job.name}`);
      }
    }
  }
});

test('no JSON at all (unknown ioengine): ParseError naming the problem and the source', () => {
  assert.throws(
    () => parseFioOutput(read('bad-ioengine-json-3.33.txt'), 'bad-ioengine-json-3.33.txt'),
    (err: unknown) => err instanceof ParseError && /^bad-ioengine-json-3\.33\.txt: .*no JSON object/.test(err.message) && !err.message.includes('\n'),
  );
});

test('truncated JSON: ParseError saying so', () => {
  const text = read('randread-iouring-3.33.json');
  const cut = text.slice(0, Math.floor(text.length / 2));
  assert.throws(
    () => parseFioOutput(cut, 'cut.json'),
    (err: unknown) => err instanceof ParseError && /cut\.json: .*truncated JSON/.test(err.message),
  );
});

test('JSON without jobs (lsblk output): ParseError naming "jobs"', () => {
  assert.throws(
    () => parseFioOutput(read('not-fio-lsblk.json')),
    (err: unknown) => err instanceof ParseError && /no "jobs" array/.test(err.message),
  );
});

test('a stderr line landing inside the object is dropped', () => {
  // Assembled at test time from two real captures: fio's error line from the failed-job run
  // spliced between two lines of the randread object, as a merged stderr can do.
  const errorLine = read('two-jobs-one-fails-json-3.33.txt').split('\n')[1]!;
  assert.match(errorLine, /^fio: pid=0, err=20/);
  const lines = read('randread-iouring-3.33.json').split('\n');
  lines.splice(40, 0, errorLine);
  const r = parseFioOutput(lines.join('\n'));
  assert.equal(r.jobs[0]!.directions.read!.totalIos, 82622);
});

test('a 50 MB json+ document parses, in seconds rather than minutes (its speed is measured by scripts/bench/fio-ingest.ts, not here)', () => {
  // Built from the real per-job capture by repeating its jobs, as a long multi-job run would.
  const raw = JSON.parse(read('numjobs2-per-job-3.33.json')) as Raw;
  const one = JSON.stringify(raw.jobs[0], null, 2).length;
  const copies = Math.ceil((50 * 1024 * 1024) / one);
  const big = JSON.stringify({ ...raw, jobs: Array.from({ length: copies }, (_, i) => raw.jobs[i % 2]) }, null, 2);
  assert.ok(big.length >= 50 * 1024 * 1024);
  const t0 = performance.now();
  const r = parseFioOutput(`fio: some warning before the output\n${big}\n`);
  const ms = performance.now() - t0;
  assert.equal(r.jobs.length, copies);
  // A bound against quadratic work only (about 1 s on an idle 2-core machine); a loaded machine is not a failure.
  assert.ok(ms < 30_000, `parse took ${ms.toFixed(0)} ms`);
});
