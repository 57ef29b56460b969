// The plan: every cell of every workload with its passes, and how long it should take. In which
// order the passes run is runner/schedule.ts.
import { parseDuration, parsePercent, type Campaign, type RunOrder, type Workload } from '../model/campaign.js';
import type { PassKind } from '../model/measurement.js';
import { MACHINE_SPECIFIC_PARAMS, type CellParams } from '../model/cell.js';
import { cellDirName, cellKey, expandMatrix } from '../core/campaign/matrix.js';
import { CampaignError, loadCampaign } from '../core/campaign/load.js';
import { collectorFor, validateCellParams } from './registry.js';
import { formatPercent } from './stability.js';

export interface PlannedPass {
  pass: PassKind;
  rep: number;
}

/** How many timed repetitions a cell runs: `min` = `max` for a fixed number. */
export interface RepetitionBounds {
  min: number;
  max: number;
  /** Adaptive repetitions: the coefficient of variation (a fraction) below which a cell stops. */
  targetCov?: number;
  /** Adaptive repetitions: seconds of run time after which no cell starts a repetition beyond its min. */
  budgetSec?: number;
}

export interface PlannedCell {
  workload: Workload;
  key: string;
  dir: string;
  params: CellParams;
  /** Warm-up passes before the cell's first timed repetition in each boot. */
  warmup: number;
  repetitions: RepetitionBounds;
  /** Its profile passes (`profile:<kind>`), one repetition each. */
  profiles: PassKind[];
  /** Every pass a boot can run for it, timed ones up to `max`: warm-ups, timed, profiles. */
  passes: PlannedPass[];
  /** Seconds for one repetition. */
  estimateSec: number;
  /** What the estimate rests on, when it is an assumption (a size-based fio job). */
  estimateBasis?: string;
}

export interface Plan {
  campaign: Campaign;
  cells: PlannedCell[];
  /** The campaign's order; a bundle keeps the order it started with (runner/schedule.ts). */
  order: RunOrder;
  /** Passes when every cell runs to its max (the count when no cell is adaptive). */
  totalPasses: number;
  /** Passes when every cell stops at its min. */
  minPasses: number;
  /** Seconds when every cell runs to its max. */
  estimateSec: number;
  /** Seconds when every cell stops at its min. */
  minEstimateSec: number;
}

export function repetitionBounds(spec: Campaign['repetitions']): RepetitionBounds {
  if (typeof spec === 'number') return { min: spec, max: spec };
  return {
    min: spec.min,
    max: spec.max,
    targetCov: parsePercent(spec.target_cov),
    budgetSec: spec.budget === undefined ? undefined : parseDuration(spec.budget),
  };
}

/** Whether a cell's repetitions are decided as the run goes. */
export function isAdaptive(cell: PlannedCell): boolean {
  return cell.repetitions.targetCov !== undefined;
}

function passesFor(warmup: number, reps: RepetitionBounds, profiles: PassKind[]): PlannedPass[] {
  const passes: PlannedPass[] = [];
  for (let rep = 0; rep < warmup; rep++) passes.push({ pass: 'warmup', rep });
  for (let rep = 0; rep < reps.max; rep++) passes.push({ pass: 'timed', rep });
  for (const pass of profiles) passes.push({ pass, rep: 0 });
  return passes;
}

/** Why two cells that differ can share a key: machine-specific parameters are not part of it. */
function sameKeyHint(tool: Workload['tool']): string {
  const left = MACHINE_SPECIFIC_PARAMS[tool] ?? [];
  return left.length > 0 ? ` (cell keys leave out ${left.join(', ')}: they name the machine, not the experiment)` : '';
}

export function buildPlan(campaign: Campaign): Plan {
  const cells: PlannedCell[] = [];
  for (const workload of campaign.workloads) {
    const collector = collectorFor(workload.tool);
    for (const params of expandMatrix(workload.matrix)) {
      const key = cellKey(workload.name, params, workload.tool);
      const warmup = workload.warmup ?? campaign.warmup;
      const repetitions = repetitionBounds(workload.repetitions ?? campaign.repetitions);
      // Profilers run in passes of their own so tracing overhead never enters timed numbers.
      const profiles = workload.profilers.map((p): PassKind => `profile:${p.kind}`);
      const estimate = collector.estimateSeconds(workload, params);
      cells.push({
        workload,
        key,
        dir: cellDirName(key),
        params,
        warmup,
        repetitions,
        profiles,
        passes: passesFor(warmup, repetitions, profiles),
        ...(typeof estimate === 'number' ? { estimateSec: estimate } : { estimateSec: estimate.seconds, estimateBasis: estimate.basis }),
      });
    }
  }
  const keys = new Set<string>();
  for (const c of cells) {
    if (keys.has(c.key)) throw new CampaignError(`two cells share the key ${c.key}: give the workloads different names${sameKeyHint(c.workload.tool)}`);
    keys.add(c.key);
  }
  const atMin = (c: PlannedCell): number => c.passes.length - (c.repetitions.max - c.repetitions.min);
  return {
    campaign,
    cells,
    order: campaign.order ?? 'interleaved',
    totalPasses: cells.reduce((n, c) => n + c.passes.length, 0),
    minPasses: cells.reduce((n, c) => n + atMin(c), 0),
    estimateSec: cells.reduce((s, c) => s + c.estimateSec * c.passes.length, 0),
    minEstimateSec: cells.reduce((s, c) => s + c.estimateSec * atMin(c), 0),
  };
}

/** Reads a campaign file, validates every cell against its tool, and plans it. */
export async function loadPlan(file: string): Promise<{ campaign: Campaign; text: string; plan: Plan }> {
  const { campaign, text } = await loadCampaign(file, validateCellParams);
  return { campaign, text, plan: buildPlan(campaign) };
}

/** Seconds before one repetition of `cell` is killed: the workload's `timeout`, else estimate × 3 + 60. */
export function repetitionDeadlineSec(cell: Pick<PlannedCell, 'workload' | 'estimateSec'>): number {
  return cell.workload.timeout ?? cell.estimateSec * 3 + 60;
}

/** What a cell's estimate rests on and the deadline it gives, for `plan` and the run's log; '' when the estimate is plain. */
export function estimateNote(cell: PlannedCell): string {
  return cell.estimateBasis ? `estimate: ${cell.estimateBasis}; deadline ${formatDuration(repetitionDeadlineSec(cell))}` : '';
}

export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function timedText(r: RepetitionBounds): string {
  if (r.targetCov === undefined) return `${r.max}× timed`;
  const budget = r.budgetSec === undefined ? '' : `, budget ${formatDuration(r.budgetSec)}`;
  return `${r.min}–${r.max}× timed (until CoV <= ${formatPercent(r.targetCov)}${budget})`;
}

export function renderPlan(plan: Plan): string {
  const passes = plan.minPasses === plan.totalPasses ? `${plan.totalPasses}` : `${plan.minPasses}–${plan.totalPasses}`;
  const lines = [`campaign ${plan.campaign.name}: ${plan.cells.length} cells, ${passes} passes, ${plan.order}`];
  for (const c of plan.cells) {
    const parts = [...(c.warmup > 0 ? [`${c.warmup}× warmup`] : []), timedText(c.repetitions), ...c.profiles.map((p) => `1× ${p}`)];
    const note = estimateNote(c);
    lines.push(`  ${c.key}  [${c.workload.tool}]  ${parts.join(', ')}  ~${formatDuration(c.estimateSec)} each${note ? ` (${note})` : ''}`);
  }
  lines.push(
    plan.minEstimateSec === plan.estimateSec
      ? `estimated duration: ${formatDuration(plan.estimateSec)}`
      : `estimated duration: ${formatDuration(plan.minEstimateSec)} if every cell is stable at its min, at most ${formatDuration(plan.estimateSec)}`,
  );
  return lines.join('\n');
}
