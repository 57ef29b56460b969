// Runs one target's cases in a worker thread (run.ts starts it), so a parser stuck in a loop can be
// stopped from outside. Before each case it tells the main thread which case it starts; at the
// end it sends the counts and the findings.
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ParseError } from '../../../model/parse-error.js';
import { excerpt, generateCase } from './cases.js';
import { implausibilities } from './plausible.js';
import type { FuzzTarget } from './targets.js';
import type { CaseEnd, CaseStart, WorkerData, WorkerMessage } from './run.js';

const data = workerData as WorkerData;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

function describe(e: unknown): string {
  if (e instanceof Error) return `threw ${e.name}: ${e.message.split('\n')[0]!.slice(0, 300)}`;
  return `threw a non-Error: ${String(e).slice(0, 300)}`;
}

async function main(): Promise<void> {
  const { allTargets } = (await import(data.targetsModule)) as { allTargets: FuzzTarget[] };
  const target = allTargets.find((t) => t.name === data.target);
  if (!target) throw new Error(`no fuzz target ${data.target}`);
  const seeds = await target.seeds();
  const fileLevel = target.name.startsWith('ingest:');
  post({ type: 'ready', seeds: seeds.length });
  fs.mkdirSync(data.tmpDir, { recursive: true });
  for (const index of data.indices) {
    const c = generateCase(target.name, seeds, fileLevel, data.seed, index);
    const start: CaseStart = { index, seedName: c.seedName, mutators: c.mutators, excerpt: excerpt(c) };
    post({ type: 'start', ...start });
    const file = path.join(data.tmpDir, `case-${index}`);
    const t0 = performance.now();
    let outcome: CaseEnd['outcome'] = 'accepted';
    let problems: string[] = [];
    try {
      const outputs = await target.run({ text: c.text, ...(c.bytes ? { bytes: c.bytes } : {}), file });
      problems = outputs.flatMap((o) => implausibilities(o.measurements, o.tool).map((p) => (outputs.length > 1 ? `${o.tool}: ${p}` : p)));
    } catch (e) {
      if (e instanceof ParseError) outcome = 'parse-error';
      else problems = [describe(e)];
    } finally {
      fs.rmSync(file, { force: true });
    }
    const ms = performance.now() - t0;
    if (ms > data.watchdogMs) problems.push(`took ${(ms / 1000).toFixed(1)} s (watchdog ${data.watchdogMs / 1000} s)`);
    if (problems.length > 0) {
      outcome = 'finding';
      post({ type: 'end', outcome, ms, finding: { ...start, problem: problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (+${problems.length - 3} more)` : '') } });
    } else post({ type: 'end', outcome, ms });
  }
  post({ type: 'done' });
}

main().catch((e: unknown) => post({ type: 'crash', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
