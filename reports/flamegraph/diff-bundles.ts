// Differential flame graph between two run bundles for one cell: the folded stacks every
// perf-record pass of that cell left (raw/<cell>/profile-perf-record-<rep>/stacks.folded) are
// summed per bundle, paired stack by stack (FlameGraph's difffolded.pl format) and rendered:
// widths follow bundle B, red frames grew from A to B, blue ones shrank.
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, BundleError } from '../../core/bundle/read.js';
import { cellDirName } from '../../core/campaign/matrix.js';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { diffFolded, parseFolded, serializeFoldedDiff, total, type Folded } from '../../core/bundle/folded-stacks.js';
import { STACKS_FOLDED_FILE } from '../../collectors/perf/record-profiler.js';
import { diffFlameGraphSvg } from './svg.js';

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

/** Sum of the folded stacks of every perf-record pass of `cell` in `bundle`. */
export async function bundleCellStacks(bundle: string, cell: string): Promise<Folded> {
  const manifest = await readManifest(bundle);
  if (!manifest.cells.some((c) => c.cell === cell)) {
    throw new BundleError(`${bundle} has no cell ${cell} (cells: ${manifest.cells.map((c) => c.cell).join(', ')})`);
  }
  const cellDir = path.join(bundle, 'raw', cellDirName(cell));
  const passes = existsSync(cellDir) ? (await readdir(cellDir)).filter((d) => PERF_RECORD_PASS_DIR.test(d)).sort() : [];
  const sum: Folded = new Map();
  let found = 0;
  for (const pass of passes) {
    const file = path.join(cellDir, pass, STACKS_FOLDED_FILE);
    if (!existsSync(file)) continue;
    found++;
    for (const [stack, count] of await parseFolded(createReadStream(file))) sum.set(stack, (sum.get(stack) ?? 0) + count);
  }
  if (found === 0) throw new BundleError(`${bundle}: cell ${cell} has no perf-record stacks (add a perf-record profiler to the workload)`);
  return sum;
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
