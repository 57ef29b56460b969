// Clinic.js Doctor (@clinic/doctor, issue 13 item 11) over `dmabench report` on a large synthetic
// bundle set: the pair shaped like configs/microbench.yaml of microbench-pair.ts (146 cells × 5
// repetitions per side, from real dma_bench results). Doctor samples the process (event-loop
// delay, CPU, memory, handles, event-loop utilisation) every 10 ms, then classifies what held
// it back: none, event loop (synchronous work), GC, I/O, or data (too few samples to tell).
//
// @clinic/doctor is not a dependency of dmabench: it is installed on demand, with npm, into
// --tool-dir (default node_modules/.cache/dmabench-clinic-doctor, which git ignores), at major 11
// (the newest, which runs on Node 20; it has no command line of its own, so this script drives
// its programmable interface: collect, then visualize). The report runs from the built CLI
// (`npm run build` first), as a user runs it. Writes into --out (default
// clinic-doctor-output/, which git ignores): bundles/, report.html, Doctor's data directory
// (<pid>.clinic-doctor/) and its page (<pid>.clinic-doctor.html); prints where, Doctor's
// verdict per issue and its recommendation's summary.
//
// Usage: node --import tsx scripts/bench/clinic-doctor.ts [--out DIR] [--tool-dir DIR] [--seed 1]
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../core/version.js';
import { writeMicrobenchPair } from './microbench-pair.js';

const DOCTOR = '@clinic/doctor@^11';
const cli = path.join(packageRoot, 'dist', 'cli', 'main.js');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const outDir = path.resolve(option('out', path.join(packageRoot, 'clinic-doctor-output')));
const toolDir = path.resolve(option('tool-dir', path.join(packageRoot, 'node_modules', '.cache', 'dmabench-clinic-doctor')));
const seed = Number(option('seed', '1'));

/** The part of @clinic/doctor's interface used here (index.js, analysis/, format/ of major 11). */
interface ClinicDoctor {
  collect(args: string[], callback: (err: Error | null, dataDir: string) => void): void;
  visualize(dataDir: string, outputHtml: string, callback: (err: Error | null) => void): void;
}
type DoctorConstructor = new (settings: { dest?: string; sampleInterval?: number }) => ClinicDoctor;
interface ProcessSample {
  timestamp: number;
  delay: number;
  cpu: number;
  memory: { rss: number; heapUsed: number };
  loopUtilization: number;
}
interface GcEvent {
  name: string;
  args: { startTimestamp: number; endTimestamp: number };
}
interface DoctorAnalysis {
  interval: [number, number];
  issues: { delay: string; cpu: string; memory: Record<string, string>; handles: string; loopUtilization: string };
  issueCategory: string;
}

async function installDoctor(): Promise<NodeJS.Require> {
  const doctorRequire = createRequire(path.join(toolDir, 'package.json'));
  try {
    doctorRequire.resolve('@clinic/doctor');
  } catch {
    console.log(`installing ${DOCTOR} into ${toolDir} (not a dependency of dmabench) ...`);
    await mkdir(toolDir, { recursive: true });
    await execa('npm', ['install', '--prefix', toolDir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', DOCTOR], { stdio: 'inherit' });
  }
  return doctorRequire;
}

/** Doctor's own analysis of a data directory, as its visualize step computes it for the page, and the samples it read. */
function analyse(doctorRequire: NodeJS.Require, dataDir: string): Promise<{ analysis: DoctorAnalysis; samples: ProcessSample[]; gc: GcEvent[] }> {
  const fs = doctorRequire('fs') as typeof import('node:fs');
  const pumpify = doctorRequire('pumpify') as { obj: (...streams: unknown[]) => NodeJS.ReadableStream };
  const Analysis = doctorRequire('@clinic/doctor/analysis/index.js') as new (...readers: unknown[]) => NodeJS.ReadableStream;
  const SystemInfoDecoder = doctorRequire('@clinic/doctor/format/system-info-decoder.js') as new () => unknown;
  const TraceEventDecoder = doctorRequire('@clinic/doctor/format/trace-event-decoder.js') as new (s: unknown) => unknown;
  const ProcessStatDecoder = doctorRequire('@clinic/doctor/format/process-stat-decoder.js') as new () => unknown;
  const common = doctorRequire('@clinic/clinic-common') as { getLoggingPaths: (tool: string) => (o: { path: string }) => Record<string, string> };
  const paths = common.getLoggingPaths('doctor')({ path: dataDir });
  const systemInfo = pumpify.obj(fs.createReadStream(paths['/systeminfo']!), new SystemInfoDecoder());
  const traceEvent = pumpify.obj(fs.createReadStream(paths['/traceevent']!), new TraceEventDecoder(systemInfo));
  const processStat = pumpify.obj(fs.createReadStream(paths['/processstat']!), new ProcessStatDecoder());
  const samples: ProcessSample[] = [];
  const gc: GcEvent[] = [];
  processStat.on('data', (d: ProcessSample) => samples.push(d));
  traceEvent.on('data', (d: GcEvent) => gc.push(d));
  return new Promise((resolve, reject) => {
    const analysis = new Analysis(systemInfo, traceEvent, processStat);
    analysis.on('data', (d: DoctorAnalysis) => resolve({ analysis: d, samples, gc }));
    analysis.on('error', reject);
  });
}

try {
  await access(cli);
} catch {
  console.error(`${cli} is missing: run npm run build first`);
  process.exit(2);
}

const doctorRequire = await installDoctor();
const Doctor = doctorRequire('@clinic/doctor') as DoctorConstructor;
const doctorVersion = (JSON.parse(await readFile(doctorRequire.resolve('@clinic/doctor/package.json'), 'utf8')) as { version: string }).version;

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const pair = await writeMicrobenchPair(path.join(outDir, 'bundles'), seed);
console.log(pair.description);

const doctor = new Doctor({ dest: outDir, sampleInterval: 10 });
const reportFile = path.join(outDir, 'report.html');
const args = [process.execPath, cli, 'report', pair.base, pair.cand, '--out', reportFile];
console.log(`@clinic/doctor ${doctorVersion} on Node ${process.version}: ${['node', ...args.slice(1).map((a) => path.relative(process.cwd(), a) || a)].join(' ')}`);
const dataDir = await new Promise<string>((resolve, reject) => doctor.collect(args, (err, dir) => (err ? reject(err) : resolve(dir))));
const page = `${dataDir}.html`;
await new Promise<void>((resolve, reject) => doctor.visualize(dataDir, page, (err) => (err ? reject(err) : resolve())));
const { analysis, samples, gc } = await analyse(doctorRequire, dataDir);
const [from, to] = analysis.interval;
const inside = samples.filter((x) => x.timestamp >= from && x.timestamp <= to);
const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
// GC time: the union of V8's GC trace events in the interval (they nest: a major GC's phases are events too).
const spans = gc
  .map((e) => [Math.max(from, e.args.startTimestamp), Math.min(to, e.args.endTimestamp)] as const)
  .filter(([a, b]) => b > a)
  .sort((x, y) => x[0] - y[0]);
let gcMs = 0;
let end = -Infinity;
for (const [a, b] of spans) {
  if (b <= end) continue;
  gcMs += b - Math.max(a, end);
  end = b;
}

const summaryFile = doctorRequire.resolve(`@clinic/doctor/recommendations/${analysis.issueCategory}-summary.md`);
const summary = (await readFile(summaryFile, 'utf8')).replace(/<[^>]+>/g, '').replace(/\n{2,}/g, '\n').trim();
console.log(`\nDoctor's data: ${dataDir}\nDoctor's page: ${page}\nthe report:    ${reportFile}`);
console.log(`\nanalysed interval: ${((analysis.interval[1] - analysis.interval[0]) / 1000).toFixed(2)} s`);
console.log(
  `issues (none / performance / data): event-loop delay ${analysis.issues.delay}, CPU ${analysis.issues.cpu}, ` +
    `memory ${Object.entries(analysis.issues.memory).map(([k, v]) => `${k} ${v}`).join(', ')}, handles ${analysis.issues.handles}, ` +
    `event-loop utilisation ${analysis.issues.loopUtilization}`,
);
console.log(
  `in it: event-loop delay median ${mid(inside.map((x) => x.delay)).toFixed(0)} ms, max ${Math.max(...inside.map((x) => x.delay)).toFixed(0)} ms; ` +
    `CPU median ${mid(inside.map((x) => x.cpu * 100)).toFixed(0)}%; event-loop utilisation median ${mid(inside.map((x) => x.loopUtilization)).toFixed(0)}%; ` +
    `heap used max ${(Math.max(...inside.map((x) => x.memory.heapUsed)) / 2 ** 20).toFixed(0)} MiB, RSS max ${(Math.max(...inside.map((x) => x.memory.rss)) / 2 ** 20).toFixed(0)} MiB; ` +
    `GC ${(gcMs / 1000).toFixed(2)} s (${((100 * gcMs) / (to - from)).toFixed(0)}% of it, ${gc.length} V8.GC events in all)`,
);
console.log(`category: ${analysis.issueCategory}\n\n${summary}`);
