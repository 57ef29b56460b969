// The site's cache of what publish read and fitted (reports/site/publish-cache.ts, issue 14 item 5):
// a site made incrementally (publish, then one more bundle, publish again) is byte for byte the
// site a cold publish makes of the same tree, cache and state file included; a bundle modified in
// place after the cache was written (same size, mtime put back, as rsync --times leaves it) is read
// again; a removed bundle leaves the cache; a corrupt or foreign cache is ignored, never trusted.
// The tree: test/helpers/publish-tree.ts (real lab bundles, a torn one, a nightly series
// synthesised from a real bundle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { publishSite } from '../../reports/site/publish.js';
import { CACHE_FILE, CACHE_FORMAT } from '../../reports/site/publish-cache.js';
import { SITE_PATHS } from '../../reports/site/ids.js';
import { withTempDir } from '../helpers/cli.js';
import { addNightlyRun, nightlyDir, writePublishTree } from '../helpers/publish-tree.js';

/** Every file under `dir` (dot files too), sorted, with its bytes. */
async function tree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      files.set(path.relative(dir, p), await readFile(p));
    }
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function assertSameTree(a: string, b: string, what: string): Promise<void> {
  const ta = await tree(a);
  const tb = await tree(b);
  assert.deepEqual([...tb.keys()], [...ta.keys()], `${what}: the same files`);
  for (const [file, bytes] of ta) assert.ok(bytes.equals(tb.get(file)!), `${what}: ${file} differs`);
  assert.ok(ta.has(CACHE_FILE) && ta.has('.dmabench-publish.json'), 'the cache and the state file are compared too');
}

/** A cold publish of `results` into `cold` (emptied first) gives, byte for byte, the site at `site`. */
async function assertSameAsCold(results: string, site: string, cold: string, what: string): Promise<void> {
  await rm(cold, { recursive: true, force: true });
  await publishSite({ roots: [results], out: cold });
  await assertSameTree(cold, site, what);
}

const RUNS = 12;
/** Readable bundles of the tree: the nightly runs and the four lab and vm bundles (the torn one is not). */
const READABLE = (runs: number): number => runs + 4;

test('publishing one more bundle into a site gives the bytes of a cold publish; only that bundle is read and only its series fitted', async () => {
  await withTempDir('dmabench-cache-incr-', async (dir) => {
    const results = path.join(dir, 'results');
    await writePublishTree(results, { runs: RUNS });
    const incremental = path.join(dir, 'incremental');
    const first = await publishSite({ roots: [results], out: incremental });
    assert.deepEqual([first.cache.bundleHits, first.cache.bundleMisses], [0, READABLE(RUNS) + 1], 'a new site reads every bundle (the torn one too)');
    assert.equal(first.cache.fitHits, 0);

    await addNightlyRun(results, RUNS);
    const next = await publishSite({ roots: [results], out: incremental });
    assert.deepEqual([next.cache.bundleHits, next.cache.bundleMisses], [READABLE(RUNS), 2], 'the new bundle and the torn one are read, nothing else');
    const nightly = next.trends.filter((t) => t.series.host === 'box-a');
    const others = next.trends.filter((t) => t.series.host !== 'box-a');
    assert.equal(next.cache.fitMisses, nightly.length, 'only the series the new run joins are fitted again');
    assert.equal(next.cache.fitHits, others.length);
    assert.ok(others.length > 0 && nightly.length > 0);

    await assertSameAsCold(results, incremental, path.join(dir, 'cold'), 'incremental against cold');
  });
});

test('a bundle rewritten in place after the cache was written (same size, mtime put back) is read again; a removed bundle leaves the cache', async () => {
  await withTempDir('dmabench-cache-modified-', async (dir) => {
    const results = path.join(dir, 'results');
    await writePublishTree(results, { runs: RUNS });
    // A whole-second mtime, so that putting it back below restores it to the nanosecond.
    const samplesFile = path.join(nightlyDir(results, RUNS - 1), 'samples.jsonl');
    const mtime = new Date('2026-11-20T00:00:00Z');
    await utimes(samplesFile, mtime, mtime);
    const site = path.join(dir, 'site');
    await publishSite({ roots: [results], out: site });

    // The last nightly run's read.clat.p50 of the timed pass, first digit of each value turned
    // into another: the same length, a different level. The file's mtime is put back afterwards.
    const before = await stat(samplesFile, { bigint: true });
    const text = await readFile(samplesFile, 'utf8');
    const changed = text
      .split('\n')
      .map((line) => (line.includes('"metric":"read.clat.p50"') && line.includes('"pass":"timed"') ? line.replace(/"value":(\d)/, (_m, d: string) => `"value":${d === '9' ? '1' : String(Number(d) + 1)}`) : line))
      .join('\n');
    assert.notEqual(changed, text);
    await writeFile(samplesFile, changed);
    await utimes(samplesFile, mtime, mtime);
    const after = await stat(samplesFile, { bigint: true });
    assert.deepEqual([after.size, after.mtimeNs], [before.size, before.mtimeNs], 'size and mtime as the cache saw them');

    const again = await publishSite({ roots: [results], out: site });
    assert.deepEqual([again.cache.bundleHits, again.cache.bundleMisses], [READABLE(RUNS) - 1, 2], 'the rewritten bundle (and the torn one) read again');
    assert.ok(again.log.written.includes(SITE_PATHS.run('box-a/nightly/run-011')), 'its run page rendered again');
    await assertSameAsCold(results, site, path.join(dir, 'cold'), 'after the rewrite');

    await rm(nightlyDir(results, 0), { recursive: true });
    await publishSite({ roots: [results], out: site });
    const cache = await readFile(path.join(site, CACHE_FILE), 'utf8');
    assert.ok(!cache.includes(JSON.stringify(path.resolve(nightlyDir(results, 0)))), 'the removed bundle is no longer in the cache');
    assert.ok(cache.includes(JSON.stringify(path.resolve(nightlyDir(results, 1)))));
    await assertSameAsCold(results, site, path.join(dir, 'cold'), 'after the removal');
  });
});

test('a corrupt cache, one of another format, and an entry that is not an entry are ignored: rebuilt, never trusted', async () => {
  await withTempDir('dmabench-cache-corrupt-', async (dir) => {
    const results = path.join(dir, 'results');
    await writePublishTree(results, { runs: RUNS });
    const site = path.join(dir, 'site');
    await publishSite({ roots: [results], out: site });
    const cold = path.join(dir, 'cold');
    await publishSite({ roots: [results], out: cold });
    const file = path.join(site, CACHE_FILE);
    const good = await readFile(file, 'utf8');
    const [headerLine, bodyLine] = good.split('\n') as [string, string];
    const header = JSON.parse(headerLine) as { format: number; generator: string; sha256: string };
    const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
    const withBody = (body: string, format = header.format): string => `${JSON.stringify({ ...header, format, sha256: sha(body) })}\n${body}`;

    // A body whose host was changed without its checksum: the whole file is ignored.
    const forged = bodyLine.replaceAll('"host":"box-a"', '"host":"box-z"');
    assert.notEqual(forged, bodyLine);
    for (const [what, text] of [
      ['a flipped byte', `${headerLine}\n${forged}`],
      ['a torn file', good.slice(0, Math.floor(good.length / 2))],
      ['not JSON at all', 'garbage'],
      ['another format', withBody(bodyLine, CACHE_FORMAT + 1)],
    ] as const) {
      await writeFile(file, text);
      const r = await publishSite({ roots: [results], out: site });
      assert.deepEqual([r.cache.bundleHits, r.cache.fitHits], [0, 0], `${what}: nothing taken from the cache`);
      assert.ok(r.series.every((s) => s.host !== 'box-z'), what);
      await assertSameTree(cold, site, what);
    }

    // A well-formed file with one entry that is not an entry: that entry alone is read again.
    const body = JSON.parse(bodyLine) as { bundles: Record<string, { facts: { primary: unknown } }> };
    const key = path.resolve(nightlyDir(results, 3));
    body.bundles[key]!.facts.primary = 'not a list';
    await writeFile(file, withBody(JSON.stringify(body)));
    const r = await publishSite({ roots: [results], out: site });
    assert.deepEqual([r.cache.bundleHits, r.cache.bundleMisses], [READABLE(RUNS) - 1, 2]);
    await assertSameTree(cold, site, 'after a bad entry');
  });
});
