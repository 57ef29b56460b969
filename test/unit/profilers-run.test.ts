// Profilers attached to a real `dmabench run` on this machine (root): fio psync reads on a temp
// file with perf stat, perf record and an ftrace events pass (one pread64 per I/O), two runs,
// then `compare --pass profile:ftrace` and a differential flame graph between the two bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { readBundle } from '../../core/bundle/read.js';
import { diffFlameGraph } from '../../reports/flamegraph/bundles.js';

const isRoot = process.getuid?.() === 0;
const hasPerf = (await execa('perf', ['version'], { reject: false })).exitCode === 0;
const skip = (!isRoot && 'needs root') || (!hasPerf && 'needs perf');

const campaign = `name: profiled
repetitions: 1
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 16M }
    matrix:
      rw: randread
      bs: 4k
      iodepth: 1
      ioengine: psync
      runtime: 1
    profilers:
      - kind: perf-stat
      - kind: perf-record
        options: { frequency: 199 }
      - kind: ftrace
        options: { tracer: events, iommuEvents: false, events: [syscalls:sys_enter_pread64], bufferSizeKb: 8192 }
`;

test('run with perf-stat, perf-record and ftrace passes; compare --pass profile:ftrace; diff flame graph', { skip, timeout: 240_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-profiled-'));
  try {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign);
    const bundles = [path.join(dir, 'a'), path.join(dir, 'b')];
    for (const [i, out] of bundles.entries()) {
      const r = await runCli(['run', file, '--label', `run-${i}`, '--out', out]);
      assert.equal(r.exitCode, 0, String(r.stderr));
    }
    const a = await readBundle(bundles[0]!);
    assert.equal(a.manifest.status, 'complete');
    const cell = a.manifest.cells[0]!.cell;
    const passes = new Set(a.samples.map((s) => s.pass));
    assert.deepEqual([...passes].sort(), ['profile:ftrace', 'profile:perf-record', 'profile:perf-stat', 'timed']);

    // The workload's own numbers are recorded in each profile pass too (overhead = timed vs profile).
    for (const pass of ['profile:ftrace', 'profile:perf-stat']) {
      assert.ok(a.samples.some((s) => s.pass === pass && s.tool === 'fio' && s.metric === 'read.iops'), pass);
    }
    // One pread64 per psync I/O (other processes' preads can only add).
    const fioIos = JSON.parse(await readFile(path.join(bundles[0]!, 'raw', (await readdir(path.join(bundles[0]!, 'raw')))[0]!, 'profile-ftrace-0', 'fio-output.json'), 'utf8')) as { jobs: { read: { total_ios: number } }[] };
    const ios = fioIos.jobs[0]!.read.total_ios;
    const pread = a.samples.find((s) => s.pass === 'profile:ftrace' && s.metric === 'events.sys_pread64.per_io');
    const preads = a.samples.find((s) => s.pass === 'profile:ftrace' && s.metric === 'events.sys_pread64.count')?.value ?? NaN;
    assert.ok(pread && pread.value !== null, 'pread64 per I/O measured');
    assert.equal(pread.tool, 'ftrace');
    assert.ok(preads >= ios, `every psync I/O is a pread64 in the window: ${preads} for ${ios}`);
    // Per I/O is per request the trace saw go to the file's disk in the same window (review M7):
    // every direct read reached the disk (other processes' requests to it can only add).
    const traceIos = a.samples.find((s) => s.pass === 'profile:ftrace' && s.metric === 'ftrace.ios')?.value ?? NaN;
    assert.ok(traceIos >= ios, `the trace saw ${traceIos} requests for fio's ${ios} direct reads`);
    assert.equal(a.samples.find((s) => s.pass === 'profile:ftrace' && s.metric === 'ftrace.workload_ios')?.value, ios);
    assert.equal(pread.value, preads / traceIos);

    const faults = a.samples.find((s) => s.pass === 'profile:perf-stat' && s.metric === 'perf.page-faults_per_io');
    assert.ok(faults && faults.value !== null && faults.value > 0);
    assert.equal(faults.role, 'descriptive');
    // Under perf stat -a the clocks count idle CPUs too: no per-I/O figure (review M6).
    assert.ok(!a.samples.some((s) => s.metric === 'perf.task-clock_per_io'));
    // The CPU per I/O of perf's window instead: /proc/stat busy time, kept in perf-cpu-time.json.
    const perfCpu = a.samples.find((s) => s.pass === 'profile:perf-stat' && s.metric === 'perf.cpu.per_io');
    assert.ok(perfCpu && perfCpu.value !== null && perfCpu.value > 0 && perfCpu.unit === 'us/IO' && perfCpu.tool === 'perf-stat');
    assert.equal(perfCpu.role, 'descriptive');
    // fio's CPU per I/O, from /proc/stat around its jobs, in the timed pass.
    const cpu = a.samples.find((s) => s.pass === 'timed' && s.metric === 'cpu.per_io');
    assert.ok(cpu && cpu.value !== null && cpu.value > 0 && cpu.unit === 'us/IO');
    const samples = a.samples.find((s) => s.pass === 'profile:perf-record' && s.metric === 'perf.samples');
    assert.ok(samples && samples.value !== null && samples.value > 0);

    const cmp = await runCli(['compare', ...bundles, '--pass', 'profile:ftrace', '--format', 'text']);
    assert.equal(cmp.exitCode, 0, String(cmp.stderr));
    assert.match(String(cmp.stdout), /events\.sys_pread64\.per_io/);

    const svg = path.join(dir, 'diff.svg');
    const d = await diffFlameGraph(bundles[0]!, bundles[1]!, cell, svg, { writePairs: true });
    assert.equal(d.samplesA, samples.value);
    const b = await readBundle(bundles[1]!);
    assert.equal(d.samplesB, b.samples.find((s) => s.pass === 'profile:perf-record' && s.metric === 'perf.samples')?.value);
    assert.match(await readFile(svg, 'utf8'), /^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    assert.ok(d.pairsFile && existsSync(d.pairsFile));
    await assert.rejects(diffFlameGraph(bundles[0]!, bundles[1]!, 'no-such-cell', svg), /no cell no-such-cell/);

    // The same through the CLI: the SVG is written and a wrong cell is a one-line error (exit 2).
    const cliSvg = path.join(dir, 'cli-diff.svg');
    const fg = await runCli(['flamegraph', bundles[0]!, bundles[1]!, '--cell', cell, '--out', cliSvg]);
    assert.equal(fg.exitCode, 0, String(fg.stderr));
    assert.match(String(fg.stdout), new RegExp(`${samples.value} samples in the base`));
    assert.match(await readFile(cliSvg, 'utf8'), /<\/svg>\s*$/);
    // One bundle: the cell's own flame graph, drawn from the stacks its perf-record pass folded.
    const oneSvg = path.join(dir, 'cli-one.svg');
    const one = await runCli(['flamegraph', bundles[0]!, '--cell', cell, '--out', oneSvg]);
    assert.equal(one.exitCode, 0, String(one.stderr));
    assert.match(String(one.stdout), new RegExp(`: \\d+ stacks, ${samples.value} samples$`));
    assert.match(await readFile(oneSvg, 'utf8'), /^<\?xml[\s\S]*<\/svg>\s*$/);
    const bad = await runCli(['flamegraph', bundles[0]!, bundles[1]!, '--cell', 'no-such-cell', '--out', cliSvg]);
    assert.equal(bad.exitCode, 2);
    assert.match(String(bad.stderr), /no cell no-such-cell/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
