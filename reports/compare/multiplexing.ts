// A perf counter that was multiplexed (scheduled for part of the window, its count scaled up by
// perf from that share) is an estimate: the rows of its count and of its per-I/O figure say so,
// with the share, wherever a side has `perf.<event>.running_pct` samples for them (the collector
// writes that metric only below 100%: model/perf-counters.ts).
import { runningPctMetricOf } from '../../model/perf-counters.js';

/** What the notes need of one side: its label and its values of a metric in the row's cell. */
export interface SideValues {
  label: string;
  valuesOf(metric: string): readonly number[] | undefined;
}

/** One sentence per side whose repetitions multiplexed the counter behind `metric`; none otherwise. */
export function multiplexNotes(sides: readonly SideValues[], metric: string): string[] {
  const share = runningPctMetricOf(metric);
  if (share === undefined) return [];
  const notes: string[] = [];
  for (const side of sides) {
    const pct = side.valuesOf(share) ?? [];
    if (pct.length === 0) continue;
    const reps = side.valuesOf(metric)?.length;
    const count = reps === undefined ? `${pct.length}` : `${pct.length} of ${reps}`;
    notes.push(`${side.label}: perf multiplexed this counter in ${count} repetition(s), running as little as ${Math.min(...pct).toFixed(1)}% of the window: its count is perf's estimate, scaled up from that share (${share})`);
  }
  return notes;
}
