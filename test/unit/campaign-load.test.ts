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
