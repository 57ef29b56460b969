// The CLI's contract for ingest and compare: outputs, formats and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { writeTestBundle } from '../helpers/bundles.js';
import { readBundle } from '../../core/bundle/read.js';
import { compareBundles } from '../../reports/compare/compare.js';

test('ingest detects a fio json+ file and prints its samples as JSON', async () => {
  const file = fixture('fio', 'randread-iouring-3.33.json');
  const r = await runCli(['ingest', file, '--json']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const out = JSON.parse(String(r.stdout)) as { tool: string; measurements: { metric: string; value: number }[] };
  assert.equal(out.tool, 'fio');
  // The number fio itself wrote for this job's read IOPS.
  const raw = JSON.parse(await readFile(file, 'utf8')) as { jobs: { read: { iops: number } }[] };
  const iops = out.measurements.find((m) => m.metric === 'read.iops');
  assert.ok(iops);
  assert.ok(Math.abs(iops.value - raw.jobs[0]!.read.iops) < 1e-6 * raw.jobs[0]!.read.iops);
});

test('ingest handles text around the JSON (--output-format=normal,json)', async () => {
  const r = await runCli(['ingest', fixture('fio', 'normal-json-psync-3.33.txt'), '--tool', 'fio']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  assert.match(String(r.stdout), /read\.iops/);
  // Each line ends with the metric's role.
  assert.match(String(r.stdout), /^ +read\.iops +[\d.]+ IOPS +primary$/m);
  assert.match(String(r.stdout), /^ +read\.clat\.p99\.99 +[\d.]+ ns +descriptive$/m);
});

test('ingest of truncated or foreign input exits 2 with one line naming the file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-ingest-'));
  try {
    const text = await readFile(fixture('fio', 'randread-iouring-3.33.json'), 'utf8');
    const truncated = path.join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)));
    const r = await runCli(['ingest', truncated, '--tool', 'fio']);
    assert.equal(r.exitCode, 2);
    const lines = String(r.stderr).trim().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${String(r.stderr)}`);
    assert.match(lines[0]!, /truncated\.json/);
    assert.doesNotMatch(String(r.stderr), /at .*\.ts:\d+/, 'no stack trace');

    const foreign = await runCli(['ingest', fixture('fio', 'not-fio-lsblk.json')]);
    assert.equal(foreign.exitCode, 2);
    assert.match(String(foreign.stderr), /cannot tell which tool/);

    const missing = await runCli(['ingest', path.join(dir, 'nope.json')]);
    assert.equal(missing.exitCode, 2);
    assert.match(String(missing.stderr), /nope\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('compare --fail-on-regression exits 1 when the whole interval of a primary metric lies beyond PCT in its bad direction', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-compare-'));
  try {
    const base = path.join(dir, 'base');
    const cand = path.join(dir, 'cand');
    await writeTestBundle(base, 'before', [1000, 1010, 990, 1005, 995, 1002]);
    await writeTestBundle(cand, 'after', [900, 905, 895, 910, 890, 902]); // about -10%
    const strict = await runCli(['compare', base, cand, '--fail-on-regression', '5', '--format', 'text']);
    assert.equal(strict.exitCode, 1, String(strict.stderr));
    assert.match(String(strict.stdout), /regression/);
    assert.match(String(strict.stderr), /^dmabench: regression beyond --fail-on-regression 5%: after: w:bs=64k read\.iops, whole \d+\.\d% interval \[-\d+\.\d%, -\d+\.\d%\] at least \d+\.\d% worse$/);
    const lenient = await runCli(['compare', base, cand, '--fail-on-regression', '20']);
    assert.equal(lenient.exitCode, 0, String(lenient.stderr));
    // Between the interval's bound nearest to no change and the point estimate: the data allow a
    // drop smaller than PCT, so it does not fire (the old rule judged the point estimate).
    const comparison = compareBundles([await readBundle(base), await readBundle(cand)]);
    const change = comparison.rows[0]!.candidates[0]!;
    const between = (-change.ci!.highPct + -change.changePct!) / 2;
    assert.ok(-change.changePct! > between && between > -change.ci!.highPct);
    const inside = await runCli(['compare', base, cand, '--fail-on-regression', String(between)]);
    assert.equal(inside.exitCode, 0, String(inside.stderr));

    const csv = await runCli(['compare', base, cand, '--format', 'csv']);
    assert.equal(csv.exitCode, 0);
    // After the comparability warnings (`#` lines: these test bundles record no system state).
    assert.match(String(csv.stdout).split('\n')[0]!, /^# Not comparable in every respect:$/);
    assert.match(String(csv.stdout).split('\n').find((l) => !l.startsWith('#'))!, /metric/);

    const notBundle = await runCli(['compare', base, path.join(dir, 'missing')]);
    assert.equal(notBundle.exitCode, 2);
    assert.match(String(notBundle.stderr), /not a run bundle/);

    const badFormat = await runCli(['compare', base, cand, '--format', 'xml']);
    assert.equal(badFormat.exitCode, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every subcommand answers --help', async () => {
  for (const cmd of [[], ['plan'], ['run'], ['doctor'], ['ingest'], ['compare'], ['report'], ['lab'], ['flamegraph'], ['lab', 'boot'], ['lab', 'run'], ['lab', 'demo'], ['lab', 'image']]) {
    const r = await runCli([...cmd, '--help']);
    assert.equal(r.exitCode, 0, `${cmd.join(' ')} --help: ${String(r.stderr)}`);
    assert.match(String(r.stdout), /Usage: dmabench/);
  }
});
