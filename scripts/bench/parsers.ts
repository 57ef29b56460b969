// Parser throughput and memory benchmark on real captures (test/fixtures):
//   node --import tsx scripts/bench/parsers.ts [--small-mb 32] [--large-mb 128]
// Throughput (tinybench): function_graph text → per-function stats (target ≥ 100 MB/s) and
// perf script → folded stacks (target ≥ 50 MB/s), on in-memory copies of the fixtures.
// Memory: each parser streams a temp file built by concatenating a capture until it reaches
// --small-mb, then --large-mb; peak RSS growth must not follow the file size (flat: the large
// file's peak may exceed the small one's by at most 32 MB). Exits 1 when a target is missed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import { capture } from './captures.js';
import { parseFunctionGraph } from '../../collectors/ftrace/function-graph.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import type { LineSource } from '../../core/text/lines.js';

const MB = 1024 * 1024;
const argNumber = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const smallMb = argNumber('--small-mb', 32);
const largeMb = argNumber('--large-mb', 128);
const FLAT_SLACK_MB = 32;

interface Subject {
  name: string;
  fixture: string;
  targetMBps: number;
  parse: (src: LineSource) => Promise<unknown>;
}

const subjects: Subject[] = [
  {
    name: 'function_graph text',
    fixture: capture('ftrace', 'lab-7', 'fgraph-default.txt'),
    targetMBps: 100,
    parse: (src) => parseFunctionGraph(src),
  },
  {
    name: 'perf script → folded',
    fixture: capture('perf', 'script-system.txt'),
    targetMBps: 50,
    parse: (src) => foldPerfScript(src),
  },
];

/** The capture repeated until it is at least `bytes` long (whole copies, so lines stay intact). */
function repeated(text: string, bytes: number): string {
  const copies = Math.max(1, Math.ceil(bytes / Buffer.byteLength(text)));
  return text.repeat(copies);
}

async function throughput(): Promise<{ name: string; mbps: number; target: number }[]> {
  const bench = new Bench({ time: 2000, warmupTime: 300 });
  const sizes = new Map<string, number>();
  for (const s of subjects) {
    const input = repeated(fs.readFileSync(s.fixture, 'utf8'), 4 * MB);
    sizes.set(s.name, Buffer.byteLength(input));
    bench.add(s.name, async () => {
      await s.parse(input);
    });
  }
  await bench.run();
  return bench.tasks.map((t) => {
    const r = t.result;
    const meanMs = 'latency' in r ? r.latency.mean : NaN;
    const subject = subjects.find((s) => s.name === t.name);
    return { name: t.name, mbps: (sizes.get(t.name) ?? 0) / MB / (meanMs / 1000), target: subject?.targetMBps ?? 0 };
  });
}

/** Streams `file` through the parser, sampling RSS every 20 ms; returns the peak RSS growth in MB. */
async function peakRssGrowth(s: Subject, file: string): Promise<{ peakMb: number; seconds: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  await s.parse(fs.createReadStream(file, { highWaterMark: 256 * 1024 }));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { peakMb: (peak - base) / MB, seconds };
}

async function writeRepeated(src: string, file: string, bytes: number): Promise<number> {
  const chunk = fs.readFileSync(src);
  const out = fs.createWriteStream(file);
  let written = 0;
  while (written < bytes) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    written += chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return written;
}

async function memory(): Promise<{ name: string; small: number; large: number; largeMBps: number }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmabench-bench-'));
  const rows: { name: string; small: number; large: number; largeMBps: number }[] = [];
  try {
    for (const s of subjects) {
      const smallFile = path.join(dir, 'small.txt');
      const largeFile = path.join(dir, 'large.txt');
      await writeRepeated(s.fixture, smallFile, smallMb * MB);
      const largeBytes = await writeRepeated(s.fixture, largeFile, largeMb * MB);
      const small = await peakRssGrowth(s, smallFile);
      const large = await peakRssGrowth(s, largeFile);
      rows.push({ name: s.name, small: small.peakMb, large: large.peakMb, largeMBps: largeBytes / MB / large.seconds });
      fs.rmSync(smallFile);
      fs.rmSync(largeFile);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

let failed = 0;
console.log('throughput (in-memory, tinybench):');
for (const r of await throughput()) {
  const ok = r.mbps >= r.target;
  if (!ok) failed++;
  console.log(`  ${ok ? 'ok  ' : 'SLOW'} ${r.name.padEnd(22)} ${r.mbps.toFixed(1).padStart(7)} MB/s (target ≥ ${r.target})`);
}
console.log(`memory (streamed from a temp file, ${smallMb} MB vs ${largeMb} MB):`);
for (const r of await memory()) {
  const ok = r.large - r.small <= FLAT_SLACK_MB;
  if (!ok) failed++;
  console.log(
    `  ${ok ? 'ok  ' : 'GROWS'} ${r.name.padEnd(22)} peak RSS +${r.small.toFixed(1)} MB → +${r.large.toFixed(1)} MB; streamed ${r.largeMBps.toFixed(1)} MB/s`,
  );
}
console.log(failed === 0 ? 'parsers bench: all targets met' : `parsers bench: ${failed} target(s) missed`);
process.exitCode = failed === 0 ? 0 : 1;
