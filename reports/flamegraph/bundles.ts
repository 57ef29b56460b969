// Flame graphs of run bundles, drawn from the folded stacks every perf-record pass of a cell left
// (raw/<cell>/profile-perf-record-<rep>/stacks.folded), summed per bundle. With one bundle: the
// cell's flame graph. With two: the stacks are paired (FlameGraph's difffolded.pl format) and
// drawn as a differential flame graph: widths follow bundle B, red frames grew from A to B, blue
// ones shrank.
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, BundleError } from '../../core/bundle/read.js';
import { cellDirName, cellKey } from '../../core/campaign/matrix.js';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { STACKS_FOLDED_FILE } from '../../core/bundle/layout.js';
import { diffFolded, parseFolded, serializeFoldedDiff, total, type Folded } from '../../core/text/folded-stacks.js';
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import { diffFlameGraphSvg, flameGraphSvg } from './svg.js';

/** Raw directory names of perf-record passes (see core/bundle/layout.ts rawRepDir). */
const PERF_RECORD_PASS_DIR = /^profile-perf-record-\d+$/;

export interface DiffFlameGraphOptions {
  /** Scale A's counts so both profiles have the same total (difffolded.pl -n). Default true. */
  normalize?: boolean;
  title?: string;
  /** Also write the `stack countA countB` pairs next to the SVG (`<svg>.folded-diff`). */
  writePairs?: boolean;
}

export interface DiffFlameGraphResult {
  svgFile: string;
  pairsFile?: string;
  samplesA: number;
  samplesB: number;
  stacks: number;
}

type CellEntry = Manifest['cells'][number];

/** The stacks.folded files of `entry`'s perf-record passes in `bundle`, in the order of their directories. */
async function perfRecordStackFiles(bundle: string, entry: CellEntry): Promise<string[]> {
  // Its repetitions sit under the recorded key's directory, and under the new key's when a newer
  // dmabench resumed the bundle.
  const dirs = [...new Set([entry.rawDir ?? cellDirName(entry.cell), cellDirName(cellKey(entry.workload, entry.params, entry.tool))])];
  const files: string[] = [];
  for (const dir of dirs) {
    const cellDir = path.join(bundle, 'raw', dir);
    const passes = existsSync(cellDir) ? (await readdir(cellDir)).filter((d) => PERF_RECORD_PASS_DIR.test(d)).sort() : [];
    for (const pass of passes) {
      const file = path.join(cellDir, pass, STACKS_FOLDED_FILE);
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** The sum of the folded stacks in `files`. */
async function sumStacks(files: readonly string[]): Promise<Folded> {
  const sum: Folded = new Map();
  for (const file of files) {
    for (const [stack, count] of await parseFolded(createReadStream(file))) sum.set(stack, (sum.get(stack) ?? 0) + count);
  }
  return sum;
}

/** Sum of the folded stacks of every perf-record pass of `cell` in `bundle`. */
export async function bundleCellStacks(bundle: string, cell: string): Promise<Folded> {
  const manifest = await readManifest(bundle);
  // A cell is named by its key as recorded or as this dmabench keys it (core/campaign/matrix.ts):
  // an older bundle's cells can be asked for with the keys of a new one.
  const entry = manifest.cells.find((c) => c.cell === cell || cellKey(c.workload, c.params, c.tool) === cell);
  if (!entry) {
    throw new BundleError(`${bundle} has no cell ${cell} (cells: ${manifest.cells.map((c) => c.cell).join(', ')})`);
  }
  const files = await perfRecordStackFiles(bundle, entry);
  if (files.length === 0) throw new BundleError(`${bundle}: cell ${cell} has no perf-record stacks (add a perf-record profiler to the workload)`);
  return sumStacks(files);
}

/** One cell's perf-record stacks in a loaded bundle. */
export interface CellStacks {
  /** The cell's key as the loaded bundle keys it (re-keyed: what compare matches across bundles). */
  cell: string;
  workload: string;
  /** How many perf-record passes left stacks (their sum is `stacks`). */
  passes: number;
  stacks: Folded;
}

/**
 * Every cell of a loaded bundle that has perf-record stacks, in the manifest's order; a bundle
 * without them (or copied without raw/) gives none.
 */
export async function perfRecordCells(bundle: LoadedBundle): Promise<CellStacks[]> {
  const out: CellStacks[] = [];
  for (const entry of bundle.manifest.cells) {
    const files = await perfRecordStackFiles(bundle.dir, entry);
    if (files.length > 0) out.push({ cell: entry.cell, workload: entry.workload, passes: files.length, stacks: await sumStacks(files) });
  }
  return out;
}

/** Writes the flame graph of `cell` in `bundle` to `svgFile`; returns the sample count. */
export async function cellFlameGraph(bundle: string, cell: string, svgFile: string, title?: string): Promise<{ svgFile: string; samples: number; stacks: number }> {
  const stacks = await bundleCellStacks(bundle, cell);
  const label = (await readManifest(bundle)).label;
  const samples = total(stacks);
  await writeFileAtomic(svgFile, flameGraphSvg(stacks, { title: title ?? `${cell}: ${label} (perf record -a, ${samples} samples)` }));
  return { svgFile, samples, stacks: stacks.size };
}

/** Writes a differential flame graph of `cell` from bundle A (before) to bundle B (after) to `svgFile`. */
export async function diffFlameGraph(bundleA: string, bundleB: string, cell: string, svgFile: string, opts: DiffFlameGraphOptions = {}): Promise<DiffFlameGraphResult> {
  const [a, b] = await Promise.all([bundleCellStacks(bundleA, cell), bundleCellStacks(bundleB, cell)]);
  const diff = diffFolded(a, b, { normalize: opts.normalize ?? true });
  const [labelA, labelB] = await Promise.all([bundleA, bundleB].map(async (d) => (await readManifest(d)).label));
  const title = opts.title ?? `${cell}: ${labelA} → ${labelB}`;
  await writeFileAtomic(svgFile, diffFlameGraphSvg(diff, { title }));
  const result: DiffFlameGraphResult = { svgFile, samplesA: total(a), samplesB: total(b), stacks: diff.size };
  if (opts.writePairs) {
    result.pairsFile = `${svgFile}.folded-diff`;
    await writeFileAtomic(result.pairsFile, serializeFoldedDiff(diff));
  }
  return result;
}
