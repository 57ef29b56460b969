// The flame graphs of a report (issue 13 item 4, profilers): for every cell with perf-record passes
// (raw/<cell>/profile-perf-record-<rep>/stacks.folded, summed per bundle by reports/flamegraph/),
// each bundle's flame graph, and with a base and candidates the differential flame graph from the
// base to each candidate and the symbols whose share of samples changed most. Reads the bundles'
// raw/ files; what it returns is plain data that flame-section.ts renders, the SVGs drawn here by
// reports/flamegraph/svg.ts (every name XML-escaped there). Deterministic: cells in the bundles'
// order (base first, then the manifest's order), SVGs pure functions of the stacks.
import type { LoadedBundle } from '../../model/bundle.js';
import { diffFolded, total } from '../../core/text/folded-stacks.js';
import { perfRecordCells, type CellStacks } from '../flamegraph/bundles.js';
import { symbolShareChanges, type SymbolShareChange } from '../flamegraph/symbol-shares.js';
import { diffFlameGraphSvg, flameGraphSvg } from '../flamegraph/svg.js';

/** How many symbols the table of changed shares lists. */
export const SYMBOL_CHANGES_SHOWN = 20;

/** A bundle as the flame graphs name it (the page's label: compare tells equal labels apart). */
export interface FlameBundleName {
  label: string;
  kernel: string | null;
  iommu: string | null;
}

export interface FlameGraphView {
  /** Position of the bundle in the report (0 = base). */
  bundle: number;
  passes: number;
  samples: number;
  /** The `<svg>` element (no XML declaration), names escaped by svg.ts. */
  svg: string;
}

export interface FlameDiffView {
  /** Position of the candidate in the report; the base is bundle 0. */
  candidate: number;
  baseSamples: number;
  candidateSamples: number;
  svg: string;
  /** The symbols whose inclusive share changed most, largest absolute change first. */
  changes: SymbolShareChange[];
}

export interface FlameCell {
  cell: string;
  graphs: FlameGraphView[];
  diffs: FlameDiffView[];
  /** Bundles of the report that have no perf-record stacks for this cell. */
  without: number[];
}

function nameOf(b: FlameBundleName): string {
  return `${b.label} (${b.kernel ?? 'kernel unknown'}, IOMMU ${b.iommu ?? 'unknown'})`;
}

/**
 * The flame graphs of every cell that has perf-record stacks in any of `bundles` (base first);
 * empty when none has. `names[i]` names `bundles[i]`.
 */
export async function flameCells(bundles: readonly LoadedBundle[], names: readonly FlameBundleName[]): Promise<FlameCell[]> {
  const perBundle = await Promise.all(bundles.map(perfRecordCells));
  const byCell = perBundle.map((cells) => new Map(cells.map((c) => [c.cell, c])));
  const order = [...new Set(perBundle.flatMap((cells) => cells.map((c) => c.cell)))];
  return order.map((cell) => {
    const present = byCell.map((m) => m.get(cell));
    const graphs: FlameGraphView[] = [];
    present.forEach((c, i) => {
      if (!c) return;
      const samples = total(c.stacks);
      // Short: the figure's caption says the rest, and a long title runs off the graph.
      const title = `${nameOf(names[i]!)}: ${samples} samples`;
      graphs.push({ bundle: i, passes: c.passes, samples, svg: flameGraphSvg(c.stacks, { title, xmlDeclaration: false }) });
    });
    const base = present[0];
    const diffs: FlameDiffView[] = base ? present.flatMap((c, i) => (i > 0 && c ? [diffView(base, c, i, names)] : [])) : [];
    const without = present.flatMap((c, i) => (c ? [] : [i]));
    return { cell, graphs, diffs, without };
  });
}

function diffView(base: CellStacks, candidate: CellStacks, index: number, names: readonly FlameBundleName[]): FlameDiffView {
  // The base drawn scaled to the candidate's total (difffolded.pl -n, unrounded), so colour shows a
  // change of share, not of how long each profile ran; its frames keep the recorded counts, so the
  // search's base share is the base graph's.
  const diff = diffFolded(base.stacks, candidate.stacks);
  const title = `${names[0]!.label} → ${names[index]!.label}`;
  return {
    candidate: index,
    baseSamples: total(base.stacks),
    candidateSamples: total(candidate.stacks),
    svg: diffFlameGraphSvg(diff, { title, scaleFirst: true, xmlDeclaration: false }),
    changes: symbolShareChanges(base.stacks, candidate.stacks, SYMBOL_CHANGES_SHOWN),
  };
}
