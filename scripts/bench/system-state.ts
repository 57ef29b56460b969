// How long recording the system's state takes: collectSystemState (every bundle's manifest, at the
// start of each run) and probeTools (the tool versions inside it), in one process, after one
// warm-up call each. Replaces the unit tests' old "within a second" assertions, which failed on
// a loaded 2-core machine without saying anything about dmabench.
// Usage: node --import tsx scripts/bench/system-state.ts [calls]
import { collectSystemState } from '../../core/system/index.js';
import { probeTools } from '../../core/system/tools.js';
import { describe } from '../../reports/stats/descriptive.js';

const calls = Number(process.argv[2] ?? 10);

async function time(name: string, fn: () => Promise<unknown>): Promise<void> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  const d = describe(ms);
  console.log(`${name}: median ${d.median?.toFixed(0)} ms, max ${d.max?.toFixed(0)} ms over ${d.n} calls (goal < 1000 ms)`);
}

await time('collectSystemState', () => collectSystemState());
await time('probeTools', () => probeTools());
