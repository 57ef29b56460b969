// The whole-interval rule and the advice for inconclusive rows (issue 11 item 2, review M3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleAdvice, verdictOf, type VerdictInput } from '../../reports/compare/verdict.js';

const base: Omit<VerdictInput, 'interval'> = { role: 'primary', better: 'lower', noisePct: 2, n1: 5, n2: 5, covPct: 2 };
const interval = (lowPct: number, estimatePct: number, highPct: number) => ({ lowPct, estimatePct, highPct, level: 0.944 });

test('regression or improvement only when the whole interval lies beyond the threshold', () => {
  assert.equal(verdictOf({ ...base, interval: interval(2.5, 5, 8) }).verdict, 'regression', 'latency up by at least 2.5%');
  assert.equal(verdictOf({ ...base, better: 'higher', interval: interval(2.5, 5, 8) }).verdict, 'improvement');
  assert.equal(verdictOf({ ...base, better: 'higher', interval: interval(-9, -6, -2.1) }).verdict, 'regression');
  // The review's case: [+0.3%, +6%] is consistent with +0.3%, so it is not a 2% regression.
  const straddling = verdictOf({ ...base, interval: interval(0.3, 3.15, 6) });
  assert.equal(straddling.verdict, 'inconclusive');
  assert.match(straddling.reason, /crosses the 2% threshold/);
  assert.match(straddling.reason, /repetitions per side/);
});

test('no difference only when the whole interval lies within ±threshold', () => {
  assert.equal(verdictOf({ ...base, interval: interval(-1, 0.2, 1.5) }).verdict, 'no difference');
  assert.equal(verdictOf({ ...base, interval: interval(-3, 0.2, 1.5) }).verdict, 'inconclusive', 'a wide interval is no evidence of no difference');
  assert.equal(verdictOf({ ...base, noisePct: 0, interval: interval(0, 0, 0) }).verdict, 'no difference');
  assert.equal(verdictOf({ ...base, noisePct: 0, interval: interval(0.1, 0.5, 1) }).verdict, 'regression');
});

test('informational rows are changed or not, never better or worse', () => {
  const info = { ...base, role: 'informational' as const, better: 'none' as const };
  assert.equal(verdictOf({ ...info, interval: interval(0.5, 1, 3) }).verdict, 'changed');
  assert.equal(verdictOf({ ...info, interval: interval(-700, -600, -500) }).verdict, 'changed');
  assert.equal(verdictOf({ ...info, interval: interval(-1, 0, 1) }).verdict, 'no difference');
  assert.equal(verdictOf({ ...info, interval: interval(-5, 0, 5) }).verdict, 'inconclusive');
  // A declared direction does not make an informational row a regression.
  assert.equal(verdictOf({ ...info, better: 'lower', interval: interval(50, 60, 70) }).verdict, 'changed');
});

test('settle advice: repetitions from the interval width, noise from the CoV', () => {
  // Estimate +3.15%, lower bound +0.3%: the lower half-width 2.85 must shrink to 1.15, a factor
  // 0.4035; 5 repetitions per side / 0.4035^2 = 30.7 -> 31; the CoV 2% * 0.4035 = 0.8%.
  assert.equal(
    settleAdvice(interval(0.3, 3.15, 6), 2, 5, 5, 2),
    'about 31 repetitions per side would bring the interval above +2.00% if the change stays at +3.15%, or the noise cut by 60% (CoV 2.0% to 0.81%)',
  );
  // Inside: estimate +0.5, interval [-3, +4]: the upper half-width 3.5 must shrink to 1.5 (0.4286).
  assert.match(settleAdvice(interval(-3, 0.5, 4), 2, 10, 10, null), /^about 55 repetitions per side would bring the interval within \+\/-2%/);
  assert.match(settleAdvice(interval(-1, 2, 5), 2, 5, 5, 1), /sits on the 2% threshold/);
  assert.match(settleAdvice(interval(1.99, 2.0001, 2.01), 2, 5, 5, 1), /more than 1000 repetitions/);
  assert.equal(settleAdvice(interval(-Infinity, 1, Infinity), 2, 3, 3, 1), 'more repetitions per side');
});

test('settle figures: replicates per side, the goal, and none when the estimate sits on the threshold', () => {
  const r = verdictOf({ ...base, interval: interval(0.3, 3.15, 6) });
  assert.deepEqual({ ...r.settle!, noiseFactor: Number(r.settle!.noiseFactor!.toFixed(4)) }, { replicates: 31, unit: 'repetitions', goal: 'above +2.00%', noiseFactor: 0.4035 });
  assert.equal(verdictOf({ ...base, interval: interval(-1, 2, 5) }).settle!.replicates, null);
  assert.equal(verdictOf({ ...base, replicate: 'boots', n1: 3, n2: 3, interval: interval(0.3, 3.15, 6) }).settle!.unit, 'boots');
  assert.equal(verdictOf({ ...base, interval: interval(2.5, 5, 8) }).settle, undefined, 'only inconclusive rows carry it');
});
