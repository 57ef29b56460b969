// The order of a run's passes (runner/schedule.ts), on plans of real campaign files: interleaved
// rounds shuffled from a seed, warm-ups before a cell's first timed repetition in each boot,
// profile passes last, the sequential order of old, shares of the repetitions for multi-boot
// runs, and the property --resume depends on: stopped anywhere, the schedule continues with
// exactly the passes the uninterrupted one would have run next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCampaign } from '../../core/campaign/load.js';
import { buildPlan, type Plan, type PlannedCell } from '../../runner/plan.js';
import { validateCellParams } from '../../runner/registry.js';
import { parseShare, passSequence, roundOrder, shareWork, warmupReps, type ScheduleOptions, type ScheduledPass } from '../../runner/schedule.js';

function plan(extra: string, bs = '[4k, 8k, 16k, 32k]', top = 'repetitions: 3\nwarmup: 1\n'): Plan {
  const text = `name: s
${top}workloads:
  - name: rr
    tool: fio
${extra}    matrix:
      rw: randread
      bs: ${bs}
      runtime: 1
`;
  return buildPlan(parseCampaign(text, 's.yaml', validateCellParams));
}

const bs = (p: ScheduledPass): string => String(p.cell.params.bs);
const show = (p: ScheduledPass): string => `${bs(p)} ${p.pass} ${p.rep}`;

/** Every pass of an uninterrupted run, each recorded done as it is yielded; `runs` decides adaptive repetitions. */
function runAll(p: Plan, opts: ScheduleOptions, runs: (cell: PlannedCell, rep: number) => boolean = () => true, done = new Set<string>()): ScheduledPass[] {
  const out: ScheduledPass[] = [];
  const isDone = (cell: string, pass: string, rep: number): boolean => done.has(`${cell}|${pass}|${rep}`);
  for (const pass of passSequence(p, opts, { isDone, runs })) {
    out.push(pass);
    done.add(`${pass.cell.key}|${pass.pass}|${pass.rep}`);
  }
  return out;
}

test('interleaved: round after round every cell once, warm-up just before its first timed repetition, in an order that is a function of the seed', () => {
  const p = plan('');
  assert.equal(p.order, 'interleaved', 'the default');
  const passes = runAll(p, { order: 'interleaved', seed: 42, bootIndex: 0 });
  assert.equal(passes.length, 4 * (1 + 3));
  const timed = passes.filter((x) => x.pass === 'timed');
  for (let round = 0; round < 3; round++) {
    const inRound = timed.slice(round * 4, round * 4 + 4);
    assert.deepEqual(inRound.map((x) => x.rep), [round, round, round, round], `round ${round} holds repetition ${round} of each cell`);
    assert.deepEqual(inRound.map(bs), roundOrder(p.cells, 42, round).map((c) => String(c.params.bs)));
  }
  for (const [i, x] of passes.entries()) {
    if (x.pass === 'warmup') assert.deepEqual([passes[i + 1]!.cell.key, passes[i + 1]!.pass, passes[i + 1]!.rep], [x.cell.key, 'timed', 0]);
  }
  // Same seed, same order; the rounds are not all in one order; another seed gives another order.
  assert.deepEqual(runAll(p, { order: 'interleaved', seed: 42, bootIndex: 0 }).map(show), passes.map(show));
  const rounds = [0, 1, 2].map((r) => roundOrder(p.cells, 42, r).map((c) => c.key).join());
  assert.ok(new Set(rounds).size > 1, `rounds in different orders: ${rounds.join(' / ')}`);
  const other = runAll(p, { order: 'interleaved', seed: 43, bootIndex: 0 }).map(show);
  assert.notDeepEqual(other, passes.map(show));
  assert.deepEqual([...other].sort(), passes.map(show).sort(), 'the same passes');
});

test('sequential keeps the order of old: cell after cell, warm-up, timed repetitions, profile passes', () => {
  const p = plan('    profilers: [{ kind: perf-stat }]\n', '[4k, 8k]');
  const passes = runAll(p, { order: 'sequential', seed: 42, bootIndex: 0 }).map(show);
  assert.deepEqual(passes, [
    '4k warmup 0', '4k timed 0', '4k timed 1', '4k timed 2', '4k profile:perf-stat 0',
    '8k warmup 0', '8k timed 0', '8k timed 1', '8k timed 2', '8k profile:perf-stat 0',
  ]);
  const interleaved = runAll(p, { order: 'interleaved', seed: 1, bootIndex: 0 }).map(show);
  assert.deepEqual(interleaved.slice(-2), ['4k profile:perf-stat 0', '8k profile:perf-stat 0'], 'profile passes after every timed round');
});

test('stopped after any pass and started again (the --resume of a killed run), the schedule continues with the passes the uninterrupted run would have run', () => {
  const p = plan('    profilers: [{ kind: perf-stat }]\n');
  for (const order of ['interleaved', 'sequential'] as const) {
    const opts = { order, seed: 7, bootIndex: 0 };
    const whole = runAll(p, opts).map(show);
    for (let k = 0; k <= whole.length; k++) {
      const done = new Set<string>();
      const first = runAll(p, opts, undefined, done).slice(0, k);
      done.clear();
      for (const x of first) done.add(`${x.cell.key}|${x.pass}|${x.rep}`);
      const rest = runAll(p, opts, undefined, done);
      assert.deepEqual([...first.map(show), ...rest.map(show)], whole, `${order}, stopped after ${k} passes`);
    }
  }
});

test('adaptive repetitions: a cell the caller stops leaves the later rounds, the others go on up to max', () => {
  const p = plan('', '[4k, 8k, 16k]', 'repetitions: { min: 2, max: 5, target_cov: 1% }\nwarmup: 0\n');
  assert.deepEqual(p.cells[0]!.repetitions, { min: 2, max: 5, targetCov: 0.01, budgetSec: undefined });
  const stopAt: Record<string, number> = { '4k': 2, '8k': 4 };
  const asked: string[] = [];
  const runs = (cell: PlannedCell, rep: number): boolean => {
    asked.push(`${String(cell.params.bs)} ${rep}`);
    return rep < (stopAt[String(cell.params.bs)] ?? Infinity);
  };
  const passes = runAll(p, { order: 'interleaved', seed: 3, bootIndex: 0 }, runs);
  const count = (b: string): number => passes.filter((x) => bs(x) === b).length;
  assert.deepEqual([count('4k'), count('8k'), count('16k')], [2, 4, 5]);
  assert.ok(!asked.includes('16k 5'), 'never asked beyond max');
  assert.equal(passes.filter((x) => x.rep === 4).length, 1, 'only 16k in the last round');
});

test('shares of a multi-boot run: each cell\'s min split between boots, warm-ups again in each boot, the last share runs the rest and the profile passes', () => {
  const p = plan('    profilers: [{ kind: perf-stat }]\n', '[4k, 8k]', 'repetitions: 5\nwarmup: 1\n');
  const done = new Set<string>();
  const first = runAll(p, { order: 'interleaved', seed: 9, bootIndex: 0, share: { index: 1, of: 2 } }, undefined, done);
  const second = runAll(p, { order: 'interleaved', seed: 9, bootIndex: 1, share: { index: 2, of: 2 } }, undefined, done);
  const timedReps = (xs: ScheduledPass[]): number[] => [...new Set(xs.filter((x) => x.pass === 'timed').map((x) => x.rep))].sort();
  assert.deepEqual(timedReps(first), [0, 1, 2], 'ceil(1 × 5 / 2) = 3 repetitions in the first boot');
  assert.deepEqual(timedReps(second), [3, 4]);
  assert.deepEqual(first.filter((x) => x.pass === 'warmup').map((x) => x.rep), [0, 0]);
  assert.deepEqual(second.filter((x) => x.pass === 'warmup').map((x) => x.rep), [1, 1], 'warm-up numbers stay unique within a cell');
  assert.deepEqual(warmupReps(p.cells[0]!, 2), [2]);
  assert.ok(!first.some((x) => x.pass.startsWith('profile:')));
  assert.deepEqual(second.slice(-2).map((x) => x.pass), ['profile:perf-stat', 'profile:perf-stat']);
  // What the lab gives each guest as its timeout is about what the share does.
  assert.equal(shareWork(p, { index: 1, of: 2 }).passes, first.length);
  assert.equal(shareWork(p, { index: 2, of: 2 }).passes, second.length);
  // Three shares of 5: 2, 2 (ceil(10/3) = 4), 1.
  const d3 = new Set<string>();
  const split = [1, 2, 3].map((k) => timedReps(runAll(p, { order: 'interleaved', seed: 9, bootIndex: k - 1, share: { index: k, of: 3 } }, undefined, d3)));
  assert.deepEqual(split, [[0, 1], [2, 3], [4]]);
});

test('--share K/N is checked', () => {
  assert.deepEqual(parseShare('2/3'), { index: 2, of: 3 });
  assert.match(String(parseShare('3/2')), /K must be between 1 and N/);
  assert.match(String(parseShare('0/2')), /K must be between 1 and N/);
  assert.match(String(parseShare('half')), /--share takes K\/N/);
});
