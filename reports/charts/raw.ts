// What some charts draw beyond samples.jsonl: the tools' own distributions, kept in the bundle's
// raw/ directory (ARCHITECTURE.md, "The run bundle"): dma_bench's histograms (histograms.json)
// and fio's completion-latency bins (its json+ fio-output.json). Read here, once, before the chart
// builders run, so the builders stay pure functions of what was loaded. A bundle copied without
// raw/ (or without a repetition's files) simply has none: its distribution charts are not drawn,
// the page says raw/ is missing (reports/html/bundle-files.ts). A file that is there but damaged is
// a BundleError naming it, as anywhere in a bundle.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readHistogramsSync } from '../../core/bundle/histograms.js';
import { FIO_OUTPUT_FILE, passKey, rawRepDir } from '../../core/bundle/layout.js';
import { BundleError } from '../../core/bundle/read.js';
import { cellDirName, cellKey } from '../../core/campaign/matrix.js';
import { parseFioOutput, FIO_DIRECTIONS, type FioCompletionLatency } from '../../core/text/fio-output.js';
import type { LoadedBundle } from '../../model/bundle.js';
import type { RepetitionHistograms } from '../../model/latency-histogram.js';

/** One direction of one fio job (or group) of a repetition: its completion latency with json+ bins. */
export interface FioClat {
  groupId: number;
  direction: string;
  clat: FioCompletionLatency;
}

export interface RepetitionRaw<T> {
  rep: number;
  data: T;
}

export interface BundleRaw {
  /** Per cell (its manifest key), the histograms of its timed repetitions that have them, in repetition order. */
  histograms: Map<string, RepetitionRaw<RepetitionHistograms>[]>;
  /** Per fio cell, the completion latencies of its timed repetitions that kept fio's output, in repetition order. */
  fioClat: Map<string, RepetitionRaw<FioClat[]>[]>;
}

/** No raw data: what a bundle without raw/ has, and what charts see when nothing was read. */
export function emptyRaw(): BundleRaw {
  return { histograms: new Map(), fioClat: new Map() };
}

type ManifestCell = LoadedBundle['manifest']['cells'][number];

/** Where a cell's timed repetition may keep its raw files: under the recorded key's directory, or the one a newer dmabench would name (as flame graphs look). */
function repDirs(bundle: LoadedBundle, cell: ManifestCell, rep: number): string[] {
  const dirs = [...new Set([cell.rawDir ?? cellDirName(cell.cell), cellDirName(cellKey(cell.workload, cell.params, cell.tool))])];
  return dirs.map((dir) => rawRepDir(bundle.dir, dir, 'timed', rep));
}

/** The histograms of a cell's timed repetition, from the first of its directories that has them (undefined when the file is not there). */
function repHistograms(bundle: LoadedBundle, cell: ManifestCell, rep: number): RepetitionHistograms | undefined {
  for (const dir of repDirs(bundle, cell, rep)) {
    const data = readHistogramsSync(dir);
    if (data) return data;
  }
  return undefined;
}

/** The raw directory of a cell's timed repetition that holds `file`. */
async function findRepFile(bundle: LoadedBundle, cell: ManifestCell, rep: number, file: string): Promise<string | undefined> {
  for (const repDir of repDirs(bundle, cell, rep)) {
    const ok = await access(path.join(repDir, file)).then(
      () => true,
      () => false,
    );
    if (ok) return repDir;
  }
  return undefined;
}

/** The timed repetitions the manifest says finished: the truth about what finished. */
function doneReps(bundle: LoadedBundle, cell: string): number[] {
  return [...(bundle.manifest.done[passKey(cell, 'timed')] ?? [])].sort((a, b) => a - b);
}

async function fioClats(file: string): Promise<FioClat[]> {
  let result;
  try {
    result = parseFioOutput(await readFile(file, 'utf8'), file);
  } catch (err) {
    throw new BundleError((err as Error).message);
  }
  const out: FioClat[] = [];
  for (const job of result.jobs) {
    for (const direction of FIO_DIRECTIONS) {
      const clat = job.directions[direction]?.clat;
      if (clat?.bins) out.push({ groupId: job.groupId, direction, clat });
    }
  }
  return out;
}

export async function readBundleRaw(bundle: LoadedBundle): Promise<BundleRaw> {
  const raw = emptyRaw();
  for (const cell of bundle.manifest.cells) {
    const reps = doneReps(bundle, cell.cell);
    if (cell.tool === 'microbench') {
      const found = reps.map((rep) => ({ rep, data: repHistograms(bundle, cell, rep) })).filter((r): r is RepetitionRaw<RepetitionHistograms> => r.data !== undefined);
      if (found.length > 0) raw.histograms.set(cell.cell, found);
    } else if (cell.tool === 'fio') {
      const found: RepetitionRaw<FioClat[]>[] = [];
      for (const rep of reps) {
        const dir = await findRepFile(bundle, cell, rep, FIO_OUTPUT_FILE);
        if (dir === undefined) continue;
        const data = await fioClats(path.join(dir, FIO_OUTPUT_FILE));
        if (data.length > 0) found.push({ rep, data });
      }
      if (found.length > 0) raw.fioClat.set(cell.cell, found);
    }
  }
  return raw;
}

/** The raw data of every bundle, in the bundles' order (what buildCharts takes beside them). */
export function readChartRaw(bundles: readonly LoadedBundle[]): Promise<BundleRaw[]> {
  return Promise.all(bundles.map(readBundleRaw));
}
