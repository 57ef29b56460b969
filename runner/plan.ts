// The plan: every cell of every workload with its passes, and how long it should take.
import type { Campaign, Workload } from '../model/campaign.js';
import type { PassKind } from '../model/measurement.js';
import { MACHINE_SPECIFIC_PARAMS, type CellParams } from '../model/cell.js';
import { cellDirName, cellKey, expandMatrix } from '../core/campaign/matrix.js';
import { CampaignError, loadCampaign } from '../core/campaign/load.js';
import { collectorFor, validateCellParams } from './registry.js';

export interface PlannedPass {
  pass: PassKind;
  rep: number;
}

export interface PlannedCell {
  workload: Workload;
  key: string;
  dir: string;
  params: CellParams;
  passes: PlannedPass[];
  /** Seconds for one repetition. */
  estimateSec: number;
}

export interface Plan {
  campaign: Campaign;
  cells: PlannedCell[];
  totalPasses: number;
  estimateSec: number;
}

function passesFor(campaign: Campaign, workload: Workload): PlannedPass[] {
  const warmup = workload.warmup ?? campaign.warmup;
  const reps = workload.repetitions ?? campaign.repetitions;
  const passes: PlannedPass[] = [];
  for (let rep = 0; rep < warmup; rep++) passes.push({ pass: 'warmup', rep });
  for (let rep = 0; rep < reps; rep++) passes.push({ pass: 'timed', rep });
  // Profilers run in passes of their own so tracing overhead never enters timed numbers.
  for (const profiler of workload.profilers) passes.push({ pass: `profile:${profiler.kind}`, rep: 0 });
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
      cells.push({
        workload,
        key,
        dir: cellDirName(key),
        params,
        passes: passesFor(campaign, workload),
        estimateSec: collector.estimateSeconds(workload, params),
      });
    }
  }
  const keys = new Set<string>();
  for (const c of cells) {
    if (keys.has(c.key)) throw new CampaignError(`two cells share the key ${c.key}: give the workloads different names${sameKeyHint(c.workload.tool)}`);
    keys.add(c.key);
  }
  return {
    campaign,
    cells,
    totalPasses: cells.reduce((n, c) => n + c.passes.length, 0),
    estimateSec: cells.reduce((s, c) => s + c.estimateSec * c.passes.length, 0),
  };
}

/** Reads a campaign file, validates every cell against its tool, and plans it. */
export async function loadPlan(file: string): Promise<{ campaign: Campaign; text: string; plan: Plan }> {
  const { campaign, text } = await loadCampaign(file, validateCellParams);
  return { campaign, text, plan: buildPlan(campaign) };
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

export function renderPlan(plan: Plan): string {
  const lines = [`campaign ${plan.campaign.name}: ${plan.cells.length} cells, ${plan.totalPasses} passes`];
  for (const c of plan.cells) {
    const counts = new Map<string, number>();
    for (const p of c.passes) counts.set(p.pass, (counts.get(p.pass) ?? 0) + 1);
    const passText = [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
    lines.push(`  ${c.key}  [${c.workload.tool}]  ${passText}  ~${formatDuration(c.estimateSec)} each`);
  }
  lines.push(`estimated duration: ${formatDuration(plan.estimateSec)}`);
  return lines.join('\n');
}
