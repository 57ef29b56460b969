// Real `dmabench run`s of tiny fio campaigns: every sample says which boot and which position of
// the run's order it comes from; interleaved rounds follow the seed the manifest records;
// sequential is the order of old; adaptive repetitions stop where the rule says (recomputed here
// from the samples) and record why; the progress line never promises less than what runs; a run
// split into shares (what lab run --boots does per boot) completes the same bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, withTempDir } from '../helpers/cli.js';
import { readBundle } from '../../core/bundle/read.js';
import { loadPlan, type PlannedCell } from '../../runner/plan.js';
import { executedPasses as executed, replayStop, scheduledPasses as scheduled, timedValues as iops } from '../helpers/run-order.js';

function campaign(head: string, cells = '[4k, 8k, 16k]', length = 'size: 1m'): string {
  return `name: order
${head}
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 4M }
    matrix:
      rw: randread
      bs: ${cells}
      iodepth: 1
      ioengine: psync
      ${length}
`;
}

const thisBoot = async (): Promise<string> => (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();

test('interleaved with a seed: the samples carry this boot and their position, and the passes ran in the order the seed gives', async () => {
  await withTempDir('dmabench-order-', async (dir) => {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign('repetitions: 3\nwarmup: 1\nseed: 5'));
    const out = path.join(dir, 'b');
    const r = await runCli(['run', file, '--out', out]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const bundle = await readBundle(out);
    const boot = await thisBoot();
    assert.ok(bundle.samples.every((s) => s.bootId === boot), 'every sample carries this boot');
    assert.deepEqual(bundle.manifest.schedule && { order: bundle.manifest.schedule.order, seed: bundle.manifest.schedule.seed, nextOrder: bundle.manifest.schedule.nextOrder }, { order: 'interleaved', seed: 5, nextOrder: 12 });
    const { plan } = await loadPlan(file);
    const ran = executed(bundle);
    assert.deepEqual(ran, scheduled(plan, { order: 'interleaved', seed: 5, bootIndex: 0 }));
    // Rounds: all three first repetitions before any second one.
    const timedReps = ran.filter((p) => p.includes(' timed ')).map((p) => Number(p.split(' ').at(-1)));
    assert.deepEqual(timedReps, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });
});

test('without a seed one is drawn and recorded; sequential keeps the order of old', async () => {
  await withTempDir('dmabench-order-', async (dir) => {
    const drawn = path.join(dir, 'drawn.yaml');
    await writeFile(drawn, campaign('repetitions: 2\nwarmup: 0', '[4k, 8k]'));
    assert.equal((await runCli(['run', drawn, '--out', path.join(dir, 'a')])).exitCode, 0);
    const a = await readBundle(path.join(dir, 'a'));
    const seed = a.manifest.schedule!.seed;
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
    assert.deepEqual(executed(a), scheduled((await loadPlan(drawn)).plan, { order: 'interleaved', seed, bootIndex: 0 }));

    const sequential = path.join(dir, 'seq.yaml');
    await writeFile(sequential, campaign('repetitions: 2\nwarmup: 1\norder: sequential', '[4k, 8k]'));
    assert.equal((await runCli(['run', sequential, '--out', path.join(dir, 's')])).exitCode, 0);
    const s = await readBundle(path.join(dir, 's'));
    const cells = s.manifest.cells.map((c) => c.cell);
    assert.deepEqual(executed(s), cells.flatMap((c) => [`${c} warmup 0`, `${c} timed 0`, `${c} timed 1`]));
  });
});

test('adaptive repetitions: each cell stops where the rule, replayed on its samples, stops it, with the reason and count in the manifest; the progress line never promises less than what runs', async () => {
  await withTempDir('dmabench-order-', async (dir) => {
    // A target no fio run on a file meets (unless its IOPS come out identical): cells go to max;
    // and one that most cells meet at once, even on a loaded machine (two values 6× apart have a CoV of 99%).
    // Time based (1 s): fio divides by a runtime in whole milliseconds, and 1 MB read from the page
    // cache takes 1 ms on an idle machine, so fixed-size runs gave identical IOPS (256000, CoV 0%)
    // and every cell met even 0.001% (seen on a fresh-clone run).
    for (const target of ['0.001%', '99%']) {
      const file = path.join(dir, `c-${target}.yaml`);
      await writeFile(file, campaign(`repetitions: { min: 2, max: 4, target_cov: ${target} }\nwarmup: 0`, undefined, 'runtime: 1'));
      const out = path.join(dir, `b-${target}`);
      const r = await runCli(['run', file, '--out', out]);
      assert.equal(r.exitCode, 0, String(r.stderr));
      const bundle = await readBundle(out);
      const { plan } = await loadPlan(file);
      const schedule = bundle.manifest.schedule!;
      const reasons: string[] = [];
      for (const cell of plan.cells) {
        const values = iops(bundle.samples, cell.key);
        const { stoppedAt, reason } = replayStop(cell, values);
        assert.equal(values.length, stoppedAt, `${cell.key}: ${values.length} repetitions, the rule stops at ${stoppedAt} (${reason})`);
        assert.deepEqual(
          { repetitions: schedule.cells[cell.key]?.repetitions, stopped: schedule.cells[cell.key]?.stopped, stoppedAt: schedule.cells[cell.key]?.stoppedAt, metric: schedule.cells[cell.key]?.metric },
          { repetitions: stoppedAt, stopped: reason, stoppedAt, metric: 'read.iops' },
        );
        reasons.push(reason);
      }
      if (target === '99%') assert.ok(reasons.some((x) => /^stable: CoV [\d.]+% <= 99%$/.test(x)), reasons.join('; '));
      else assert.ok(reasons.some((x) => x === 'max 4 reached'), reasons.join('; '));
      // The order is the seed's, with the cells that stopped left out of later rounds.
      const stop = (cell: PlannedCell, rep: number): boolean => rep < schedule.cells[cell.key]!.stoppedAt!;
      assert.deepEqual(executed(bundle), scheduled(plan, { order: 'interleaved', seed: schedule.seed, bootIndex: 0 }, stop));
      // Progress: `[i/<=T]` while some cell may still run to its max, `[i/T]` once known; never T below what ran.
      const ran = executed(bundle).length;
      const lines = [...String(r.stderr).matchAll(/^\[(\d+)\/(<=)?(\d+)\] .* ETA (<=)?\d\d:\d\d$/gm)];
      assert.equal(lines.length, ran);
      for (const [line, , bound, total, etaBound] of lines) {
        assert.equal(bound, etaBound, `the ETA is a bound when the total is: ${line}`);
        if (bound) assert.ok(Number(total) >= ran, line);
        else assert.equal(Number(total), ran, line);
      }
      assert.ok(lines[0]![2] === '<=', `at the start nothing is known: ${lines[0]![0]}`);
    }
  });
});

test('a budget stops every cell at its min once the run has spent it', async () => {
  await withTempDir('dmabench-order-', async (dir) => {
    const file = path.join(dir, 'c.yaml');
    // The whole 4 MiB file per repetition (not 1 MiB): fio's IOPS come from a runtime in whole
    // milliseconds, and a few-millisecond run gives two repetitions the same IOPS often enough
    // (CoV 0) for every cell to stop as stable before the budget is looked at; three repetitions
    // of thousands of direct reads all tying is not a thing that happens.
    await writeFile(file, campaign('repetitions: { min: 3, max: 6, target_cov: 0.001%, budget: 1s }\nwarmup: 1').replace('size: 1m', 'size: 4m'));
    const out = path.join(dir, 'b');
    const r = await runCli(['run', file, '--out', out]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const bundle = await readBundle(out);
    const cells = bundle.manifest.schedule!.cells;
    assert.ok(bundle.manifest.schedule!.spentSec >= 1, `spent ${bundle.manifest.schedule!.spentSec} s`);
    const seen = bundle.manifest.cells.map((c) => `${c.cell}: ${cells[c.cell]!.stopped} ${JSON.stringify(iops(bundle.samples, c.cell))}`).join('\n');
    for (const cell of bundle.manifest.cells) {
      const values = iops(bundle.samples, cell.cell);
      assert.equal(values.length, 3, seen);
      // A cell whose repetitions tie is stable before the budget is asked: the only other reason.
      if (new Set(values).size > 1) assert.equal(cells[cell.cell]!.stopped, 'budget', seen);
      else assert.match(cells[cell.cell]!.stopped!, /^stable: CoV 0% <= 0\.001%$/, seen);
    }
    assert.ok(Object.values(cells).some((c) => c.stopped === 'budget'), seen);
  });
});

test('a run in two shares (--share 1/2, then --resume --share 2/2) completes one bundle with unique repetitions, the first share\'s first', async () => {
  await withTempDir('dmabench-order-', async (dir) => {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, campaign('repetitions: 3\nwarmup: 1\nseed: 11', '[4k, 8k]'));
    const out = path.join(dir, 'b');
    const first = await runCli(['run', file, '--out', out, '--share', '1/2']);
    assert.equal(first.exitCode, 0, String(first.stderr));
    assert.match(String(first.stderr), /share 1\/2 done: dmabench run --resume --share 2\/2 continues the bundle/);
    const half = await readBundle(out);
    assert.equal(half.manifest.status, 'incomplete');
    assert.equal(half.manifest.interruptedBy, 'share 1/2');
    assert.deepEqual(Object.values(half.manifest.done).map((reps) => reps.length), [1, 2, 1, 2], 'warm-up and ceil(3/2) = 2 timed repetitions per cell');

    const second = await runCli(['run', file, '--out', out, '--resume', '--share', '2/2']);
    assert.equal(second.exitCode, 0, String(second.stderr));
    assert.match(String(second.stderr), /resumed: 6 of 8 passes already done/);
    const whole = await readBundle(out);
    assert.equal(whole.manifest.status, 'complete');
    const ran = executed(whole);
    assert.deepEqual([...ran].sort(), whole.manifest.cells.flatMap((c) => [`${c.cell} timed 0`, `${c.cell} timed 1`, `${c.cell} timed 2`, `${c.cell} warmup 0`]).sort(), 'each repetition once');
    assert.ok(ran.slice(0, 6).every((p) => !p.endsWith(' timed 2')), 'the third repetitions in the second share');
  });
});
