// `lab run --boots N`: the order of the boots (kernels alternating) and the `dmabench run` each
// guest gets; then the very commands of a two-kernel, two-boot lab run, run here on the host one
// after the other (the guests' part, without QEMU: one host boot stands for all four), each
// kernel's two shares completing its one bundle. The same with real boots: test/lab (README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bootOrder, guestRunArgs } from '../../lab/campaign.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import { readBundle } from '../../core/bundle/read.js';
import { executedPasses } from '../helpers/run-order.js';

test('boots alternate between kernels, and each guest runs its share, resumed from the second boot on', () => {
  assert.deepEqual(bootOrder(['6.12', '7'], 3).map(({ run, boot }) => `${run}#${boot}`), ['6.12#1', '7#1', '6.12#2', '7#2', '6.12#3', '7#3']);
  assert.deepEqual(bootOrder(['7'], 1), [{ run: '7', boot: 1 }]);
  const common = { cli: ['node', 'main.js'], campaign: 'c.yaml', label: 'L', out: '/b' };
  assert.deepEqual(guestRunArgs({ ...common, boot: 1, boots: 1 }), ['node', 'main.js', 'run', 'c.yaml', '--label', 'L', '--out', '/b']);
  assert.deepEqual(guestRunArgs({ ...common, boot: 1, boots: 2 }).slice(-2), ['--share', '1/2']);
  assert.deepEqual(guestRunArgs({ ...common, boot: 2, boots: 2 }).slice(-3), ['--resume', '--share', '2/2']);
});

test('the commands of a two-kernel, two-boot lab run, in their order: one complete bundle per kernel, every repetition once, each boot\'s share in turn', async () => {
  await withTempDir('dmabench-lab-boots-', async (dir) => {
    const campaign = path.join(dir, 'c.yaml');
    await writeFile(campaign, `name: boots
repetitions: 4
warmup: 1
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 4M }
    matrix: { rw: randread, bs: [4k, 16k], iodepth: 1, ioengine: psync, size: 1m }
`);
    const started: string[] = [];
    for (const { run, boot } of bootOrder(['A', 'B'], 2)) {
      const args = guestRunArgs({ cli: [], campaign, label: run, out: path.join(dir, run), boot, boots: 2 });
      const r = await runCli(args);
      assert.equal(r.exitCode, 0, `${run} boot ${boot}: ${String(r.stderr)}`);
      started.push(`${run}#${boot}`);
      const bundle = await readBundle(path.join(dir, run));
      assert.equal(bundle.manifest.status, boot === 2 ? 'complete' : 'incomplete');
    }
    assert.deepEqual(started, ['A#1', 'B#1', 'A#2', 'B#2']);
    for (const run of ['A', 'B']) {
      const bundle = await readBundle(path.join(dir, run));
      const ran = executedPasses(bundle);
      const cells = bundle.manifest.cells.map((c) => c.cell);
      assert.deepEqual([...ran].sort(), cells.flatMap((c) => [0, 1, 2, 3].map((r) => `${c} timed ${r}`).concat(`${c} warmup 0`)).sort(), `${run}: every repetition once`);
      // Boot 1 ran ceil(4 / 2) = 2 repetitions of each cell (and the warm-ups), boot 2 the others.
      assert.ok(ran.slice(0, 6).every((p) => / (timed [01]|warmup 0)$/.test(p)), ran.join('\n'));
      assert.equal(bundle.manifest.label, run);
    }
  });
});
