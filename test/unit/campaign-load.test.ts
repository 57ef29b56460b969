import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CampaignError, parseCampaign } from '../../core/campaign/load.js';
import { buildPlan, renderPlan } from '../../runner/plan.js';
import { validateCellParams } from '../../runner/registry.js';
import { cellKey, expandMatrix } from '../../core/campaign/matrix.js';

const good = `name: t
repetitions: 3
warmup: 1
workloads:
  - name: rr
    tool: fio
    matrix:
      rw: randread
      bs: [4k, 64k]
      iodepth: [1, 8]
      runtime: 2
`;

test('a valid campaign expands into the cartesian product of its lists, in key order (cell keys name parameters in name order)', () => {
  const plan = buildPlan(parseCampaign(good, 'good.yaml', validateCellParams));
  assert.deepEqual(
    plan.cells.map((c) => c.key),
    [
      'rr:bs=4k,iodepth=1,runtime=2,rw=randread',
      'rr:bs=4k,iodepth=8,runtime=2,rw=randread',
      'rr:bs=64k,iodepth=1,runtime=2,rw=randread',
      'rr:bs=64k,iodepth=8,runtime=2,rw=randread',
    ],
  );
  // 1 warm-up + 3 timed passes per cell.
  assert.equal(plan.totalPasses, 16);
  assert.ok(plan.estimateSec >= 16 * 2, `estimate ${plan.estimateSec} covers the runtimes`);
  assert.match(renderPlan(plan), /estimated duration: \d\d:\d\d/);
});

test('expandMatrix keeps scalars and multiplies lists', () => {
  assert.equal(expandMatrix({ a: [1, 2, 3], b: 'x', c: [true, false] }).length, 6);
  assert.equal(cellKey('w', {}, 'fio'), 'w');
});

function errorOf(text: string): string {
  try {
    parseCampaign(text, 'bad.yaml', validateCellParams);
  } catch (err) {
    assert.ok(err instanceof CampaignError, `CampaignError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('campaign was accepted');
}

test('a wrong type names the file, the line and the field', () => {
  const message = errorOf(good.replace('repetitions: 3', 'repetitions: three'));
  assert.match(message, /^bad\.yaml:2:\d+: repetitions: /);
});

test('an unknown key is refused with its location', () => {
  const message = errorOf(good.replace('    tool: fio', '    tool: fio\n    repetitons: 3'));
  assert.match(message, /^bad\.yaml:\d+:\d+: workloads\[0\]/);
  assert.match(message, /repetitons/);
});

test('a bad fio parameter points at its matrix line', () => {
  const message = errorOf(good.replace('bs: [4k, 64k]', 'bs: [4k, lots]'));
  assert.match(message, /^bad\.yaml:9:\d+: workloads\[0\]\.matrix\.bs: /);
});

test('a YAML syntax error names its line', () => {
  const message = errorOf('name: t\nworkloads: [\n');
  assert.match(message, /^bad\.yaml:\d+:\d+: YAML syntax/);
});

test('a missing workloads list is reported', () => {
  assert.match(errorOf('name: t\n'), /workloads/);
});

const adaptive = `name: t
repetitions:
  min: 3
  max: 10
  target_cov: 1.5%
  budget: 1h30m
order: sequential
seed: 12
workloads:
  - name: rr
    tool: fio
    repetitions: { min: 2, max: 4, target_cov: 2% }
    matrix:
      rw: randread
      bs: [4k, 64k]
      runtime: 2
  - name: fixed
    tool: fio
    repetitions: 2
    matrix: { rw: randread, bs: 4k, runtime: 2 }
`;

test('repetitions: a number or { min, max, target_cov, budget }, per campaign or per workload; order and seed', () => {
  const campaign = parseCampaign(adaptive, 'a.yaml', validateCellParams);
  // Kept as written in the resolved campaign (what a manifest shows); the plan converts.
  assert.deepEqual(campaign.repetitions, { min: 3, max: 10, target_cov: '1.5%', budget: '1h30m' });
  const plan = buildPlan(campaign);
  assert.equal(plan.order, 'sequential');
  assert.deepEqual(plan.cells.map((c) => c.repetitions), [
    { min: 2, max: 4, targetCov: 0.02, budgetSec: undefined },
    { min: 2, max: 4, targetCov: 0.02, budgetSec: undefined },
    { min: 2, max: 2 },
  ]);
  // 3 cells with 1 warm-up each: 2 + 2 + 2 timed at least, 4 + 4 + 2 at most.
  assert.equal(plan.minPasses, 3 + 6);
  assert.equal(plan.totalPasses, 3 + 10);
  assert.match(renderPlan(plan), /2–4× timed \(until CoV <= 2%\)/);
  assert.match(renderPlan(plan), /estimated duration: \d\d:\d\d if every cell is stable at its min, at most \d\d:\d\d/);
  const top = buildPlan(parseCampaign(adaptive.replace('    repetitions: { min: 2, max: 4, target_cov: 2% }\n', ''), 'a.yaml', validateCellParams));
  assert.deepEqual(top.cells[0]!.repetitions, { min: 3, max: 10, targetCov: 0.015, budgetSec: 5400 });
  assert.match(renderPlan(top), /3–10× timed \(until CoV <= 1\.5%, budget 1:30:00\)/);
});

test('a campaign without order or seed resolves without them: its hash stays what it was before they existed, and it runs interleaved', () => {
  const campaign = parseCampaign(good, 'good.yaml', validateCellParams);
  assert.ok(!('order' in campaign) && !('seed' in campaign), Object.keys(campaign).join());
  assert.equal(buildPlan(campaign).order, 'interleaved');
});

test('bad adaptive repetitions and orders point at their line', () => {
  const at = (text: string): string => errorOf(text);
  assert.match(at(adaptive.replace('  max: 10', '  max: 2')), /^bad\.yaml:4:8: repetitions\.max: max \(2\) is below min \(3\)$/);
  assert.match(at(adaptive.replace('target_cov: 1.5%', 'target_cov: 1.5')), /^bad\.yaml:5:\d+: repetitions\.target_cov: .*percentage/);
  assert.match(at(adaptive.replace('target_cov: 1.5%', 'target_cov: 150%')), /^bad\.yaml:5:\d+: repetitions\.target_cov: /);
  assert.match(at(adaptive.replace('budget: 1h30m', 'budget: soon')), /^bad\.yaml:6:\d+: repetitions\.budget: a duration such as 30m/);
  assert.match(at(adaptive.replace('  min: 3', '  min: 1')), /^bad\.yaml:3:\d+: repetitions\.min: /);
  assert.match(at(adaptive.replace('{ min: 2, max: 4, target_cov: 2% }', '{ min: 2, max: 4 }')), /^bad\.yaml:12:\d+: workloads\[0\]\.repetitions\.target_cov: Required/);
  assert.match(at(adaptive.replace('{ min: 2, max: 4, target_cov: 2% }', '{ min: 2, max: 4, target_cov: 2%, until: x }')), /^bad\.yaml:12:\d+: workloads\[0\]\.repetitions: .*until/);
  assert.match(at(adaptive.replace('order: sequential', 'order: random')), /^bad\.yaml:7:8: order: .*'interleaved' \| 'sequential'/);
  assert.match(at(adaptive.replace('    repetitions: 2\n', '    repetitions: 0\n')), /^bad\.yaml:19:\d+: workloads\[1\]\.repetitions: /);
});
