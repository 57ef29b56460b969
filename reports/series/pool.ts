// Several runs of one commit are more boots of the same kernel, not more history (issue 14
// item 2): they become one point of the series, at the place of the commit's first run.
import { median } from '../stats/descriptive.js';
import type { SeriesPoint, SeriesRun } from './types.js';

/** The median and interval of one run: from its repetitions when it has them. */
function runMedian(run: SeriesRun): number {
  if (run.values && run.values.length > 0) return median(run.values);
  if (run.median === undefined) throw new RangeError(`run ${run.id} has neither values nor a median`);
  return run.median;
}

/**
 * Pool runs that name the same commit into one point (runs without a commit stay alone). Values
 * are concatenated when every pooled run has them, and the median is theirs; otherwise the point's
 * median is the median of the runs' medians and its interval the runs' median interval narrowed by
 * √k (k independent boots of one commit; the weights only need to be relative, see weights.ts).
 */
export function poolByCommit(runs: readonly SeriesRun[]): SeriesPoint[] {
  const groups: SeriesRun[][] = [];
  const byCommit = new Map<string, SeriesRun[]>();
  for (const run of runs) {
    const group = run.commit === undefined ? undefined : byCommit.get(run.commit);
    if (group) {
      group.push(run);
      continue;
    }
    const fresh = [run];
    groups.push(fresh);
    if (run.commit !== undefined) byCommit.set(run.commit, fresh);
  }
  return groups.map((group, index) => pointOf(group, index));
}

function pointOf(group: readonly SeriesRun[], index: number): SeriesPoint {
  const first = group[0]!;
  const base = { index, runIds: group.map((r) => r.id), ...(first.commit === undefined ? {} : { commit: first.commit }) };
  if (group.every((r) => r.values && r.values.length > 0)) {
    const values = group.flatMap((r) => [...r.values!]);
    return { ...base, median: median(values), values };
  }
  const medians = group.map(runMedian);
  const m = median(medians);
  const intervals = group.flatMap((r) => (r.interval ? [r.interval] : []));
  if (intervals.length === 0) return { ...base, median: m };
  const halfWidth = median(intervals.map(([lo, hi]) => (hi - lo) / 2)) / Math.sqrt(group.length);
  return { ...base, median: m, interval: [m - halfWidth, m + halfWidth] };
}
