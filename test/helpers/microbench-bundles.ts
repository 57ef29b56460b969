// Bundles of dma_bench results for report tests. No bundle fixture holds microbenchmark samples
// (test/fixtures/bundles/ has fio, profilers and ib_write_bw), so these are made from real module
// results by the real collector code, as a run would make them:
//
// - the cells: test/fixtures/dma_bench/hist/campaign.yaml, the campaign those results were
//   captured with (its README), planned by runner/plan.ts loadPlan;
// - each `<kernel>-*.txt` of that directory (the unedited raw/<cell>/timed-0/result.txt of the
//   lab run) parsed by collectors/microbench/parse.ts, matched to the cell whose request the
//   collector would write (requestFromParams) by the collector's own echo check
//   (requestMismatches; over the keys the result's format echoes: these are v2 results, from a
//   module without inflight and sg_build), and turned into Measurements by collectors/microbench/metrics.ts; each
//   stamped as runner/run.ts stamps them (workload, cell, rep 0, pass timed, tool microbench);
// - the manifest: the real manifest of the same lab's bundle of that kernel
//   (test/fixtures/bundles/lab-profile-schema2-<kernel>/manifest.json: the same lab image kernel,
//   QEMU, `--iommu strict`, caching mode on), its `cells` replaced by the campaign's cells and
//   its `done` emptied (it marked the fio cells of that run).
// - `7.2-passthrough`: the two `7.2-passthrough-*` results, from a third boot of the same
//   campaign under `--iommu passthrough` (link fell back to dma_map_phys: `fallback.*` samples),
//   with the 7.2 manifest whose IOMMU mode and label say passthrough (system.iommu.mode set to
//   `passthrough`, `iommu=strict` in the label replaced) planning only the two cells kept.
//
// Only repetition 0 of each cell was kept in the fixtures, so every point has n=1. The link
// results of 6.12 are `unsupported`: their cells have no samples, as in the real bundle. Every
// cell with a result has repetition 0 marked done in the manifest, as the runner marks it.
//
// With `rawDir` (a fresh directory), the bundle lives there, and its raw/ is laid out as the
// runner lays it out (core/bundle/layout.ts rawRepDir: raw/<cellDirName(cell)>/timed-0/): the
// result as result.txt and, where the fixture has one (every result that measured), the
// `.histograms.json` beside it copied unchanged as histograms.json: those are the very files the
// collector wrote into the guest's raw/<cell>/timed-0/ (the fixtures' README).
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedBundle } from '../../model/bundle.js';
import { readManifest } from '../../core/bundle/read.js';
import { HISTOGRAMS_FILE, passKey, rawRepDir } from '../../core/bundle/layout.js';
import { cellDirName } from '../../core/campaign/matrix.js';
import type { Sample } from '../../model/measurement.js';
import { loadPlan } from '../../runner/plan.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import { microbenchParamsSchema, requestFromParams } from '../../collectors/microbench/params.js';
import { requestMismatches } from '../../collectors/microbench/request.js';
import { rawFiles } from '../../collectors/microbench/workload.js';
import type { MicrobenchEcho, MicrobenchRequest } from '../../collectors/microbench/types.js';
import { repoRoot } from './paths.js';

export const histDir = path.join(repoRoot, 'test/fixtures/dma_bench/hist');

export type LabKernel = '6.12' | '7.2' | '7.2-passthrough';

/** The request without the keys a result of an older format does not echo (v2: inflight, sg_build; the module then had neither). */
function echoedKeys(request: MicrobenchRequest, echo: MicrobenchEcho | undefined): MicrobenchRequest {
  const out = { ...request };
  for (const key of Object.keys(out) as (keyof MicrobenchRequest)[]) if (echo && echo[key] === undefined) delete out[key];
  return out;
}

export interface MicrobenchBundleOptions {
  /** A fresh directory to lay the bundle's raw/ out in (the bundle's `dir`); without it, no raw/. */
  rawDir?: string;
}

/** The raw directory of a cell's timed repetition in a bundle at `dir`, as the runner names it. */
export function timedRepDir(dir: string, cell: string, rep: number): string {
  return rawRepDir(dir, cellDirName(cell), 'timed', rep);
}

export async function microbenchBundle(kernel: LabKernel, opts: MicrobenchBundleOptions = {}): Promise<LoadedBundle> {
  const { plan } = await loadPlan(path.join(histDir, 'campaign.yaml'));
  const passthrough = kernel === '7.2-passthrough';
  const manifest = await readManifest(path.join(repoRoot, `test/fixtures/bundles/lab-profile-schema2-${passthrough ? '7.2' : kernel}`));
  if (passthrough) {
    manifest.system!.iommu.mode = 'passthrough';
    manifest.label = manifest.label.replace('iommu=strict', 'iommu=passthrough');
  }
  manifest.cells = plan.cells.map((c) => ({ workload: c.workload.name, cell: c.key, tool: c.workload.tool, params: c.params }));
  manifest.done = {};
  const samples: Sample[] = [];
  const files = (await readdir(histDir)).filter((f) => f.startsWith(`${kernel}-`) && f.endsWith('.txt') && (passthrough || !f.includes('passthrough'))).sort();
  for (const file of files) {
    const result = parseMicrobenchResult(await readFile(path.join(histDir, file), 'utf8'));
    const cells = plan.cells.filter((c) => requestMismatches(echoedKeys(requestFromParams(microbenchParamsSchema.parse(c.params)), result.request), result.request).length === 0);
    if (cells.length !== 1) throw new Error(`${file}: answers ${cells.length} cells of the campaign, not one`);
    const cell = cells[0]!;
    manifest.done[passKey(cell.key, 'timed')] = [0];
    if (opts.rawDir !== undefined) {
      const rep = timedRepDir(opts.rawDir, cell.key, 0);
      await mkdir(rep, { recursive: true });
      await copyFile(path.join(histDir, file), path.join(rep, rawFiles.result));
      const histograms = path.join(histDir, file.replace(/\.txt$/, '.histograms.json'));
      if (existsSync(histograms)) await copyFile(histograms, path.join(rep, HISTOGRAMS_FILE));
    }
    samples.push(...microbenchMeasurements(result).map((m): Sample => ({ ...m, workload: cell.workload.name, cell: cell.key, rep: 0, pass: 'timed', tool: 'microbench' })));
  }
  // Of the passthrough boot only two cells' results were kept: its bundle plans those two.
  if (passthrough) manifest.cells = manifest.cells.filter((c) => samples.some((x) => x.cell === c.cell));
  return { dir: opts.rawDir ?? `${histDir} (${kernel})`, manifest, samples };
}
