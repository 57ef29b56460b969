// The shapes of regression detection over a series of runs (issue 14 item 3): what goes in (runs
// in series order, one primary metric each) and what comes out (changes found, each a commit range
// with its magnitude). Pure data; the functions live beside it.
import type { Better } from '../../model/measurement.js';

/** One run of one metric, in series order (the caller orders the series: issue 14 item 2). */
export interface SeriesRun {
  /** The run's id (a bundle's label or directory name); unique within the series. */
  id: string;
  /** The kernel commit the run measured, where known; several runs of one commit get pooled. */
  commit?: string;
  /** The repetitions' values. When given, the median and interval below are derived from them. */
  values?: readonly number[];
  /** The run's median, when the repetitions are not at hand. */
  median?: number;
  /** An interval around the median (e.g. compare's 95% interval), when the repetitions are not at hand. */
  interval?: readonly [number, number];
}

/** A series: one (cell, metric) over ordered runs. */
export interface MetricSeries {
  metric: string;
  /** The cell key; absent when the caller's series is not per cell. */
  cell?: string;
  /** Which direction is an improvement (model/measurement.ts); `none` metrics are never analysed. */
  better: Better;
  runs: readonly SeriesRun[];
}

/** One point of the analysed series: a run, or several runs of one commit pooled. */
export interface SeriesPoint {
  /** 0-based position in the pooled series. */
  index: number;
  /** Every run id pooled into this point, in series order. */
  runIds: string[];
  commit?: string;
  median: number;
  /** The repetitions' values when every pooled run carried them. */
  values?: number[];
  /** Interval around the median, on the values' scale; absent when unknown (one repetition, no interval given). */
  interval?: [number, number];
}

/** Where a change sits: the point before it and the first point after it. */
export interface RunRef {
  index: number;
  runIds: string[];
  commit?: string;
}

/** A relative change in percent with its interval (`level` is its nominal coverage). */
export interface PctChange {
  pct: number;
  low: number;
  high: number;
  level: number;
}

export type ChangeKind = 'step' | 'creep';
export type ChangeDirection = 'regression' | 'improvement';

/** One change found in a series. */
export interface SeriesChange {
  metric: string;
  cell?: string;
  kind: ChangeKind;
  direction: ChangeDirection;
  /** Step: the last point at the old level. Creep: the point before the drift's window. */
  lastGood: RunRef;
  /** Step: the first point at the new level. Creep: the first point where the fitted drift passed the threshold. */
  firstBad: RunRef;
  /** The change of the metric (new against old; for a creep, the fitted drift over its window). */
  change: PctChange;
  /** Creep only: the fitted drift per run in percent. */
  pctPerRun?: number;
  /** `git bisect start <bad> <good>` when both ends carry a commit. */
  bisect?: string;
  /** Set by applyAcknowledgements when an acknowledgement covers this change. */
  acknowledged?: { reason: string };
}

/** The outcome for one series. */
export interface SeriesAnalysis {
  metric: string;
  cell?: string;
  points: SeriesPoint[];
  /** The fitted levels (segments of equal level), for drawing the steps. */
  segments: { start: number; end: number; level: number }[];
  changes: SeriesChange[];
  /** Why the series was not analysed (too few points, values not all positive, `better: none`). */
  skipped?: string;
}
