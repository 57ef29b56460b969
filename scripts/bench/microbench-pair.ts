// A base/candidate pair of bundles shaped like configs/microbench.yaml, for the report benchmarks
// (report-speed.ts, clinic-doctor.ts). No bundle of that campaign was ever captured (its 146 cells
// take ~28 min per kernel on real hardware), so its samples are derived from the real dma_bench
// results of test/fixtures/dma_bench/hist/ (each the unedited result.txt of a lab run; that
// directory's README says how they were made) by the collector's own code, as a run would:
//
// - the cells: configs/microbench.yaml planned by runner/plan.ts loadPlan (146 cells: the 126 of
//   its map-* workloads and the 20 of its nvme-read-* ones), 5 timed repetitions each (its
//   `repetitions`);
// - the base is 6.12, the candidate 7.2 (the strict-mode results of each kernel); per cell, the
//   source is that kernel's result of the same api (scattered, batch auto, interrupts on) whose
//   segment count is nearest the cell's (1 or 16), then whose thread count is;
// - the documented perturbation, on the parsed result before the collector sees it: its request
//   is the cell's (requestFromParams, as the collector writes it), and every time statistic of
//   the map, unmap and total phases (mean, stdev, min, max, percentiles) is multiplied by
//   cell segments / source segments (the cost of these paths grows about linearly with the
//   segments) and, per repetition and phase, by exp(σ·Z) with Z standard normal from
//   mulberry32(seed) and σ giving a 2% coefficient of variation (lognormal noise, as in
//   compare-synthetic.ts). The timer, the batch and the per-worker counts stay the source's;
// - then collectors/microbench/metrics.ts microbenchMeasurements makes the samples (stamped as
//   runner/run.ts stamps them: workload, cell, rep, pass timed, tool, boot id, run order), and
//   collectors/microbench/histograms.ts the raw/<cell>/timed-<rep>/histograms.json, from the
//   source result unscaled (no chart draws them yet; they make raw/ what a run leaves);
// - 6.12's link results are `unsupported` (6.12 has no link API): those cells have no samples,
//   as in a real 6.12 bundle;
// - the manifest: the real manifest of the same lab's bundle of that kernel
//   (test/fixtures/bundles/lab-profile-schema2-<kernel>/manifest.json: system state, boot, lab),
//   its campaign, hash, file and cells replaced by microbench.yaml's, `done` marking every
//   timed repetition; campaign.yaml beside it is configs/microbench.yaml.
//
// Read as files, never imported from test/: scripts do not depend on the test code.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadPlan } from '../../runner/plan.js';
import type { PlannedCell } from '../../runner/plan.js';
import { campaignHash } from '../../core/campaign/identity.js';
import { readManifest } from '../../core/bundle/read.js';
import { serializeHistograms } from '../../core/bundle/histograms.js';
import { CAMPAIGN_COPY_FILE, HISTOGRAMS_FILE, manifestPath, passKey, rawRepDir, samplesPath } from '../../core/bundle/layout.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import { microbenchHistograms } from '../../collectors/microbench/histograms.js';
import { microbenchParamsSchema, requestFromParams } from '../../collectors/microbench/params.js';
import type { MicrobenchResult, PhaseStats } from '../../collectors/microbench/types.js';
import type { Sample } from '../../model/measurement.js';
import type { Campaign } from '../../model/campaign.js';
import { mulberry32, type Random } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { packageRoot } from '../../core/version.js';
import { capture } from './captures.js';

export const CAMPAIGN_FILE = path.join(packageRoot, 'configs', 'microbench.yaml');
const HIST_DIR = capture('dma_bench', 'hist');
const NOISE_COV = 0.02;
const TIME_KEYS = ['mean', 'stdev', 'min', 'max', 'p50', 'p90', 'p99', 'p999'] as const satisfies readonly (keyof PhaseStats)[];

export type PairKernel = '6.12' | '7.2';

export interface PairBundles {
  base: string;
  cand: string;
  cells: number;
  samples: { base: number; cand: number };
  description: string;
}

interface Source {
  file: string;
  result: MicrobenchResult;
}

/** That kernel's strict-mode results, scattered, batch auto, interrupts on (passthrough's are another boot). */
async function sources(kernel: PairKernel): Promise<Source[]> {
  const files = (await readdir(HIST_DIR)).filter((f) => f.startsWith(`${kernel}-`) && !f.includes('passthrough') && f.endsWith('.txt')).sort();
  const out: Source[] = [];
  for (const file of files) {
    const result = parseMicrobenchResult(await readFile(path.join(HIST_DIR, file), 'utf8'));
    const r = result.request;
    if (r && r.layout === 'scattered' && r.irqs !== 'off' && !r.batch) out.push({ file, result });
  }
  return out;
}

/** The source nearest the cell: same api, then segment count (log distance), then threads. */
function sourceFor(cell: PlannedCell, all: readonly Source[]): Source {
  const params = microbenchParamsSchema.parse(cell.params);
  const same = all.filter((s) => s.result.request?.api === params.api);
  const distance = (s: Source): [number, number] => [
    Math.abs(Math.log2(params.segs) - Math.log2(s.result.request!.segs)),
    Math.abs((params.threads ?? 1) - (s.result.request!.threads ?? 1)),
  ];
  const best = [...same].sort((a, b) => {
    const [da, db] = [distance(a), distance(b)];
    return da[0] - db[0] || da[1] - db[1] || a.file.localeCompare(b.file);
  })[0];
  if (!best) throw new Error(`no ${params.api} result in ${HIST_DIR}`);
  return best;
}

/** One repetition's result: the source with the cell's request and its times scaled and perturbed. */
function perturbed(source: MicrobenchResult, cell: PlannedCell, random: Random, sigma: number): MicrobenchResult {
  const result = structuredClone(source);
  const request = requestFromParams(microbenchParamsSchema.parse(cell.params));
  const scale = request.segs / (source.request?.segs ?? 1);
  // The echo says what the cell asked for (the keys this older format echoes, and the cell's others).
  if (result.request) Object.assign(result.request, Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)));
  if (result.all) {
    for (const phase of ['map', 'unmap', 'total'] as const) {
      const stats = result.all.phases[phase];
      if (!stats) continue;
      const factor = scale * Math.exp(sigma * standardNormal(random));
      for (const key of TIME_KEYS) stats[key] *= factor;
    }
  }
  return result;
}

async function writeBundle(dir: string, kernel: PairKernel, cells: readonly PlannedCell[], campaign: { value: Campaign; text: string }, random: Random): Promise<number> {
  const manifest = await readManifest(capture('bundles', `lab-profile-schema2-${kernel}`));
  const bootId = manifest.boots?.[0]?.bootId;
  const all = await sources(kernel);
  const sigma = lognormalSigma(NOISE_COV);
  const samples: Sample[] = [];
  const done: Record<string, number[]> = {};
  let order = 0;
  const reps = Math.max(...cells.map((c) => c.repetitions.max));
  for (let rep = 0; rep < reps; rep++) {
    for (const cell of cells) {
      if (rep >= cell.repetitions.max) continue;
      const source = sourceFor(cell, all).result;
      const result = perturbed(source, cell, random, sigma);
      for (const m of microbenchMeasurements(result)) {
        samples.push({ ...m, workload: cell.workload.name, cell: cell.key, rep, pass: 'timed', tool: 'microbench', ...(bootId ? { bootId } : {}), order });
      }
      const histograms = microbenchHistograms(source);
      if (histograms.length > 0) {
        const rawDir = rawRepDir(dir, cell.dir, 'timed', rep);
        await mkdir(rawDir, { recursive: true });
        await writeFile(path.join(rawDir, HISTOGRAMS_FILE), serializeHistograms('microbench', histograms));
      }
      (done[passKey(cell.key, 'timed')] ??= []).push(rep);
      order++;
    }
  }
  manifest.campaign = campaign.value;
  manifest.campaignHash = campaignHash(campaign.value);
  manifest.campaignFile = CAMPAIGN_FILE;
  manifest.cells = cells.map((c) => ({ workload: c.workload.name, cell: c.key, tool: c.workload.tool, params: c.params }));
  manifest.done = done;
  manifest.errors = [];
  delete manifest.schedule;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, CAMPAIGN_COPY_FILE), campaign.text);
  await writeFile(samplesPath(dir), samples.map((s) => JSON.stringify(s) + '\n').join(''));
  await writeFile(manifestPath(dir), JSON.stringify(manifest, null, 2) + '\n');
  return samples.length;
}

/** Writes `dir`/6.12 (base) and `dir`/7.2 (candidate). */
export async function writeMicrobenchPair(dir: string, seed = 1): Promise<PairBundles> {
  const { campaign, text, plan } = await loadPlan(CAMPAIGN_FILE);
  const reps = Math.max(...plan.cells.map((c) => c.repetitions.max));
  const random = mulberry32(seed);
  const base = path.join(dir, '6.12');
  const cand = path.join(dir, '7.2');
  const samples = {
    base: await writeBundle(base, '6.12', plan.cells, { value: campaign, text }, random),
    cand: await writeBundle(cand, '7.2', plan.cells, { value: campaign, text }, random),
  };
  return {
    base,
    cand,
    cells: plan.cells.length,
    samples,
    description:
      `configs/microbench.yaml planned: ${plan.cells.length} cells x ${reps} repetitions; samples from the real dma_bench results of ` +
      `test/fixtures/dma_bench/hist (6.12 base, 7.2 candidate) through the collector's code, times scaled by segments and ` +
      `${NOISE_COV * 100}% lognormal noise (seed ${seed}); ${samples.base} + ${samples.cand} samples`,
  };
}
