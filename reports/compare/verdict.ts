// What a comparison row concludes from its interval: the whole-interval rule (a minimum-effect
// test), and, when the data do not settle the question, what would.
//
// A primary metric is a regression or an improvement only when its whole interval lies beyond the
// noise threshold in that direction, "no difference" when the whole interval lies within
// ±threshold, and inconclusive otherwise: a change whose interval reaches from +0.3% to +6% is
// consistent with +0.3%, and is not called a 2% regression. An informational metric is "changed"
// when its interval excludes no change, and never better or worse.
import type { Better, MetricRole } from '../../model/measurement.js';
import { formatPct } from '../render/format.js';
import type { Settle, Verdict } from './types.js';

export interface IntervalPct {
  estimatePct: number;
  lowPct: number;
  highPct: number;
  level: number;
}

export interface VerdictInput {
  role: Exclude<MetricRole, 'descriptive'>;
  better: Better;
  interval: IntervalPct;
  noisePct: number;
  /** Replicates per side (repetitions, or boots when the interval resamples boots), for the advice. */
  n1: number;
  n2: number;
  /** What a replicate is: 'repetitions' unless the interval resamples boots. */
  replicate?: 'repetitions' | 'boots';
  /** Coefficients of variation of both sides in %, for the noise advice (null when unknown). */
  covPct: number | null;
}

/** A repetitions figure past this is not advice any more. */
const MAX_ADVISED_REPETITIONS = 1000;

function levelText(level: number): string {
  return `${(100 * level).toFixed(1)}%`;
}

function intervalText(i: IntervalPct): string {
  return `${levelText(i.level)} interval [${formatPct(i.lowPct)}, ${formatPct(i.highPct)}]`;
}

/**
 * What would settle an inconclusive interval. Interval widths shrink about as sqrt(1/n1 + 1/n2)
 * and grow with the spread of the values, so an interval that must become `f` times as wide
 * needs about n/f^2 replicates per side, or the noise cut by f, if the change stays where it is
 * estimated. null when the interval is unbounded.
 */
export function settleOf(i: IntervalPct, noisePct: number, n1: number, n2: number, unit: 'repetitions' | 'boots' = 'repetitions'): Settle | null {
  if (!Number.isFinite(i.lowPct) || !Number.isFinite(i.highPct)) return null;
  const est = i.estimatePct;
  const below = est - i.lowPct;
  const above = i.highPct - est;
  let factor: number;
  let goal: string;
  if (est > noisePct) {
    factor = below > 0 ? (est - noisePct) / below : Infinity;
    goal = `above ${formatPct(noisePct)}`;
  } else if (est < -noisePct) {
    factor = above > 0 ? (-noisePct - est) / above : Infinity;
    goal = `below ${formatPct(-noisePct)}`;
  } else {
    factor = Math.min(below > 0 ? (est + noisePct) / below : Infinity, above > 0 ? (noisePct - est) / above : Infinity);
    goal = `within +/-${noisePct}%`;
  }
  if (!(factor > 0)) return { replicates: null, unit, goal, noiseFactor: null };
  const nEff = 2 / (1 / n1 + 1 / n2);
  return { replicates: Math.ceil(nEff / (factor * factor)), unit, goal, noiseFactor: factor < 1 ? factor : null };
}

/** The settle figures as a sentence (the reason of an inconclusive row). */
export function settleAdvice(i: IntervalPct, noisePct: number, n1: number, n2: number, covPct: number | null, replicate: 'repetitions' | 'boots' = 'repetitions'): string {
  const settle = settleOf(i, noisePct, n1, n2, replicate);
  if (!settle) return `more ${replicate} per side`;
  if (settle.replicates === null) return `the estimate ${formatPct(i.estimatePct)} sits on the ${noisePct}% threshold: no number of ${replicate} settles it`;
  const reps = settle.replicates;
  const repsText = reps > MAX_ADVISED_REPETITIONS ? `more than ${MAX_ADVISED_REPETITIONS} ${replicate} per side` : `about ${reps} ${replicate} per side`;
  const f = settle.noiseFactor;
  const noise =
    covPct !== null && covPct > 0 && f !== null ? `, or the noise cut by ${Math.max(1, Math.round(100 * (1 - f)))}% (CoV ${covPct.toPrecision(2)}% to ${(covPct * f).toPrecision(2)}%)` : '';
  return `${repsText} would bring the interval ${settle.goal} if the change stays at ${formatPct(i.estimatePct)}${noise}`;
}

/** Is a change in this direction good for a metric where `better` is as given? */
function direction(up: boolean, better: Better): 'improvement' | 'regression' {
  return up === (better === 'higher') ? 'improvement' : 'regression';
}

export function verdictOf(input: VerdictInput): { verdict: Verdict; reason: string; settle?: Settle | null } {
  const { interval: i, noisePct } = input;
  const excludesZero = i.lowPct > 0 || i.highPct < 0;
  const inside = i.lowPct >= -noisePct && i.highPct <= noisePct;
  if (input.role === 'informational' || input.better === 'none') {
    if (excludesZero) return { verdict: 'changed', reason: `informational: the ${intervalText(i)} excludes no change; neither direction is better` };
    if (inside) return { verdict: 'no difference', reason: `informational: the ${intervalText(i)} lies within +/-${noisePct}%` };
    return { verdict: 'inconclusive', reason: `informational: the ${intervalText(i)} includes no change and reaches beyond +/-${noisePct}%` };
  }
  if (i.lowPct > noisePct || i.highPct < -noisePct) {
    const verdict = direction(i.lowPct > noisePct, input.better);
    const side = i.lowPct > noisePct ? `above ${formatPct(noisePct)}` : `below ${formatPct(-noisePct)}`;
    return { verdict, reason: `the whole ${intervalText(i)} lies ${side} (${input.better} is better)` };
  }
  if (inside) return { verdict: 'no difference', reason: `the whole ${intervalText(i)} lies within +/-${noisePct}%` };
  return {
    verdict: 'inconclusive',
    reason: `the ${intervalText(i)} crosses the ${noisePct}% threshold; ${settleAdvice(i, noisePct, input.n1, input.n2, input.covPct, input.replicate)}`,
    settle: settleOf(i, noisePct, input.n1, input.n2, input.replicate),
  };
}
