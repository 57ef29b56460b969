// The repetitions behind each comparison row, for the table's expandable rows: the values of one
// (workload, cell, metric) per repetition, on the base and on each candidate, in the pass compare
// compared, converted to the row's unit as compare converted them.
import type { LoadedBundle } from '../../model/bundle.js';
import type { Sample } from '../../model/measurement.js';
import { rowKey } from '../compare/compare.js';
import type { Comparison, ComparisonRow } from '../compare/types.js';
import { conversionFactor } from '../compare/units.js';

export interface RepetitionValue {
  rep: number;
  /** In the row's unit; null when the tool reported the value absent. */
  value: number | null;
  /** The sample's own unit when no conversion to the row's is known (the value is then unconverted). */
  foreignUnit?: string;
  bootId?: string;
}

/** Per side (index into Comparison.bundles), the row's repetitions ordered by repetition number. */
export type RowRepetitions = Map<number, RepetitionValue[]>;

/** A side's samples of one pass by workload, cell and metric: nested maps of the names they carry, so no key string is built per sample (as compare's groupSamples). */
type SamplesByName = Map<string, Map<string, Map<string, Sample[]>>>;

function samplesByName(samples: readonly Sample[], pass: string): SamplesByName {
  const out: SamplesByName = new Map();
  for (const s of samples) {
    if (s.pass !== pass) continue;
    let byCell = out.get(s.workload);
    if (!byCell) out.set(s.workload, (byCell = new Map()));
    let byMetric = byCell.get(s.cell);
    if (!byMetric) byCell.set(s.cell, (byMetric = new Map()));
    const list = byMetric.get(s.metric);
    if (list) list.push(s);
    else byMetric.set(s.metric, [s]);
  }
  return out;
}

function repetition(s: Sample, row: ComparisonRow): RepetitionValue {
  const factor = conversionFactor(s.unit, row.unit);
  const r: RepetitionValue = { rep: s.rep, value: s.value === null ? null : factor === null ? s.value : s.value * factor };
  if (factor === null) r.foreignUnit = s.unit;
  if (s.bootId !== undefined) r.bootId = s.bootId;
  return r;
}

/**
 * The repetitions of every row, keyed by compare's rowKey. `bundles` are the compared bundles in
 * the comparison's order (base first), as compareBundles was given them.
 */
export function rowRepetitions(c: Comparison, bundles: readonly LoadedBundle[]): Map<string, RowRepetitions> {
  const bySide = bundles.map((b, i) => samplesByName(b.samples, i === 0 || c.options.vsPass === undefined ? c.options.pass : c.options.vsPass));
  const out = new Map<string, RowRepetitions>();
  for (const row of c.rows) {
    const key = rowKey(row);
    const sides: RowRepetitions = new Map();
    bySide.forEach((index, side) => {
      const samples = index.get(row.workload)?.get(row.cell)?.get(row.metric);
      if (!samples) return;
      sides.set(side, samples.map((s) => repetition(s, row)).sort((a, b) => a.rep - b.rep));
    });
    out.set(key, sides);
  }
  return out;
}
