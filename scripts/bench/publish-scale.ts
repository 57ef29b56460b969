// How long `publish` takes at scale (issue 14 item 5): 500 bundles shaped like the lab demo's,
// synthesised from the real lab bundles by synthetic-bundles.ts (its head comment gives the
// transformation): 5 hosts × 100 nightly runs, hosts alternating between the 6.12 and the 7.2 lab
// bundle of configs/lab-profile.yaml, 5 repetitions of every primary metric with 2% noise, and on
// box-0 +6% on the NVMe cell's read.clat.p50 from night 60 (the regression to find). Times, in this
// process: a cold publish into an empty site, a publish with nothing new, and a publish after one
// new bundle; prints what each wrote, what the site's cache spared (bundles not parsed, series not
// fitted again), the site's size and the index's size.
//
// Usage: node --import tsx scripts/bench/publish-scale.ts [--hosts 5] [--nights 100] [--keep]
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { publishSite } from '../../reports/site/publish.js';
import { readRealBundle, writeSyntheticBundle, type SynthesisPlan } from './synthetic-bundles.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const hosts = Number(option('hosts', '5'));
const nights = Number(option('nights', '100'));
const keep = process.argv.includes('--keep');
const SOURCES = ['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2'].map((n) => path.join(repoRoot, 'test', 'fixtures', 'bundles', n));

async function du(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    bytes += (await stat(path.join(e.parentPath, e.name))).size;
    files++;
  }
  return { bytes, files };
}

function plan(host: number): SynthesisPlan {
  const source = SOURCES[host % SOURCES.length]!;
  return {
    source,
    prefix: `box-${host}-nightly`,
    host: `box-${host}`,
    start: '2026-06-01T02:00:00Z',
    seed: host + 1,
    shape: (run, cell, metric) => (host === 0 && run >= 60 && cell.startsWith('nvme-randread-64k:') && metric === 'read.clat.p50' ? 1.06 : 1),
  };
}

const work = await mkdtemp(path.join(tmpdir(), 'dmabench-publish-scale-'));
try {
  const results = path.join(work, 'results');
  const site = path.join(work, 'site');
  const reals = await Promise.all(SOURCES.map(readRealBundle));
  for (let h = 0; h < hosts; h++) {
    for (let n = 0; n < nights; n++) await writeSyntheticBundle(reals[h % reals.length]!, plan(h), n, path.join(results, `box-${h}`, 'nightly', `n${String(n).padStart(3, '0')}`));
  }
  console.log(`${hosts * nights} bundles in ${results} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  const timed = async (what: string): Promise<void> => {
    const t0 = performance.now();
    const r = await publishSite({ roots: [results], out: site });
    const s = (performance.now() - t0) / 1000;
    const open = r.regressions.filter((x) => !x.acknowledged);
    const c = r.cache;
    console.log(
      `${what}: ${s.toFixed(2)} s; ${r.log.written.length} written, ${r.log.skipped} unchanged, ${r.log.removed.length} removed; ${r.runs.length} runs, ${r.trends.length} metric series, ${open.length} open regressions; ` +
        `cache: ${c.bundleHits} bundles kept, ${c.bundleMisses} read, ${c.fitHits} series fits kept, ${c.fitMisses} fitted`,
    );
    for (const x of open) console.log(`  ${x.host} ${x.metric} ${x.kind} ${x.change.pct.toFixed(2)}% ${x.lastGood.runIds.join(',')} -> ${x.firstBad.runIds.join(',')}`);
  };
  await timed('cold publish');
  await timed('publish, nothing new');
  await writeSyntheticBundle(reals[0]!, plan(0), nights, path.join(results, 'box-0', 'nightly', `n${String(nights).padStart(3, '0')}`));
  await timed('publish after one new bundle');
  const size = await du(site);
  const index = await stat(path.join(site, 'index.html'));
  console.log(`site: ${(size.bytes / 1e6).toFixed(1)} MB in ${size.files} files; index.html ${(index.size / 1e3).toFixed(0)} kB (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
