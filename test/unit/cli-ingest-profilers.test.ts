// `dmabench ingest FILE --json` on the captured profiler outputs: the tool is detected from the
// file, and the numbers match what the test recomputes from the fixture text with plain string
// handling (not the parsers under test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { oneErrorLine, runCli } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { serializeFolded } from '../../core/text/folded-stacks.js';
import { ingestParsers, ingestTools } from '../../collectors/ingest.js';

interface IngestJson {
  tool: string;
  file: string;
  measurements: { metric: string; value: number | null; unit: string }[];
  summary: Record<string, unknown>;
}

async function ingest(file: string, extra: string[] = []): Promise<IngestJson> {
  const r = await runCli(['ingest', file, '--json', ...extra]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  return JSON.parse(String(r.stdout)) as IngestJson;
}

function value(out: IngestJson, metric: string): number | null | undefined {
  return out.measurements.find((m) => m.metric === metric)?.value;
}

function counterLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

test('perf stat -x, CSV: every event, <not supported> as null', async () => {
  const file = fixture('perf', 'stat-events.csv');
  const out = await ingest(file);
  assert.equal(out.tool, 'perf-stat');
  const lines = counterLines(await readFile(file, 'utf8'));
  assert.equal(out.measurements.length, lines.length);
  for (const line of lines) {
    const [v, , event] = line.split(',');
    assert.equal(value(out, `perf.${event}`), v!.startsWith('<') ? null : Number(v), event);
  }
});

test('perf stat -x, -a -A: per-CPU lines summed per event', async () => {
  const file = fixture('perf', 'stat-percpu.csv');
  const out = await ingest(file);
  const sums = new Map<string, number | null>();
  for (const line of counterLines(await readFile(file, 'utf8'))) {
    const [, v, , event] = line.split(',');
    const prev = sums.get(event!);
    sums.set(event!, v!.startsWith('<') ? (prev ?? null) : (prev ?? 0) + Number(v));
  }
  for (const [event, sum] of sums) {
    const got = value(out, `perf.${event}`);
    if (sum === null) assert.equal(got, null);
    else assert.ok(Math.abs(got! - sum) < 1e-9, `${event}: ${got} vs ${sum}`);
  }
});

test('perf stat -j (with -r 3): counter-value of each JSON line', async () => {
  const file = fixture('perf', 'stat-events-r3.jsonl');
  const out = await ingest(file);
  assert.equal(out.tool, 'perf-stat-json');
  for (const line of counterLines(await readFile(file, 'utf8'))) {
    const rec = JSON.parse(line) as { event: string; 'counter-value': string };
    const v = rec['counter-value'];
    assert.equal(value(out, `perf.${rec.event}`), v.startsWith('<') ? null : Number(v), rec.event);
  }
});

test('perf script: total samples = header lines of the text', async () => {
  for (const name of ['script-system.txt', 'script-comm-space.txt']) {
    const file = fixture('perf', name);
    const out = await ingest(file);
    assert.equal(out.tool, 'perf-script');
    const headers = (await readFile(file, 'utf8')).split('\n').filter((l) => /^[^\s#]/.test(l)).length;
    assert.equal(out.summary['samples'], headers, name);
    assert.equal(value(out, 'perf.samples'), headers);
  }
});

test('folded stacks (folded from a real perf script): total = the samples of the script', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-ingest-folded-'));
  try {
    const script = await readFile(fixture('perf', 'script-dd.txt'), 'utf8');
    const folded = path.join(dir, 'stacks.folded');
    // As the perf-record profiler writes stacks.folded: one count per sample.
    await writeFile(folded, serializeFolded((await foldPerfScript(script, { weight: 'samples' })).stacks));
    const out = await ingest(folded);
    assert.equal(out.tool, 'folded');
    const headers = script.split('\n').filter((l) => /^[^\s#]/.test(l)).length;
    assert.equal(out.summary['samples'], headers);
    const lines = (await readFile(folded, 'utf8')).trim().split('\n');
    assert.equal(out.summary['stacks'], lines.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingest --folded: what stackcollapse-perf.pl printed for the capture, byte for byte (detected, forced, gzip)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-ingest-fold-'));
  try {
    for (const name of ['script-system.txt', 'script-two-events.txt']) {
      const want = await readFile(fixture('perf', 'folded-reference', name.replace(/\.txt$/, '.folded')));
      const gz = path.join(dir, `${name}.gz`);
      await writeFile(gz, gzipSync(await readFile(fixture('perf', name))));
      for (const args of [[fixture('perf', name)], [fixture('perf', name), '--tool', 'perf-script'], [gz]]) {
        const r = await runCli(['ingest', ...args, '--folded'], { encoding: 'buffer', stripFinalNewline: false });
        assert.equal(r.exitCode, 0, Buffer.from(r.stderr as Uint8Array).toString());
        assert.deepEqual(Buffer.from(r.stdout as Uint8Array), want, args.join(' '));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingest --folded --sample-counts: the same stacks, one per sample of the first event', async () => {
  const file = fixture('perf', 'script-two-events.txt');
  const r = await runCli(['ingest', file, '--folded', '--sample-counts']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const lines = String(r.stdout).trimEnd().split('\n');
  const ref = (await readFile(fixture('perf', 'folded-reference', 'script-two-events.folded'), 'utf8')).trimEnd().split('\n');
  const stack = (l: string): string => l.slice(0, l.lastIndexOf(' '));
  assert.deepEqual(lines.map(stack), ref.map(stack));
  const headers = (await readFile(file, 'utf8')).split('\n').filter((l) => /^[^\s#]/.test(l));
  const firstEvent = headers[0]!.trim().split(/\s+/).pop();
  const kept = headers.filter((h) => h.trim().split(/\s+/).pop() === firstEvent).length;
  assert.ok(kept > 0 && kept < headers.length);
  assert.equal(lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0), kept);
});

test('ingest --folded on output without stacks, or --sample-counts alone, exits 2 with one line', async () => {
  const stat = await runCli(['ingest', fixture('perf', 'stat-events.csv'), '--folded']);
  assert.equal(stat.exitCode, 2);
  assert.match(oneErrorLine(stat.stderr), /--folded needs call stacks, which perf-stat output has not \(only perf-script\)/);
  const alone = await runCli(['ingest', fixture('perf', 'script-dd.txt'), '--sample-counts']);
  assert.equal(alone.exitCode, 2);
  assert.match(oneErrorLine(alone.stderr), /--sample-counts goes with --folded/);
});

/** `func <-parent` records per function, counted from the text. */
function functionCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/: (\S+) <-\S+/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return counts;
}

test('ftrace function tracer text (lab 7.2): calls per function', async () => {
  const file = fixture('ftrace', 'lab-7', 'function.txt');
  const out = await ingest(file);
  assert.equal(out.tool, 'ftrace');
  const counts = functionCounts(await readFile(file, 'utf8'));
  assert.ok(counts.get('dma_iova_link')! > 0);
  const functions = out.summary['functions'] as Record<string, { calls: number }>;
  assert.deepEqual(Object.fromEntries(Object.entries(functions).map(([k, v]) => [k, v.calls])), Object.fromEntries(counts));
  for (const [fn, n] of counts) assert.equal(value(out, `${fn}.calls`), n);
});

test('ftrace function_graph text (lab 6.12): calls and mean duration of a leaf function', async () => {
  const file = fixture('ftrace', 'lab-6.12', 'fgraph-default.txt');
  const text = await readFile(file, 'utf8');
  const out = await ingest(file);
  assert.equal(out.tool, 'ftrace-graph');
  // __iommu_map is a leaf here (never opens a block): every call carries its own duration.
  assert.doesNotMatch(text, /__iommu_map\(\) \{/);
  const durations = [...text.matchAll(/([\d.]+) us\s+\|\s+__iommu_map\(\);/g)].map((m) => Math.round(Number(m[1]) * 1000));
  assert.ok(durations.length > 0);
  const functions = out.summary['functions'] as Record<string, { calls: number; meanNs?: number }>;
  assert.equal(functions['__iommu_map']?.calls, durations.length);
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  assert.ok(Math.abs(functions['__iommu_map']!.meanNs! - mean) < 1e-6);
  assert.ok(Math.abs(value(out, '__iommu_map.duration.mean')! - mean) < 1e-6);
});

test('ftrace nop tracer with iommu events: map/unmap counts and bytes', async () => {
  const file = fixture('ftrace', 'lab-6.12', 'iommu-events.txt');
  const text = await readFile(file, 'utf8');
  const out = await ingest(file);
  assert.equal(out.tool, 'ftrace');
  assert.equal(out.summary['tracer'], 'nop');
  const maps = [...text.matchAll(/ map: IOMMU: .* size=(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(value(out, 'iommu.map.calls'), maps.length);
  const iommu = out.summary['iommu'] as { map: { calls: number; bytes: number } };
  assert.equal(iommu.map.bytes, maps.reduce((a, b) => a + b, 0));
});

test('trace_pipe text without a header: detected, LOST markers counted', async () => {
  const file = fixture('ftrace', 'trace-pipe-lost.txt');
  const text = await readFile(file, 'utf8');
  const out = await ingest(file);
  assert.equal(out.tool, 'ftrace');
  const lost = [...text.matchAll(/\[LOST (\d+) EVENTS\]/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(out.summary['lostEvents'], lost);
  assert.equal(value(out, 'ftrace.lost_events'), lost);
});

test('trace-cmd report: event counts; a .gz report is read through gunzip', async () => {
  const events = fixture('ftrace', 'trace-cmd-report-events.txt');
  const out = await ingest(events);
  assert.equal(out.tool, 'trace-cmd');
  const text = await readFile(events, 'utf8');
  const byEvent = out.summary['events'] as Record<string, number>;
  for (const name of ['sched_switch', 'sys_enter_read', 'sys_exit_read']) {
    const n = text.split('\n').filter((l) => new RegExp(`\\d: ${name}:`).test(l)).length;
    assert.equal(byEvent[name], n, name);
    assert.equal(value(out, `events.${name}.count`), n);
  }

  const gz = fixture('ftrace', 'lab-7', 'trace-cmd-fgraph-iommu.txt.gz');
  const report = gunzipSync(await readFile(gz)).toString('utf8');
  const gzOut = await ingest(gz);
  assert.equal(gzOut.tool, 'trace-cmd');
  const tryAllocs = report.split('\n').filter((l) => /funcgraph_entry:.*\|\s+dma_iova_try_alloc\(\)/.test(l)).length;
  assert.ok(tryAllocs > 0);
  assert.equal(value(gzOut, 'dma_iova_try_alloc.calls'), tryAllocs);
  const maps = report.split('\n').filter((l) => /\d: map:\s+IOMMU:/.test(l)).length;
  assert.equal(value(gzOut, 'iommu.map.calls'), maps);
});

test('a gzip-compressed ftrace text gives the same result as the plain one', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-ingest-gz-'));
  try {
    const plain = fixture('ftrace', 'lab-7', 'function-noirqinfo.txt');
    const gz = path.join(dir, 'function-noirqinfo.txt.gz');
    await writeFile(gz, gzipSync(await readFile(plain)));
    const a = await ingest(plain);
    const b = await ingest(gz);
    assert.equal(b.tool, 'ftrace');
    assert.deepEqual(b.measurements, a.measurements);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--tool forces a parser; a file that is not what it says exits 2', async () => {
  const r = await runCli(['ingest', fixture('perf', 'script-dd.txt'), '--tool', 'perf-stat']);
  assert.equal(r.exitCode, 2, String(r.stderr));
  assert.match(String(r.stderr), /script-dd\.txt|perf stat/);
  const ok = await ingest(fixture('perf', 'stat-7.2-lab.csv'), ['--tool', 'perf-stat']);
  assert.equal(value(ok, 'perf.cycles'), null);
});

test('ingest registry: the tools it lists (help, errors) are the names of the parsers it loads, in detection order', async () => {
  const parsers = await ingestParsers();
  assert.deepEqual(
    parsers.map((p) => p.tool),
    ingestTools,
  );
  assert.deepEqual(
    parsers.filter((p) => p.folded).map((p) => p.tool),
    ['perf-script'],
  );
});
