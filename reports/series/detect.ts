// Regression detection over one series (issue 14 item 3): runs of one commit pooled, a penalised
// segmentation of the log medians (segment.ts), steps that do not stand merged away (steps.ts),
// then a check for slow creep over the latest runs (creep.ts). Direction-aware: for a
// higher-is-better metric a drop is the regression; a change the other way is an improvement.
// This is the statistical core of `publish`; nothing here reads bundles or writes pages.
import { DEFAULT_CREEP, findCreep, type CreepOptions } from './creep.js';
import { L1Costs } from './l1-costs.js';
import { poolByCommit } from './pool.js';
import { segmentSeries, type Segment, type SegmentationOptions } from './segment.js';
import { pruneSteps, stepsOf } from './steps.js';
import { weightSeries } from './weights.js';
import type { Better } from '../../model/measurement.js';
import type { ChangeDirection, MetricSeries, PctChange, RunRef, SeriesAnalysis, SeriesChange, SeriesPoint } from './types.js';

export interface DetectOptions {
  /** Smallest change in percent reported (compare's --noise default, 2). */
  noisePct?: number;
  segmentation?: SegmentationOptions;
  creep?: Partial<CreepOptions>;
}

/** Fewest points a series needs: two stretches of two. */
export const MIN_POINTS = 4;
const LEVEL = 0.95;

function refOf(point: SeriesPoint): RunRef {
  return { index: point.index, runIds: point.runIds, ...(point.commit === undefined ? {} : { commit: point.commit }) };
}

function pctOf(logChange: number, low: number, high: number): PctChange {
  return { pct: 100 * Math.expm1(logChange), low: 100 * Math.expm1(low), high: 100 * Math.expm1(high), level: LEVEL };
}

/** Whether a change of the log level in this sign is a regression for a metric of this direction. */
export function directionOf(better: Exclude<Better, 'none'>, logChange: number): ChangeDirection {
  return (better === 'lower') === logChange > 0 ? 'regression' : 'improvement';
}

/** The `git bisect start <bad> <good>` line, when both ends name a commit. */
export function bisectLine(lastGood: RunRef, firstBad: RunRef): string | undefined {
  if (lastGood.commit === undefined || firstBad.commit === undefined) return undefined;
  return `git bisect start ${firstBad.commit} ${lastGood.commit}`;
}

function change(series: MetricSeries, fields: Omit<SeriesChange, 'metric' | 'cell' | 'bisect'>): SeriesChange {
  const bisect = bisectLine(fields.lastGood, fields.firstBad);
  return {
    metric: series.metric,
    ...(series.cell === undefined ? {} : { cell: series.cell }),
    ...fields,
    ...(bisect === undefined ? {} : { bisect }),
  };
}

function skipped(series: MetricSeries, points: SeriesPoint[], reason: string): SeriesAnalysis {
  return { metric: series.metric, ...(series.cell === undefined ? {} : { cell: series.cell }), points, segments: [], changes: [], skipped: reason };
}

/** The changes in one series: steps between fitted levels and a creep over the latest runs. */
export function detectChanges(series: MetricSeries, options: DetectOptions = {}): SeriesAnalysis {
  const noisePct = options.noisePct ?? 2;
  const points = poolByCommit(series.runs);
  const better = series.better;
  if (better === 'none') return skipped(series, points, 'the metric has no better direction');
  if (points.length < MIN_POINTS) return skipped(series, points, `${points.length} points, fewer than ${MIN_POINTS}`);
  if (!points.every((p) => Number.isFinite(p.median) && p.median > 0)) return skipped(series, points, 'not every median is positive');

  const { y, w } = weightSeries(points);
  const costs = new L1Costs(y, w);
  const fitted = segmentSeries(costs, w, options.segmentation);
  let segments: Segment[] = pruneSteps(fitted.segments, costs, w, { noisePct });

  const changes: SeriesChange[] = [];
  const creepOptions = { ...DEFAULT_CREEP, ...options.creep, ...(options.segmentation ? { segmentation: options.segmentation } : {}) };
  const creep = findCreep(y, w, creepOptions);
  const stepInWindow = creep !== null && segments.some((s) => s.start > creep.start);
  if (creep && (creep.beatsSingleStep || !stepInWindow)) {
    const span = y.length - 1 - creep.start;
    const { slope, low, high } = creep.trend;
    const drift = pctOf(slope * span, low * span, high * span);
    if (Math.abs(drift.pct) >= noisePct && (low > 0 || high < 0)) {
      // The creep explains whatever steps the segmentation put inside its window.
      segments = mergeFrom(segments, creep.start, costs);
      const threshold = Math.log1p(noisePct / 100);
      const crossing = Math.min(span, Math.max(1, Math.ceil(threshold / Math.abs(slope))));
      const lastGood = refOf(points[Math.max(0, creep.start - 1)]!);
      changes.push(
        change(series, {
          kind: 'creep',
          direction: directionOf(better, slope),
          lastGood,
          firstBad: refOf(points[creep.start + crossing]!),
          change: drift,
          pctPerRun: 100 * Math.expm1(slope),
        }),
      );
    }
  }

  for (const step of stepsOf(segments, w)) {
    const before = segments[step.after - 1]!;
    const after = segments[step.after]!;
    changes.push(
      change(series, {
        kind: 'step',
        direction: directionOf(better, step.logChange),
        lastGood: refOf(points[before.end]!),
        firstBad: refOf(points[after.start]!),
        change: pctOf(step.logChange, step.low, step.high),
      }),
    );
  }
  changes.sort((a, b) => a.firstBad.index - b.firstBad.index);
  return {
    metric: series.metric,
    ...(series.cell === undefined ? {} : { cell: series.cell }),
    points,
    segments: segments.map((s) => ({ start: s.start, end: s.end, level: Math.exp(s.level) })),
    changes,
  };
}

/** The stretches with every boundary after `start` removed (one stretch from there on). */
function mergeFrom(segments: readonly Segment[], start: number, costs: L1Costs): Segment[] {
  const kept = segments.filter((s) => s.start <= start);
  const last = kept.pop()!;
  const end = costs.n - 1;
  return [...kept, { start: last.start, end, level: costs.level(last.start, end), cost: costs.cost(last.start, end) }];
}
