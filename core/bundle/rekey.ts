// Cell keys as this dmabench writes them, for bundles written before keys were canonical
// (schema 1 and 2: parameters in the campaign's order, machine-specific ones such as the
// microbench's PCI address included). The key of every cell is computed again from the
// parameters the manifest records (core/campaign/matrix.ts cellKey), and the samples, `done`
// and `errors` follow, so an old bundle lines up with new ones in compare and --resume finds
// the repetitions it already ran. Bundles whose keys are already canonical pass unchanged.
import { cellDirName, cellKey } from '../campaign/matrix.js';
import { passKey } from './layout.js';
import type { Manifest } from '../../model/bundle.js';
import type { Sample } from '../../model/measurement.js';

/**
 * Re-keys a manifest and its samples in place; returns recorded key → canonical key for the
 * cells that changed. Cells whose canonical keys would collide (an old campaign that listed two
 * devices) keep their recorded keys: merging them would mix two devices' samples.
 */
export function canonicalizeCellKeys(manifest: Manifest, samples: Sample[]): Map<string, string> {
  const proposed = new Map<string, string>();
  const claims = new Map<string, number>();
  for (const c of manifest.cells) {
    const key = cellKey(c.workload, c.params, c.tool);
    proposed.set(c.cell, key);
    claims.set(key, (claims.get(key) ?? 0) + 1);
  }
  const renamed = new Map<string, string>();
  for (const [recorded, key] of proposed) if (key !== recorded && claims.get(key) === 1) renamed.set(recorded, key);
  if (renamed.size === 0) return renamed;

  const rename = (cell: string): string => renamed.get(cell) ?? cell;
  for (const c of manifest.cells) {
    const key = renamed.get(c.cell);
    if (key === undefined) continue;
    // Raw outputs stay where the run wrote them (raw/<dir of the recorded key>/).
    c.rawDir ??= cellDirName(c.cell);
    c.cell = key;
  }
  const done: Manifest['done'] = {};
  for (const [k, reps] of Object.entries(manifest.done)) {
    // `${cell}|${pass}`: a pass never holds '|', a cell value might.
    const bar = k.lastIndexOf('|');
    done[bar < 0 ? k : passKey(rename(k.slice(0, bar)), k.slice(bar + 1) as Sample['pass'])] = reps;
  }
  manifest.done = done;
  for (const e of manifest.errors) e.cell = rename(e.cell);
  for (const s of samples) s.cell = rename(s.cell);
  return renamed;
}
