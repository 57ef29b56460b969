// The run-time side of run until stable, bounded (campaign `repetitions: { min, max, target_cov,
// budget }`): which repetitions an adaptive cell runs, decided from its measured values by
// runner/stability.ts and kept in the manifest's schedule (model/bundle.ts ScheduledCell), so a
// resumed run makes the same decisions (ARCHITECTURE.md, "Order of passes").
import type { Manifest, RunSchedule, ScheduledCell } from '../model/bundle.js';
import type { Sample } from '../model/measurement.js';
import { passKey } from '../core/bundle/layout.js';
import { isAdaptive, type Plan, type PlannedCell } from './plan.js';
import { coefficientOfVariation, primaryMetricOf, stopReason } from './stability.js';

export class AdaptiveCells {
  /** Per adaptive cell, the workload tool's timed samples of each repetition done. */
  private readonly samples = new Map<string, Map<number, Sample[]>>();
  private readonly schedule: RunSchedule;
  /** A decision made outside a pass's record (a budget stop) that the manifest on disk lacks. */
  unsaved = false;

  /** `earlier`: the samples an earlier session recorded (BundleWriter.resumedSamples). */
  constructor(
    plan: Plan,
    private readonly manifest: Manifest,
    earlier: readonly Sample[],
  ) {
    this.schedule = manifest.schedule!;
    const byKey = new Map(plan.cells.map((c) => [c.key, c]));
    for (const s of earlier) {
      const cell = byKey.get(s.cell);
      if (cell && isAdaptive(cell)) this.add(cell, s.rep, [s]);
    }
  }

  private add(cell: PlannedCell, rep: number, samples: readonly Sample[]): void {
    const mine = samples.filter((s) => s.pass === 'timed' && s.tool === cell.workload.tool);
    let reps = this.samples.get(cell.key);
    if (!reps) this.samples.set(cell.key, (reps = new Map()));
    reps.set(rep, [...(reps.get(rep) ?? []), ...mine]);
  }

  /** The primary metric (the first of the lowest repetition) and its values in repetition order. */
  private primary(cell: PlannedCell): { metric: string | undefined; values: number[] } {
    const reps = [...(this.samples.get(cell.key) ?? [])].sort(([a], [b]) => a - b);
    const metric = reps.length > 0 ? primaryMetricOf(reps[0]![1]) : undefined;
    const values: number[] = [];
    for (const [, samples] of reps) {
      const v = samples.find((s) => s.metric === metric)?.value;
      if (v !== undefined && v !== null) values.push(v);
    }
    return { metric, values };
  }

  private record(cell: PlannedCell): ScheduledCell {
    return (this.schedule.cells[cell.key] ??= { repetitions: 0 });
  }

  /** Whether the cell runs timed repetition `rep`: below min always, then until it stopped or the budget is spent. */
  runs(cell: PlannedCell, rep: number): boolean {
    if (!isAdaptive(cell) || rep < cell.repetitions.min) return true;
    const record = this.record(cell);
    if (record.stopped !== undefined) return rep < (record.stoppedAt ?? 0);
    const budget = cell.repetitions.budgetSec;
    if (budget !== undefined && this.schedule.spentSec >= budget) {
      Object.assign(record, { stopped: 'budget', stoppedAt: rep });
      this.unsaved = true;
      return false;
    }
    return true;
  }

  /** The first repetition a stopped cell does not run. */
  stoppedAt(cell: PlannedCell): number | undefined {
    return this.schedule.cells[cell.key]?.stoppedAt;
  }

  /**
   * After timed repetition `rep` of an adaptive cell (its samples, or undefined when it failed):
   * the cell's record, and whether it stops before its next repetition. The caller saves it with
   * the repetition's own record, so the decision is on the disk exactly when the repetition is.
   */
  afterTimed(cell: PlannedCell, rep: number, samples: readonly Sample[] | undefined): void {
    if (!isAdaptive(cell)) return;
    if (samples) this.add(cell, rep, samples);
    const reps = new Set([...(this.manifest.done[passKey(cell.key, 'timed')] ?? []), ...(samples ? [rep] : [])]);
    const record = this.record(cell);
    const { metric, values } = this.primary(cell);
    record.repetitions = reps.size;
    if (metric !== undefined) record.metric = metric;
    if (values.length >= 2) record.cov = coefficientOfVariation(values);
    if (record.stopped !== undefined) return;
    // Repetitions run in order; one that failed and is run again by --resume comes after later ones.
    const nextRep = Math.max(rep, ...reps) + 1;
    const { min, max, targetCov } = cell.repetitions;
    const reason = stopReason({ min, max, targetCov: targetCov!, metric, values, nextRep });
    if (reason !== undefined) Object.assign(record, { stopped: reason, stoppedAt: nextRep });
  }
}
