// How fast `compare` is, and how often it is right, on a synthetic pair shaped like
// configs/microbench.yaml: its 126 cells, the 28 metrics the microbench collector reports per cell
// (collectors/microbench/metrics.ts turns a made-up dma_bench result into them, so names, units,
// directions and roles are the real ones), N repetitions per side, 2% lognormal noise on every
// value, and a true +5% shift of every metric on half of the cells (chosen with the seed).
//
// Both bundles are written as real bundles (manifest.json, samples.jsonl) in a temporary
// directory, and `compare` runs as a whole process, as a user would run it, from the built CLI
// (`npm run build` first). Prints, per repetition count: the median wall time of
// `compare --format text` over several runs, the share of the unchanged cells' primary rows called
// a change (regression or improvement), the share of the shifted cells' primary rows found, and
// whether any descriptive row was starred. Exits 1 when a figure misses the target.
//
// Usage: node --import tsx scripts/bench/compare-synthetic.ts [--reps 5,10] [--runs 5] [--seed 1] [--keep]
import { mkdtemp, rm, writeFile, mkdir, access } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { loadPlan } from '../../runner/plan.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import type { MicrobenchResult, PhaseStats } from '../../collectors/microbench/types.js';
import { metricRole, type Sample } from '../../model/measurement.js';
import { BUNDLE_SCHEMA_VERSION, type Manifest } from '../../model/bundle.js';
import type { Comparison } from '../../reports/compare/types.js';
import { mulberry32, type Random } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { median } from '../../reports/stats/descriptive.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const repsList = option('reps', '5,10').split(',').map(Number);
const runs = Number(option('runs', '5'));
const seed = Number(option('seed', '1'));
const keep = process.argv.includes('--keep');
const NOISE_COV = 0.02;
const SHIFT = 1.05;

/** A plausible dma_bench phase: percentiles above the median, extremes around them (ns). */
function phase(p50: number): PhaseStats {
  return { count: 10000, mean: p50 * 1.05, stdev: p50 * 0.2, min: p50 * 0.7, max: p50 * 30, p50, p90: p50 * 1.3, p99: p50 * 2.1, p999: p50 * 6 };
}

/** The made-up result of one cell: costs grow with the segment count, as they do. */
function result(params: Record<string, unknown>): MicrobenchResult {
  const segs = Number(params.segs ?? 1);
  const map = 300 + 120 * segs;
  const unmap = 250 + 90 * segs;
  return {
    formatVersion: 1,
    kernel: 'synthetic',
    clock: 'local_clock',
    device: { bdf: null, iommuDomain: 'DMA' },
    request: { api: 'sg', size: 4096 * segs, segs, dir: 'to_device', threads: 1, iters: 10000, warmup: 1000, layout: 'scattered', segSize: 4096 },
    status: 'ok',
    path: 'sg',
    errno: 0,
    reason: null,
    wallNs: 1e8,
    batch: 1,
    timerOverheadNs: 25,
    workers: [],
    threads: [],
    histograms: {},
    all: { cpu: -1, phases: { map: phase(map), unmap: phase(unmap), total: phase(map + unmap) } },
  };
}

interface CellPlan {
  workload: string;
  cell: string;
  tool: string;
  params: Record<string, unknown>;
  shifted: boolean;
}

function samples(cells: CellPlan[], reps: number, candidate: boolean, random: Random, bootId: string): Sample[] {
  const sigma = lognormalSigma(NOISE_COV);
  const out: Sample[] = [];
  let order = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const c of cells) {
      const factor = candidate && c.shifted ? SHIFT : 1;
      for (const m of microbenchMeasurements(result(c.params))) {
        const value = m.value === null ? null : m.value * factor * Math.exp(sigma * standardNormal(random));
        out.push({ ...m, value, workload: c.workload, cell: c.cell, rep, pass: 'timed', tool: 'microbench', bootId, order });
      }
      order++;
    }
  }
  return out;
}

async function writeBundle(dir: string, label: string, cells: CellPlan[], list: Sample[], bootId: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    label,
    status: 'complete',
    startedAt: new Date(0).toISOString(),
    dmabenchVersion: 'synthetic',
    campaign: { name: 'microbench (synthetic)' },
    system: null,
    boots: [{ bootId, at: new Date(0).toISOString() }],
    cells: cells.map(({ workload, cell, tool, params }) => ({ workload, cell, tool, params })),
    done: {},
    errors: [],
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(path.join(dir, 'samples.jsonl'), list.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

async function compare(base: string, cand: string, format: string): Promise<{ seconds: number; stdout: string }> {
  const start = performance.now();
  const r = await execa(process.execPath, [cli, 'compare', base, cand, '--format', format], { reject: false });
  const seconds = (performance.now() - start) / 1000;
  if (r.exitCode !== 0) throw new Error(`compare exited ${r.exitCode}: ${String(r.stderr)}`);
  return { seconds, stdout: String(r.stdout) };
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}% (${part} of ${whole})`;
}

try {
  await access(cli);
} catch {
  console.error(`${cli} is missing: run npm run build first`);
  process.exit(2);
}

const { plan } = await loadPlan(path.join(repoRoot, 'configs', 'microbench.yaml'));
const choose = mulberry32(seed);
// Exactly half of the cells shifted, which half decided by the seed.
const order = plan.cells.map((c, i) => ({ i, key: choose() })).sort((a, b) => a.key - b.key);
const shiftedIndexes = new Set(order.slice(0, plan.cells.length / 2).map((o) => o.i));
const cells: CellPlan[] = plan.cells.map((c, i) => ({ workload: c.workload.name, cell: c.key, tool: c.workload.tool, params: c.params, shifted: shiftedIndexes.has(i) }));
const metricsPerCell = microbenchMeasurements(result(cells[0]!.params)).length;
console.log(
  `synthetic microbench pair: ${cells.length} cells x ${metricsPerCell} metrics, ${NOISE_COV * 100}% lognormal noise, ` +
    `+${Math.round((SHIFT - 1) * 100)}% on every metric of ${shiftedIndexes.size} cells, seed ${seed}`,
);

let missed = false;
const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-compare-synthetic-'));
try {
  for (const reps of repsList) {
    const random = mulberry32(seed * 1000 + reps);
    const base = path.join(dir, `base-${reps}`);
    const cand = path.join(dir, `cand-${reps}`);
    await writeBundle(base, 'base', cells, samples(cells, reps, false, random, 'boot-base'), 'boot-base');
    await writeBundle(cand, 'cand', cells, samples(cells, reps, true, random, 'boot-cand'), 'boot-cand');

    const times: number[] = [];
    for (let r = 0; r < runs; r++) times.push((await compare(base, cand, 'text')).seconds);
    const c = JSON.parse((await compare(base, cand, 'json')).stdout) as Comparison;
    const shiftedCells = new Set(cells.filter((x) => x.shifted).map((x) => x.cell));
    let unchanged = 0;
    let calledChange = 0;
    let starredUnchanged = 0;
    let shifted = 0;
    let found = 0;
    let descriptiveStarred = 0;
    for (const row of c.rows) {
      const cand0 = row.candidates[0]!;
      if (row.role === 'descriptive' && cand0.significant) descriptiveStarred++;
      if (metricRole(row) !== 'primary' || row.role !== 'primary') continue;
      const isChange = cand0.verdict === 'regression' || cand0.verdict === 'improvement';
      if (shiftedCells.has(row.cell)) {
        shifted++;
        // Every microbench metric is lower-is-better: a true rise is a regression.
        if (cand0.verdict === 'regression') found++;
      } else {
        unchanged++;
        if (isChange) calledChange++;
        if (cand0.significant) starredUnchanged++;
      }
    }
    const t = median(times);
    const calledShare = calledChange / unchanged;
    const foundShare = found / shifted;
    console.log(`\nn = ${reps} per side (${c.rows.length} rows)`);
    console.log(
      `  compare --format text: median ${t.toFixed(2)} s over ${runs} runs (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}; ` +
        `load average ${loadavg()[0]!.toFixed(1)})`,
    );
    console.log(`  unchanged cells' primary rows called a change: ${pct(calledChange, unchanged)}, starred ${starredUnchanged}`);
    console.log(`  shifted cells' primary rows found (regression): ${pct(found, shifted)}`);
    console.log(`  descriptive rows starred: ${descriptiveStarred === 0 ? 'none' : descriptiveStarred}`);
    // The targets: <= 1% called, >= 40% found at n = 5, no descriptive star, <= 1 s.
    if (calledShare > 0.01 || descriptiveStarred > 0 || (reps === 5 && foundShare < 0.4) || (reps === 5 && t > 1)) missed = true;
  }
} finally {
  if (keep) console.log(`bundles kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
console.log(missed ? '\na target was missed' : '\nall targets met (<= 1% of unchanged called a change, >= 40% of shifted found at n = 5, no descriptive star, <= 1 s at n = 5)');
process.exit(missed ? 1 : 0);
