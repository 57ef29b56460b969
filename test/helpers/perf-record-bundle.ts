// Bundles with perf-record passes for the report's flame graph tests. No bundle fixture keeps a
// perf-record pass (the lab bundles were copied without raw/, and their campaign has no
// perf-record profiler), so one is derived from two real fixtures by this transformation:
//   1. a real lab bundle (test/fixtures/bundles/) is copied whole: manifest.json, samples.jsonl,
//      campaign.yaml;
//   2. for each real `perf script` capture given (test/fixtures/perf/script-*.txt, README there
//      gives each one's command, perf version and kernel), its text, after the optional
//      substring rewrites (how a hostile symbol name is made out of a real one), is folded by the
//      real folder the perf-record profiler streams `perf script` through
//      (collectors/perf/script-fold.ts, weight 'samples' as collectors/perf/record-profiler.ts
//      asks) and written as it writes it (core/text/folded-stacks.ts serializeFolded, writeFileAtomic) to
//      raw/<cell dir>/profile-perf-record-<n>/stacks.folded of the chosen cell, the directory
//      named as the run names it (the recorded key's core/campaign/matrix.ts cellDirName);
//   3. the manifest records what a run with a perf-record profiler would: the profiler in the
//      workload's campaign entry, and the passes in `done` under `<cell>|profile:perf-record`.
// So the stacks are the folder's output on real perf captures, never written by hand; the captures
// are of the development VM, not of the lab kernel the manifest names.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { STACKS_FOLDED_FILE } from '../../core/bundle/layout.js';
import { cellDirName } from '../../core/campaign/matrix.js';
import { serializeFolded } from '../../core/text/folded-stacks.js';
import { fixture } from './paths.js';

export interface PerfRecordEdits {
  /** Manifest cell (its recorded key, or a prefix of it) that gets the passes; default: the first cell. */
  cellPrefix?: string;
  /** test/fixtures/perf/ captures, one perf-record pass each, in order. */
  captures: string[];
  /** Substring replacements applied to each capture's text before it is folded. */
  rewrite?: [from: string, to: string][];
}

interface ManifestJson {
  cells: { workload: string; cell: string }[];
  done: Record<string, number[]>;
  campaign: { workloads?: { name: string; profilers?: { kind: string }[] }[] };
}

/** Copies the bundle at `source` to `dest` with the passes above; returns `dest` and the recorded cell key. */
export async function writePerfRecordBundle(source: string, dest: string, edits: PerfRecordEdits): Promise<{ dir: string; cell: string }> {
  await cp(source, dest, { recursive: true });
  const manifestFile = path.join(dest, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as ManifestJson;
  const entry = edits.cellPrefix === undefined ? manifest.cells[0] : manifest.cells.find((c) => c.cell.startsWith(edits.cellPrefix!));
  if (!entry) throw new Error(`${source}: no cell ${edits.cellPrefix ?? '(any)'}`);
  for (const [n, capture] of edits.captures.entries()) {
    let text = await readFile(fixture('perf', capture), 'latin1');
    for (const [from, to] of edits.rewrite ?? []) {
      if (!text.includes(from)) throw new Error(`${capture} has no ${from} to rewrite`);
      text = text.split(from).join(to);
    }
    const folded = await foldPerfScript(Buffer.from(text, 'latin1'), { weight: 'samples' });
    const passDir = path.join(dest, 'raw', cellDirName(entry.cell), `profile-perf-record-${n}`);
    await mkdir(passDir, { recursive: true });
    await writeFileAtomic(path.join(passDir, STACKS_FOLDED_FILE), serializeFolded(folded.stacks));
  }
  const workload = manifest.campaign.workloads?.find((w) => w.name === entry.workload);
  if (workload) workload.profilers = [...(workload.profilers ?? []), { kind: 'perf-record' }];
  manifest.done[`${entry.cell}|profile:perf-record`] = edits.captures.map((_, n) => n);
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  return { dir: dest, cell: entry.cell };
}
