// The summary at the top of a report (issue 13 item 2): plain data built from bundles and compare's
// output, the single input of the text and HTML renderers beside it. Every string in it may come
// from a bundle (labels, host names, command lines, cell names): renderers escape what they print.
import type { Verdict } from '../compare/types.js';

/** One bundle as the summary names it: `[n]` in the text, a column of the environment table. */
export interface SummaryBundle {
  /** 1-based, the order the bundles were given in. */
  index: number;
  label: string;
  dir: string;
  kernel: string | null;
  /** strict, lazy, passthrough, off or unknown (model/dma-setup.ts), null without a system state. */
  iommuMode: string | null;
  /** Where the mode was read: the benchmarked device's group, or the box's most common group type. */
  iommuModeOf: string;
  /** The IOMMU units' caching mode (emulated IOMMU), null when nothing records it. */
  cachingMode: boolean | null;
  /** IOMMU mode and caching mode together: bundles are compared across kernels within one setting. */
  setting: string;
}

/** Which comparison a finding comes from. */
export type FindingScope = 'across-kernels' | 'within-kernel';

/** One side of a finding. */
export interface FindingSide {
  /** A bundle's label (across kernels) or the selection within one bundle (`api=link`). */
  label: string;
  kernel: string | null;
  median: number | null;
  n: number;
}

/** One primary row of compare, as the summary reads it. */
export interface Finding {
  scope: FindingScope;
  setting: string;
  workload: string;
  cell: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower' | 'none';
  tool: string;
  /** The pass compared (`timed`, `profile:ftrace`). */
  pass: string;
  /** What the finding's cells have in common for aggregation: the cell, or `microbench api=phys` over every size. */
  group: string;
  base: FindingSide;
  candidate: FindingSide;
  changePct: number | null;
  ci: { lowPct: number; highPct: number; level: number } | null;
  verdict: Verdict;
  reason: string;
  /** Headline metrics (IOPS, clat p50, map/unmap/total p50, bw, a mapping call's p50) are always named. */
  headline: boolean;
  /** Notes compare put on the row (another path than asked for ran, units converted). */
  notes: string[];
}

/** A DMA mapping call made per I/O, or the IOMMU map calls underneath, in one bundle's profile pass. */
export interface CallCount {
  name: string;
  perIo: number;
}

/** The per-I/O call counts of one cell's ftrace pass in one bundle: which DMA path it took. */
export interface CellCallCounts {
  bundle: number;
  workload: string;
  cell: string;
  /** Mapping calls of the sg, link and phys paths with a count above zero, in model/dma-functions.ts order. */
  mapCalls: CallCount[];
  /** iommu:map events per I/O (IOMMU page-table map calls), when traced. */
  iommuMaps: number | null;
  /** Mapping functions the kernel lacks (recorded absent, never 0). */
  absent: string[];
}

/** A paragraph of the answer: what it is about, then its sentences. */
export interface AnswerSection {
  topic: 'setup' | 'call-counts' | 'across-kernels' | 'within-kernel' | 'iommu-modes' | 'verdicts' | 'missing';
  title: string;
  sentences: string[];
}

/** One row of the environment table: a fact per bundle (null: not recorded there). */
export interface EnvironmentRow {
  name: string;
  values: (string | null)[];
  /** The bundles disagree (recorded values that differ, or recorded in some and not others). */
  differs: boolean;
  /** How `differs` was decided when not by the values shown (the command line: without the boot's own parameters). */
  note?: string;
}

export type SummaryWarningKind = 'noise' | 'comparability' | 'kernel-log' | 'tcg' | 'soft-roce';

export interface SummaryWarning {
  kind: SummaryWarningKind;
  /** 1-based bundle indexes it is about. */
  bundles: number[];
  message: string;
  details: string[];
}

export interface Summary {
  bundles: SummaryBundle[];
  answer: AnswerSection[];
  findings: Finding[];
  callCounts: CellCallCounts[];
  environment: EnvironmentRow[];
  warnings: SummaryWarning[];
}
