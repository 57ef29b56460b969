// fio completion-latency "nines" from the json+ bins every repetition kept
// (raw/<cell>/timed-<rep>/fio-output.json, reports/charts/raw.ts): per cell, bundle and direction
// the bins of every repetition and job added up and the percentiles cut as fio cuts its own
// (core/text/fio-output.ts mergedPercentiles), so the line is the distribution of all the cell's
// I/Os, not a median of per-repetition percentiles (fio.ts draws that one from the samples, for
// bundles without raw/). A percentile fewer than 1/(1−p) I/Os resolve is absent.
import { mergedPercentiles } from '../../core/text/fio-output.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { chart } from './data.js';
import { slug } from './ids.js';
import type { FioClat, RepetitionRaw } from './raw.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

const NINES = ['p50', 'p90', 'p99', 'p99.9', 'p99.99'] as const;

/** The direction as the samples name it: `read`, or `g1.read` when the repetition's jobs ran in several groups. */
function directionName(rep: readonly FioClat[], c: FioClat): string {
  return new Set(rep.map((x) => x.groupId)).size > 1 ? `g${c.groupId}.${c.direction}` : c.direction;
}

/** Per direction, the completion latencies of every job of every repetition. */
function byDirection(reps: readonly RepetitionRaw<FioClat[]>[]): Map<string, FioClat[]> {
  const out = new Map<string, FioClat[]>();
  for (const r of reps) for (const c of r.data) {
    const dir = directionName(r.data, c);
    out.set(dir, [...(out.get(dir) ?? []), c]);
  }
  return out;
}

/** The nines of the merged bins; the note says how many I/Os and repetitions. */
export function mergedNines(clats: readonly FioClat[], repetitions: number): ChartPoint[] {
  const merged = mergedPercentiles(clats.map((c) => c.clat));
  const ios = clats.reduce((n, c) => n + Object.values(c.clat.bins ?? {}).reduce((a, b) => a + b, 0), 0);
  const note = `${ios} I/Os of ${repetitions} repetition${repetitions === 1 ? '' : 's'} merged`;
  return NINES.map((p) => {
    const q = Number(p.slice(1)) / 100;
    const ns = merged[p];
    const resolved = ios * (1 - q) >= 1 - 1e-9;
    return { x: p, y: ns === undefined || !resolved ? null : ns / 1000, note: resolved ? note : `${note}; too few for ${p}` };
  });
}

export function fioClatBinCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  // Cells in the order first met across the bundles.
  const cells = [...new Set(bundles.flatMap((b) => [...b.bundle.manifest.cells].filter((c) => c.tool === 'fio').map((c) => c.cell)))];
  const out: ChartSpec[] = [];
  for (const cell of cells) {
    const perBundle = bundles.map((b) => {
      const reps = b.raw.fioClat.get(cell) ?? [];
      return { b, reps: reps.length, dirs: byDirection(reps) };
    });
    const dirs = [...new Set(perBundle.flatMap((x) => [...x.dirs.keys()]))].sort();
    for (const dir of dirs) {
      const present = perBundle.filter((x) => x.dirs.has(dir));
      const series: ChartSeries[] = present.map(({ b, reps, dirs: d }) => ({ label: b.name, color: b.color, points: mergedNines(d.get(dir)!, reps) }));
      if (!series.some((s) => s.points.some((p) => p.y !== null))) continue;
      out.push(
        chart({
          id: slug('fio', 'clat-bins', dir, cell),
          title: `fio ${dir} completion latency percentiles of all repetitions' I/Os (json+ bins merged): ${cell}; ${iommuTitle(present.map((x) => x.b))}`,
          kind: 'line',
          xLabel: 'percentile',
          yLabel: 'completion latency, us (json+ bins of every repetition merged)',
          yLog: true,
          series,
        }),
      );
    }
  }
  return out;
}
