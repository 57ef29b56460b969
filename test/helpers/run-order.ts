// The order a bundle's passes ran in (from its samples' `order`) and the order the schedule gives
// an uninterrupted run: what the order and kill/resume tests compare.
import assert from 'node:assert/strict';
import type { LoadedBundle } from '../../model/bundle.js';
import type { Sample } from '../../model/measurement.js';
import type { Plan, PlannedCell } from '../../runner/plan.js';
import { passSequence, type ScheduleOptions } from '../../runner/schedule.js';
import { stopReason } from '../../runner/stability.js';

/**
 * The passes of a bundle in the order they ran, as `cell pass rep`, from the samples' `order`:
 * asserts every pass has one order of its own and that the orders run 0..n-1 without a gap.
 */
export function executedPasses(bundle: LoadedBundle): string[] {
  const byOrder = new Map<number, string>();
  for (const s of bundle.samples) {
    assert.ok(s.order !== undefined, `${s.cell} ${s.pass} ${s.rep} ${s.metric}: no order`);
    const pass = `${s.cell} ${s.pass} ${s.rep}`;
    const seen = byOrder.get(s.order);
    assert.ok(seen === undefined || seen === pass, `order ${s.order} given to two passes: ${seen} and ${pass}`);
    byOrder.set(s.order, pass);
  }
  const orders = [...byOrder.keys()].sort((a, b) => a - b);
  assert.deepEqual(orders, orders.map((_, i) => i), 'orders 0..n-1, none missing');
  return orders.map((o) => byOrder.get(o)!);
}

/** The passes an uninterrupted run of `plan` makes, as `cell pass rep`, with `runs` deciding adaptive repetitions. */
export function scheduledPasses(plan: Plan, opts: ScheduleOptions, runs: (cell: PlannedCell, rep: number) => boolean = () => true): string[] {
  const done = new Set<string>();
  const out: string[] = [];
  for (const p of passSequence(plan, opts, { isDone: (c, pass, rep) => done.has(`${c} ${pass} ${rep}`), runs })) {
    const key = `${p.cell.key} ${p.pass} ${p.rep}`;
    done.add(key);
    out.push(key);
  }
  return out;
}

/** `metric` of each timed repetition of a cell, in repetition order. */
export function timedValues(samples: Sample[], cell: string, metric = 'read.iops'): number[] {
  return samples.filter((s) => s.cell === cell && s.pass === 'timed' && s.metric === metric).sort((a, b) => a.rep - b.rep).map((s) => s.value!);
}

/** Where the stability rule stops an adaptive cell, replayed on its recorded values: the first repetition not run, and why. */
export function replayStop(cell: PlannedCell, values: number[], metric = 'read.iops'): { stoppedAt: number; reason: string } {
  const { min, max, targetCov } = cell.repetitions;
  for (let next = 1; next <= max; next++) {
    const reason = stopReason({ min, max, targetCov: targetCov!, metric, values: values.slice(0, next), nextRep: next });
    if (reason) return { stoppedAt: next, reason };
  }
  assert.fail(`${cell.key}: the rule never stops`);
}
