// reports/site: the results tree scanned (bundles at any depth, unreadable ones kept with their
// error, baseline files), runs grouped into series per (host, campaign, IOMMU setting) in series
// order, and the baseline each series is compared against. Real fixture bundles, copied into a
// temporary tree; series of runs synthesised from a real bundle by
// scripts/bench/synthetic-bundles.ts (its head comment gives the transformation), some turned into
// lazy or caching-mode-off runs by test/helpers/iommu-setting.ts (its head comment gives how).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scanResults } from '../../reports/site/scan.js';
import { siteRun } from '../../reports/site/runs.js';
import { groupSeries } from '../../reports/site/series.js';
import { analyseSeries } from '../../reports/site/analyse.js';
import { readRealBundle, syntheticCommit, writeSyntheticBundle, type SynthesisPlan } from '../../scripts/bench/synthetic-bundles.js';
import { withTempDir } from '../helpers/cli.js';
import { setIommuSetting } from '../helpers/iommu-setting.js';
import { fixture } from '../helpers/paths.js';

const LAB_72 = fixture('bundles', 'lab-profile-schema2-7.2');
const LAB_612 = fixture('bundles', 'lab-profile-schema2-6.12');

/** Box-a's nightly series from the 7.2 lab bundle, NVMe 64k read.clat.p50 scaled by `factor(run)`, every other value as synthesised. */
function nightlyPlan(seed: number, factor: (run: number) => number): SynthesisPlan {
  return {
    source: LAB_72,
    prefix: 'nightly',
    host: 'box-a',
    start: '2026-11-01T02:00:00Z',
    seed,
    shape: (run, cell, metric) => (cell.startsWith('nvme-randread-64k:') && metric === 'read.clat.p50' ? factor(run) : 1),
  };
}

test('the scan finds bundles at any depth, keeps unreadable ones with their error, reads baseline files; the same tree gives the same list', async () => {
  await withTempDir('dmabench-site-scan-', async (dir) => {
    await cp(LAB_72, path.join(dir, 'lab', 'strict', '7.2'), { recursive: true });
    await cp(LAB_612, path.join(dir, 'lab', 'strict', '6.12'), { recursive: true });
    await cp(fixture('bundles', 'old-main-fio'), path.join(dir, 'vm', 'old-main-fio'), { recursive: true });
    await mkdir(path.join(dir, 'vm', 'torn'), { recursive: true });
    await writeFile(path.join(dir, 'vm', 'torn', 'manifest.json'), '{"schemaVersion": 2, "label": ');
    await writeFile(path.join(dir, 'lab', 'baseline'), '7.2\n');
    const scan = await scanResults([dir]);
    assert.deepEqual(scan.bundles.map((b) => b.id), ['lab/strict/6.12', 'lab/strict/7.2', 'vm/old-main-fio']);
    assert.equal(scan.unreadable.length, 1);
    assert.equal(scan.unreadable[0]!.id, 'vm/torn');
    assert.match(scan.unreadable[0]!.error, /invalid JSON/);
    assert.deepEqual(scan.baselines, [{ dir: path.join(dir, 'lab'), name: '7.2' }]);
    assert.deepEqual((await scanResults([dir])).bundles.map((b) => b.inputHash), scan.bundles.map((b) => b.inputHash));

    const series = groupSeries(scan.bundles.map((b) => siteRun(b)), scan.baselines);
    assert.deepEqual(series.map((s) => [s.host, s.campaign, s.runs.length]), [['dmabench-lab', 'lab-profile', 2], ['vm', 'old-keys', 1]]);
    const lab = series[0]!;
    // No commit in a distribution kernel's release: ordered by kernel version, 6.12 before 7.2.
    assert.equal(lab.rule, 'kernel version');
    assert.deepEqual(lab.runs.map((r) => r.id), ['lab/strict/6.12', 'lab/strict/7.2']);
    assert.equal(lab.baseline.id, 'lab/strict/7.2', 'the baseline file names the run by its directory name');
    assert.match(lab.baselineFrom, /named in .*lab\/baseline/);
    assert.equal(series[1]!.baseline, series[1]!.latest, 'one run: baseline and latest are the same');
  });
});

test('without a baseline file the oldest run is the baseline; several results directories get prefixed ids', async () => {
  await withTempDir('dmabench-site-roots-', async (dir) => {
    await cp(LAB_72, path.join(dir, 'a', '7.2'), { recursive: true });
    await cp(LAB_612, path.join(dir, 'b', '6.12'), { recursive: true });
    const scan = await scanResults([path.join(dir, 'a'), path.join(dir, 'b')]);
    assert.deepEqual(scan.bundles.map((b) => b.id), ['a/7.2', 'b/6.12']);
    const [series] = groupSeries(scan.bundles.map((b) => siteRun(b)), scan.baselines);
    assert.equal(series!.baseline.id, 'b/6.12');
    assert.equal(series!.baselineFrom, 'the oldest run of the series');
  });
});

test('a synthetic series with +6% on read.clat.p50 from run 20 of 30: ordered by commit date, one step regression 19 -> 20 on that metric and nothing else', async () => {
  await withTempDir('dmabench-site-step-', async (dir) => {
    const real = await readRealBundle(LAB_72);
    const plan = nightlyPlan(3, (run) => (run >= 20 ? 1.06 : 1));
    // Written in reverse so the order comes from the commits, not from the directory names.
    for (let run = 29; run >= 0; run--) await writeSyntheticBundle(real, plan, run, path.join(dir, `r${29 - run}`));
    const scan = await scanResults([dir]);
    const [series] = groupSeries(scan.bundles.map((b) => siteRun(b)), scan.baselines);
    assert.equal(series!.rule, 'commit date');
    assert.deepEqual(series!.runs.map((r) => r.label), Array.from({ length: 30 }, (_, i) => `nightly-${i}`));
    const trends = analyseSeries(series!, []);
    const changes = trends.flatMap((t) => t.analysis.changes.map((c) => ({ t, c })));
    assert.equal(changes.length, 1, changes.map(({ t, c }) => `${t.cell} ${t.metric} ${c.kind} ${c.lastGood.index}->${c.firstBad.index}`).join('; '));
    const [{ t, c }] = changes as [(typeof changes)[number]];
    assert.equal(t.metric, 'read.clat.p50');
    assert.match(t.cell, /^nvme-randread-64k:/);
    assert.equal(c.direction, 'regression');
    assert.deepEqual([c.lastGood.index, c.firstBad.index], [19, 20]);
    assert.equal(c.bisect, `git bisect start ${syntheticCommit('nightly', 20)} ${syntheticCommit('nightly', 19)}`);
    assert.ok(c.change.pct > 4 && c.change.pct < 8, `${c.change.pct}`);
  });
});

test('one box\'s strict and lazy runs (and a caching mode off) are three series, not one with a false step where the mode changed', async () => {
  await withTempDir('dmabench-site-setting-', async (dir) => {
    const real = await readRealBundle(LAB_72);
    // Lazy maps faster: read.clat.p50 of the NVMe cell 8% lower in the lazy runs (the synthesis's
    // shape), written after the strict ones, as a box switching its default would.
    const plan = nightlyPlan(5, (run) => (run >= 12 && run < 24 ? 0.92 : 1));
    for (let run = 0; run < 28; run++) {
      const bundle = path.join(dir, `run-${String(run).padStart(2, '0')}`);
      await writeSyntheticBundle(real, plan, run, bundle);
      if (run >= 12 && run < 24) await setIommuSetting(bundle, { mode: 'lazy', cachingMode: true });
      if (run >= 24) await setIommuSetting(bundle, { mode: 'strict', cachingMode: false });
    }
    const scan = await scanResults([dir]);
    const runs = scan.bundles.map((b) => siteRun(b));
    const series = groupSeries(runs, scan.baselines);
    assert.deepEqual(
      series.map((s) => [s.host, s.campaign, s.setting, s.runs.length]),
      [
        ['box-a', 'lab-profile', 'IOMMU lazy, caching mode on', 12],
        ['box-a', 'lab-profile', 'IOMMU strict, caching mode off', 4],
        ['box-a', 'lab-profile', 'IOMMU strict, caching mode on', 12],
      ],
    );
    assert.equal(new Set(series.map((s) => s.id)).size, 3, 'three ids');
    assert.deepEqual(series[0]!.runs.map((r) => r.id), Array.from({ length: 12 }, (_, i) => `run-${i + 12}`));
    const p50 = (s: (typeof series)[number]) => analyseSeries(s, []).find((t) => t.metric === 'read.clat.p50' && t.cell.startsWith('nvme-randread-64k:'))!;
    assert.deepEqual(p50(series[0]!).analysis.changes, [], 'lazy alone: flat');
    assert.deepEqual(p50(series[2]!).analysis.changes, [], 'strict alone: flat');
    assert.notEqual(p50(series[0]!).id, p50(series[2]!).id, 'each setting its own series page');

    // Keyed by host and campaign alone (as before), the same runs make one series with a step
    // where the mode changed: what the setting in the key prevents.
    const mixed = groupSeries(runs.filter((r) => r.cachingMode === true).map((r) => ({ ...r, iommu: 'any' })), scan.baselines);
    assert.equal(mixed.length, 1);
    const steps = p50(mixed[0]!).analysis.changes.map((c) => [c.kind, c.direction, c.lastGood.index, c.firstBad.index]);
    assert.deepEqual(steps, [['step', 'improvement', 11, 12]]);
  });
});
