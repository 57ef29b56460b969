// `dmabench publish` end to end (issue 14 items 1, 4 and 7): the real CLI over a results tree of
// real lab bundles, a torn bundle, a hostile copy of a real bundle and a nightly series synthesised
// from a real bundle with a known step (test/helpers/publish-tree.ts). Checks what the site says
// (the regression found at its run, the unreadable bundle listed, every link resolving to a file,
// payloads escaped), that the same inputs give the same bytes, and that publishing again after one
// new bundle writes only the pages that bundle changes (the write log, and the files' mtimes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import path from 'node:path';
import { publishSite } from '../../reports/site/publish.js';
import { SITE_PATHS } from '../../reports/site/ids.js';
import type { RegressionRecord } from '../../reports/site/regressions.js';
import type { Manifest } from '../../model/bundle.js';
import { readRealBundle, syntheticCommit, writeSyntheticBundle } from '../../scripts/bench/synthetic-bundles.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { PAYLOAD_CLOSE, PAYLOAD_IMG, PAYLOAD_SCRIPT } from '../helpers/hostile-bundle.js';
import { setIommuSetting } from '../helpers/iommu-setting.js';
import { addNightlyRun, HOSTILE_HOST, NIGHTLY_PLAN, NIGHTLY_SOURCE, STEP_RUN, writePublishTree } from '../helpers/publish-tree.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  }
  await walk(dir, '');
  return out;
}

test('publish over real bundles and a synthetic series: the step found at its run, the torn bundle listed, every link resolves, payloads are text', async () => {
  await withTempDir('dmabench-publish-', async (dir) => {
    const results = path.join(dir, 'results');
    const site = path.join(dir, 'site');
    await writePublishTree(results, { runs: 30, hostile: true });
    const r = await runCli(['publish', results, '--out', site, '--title', 'nightly <b>']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.equal(String(r.stdout).trim(), path.join(site, 'index.html'));
    assert.match(String(r.stderr), /1 open regressions, 1 unreadable bundles/);

    const { regressions } = JSON.parse(await readFile(path.join(site, 'regressions.json'), 'utf8')) as { regressions: RegressionRecord[] };
    assert.equal(regressions.length, 1, JSON.stringify(regressions.map((x) => [x.host, x.cell, x.metric, x.kind])));
    const reg = regressions[0]!;
    assert.deepEqual([reg.host, reg.metric, reg.kind, reg.better], ['box-a', 'read.clat.p50', 'step', 'lower']);
    assert.deepEqual([reg.iommu, reg.cachingMode, reg.setting], ['strict', true, 'IOMMU strict, caching mode on'], 'the series\' IOMMU setting');
    assert.match(reg.cell, /^nvme-randread-64k:/);
    assert.deepEqual([reg.lastGood.runIds, reg.firstBad.runIds], [[`box-a/nightly/run-0${STEP_RUN - 1}`], [`box-a/nightly/run-0${STEP_RUN}`]]);
    assert.equal(reg.bisect, `git bisect start ${syntheticCommit('nightly', STEP_RUN)} ${syntheticCommit('nightly', STEP_RUN - 1)}`);
    assert.ok(reg.change.pct > 4 && reg.change.pct < 8 && reg.change.low > 0, JSON.stringify(reg.change));
    for (const link of Object.values(reg.links)) assert.ok(existsSync(path.join(site, link)), link);

    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    assert.match(index, /Bundles that could not be read[\s\S]*vm\/torn[\s\S]*invalid JSON/);
    assert.match(index, /nightly &lt;b&gt;/);
    assert.ok(index.includes(`href="${reg.links.series}"`), 'the open regression links its series page');
    const feed = await readFile(path.join(site, 'regressions.xml'), 'utf8');
    assert.match(feed, /<entry><id>urn:dmabench:regression:/);
    assert.match(feed, new RegExp(`<updated>${reg.firstBad.runDate.replace(/[.]/g, '\\.')}</updated>`));

    // Every relative link and script of every page names a file of the site.
    const files = await filesUnder(site);
    for (const file of files.filter((f) => f.endsWith('.html'))) {
      const html = await readFile(path.join(site, file), 'utf8');
      for (const m of html.matchAll(/(?:href|src)="([^"#:]+)"/g)) {
        assert.ok(existsSync(path.join(site, path.dirname(file), m[1]!.replace(/&amp;/g, '&'))), `${file} links ${m[1]}`);
      }
      for (const payload of [PAYLOAD_SCRIPT, PAYLOAD_CLOSE, PAYLOAD_IMG]) assert.ok(!html.includes(payload), `${file} holds a payload unescaped`);
      assert.ok(!/<script>/.test(html), `${file}: no inline script (the policy allows the site's files only)`);
    }
    for (const file of files.filter((f) => f.startsWith('data/'))) {
      const text = await readFile(path.join(site, file), 'utf8');
      assert.ok(!/<\/script/i.test(text), `${file} could close a script element`);
    }
    assert.ok(index.includes('box&lt;img src=x onerror='), 'the hostile host name reads as text');
    assert.ok(!HOSTILE_HOST.includes('&lt;'));
  });
});

test('the same inputs give byte-identical sites; one new bundle rewrites only its run page, its compare pages, its series, the index with its series\' shard and the runs list', async () => {
  await withTempDir('dmabench-publish-incr-', async (dir) => {
    const results = path.join(dir, 'results');
    await writePublishTree(results, { runs: 24 });
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const first = await publishSite({ roots: [results], out: a });
    await publishSite({ roots: [results], out: b });
    const files = await filesUnder(a);
    assert.deepEqual(await filesUnder(b), files);
    for (const f of files) assert.ok((await readFile(path.join(a, f))).equals(await readFile(path.join(b, f))), `${f} differs`);
    assert.equal(first.log.written.length, files.length - 2, 'a cold publish writes every page (the state file and the cache are not in the log)');

    const again = await publishSite({ roots: [results], out: a });
    assert.deepEqual(again.log, { written: [], removed: [], skipped: again.log.skipped }, 'nothing changed, nothing written');
    assert.ok(again.log.skipped > 24);

    const untouched = path.join(a, SITE_PATHS.run('lab/lab-profile-schema2-6.12'));
    const mtimeBefore = (await stat(untouched)).mtimeMs;
    await addNightlyRun(results, 24);
    const next = await publishSite({ roots: [results], out: a });
    const nightly = next.series.find((s) => s.host === 'box-a')!;
    const newRun = nightly.latest;
    assert.equal(newRun.id, 'box-a/nightly/run-024');
    const previous = nightly.runs[nightly.runs.length - 2]!;
    const seriesPages = next.trends.filter((t) => t.series === nightly).flatMap((t) => [SITE_PATHS.series(t.id), SITE_PATHS.seriesData(t.id)]);
    const allowed = new Set([
      SITE_PATHS.run(newRun.id),
      SITE_PATHS.compare(previous.id, newRun.id),
      SITE_PATHS.compare(nightly.baseline.id, newRun.id),
      ...seriesPages,
      SITE_PATHS.indexData(nightly.id),
      SITE_PATHS.index,
      SITE_PATHS.runs,
      SITE_PATHS.regressionsHtml,
      SITE_PATHS.regressionsJson,
      SITE_PATHS.feed,
    ]);
    const stray = next.log.written.filter((f) => !allowed.has(f));
    assert.deepEqual(stray, [], 'pages written that the new bundle does not change');
    for (const must of [SITE_PATHS.run(newRun.id), SITE_PATHS.index, SITE_PATHS.indexData(nightly.id), ...seriesPages]) assert.ok(next.log.written.includes(must), `${must} not rewritten`);
    // The baseline-against-latest compare page of the old latest run is no longer made.
    assert.deepEqual(next.log.removed, [SITE_PATHS.compare(nightly.baseline.id, previous.id)]);
    assert.equal((await stat(untouched)).mtimeMs, mtimeBefore, 'a run page of another series is not touched');
    const otherSeries = next.trends.filter((t) => t.series !== nightly).map((t) => SITE_PATHS.series(t.id));
    assert.ok(otherSeries.length > 0 && otherSeries.every((p) => !next.log.written.includes(p)));
    const otherShards = next.series.filter((s) => s !== nightly).map((s) => SITE_PATHS.indexData(s.id));
    assert.ok(otherShards.length > 0 && otherShards.every((p) => !next.log.written.includes(p)), 'the index shards of the other series are not rewritten');
  });
});

test('a lazy copy of a strict lab bundle is its own series: the index groups by IOMMU setting, the series pages say which', async () => {
  await withTempDir('dmabench-publish-setting-', async (dir) => {
    const results = path.join(dir, 'results');
    for (const name of ['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2']) await cp(fixture('bundles', name), path.join(results, 'strict', name), { recursive: true });
    await cp(fixture('bundles', 'lab-profile-schema2-7.2'), path.join(results, 'lazy', '7.2'), { recursive: true });
    await setIommuSetting(path.join(results, 'lazy', '7.2'), { mode: 'lazy', cachingMode: true });
    const site = path.join(dir, 'site');
    const result = await publishSite({ roots: [results], out: site });
    assert.deepEqual(
      result.series.map((s) => [s.setting, s.runs.map((r) => r.id)]),
      [
        ['IOMMU lazy, caching mode on', ['lazy/7.2']],
        ['IOMMU strict, caching mode on', ['strict/lab-profile-schema2-6.12', 'strict/lab-profile-schema2-7.2']],
      ],
    );
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    const headings = [...index.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    assert.deepEqual(headings, ['dmabench-lab · lab-profile · IOMMU lazy, caching mode on', 'dmabench-lab · lab-profile · IOMMU strict, caching mode on']);
    const lazy = result.trends.find((t) => t.series.setting.startsWith('IOMMU lazy') && t.metric === 'read.clat.p50')!;
    const strict = result.trends.find((t) => t.series.setting.startsWith('IOMMU strict') && t.metric === 'read.clat.p50' && t.cell === lazy.cell)!;
    assert.notEqual(SITE_PATHS.series(lazy.id), SITE_PATHS.series(strict.id));
    const page = await readFile(path.join(site, SITE_PATHS.series(lazy.id)), 'utf8');
    assert.match(page, /<title>read\.clat\.p50 · nvme-randread-64k[^<]* · IOMMU lazy, caching mode on<\/title>/);
    assert.match(page, /<dt>IOMMU setting<\/dt><dd>IOMMU lazy, caching mode on<\/dd>/);
  });
});

test('an acknowledgements.yaml beside the results marks the regression expected: listed as acknowledged, gone from the open ones', async () => {
  await withTempDir('dmabench-publish-ack-', async (dir) => {
    const results = path.join(dir, 'results');
    await writePublishTree(results, { runs: 30 });
    const cell = (await publishSite({ roots: [results], out: path.join(dir, 'before') })).regressions[0]!.cell;
    await writeFile(
      path.join(results, 'acknowledgements.yaml'),
      `- metric: read.clat.p50\n  cell: "${cell}"\n  good: ${syntheticCommit('nightly', STEP_RUN - 2)}\n  bad: box-a/nightly/run-0${STEP_RUN + 1}\n  reason: "expected: <the IOMMU default changed>"\n`,
    );
    const site = path.join(dir, 'site');
    const result = await publishSite({ roots: [results], out: site });
    assert.equal(result.regressions.length, 1);
    assert.equal(result.regressions[0]!.acknowledged, 'expected: <the IOMMU default changed>');
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    assert.match(index, /No open regression\./);
    const page = await readFile(path.join(site, 'regressions.html'), 'utf8');
    assert.ok(page.includes('acknowledged: expected: &lt;the IOMMU default changed&gt;'));
  });
});

test('--kernel-tree: bundles naming abbreviated commits are ordered by the tree\'s topology (not by commit dates) and shown by their describe names', async () => {
  await withTempDir('dmabench-publish-tree-', async (dir) => {
    const tree = path.join(dir, 'linux');
    await mkdir(tree);
    const git = (env: Record<string, string>, ...args: string[]) =>
      execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { env: { ...env, LC_ALL: 'C' } }).then((r) => r.stdout.trim());
    await git({}, 'init', '-q', '-b', 'master');
    const shas: string[] = [];
    // Committer dates run backwards (a rebase): only the topology gives the true order.
    for (const [i, date] of ['2026-03-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z', '2025-12-01T00:00:00Z'].entries()) {
      await writeFile(path.join(tree, 'Makefile'), `# ${i}\n`);
      await git({}, 'add', 'Makefile');
      await git({ GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }, 'commit', '-q', '-m', `c${i}`);
      if (i === 0) await git({}, 'tag', 'v7.3-rc1');
      shas.push(await git({}, 'rev-parse', 'HEAD'));
    }
    const results = path.join(dir, 'results');
    const real = await readRealBundle(NIGHTLY_SOURCE);
    for (const [i, sha] of shas.entries()) {
      // Run dates in the reverse order too: neither the run date nor the commit date gives the series.
      const bundle = path.join(results, `k${i}`);
      await writeSyntheticBundle(real, { ...NIGHTLY_PLAN, start: `2026-0${4 - i}-10T00:00:00Z` }, i, bundle);
      const manifest = JSON.parse(await readFile(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest;
      manifest.kernelCommit = { commit: sha.slice(0, 12) };
      await writeFile(path.join(bundle, 'manifest.json'), JSON.stringify(manifest));
    }
    const site = path.join(dir, 'site');
    const result = await publishSite({ roots: [results], out: site, kernelTree: tree });
    const [series] = result.series;
    assert.equal(series!.rule, 'topology');
    assert.deepEqual(series!.runs.map((r) => r.id), ['k0', 'k1', 'k2', 'k3']);
    assert.deepEqual(series!.runs.map((r) => r.commit?.commit), shas, 'the full shas from the tree');
    assert.equal(series!.runs[2]!.commit?.describe, `v7.3-rc1-2-g${shas[2]!.slice(0, 7)}`);
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    assert.ok(index.includes(`v7.3-rc1-3-g${shas[3]!.slice(0, 7)}`), 'the latest run shown by its describe name');
    assert.match(index, /ordered by topology/);
  });
});

test('--out that holds somebody else\'s files is refused (exit 2) and left as it was; an empty one is used', async () => {
  await withTempDir('dmabench-publish-out-', async (dir) => {
    const results = path.join(dir, 'results');
    await mkdir(results);
    const foreign = path.join(dir, 'www');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'index.html'), 'not dmabench\'s\n');
    const r = await runCli(['publish', results, '--out', foreign]);
    assert.equal(r.exitCode, 2, String(r.stderr));
    assert.match(String(r.stderr), /^dmabench: refusing to write the site into .*www: it is not empty and no earlier publish wrote it/);
    assert.deepEqual(await readdir(foreign), ['index.html']);
    assert.equal(await readFile(path.join(foreign, 'index.html'), 'utf8'), 'not dmabench\'s\n');

    const empty = path.join(dir, 'site');
    await mkdir(empty);
    const ok = await runCli(['publish', results, '--out', empty]);
    assert.equal(ok.exitCode, 0, String(ok.stderr));
    assert.ok(existsSync(path.join(empty, 'index.html')));
  });
});
