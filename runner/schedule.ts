// In which order a run's passes go (ARCHITECTURE.md, "Order of passes"). A pure function of the
// plan, the seed, the boot and what is already done, so a resumed run continues the very order it
// started: the bundle records the seed, and what is done is in its manifest.
//
// - interleaved (the default): round r runs timed repetition r of every cell still running, the
//   cells in an order shuffled from (seed, r); drift over the run (heat, page cache, a device's
//   garbage collection) then spreads over all cells instead of following the cell order. A cell's
//   warm-up passes come right before its first timed repetition in each boot; the profile passes
//   come after all timed rounds.
// - sequential: cell after cell, each with its warm-ups, timed repetitions and profile passes
//   (dmabench's order before interleaving).
//
// Whether a cell with adaptive repetitions runs repetition r ≥ min is asked of the caller
// (ScheduleState.runs), which decides from the measured values and records the decision.
import { deriveSeed, mulberry32, shuffled } from '../core/random/prng.js';
import type { RunOrder } from '../model/campaign.js';
import type { PassKind } from '../model/measurement.js';
import type { Plan, PlannedCell } from './plan.js';

/**
 * One of `of` sessions that share a run (`dmabench run --share K/N`, used by `lab run --boots N`):
 * session K runs each cell's timed repetitions below ceil(K × min / N); the last one runs the rest
 * (repetitions beyond min included) and the profile passes.
 */
export interface Share {
  /** 1-based. */
  index: number;
  of: number;
}

export interface ScheduleOptions {
  order: RunOrder;
  seed: number;
  /** Position of this boot in the bundle's boots (0 for the first): which warm-up repetitions are this boot's. */
  bootIndex: number;
  share?: Share;
}

export interface ScheduleState {
  /** Whether the pass is recorded done (or was already attempted in this session). */
  isDone(cell: string, pass: PassKind, rep: number): boolean;
  /** Whether the cell runs timed repetition `rep`; asked only for repetitions not done and within the share. */
  runs(cell: PlannedCell, rep: number): boolean;
}

export interface ScheduledPass {
  cell: PlannedCell;
  pass: PassKind;
  rep: number;
}

/** `K/N` → a share, or a message saying what is wrong. */
export function parseShare(text: string): Share | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--share takes K/N (the K-th of N sessions), got ${text}`;
  const share = { index: Number(m[1]), of: Number(m[2]) };
  if (share.of < 1 || share.index < 1 || share.index > share.of) return `--share ${text}: K must be between 1 and N`;
  return share;
}

export function isLastShare(share: Share | undefined): boolean {
  return !share || share.index === share.of;
}

/** The first timed repetition a share does not run (Infinity for the last share). */
export function shareLimit(cell: PlannedCell, share: Share | undefined): number {
  if (isLastShare(share)) return Infinity;
  return Math.ceil((share!.index * cell.repetitions.min) / share!.of);
}

/** The warm-up repetitions of the cell in boot `bootIndex`: numbers stay unique within the cell across boots. */
export function warmupReps(cell: PlannedCell, bootIndex: number): number[] {
  return Array.from({ length: cell.warmup }, (_, w) => bootIndex * cell.warmup + w);
}

/** The cells of round `round` in their shuffled order (every cell of the plan; the caller skips those that are done). */
export function roundOrder(cells: readonly PlannedCell[], seed: number, round: number): PlannedCell[] {
  return shuffled(cells, mulberry32(deriveSeed(seed, `round ${round}`)));
}

/** The passes left to run, in order, lazily: the caller runs each before asking for the next. */
export function* passSequence(plan: Plan, opts: ScheduleOptions, state: ScheduleState): Generator<ScheduledPass> {
  const warmed = new Set<string>();
  function* timed(cell: PlannedCell, rep: number): Generator<ScheduledPass> {
    if (rep >= cell.repetitions.max || rep >= shareLimit(cell, opts.share)) return;
    if (state.isDone(cell.key, 'timed', rep) || !state.runs(cell, rep)) return;
    if (!warmed.has(cell.key)) {
      warmed.add(cell.key);
      for (const w of warmupReps(cell, opts.bootIndex)) if (!state.isDone(cell.key, 'warmup', w)) yield { cell, pass: 'warmup', rep: w };
    }
    yield { cell, pass: 'timed', rep };
  }
  function* profiles(cell: PlannedCell): Generator<ScheduledPass> {
    if (!isLastShare(opts.share)) return;
    for (const pass of cell.profiles) if (!state.isDone(cell.key, pass, 0)) yield { cell, pass, rep: 0 };
  }

  if (opts.order === 'sequential') {
    for (const cell of plan.cells) {
      for (let rep = 0; rep < cell.repetitions.max; rep++) yield* timed(cell, rep);
      yield* profiles(cell);
    }
    return;
  }
  const rounds = Math.max(...plan.cells.map((c) => c.repetitions.max));
  for (let round = 0; round < rounds; round++) {
    for (const cell of roundOrder(plan.cells, opts.seed, round)) yield* timed(cell, round);
  }
  for (const cell of plan.cells) yield* profiles(cell);
}

export interface WorkLeft {
  passes: number;
  /** Sum of the plan's estimates of those passes. */
  sec: number;
  /** Some of them are repetitions that adaptive cells may not need: passes and sec are upper bounds. */
  atMost: boolean;
}

/**
 * What is left of the run: the passes the schedule would still yield if every adaptive cell that
 * has not stopped ran to its max (an upper bound, said so), given what is done and which cells
 * have stopped (`stoppedAt`, from the manifest).
 */
export function workLeft(
  plan: Plan,
  opts: ScheduleOptions,
  isDone: ScheduleState['isDone'],
  stoppedAt: (cell: PlannedCell) => number | undefined,
): WorkLeft {
  const left: WorkLeft = { passes: 0, sec: 0, atMost: false };
  const runs = (cell: PlannedCell, rep: number): boolean => rep < (stoppedAt(cell) ?? Infinity);
  for (const { cell, pass, rep } of passSequence(plan, opts, { isDone, runs })) {
    left.passes++;
    left.sec += cell.estimateSec;
    if (pass === 'timed' && rep >= cell.repetitions.min) left.atMost = true;
  }
  return left;
}

/**
 * What session `share` of a fresh run has to do (warm-ups of its boot, its timed repetitions,
 * and in the last share every repetition up to max and the profile passes): for a guest's timeout.
 */
export function shareWork(plan: Plan, share: Share): WorkLeft {
  const before: Share | undefined = share.index > 1 ? { index: share.index - 1, of: share.of } : undefined;
  const isDone = (cell: string, pass: PassKind, rep: number): boolean => {
    const planned = plan.cells.find((c) => c.key === cell)!;
    return pass === 'timed' && before !== undefined && rep < shareLimit(planned, before);
  };
  return workLeft(plan, { order: plan.order, seed: 0, bootIndex: share.index - 1, share }, isDone, () => undefined);
}
