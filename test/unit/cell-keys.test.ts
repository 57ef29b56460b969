// Cell keys that match across campaigns and machines (issue 11 item 8, review m11): parameters in
// name order, machine-specific ones (the microbench's PCI address, the RDMA device, the remote
// peer) left out; bundles of the older formats, whose keys kept the campaign's order and the
// device, are re-keyed when loaded and when resumed. The old bundles are real ones
// (test/fixtures/bundles/README.md says how each was made).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CampaignError, parseCampaign } from '../../core/campaign/load.js';
import { cellDirName, cellKey } from '../../core/campaign/matrix.js';
import { campaignHash } from '../../core/campaign/identity.js';
import { readBundle, readManifest } from '../../core/bundle/read.js';
import { collectSystemState } from '../../core/system/index.js';
import { buildPlan, loadPlan } from '../../runner/plan.js';
import { validateCellParams } from '../../runner/registry.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { fixture } from '../helpers/paths.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import type { Manifest } from '../../model/bundle.js';

const plan = (text: string) => buildPlan(parseCampaign(text, 'c.yaml', validateCellParams));

const fioCampaign = (matrix: string): string => `name: t
workloads:
  - name: rr
    tool: fio
    matrix:
${matrix}`;

test('two campaigns listing the same parameters in another order give the same cell keys, in name order', () => {
  const a = plan(fioCampaign('      rw: randread\n      bs: [4k, 64k]\n      iodepth: 8\n      runtime: 2\n'));
  const b = plan(fioCampaign('      runtime: 2\n      iodepth: 8\n      bs: [4k, 64k]\n      rw: randread\n'));
  assert.deepEqual(a.cells.map((c) => c.key), ['rr:bs=4k,iodepth=8,runtime=2,rw=randread', 'rr:bs=64k,iodepth=8,runtime=2,rw=randread']);
  assert.deepEqual(b.cells.map((c) => c.key), a.cells.map((c) => c.key));
  // The plan (and so the run order) still follows the campaign's own order.
  assert.deepEqual(b.cells.map((c) => c.params.bs), ['4k', '64k']);
});

const microbench = (device: string, extra = ''): string => `name: m
workloads:
  - name: map
    tool: microbench
    matrix:
      device: ${device}
      api: [sg, link]
      size: 64k
      segs: 16${extra}
`;

test("the microbench's device is not part of the key: another box's spare device lines up", () => {
  const edu = plan(microbench('edu'));
  const bdf = plan(microbench('"0000:03:00.0"'));
  assert.deepEqual(edu.cells.map((c) => c.key), ['map:api=sg,segs=16,size=64k', 'map:api=link,segs=16,size=64k']);
  assert.deepEqual(bdf.cells.map((c) => c.key), edu.cells.map((c) => c.key));
  assert.equal(bdf.cells[0]!.params.device, '0000:03:00.0', 'the plan still hands the device to the collector');
});

test('ib_write_bw keys leave out the RDMA device, GID index, port and remote peer', () => {
  const params = { size: 65536, device: 'mlx5_0', gid_index: 3, port: 18515, 'remote.host': 'peer', 'remote.user': 'root', qps: 2 };
  assert.equal(cellKey('bw', params, 'ib_write_bw'), 'bw:qps=2,size=65536');
  assert.equal(cellKey('bw', { ...params, device: 'rxe0', 'remote.host': 'other' }, 'ib_write_bw'), 'bw:qps=2,size=65536');
  assert.equal(cellKey('w', {}, 'fio'), 'w');
});

test('a campaign whose cells differ only in a machine-specific parameter is refused, saying why', () => {
  const text = microbench('edu').replace('device: edu', 'device: [edu, "0000:03:00.0"]');
  assert.throws(() => plan(text), (err: unknown) => err instanceof CampaignError && /two cells share the key map:api=sg,segs=16,size=64k: give the workloads different names \(cell keys leave out device/.test(err.message));
});

test("the old tree's keys of configs/lab-microbench.yaml (device=edu, campaign order) map to this tree's plan", async () => {
  const old = JSON.parse(await readFile(fixture('bundles', 'old-main-plan-lab-microbench.json'), 'utf8')) as { cells: { cell: string; tool: string; params: Record<string, unknown> }[] };
  // The campaign file as it was on that tree (configs/lab-microbench.yaml has grown cells since).
  const now = (await loadPlan(fixture('bundles', 'old-main-lab-microbench.yaml'))).plan.cells;
  assert.ok(old.cells.every((c) => c.cell.endsWith(',device=edu')), 'the old keys held the device');
  assert.deepEqual(
    old.cells.map((c) => cellKey(c.cell.split(':')[0]!, c.params, c.tool)),
    now.map((c) => c.key),
  );
  assert.ok(now.every((c) => !/[:,]device=/.test(c.key)), 'no device in the new keys');
});

test('an old bundle (schema 2, keys in campaign order) loads with the keys this tree plans, raw outputs where they were', async () => {
  const dir = fixture('bundles', 'old-main-fio');
  const recorded = await readManifest(dir);
  assert.equal(recorded.schemaVersion, 2);
  assert.match(recorded.cells[0]!.cell, /^randread:rw=randread,bs=4k,/, 'recorded in campaign order');

  const b = await readBundle(dir);
  const planned = (await loadPlan(path.join(dir, 'campaign.yaml'))).plan.cells.map((c) => c.key);
  assert.deepEqual(planned, ['randread:bs=4k,iodepth=4,ioengine=psync,numjobs=1,runtime=1,rw=randread', 'randread:bs=64k,iodepth=4,ioengine=psync,numjobs=1,runtime=1,rw=randread']);
  assert.deepEqual(b.manifest.cells.map((c) => c.cell), planned);
  assert.deepEqual([...new Set(b.samples.map((s) => s.cell))].sort(), [...planned].sort());
  assert.deepEqual(Object.keys(b.manifest.done).sort(), planned.map((k) => `${k}|timed`).sort());
  for (const c of b.manifest.cells) {
    assert.ok(c.rawDir && existsSync(path.join(dir, 'raw', c.rawDir, 'timed-0', 'fio-output.json')), `raw outputs of ${c.cell} under ${c.rawDir}`);
  }
  // The same samples, only renamed.
  const raw = (await readFile(path.join(dir, 'samples.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(b.samples.length, raw.length);
});

test('real lab bundles of schema 1 and 2 compare with each other: every cell matches', async () => {
  const s1 = await readBundle(fixture('bundles', 'lab-profile-schema1-7.2'));
  const s2 = await readBundle(fixture('bundles', 'lab-profile-schema2-6.12'));
  assert.equal(s1.manifest.schemaVersion, 1);
  assert.deepEqual(s1.manifest.cells.map((c) => c.cell), s2.manifest.cells.map((c) => c.cell));
  assert.match(s1.manifest.cells[0]!.cell, /^nvme-randread-64k:bs=64k,iodepth=8,ioengine=io_uring,numjobs=1,runtime=2,rw=randread$/);
  const c = compareBundles([s2, s1], { pass: 'timed', bootstrapIterations: 200 });
  assert.ok(c.rows.length > 0);
  assert.deepEqual(new Set(c.rows.map((r) => r.cell)), new Set(s1.manifest.cells.map((x) => x.cell)));
  assert.deepEqual(c.unmatched.filter((u) => u.metric === 'read.iops'), []);
});

test('an old bundle resumed by this tree runs only what it lacks, under the new keys', async () => {
  await withTempDir('dmabench-rekey-', async (tmp) => {
    const copy = path.join(tmp, 'b');
    await cp(fixture('bundles', 'old-main-fio'), copy, { recursive: true });
    const file = path.join(copy, 'campaign.yaml');
    const m = JSON.parse(await readFile(path.join(copy, 'manifest.json'), 'utf8')) as Manifest;
    const lastCell = m.cells.at(-1)!.cell;
    // As an interruption before the last repetition leaves it...
    m.done[`${lastCell}|timed`] = [0, 1];
    m.status = 'incomplete';
    delete m.endedAt;
    // ...on this machine (resume refuses another system or campaign: that is tested elsewhere).
    const { campaign, plan: p } = await loadPlan(file);
    m.system = await collectSystemState();
    m.campaign = campaign;
    m.campaignHash = campaignHash(campaign);
    await writeFile(path.join(copy, 'manifest.json'), JSON.stringify(m, null, 2));

    const r = await runCli(['run', file, '--out', copy, '--resume']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stderr), /resumed: 5 of 6 passes already done/);

    const after = await readManifest(copy);
    assert.equal(after.status, 'complete');
    assert.deepEqual(after.cells.map((c) => c.cell), p.cells.map((c) => c.key));
    assert.deepEqual(after.done[`${p.cells[1]!.key}|timed`], [0, 1, 2]);
    const b = await readBundle(copy);
    for (const c of p.cells) assert.equal(new Set(b.samples.filter((s) => s.cell === c.key && s.metric === 'read.iops').map((s) => s.rep)).size, 3, c.key);
    // The rerun repetition went under the new key's directory, the others stay where they were.
    assert.deepEqual(await readdir(path.join(copy, 'raw', cellDirName(p.cells[1]!.key))), ['timed-2']);
    assert.ok(existsSync(path.join(copy, 'raw', after.cells[1]!.rawDir!, 'timed-0')));
  });
});
