// Runs fuzz targets in worker threads under a watchdog: each worker reports the case it starts;
// when a case has not ended after the watchdog time, the worker is terminated, the case is a
// finding ("hang"), and a fresh worker goes on with the next case. Several targets run at once
// (one worker each, up to `parallel`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { casesFor, type FuzzConfig } from './cases.js';

export interface CaseStart {
  index: number;
  seedName: string;
  mutators: string[];
  excerpt: string;
}

export interface Finding extends CaseStart {
  problem: string;
}

export interface WorkerData {
  targetsModule: string;
  target: string;
  seed: number;
  indices: number[];
  watchdogMs: number;
  tmpDir: string;
}

export interface CaseEnd {
  outcome: 'parse-error' | 'accepted' | 'finding';
  ms: number;
  finding?: Finding;
}

/** What a worker says, in order: ready, then start and end for each case, then done. */
export type WorkerMessage =
  | { type: 'ready'; seeds: number }
  | ({ type: 'start' } & CaseStart)
  | ({ type: 'end' } & CaseEnd)
  | { type: 'done' }
  | { type: 'crash'; message: string };

export interface TargetReport {
  target: string;
  seed: number;
  cases: number;
  /** Real captures the cases were made from. */
  seeds: number;
  parseErrors: number;
  accepted: number;
  findings: Finding[];
  slowestMs: number;
  wallMs: number;
}

/** Only the main thread's module loader knows TypeScript: the worker registers tsx before loading its entry. */
function startWorker(data: WorkerData): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: data });
}

/** Time a worker gets to load the parsers and read the fixtures before its first case. */
const STARTUP_MS = 120_000;
/** After this many hangs a target stops by default: each costs a watchdog period and a new worker. */
const MAX_HANGS = 3;

/** How a batch ended: all its cases done, or stuck in one (a hang, a crash). */
interface BatchEnd {
  stuck?: Finding;
}

/** Runs cases in one worker, adding each case's outcome to the report as it arrives. */
function runBatch(data: WorkerData, report: TargetReport): Promise<BatchEnd> {
  return new Promise((resolve) => {
    const worker = startWorker(data);
    let current: CaseStart | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (b: BatchEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(b);
    };
    const stuck = (problem: string): Finding =>
      current ? { ...current, problem } : { index: -1, seedName: '-', mutators: [], excerpt: '', problem: `before the first case: ${problem}` };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ stuck: stuck(`hang: no result after ${(ms / 1000).toFixed(1)} s (watchdog); the worker was terminated`) }), ms);
    };
    arm(STARTUP_MS);
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'ready':
          report.seeds = m.seeds;
          break;
        case 'start':
          current = { index: m.index, seedName: m.seedName, mutators: m.mutators, excerpt: m.excerpt };
          arm(data.watchdogMs);
          break;
        case 'end':
          report.cases++;
          report.slowestMs = Math.max(report.slowestMs, m.ms);
          if (m.outcome === 'parse-error') report.parseErrors++;
          else if (m.outcome === 'accepted') report.accepted++;
          else report.findings.push(m.finding!);
          current = undefined;
          break;
        case 'done':
          finish({});
          break;
        case 'crash':
          finish({ stuck: stuck(`the worker crashed: ${m.message}`) });
          break;
      }
    });
    worker.on('error', (e) => finish({ stuck: stuck(`uncaught in the worker: ${e.name}: ${e.message}`) }));
    worker.on('exit', (code) =>
      finish({ stuck: stuck(code === 0 ? 'the case never ended and nothing was left to run (a promise that never settles)' : `the worker exited with code ${code}`) }),
    );
  });
}

export interface RunOptions {
  /** Module exporting `allTargets` (the harness self-test passes its own). */
  targetsModule?: string;
  tmpDir?: string;
  /** Hangs or crashes after which the target stops (default 3). */
  maxHangs?: number;
}

/** All cases of one target; hangs and crashes become findings and the run goes on after them. */
export async function fuzzTarget(target: { name: string; share: number }, config: FuzzConfig, opts: RunOptions = {}): Promise<TargetReport> {
  const t0 = performance.now();
  const only = config.only?.target === target.name ? config.only.index : undefined;
  let indices = only !== undefined ? [only] : Array.from({ length: casesFor(target.share, config.cases) }, (_, i) => i);
  const report: TargetReport = { target: target.name, seed: config.seed, cases: 0, seeds: 0, parseErrors: 0, accepted: 0, findings: [], slowestMs: 0, wallMs: 0 };
  const tmpDir = path.join(opts.tmpDir ?? os.tmpdir(), `dmabench-fuzz-${process.pid}-${target.name.replace(/[^\w.-]/g, '_')}`);
  let hangs = 0;
  while (indices.length > 0) {
    const data: WorkerData = {
      targetsModule: opts.targetsModule ?? new URL('./targets.ts', import.meta.url).href,
      target: target.name,
      seed: config.seed,
      indices,
      watchdogMs: config.watchdogMs,
      tmpDir,
    };
    const b = await runBatch(data, report);
    if (!b.stuck) break;
    // Hung or crashed: the stuck case is a finding; a fresh worker goes on after it.
    report.cases++;
    report.findings.push(b.stuck);
    hangs++;
    const next = indices.indexOf(b.stuck.index) + 1;
    if (hangs >= (opts.maxHangs ?? MAX_HANGS) || next <= 0) break;
    indices = indices.slice(next);
  }
  fs.rmSync(tmpDir, { recursive: true, force: true });
  report.wallMs = performance.now() - t0;
  return report;
}

/** Runs targets `parallel` at a time; each promise resolves when its target ends. */
export function fuzzTargets(targets: { name: string; share: number }[], config: FuzzConfig, parallel: number, opts: RunOptions = {}): Map<string, Promise<TargetReport>> {
  const out = new Map<string, Promise<TargetReport>>();
  const waiting: (() => void)[] = [];
  let running = 0;
  const slot = (): Promise<void> => {
    if (running < parallel) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  for (const t of targets) {
    out.set(
      t.name,
      slot().then(async () => {
        try {
          return await fuzzTarget(t, config, opts);
        } finally {
          release();
        }
      }),
    );
  }
  return out;
}

/** Findings grouped by what happened (numbers and quoted text masked), largest group first. */
export function groupFindings(findings: Finding[]): { problem: string; first: Finding; count: number }[] {
  const groups = new Map<string, { problem: string; first: Finding; count: number }>();
  for (const f of findings) {
    const key = f.problem.replace(/"[^"]*"/g, '"…"').replace(/\[[^\]]*\]/g, '[…]').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N');
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { problem: key, first: f, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** The failure message of a target: seed, how to reproduce, one line per kind of finding. */
export function formatFindings(r: TargetReport): string {
  const groups = groupFindings(r.findings);
  const lines = [
    `${r.target}: ${r.findings.length} of ${r.cases} cases failed (seed ${r.seed}); reproduce one with DMABENCH_FUZZ_SEED=${r.seed} DMABENCH_FUZZ_ONLY=${r.target}#<case>`,
  ];
  for (const g of groups.slice(0, 15)) {
    const f = g.first;
    lines.push(`- case ${f.index} [${f.mutators.join(' + ') || 'unmutated'}] of ${f.seedName}: ${f.problem}${g.count > 1 ? ` (and ${g.count - 1} more cases like it)` : ''}`);
    if (f.excerpt) lines.push(`    input: ${f.excerpt}`);
  }
  if (groups.length > 15) lines.push(`- … ${groups.length - 15} more kinds of finding`);
  return lines.join('\n');
}
