// The bundles of a results tree (issue 14 items 1 and 7): many machines upload into one directory
// tree (rsync, an object store synced down), at any depth. A directory holding manifest.json is a
// bundle (nothing below it is searched); a bundle that cannot be read is kept with its error, for
// the index to list, and everything else still publishes. Sorted walk: the same tree gives the
// same list in the same order. A bundle whose files are as the site's cache saw them
// (publish-cache.ts) is not parsed: its facts come from the cache, and the whole bundle is read
// only when a page needs it (`load`). An unreadable bundle is read again every time: its error may
// be passing (a file being uploaded, too many open files), and such bundles are few.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { bundleFacts, type BundleFacts } from './bundle-facts.js';
import { BUNDLE_INPUT_FILES, bundleStamp, PublishCache } from './publish-cache.js';

export interface FoundBundle {
  /** Unique id of the bundle in the site: its path below its results directory (`host-a/nightly/2026-12-01`). */
  id: string;
  dir: string;
  facts: BundleFacts;
  /** sha256 over the files the site's pages read from it (manifest, samples, campaign file, raw/'s names and sizes): what decides whether its pages are rendered again. */
  inputHash: string;
  /** The whole bundle, read once when first asked for (the run and compare pages, the index's tiles). */
  load: () => Promise<LoadedBundle>;
}

export interface UnreadableBundle {
  id: string;
  dir: string;
  error: string;
}

/** A `baseline` file: names the run (by its directory name, id or label) a series is compared against. */
export interface BaselineFile {
  /** The directory the file sits in. */
  dir: string;
  name: string;
}

export interface ScanResult {
  bundles: FoundBundle[];
  unreadable: UnreadableBundle[];
  baselines: BaselineFile[];
  /** `acknowledgements.yaml` files found at the top of each results directory. */
  acknowledgementFiles: string[];
}

export const BASELINE_FILE = 'baseline';
export const ACKNOWLEDGEMENTS_FILE = 'acknowledgements.yaml';

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names and sizes of every file under raw/, sorted: a cheap stand-in for its content (traces run to tens of MB). */
async function rawListing(dir: string): Promise<string> {
  const lines: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => byName(a.name, b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p, `${rel}${e.name}/`);
      else if (e.isFile()) lines.push(`${rel}${e.name} ${(await stat(p)).size}`);
    }
  }
  await walk(path.join(dir, 'raw'), '');
  return lines.join('\n');
}

/** sha256 over the bundle's input files (publish-cache.ts keeps it with the facts). */
async function contentHashOf(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of BUNDLE_INPUT_FILES) {
    hash.update(`${file}\0`);
    try {
      hash.update(await readFile(path.join(dir, file)));
    } catch {
      hash.update('absent');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The run pages' input hash: the files' hash and raw/'s listing (read every time: raw/ is not in the cache's stamp). */
async function inputHashOf(dir: string, contentHash: string): Promise<string> {
  return createHash('sha256').update(`${contentHash}\0`).update(await rawListing(dir)).digest('hex');
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

async function readOne(id: string, dir: string, cache: PublishCache): Promise<FoundBundle | UnreadableBundle> {
  try {
    // The stamp before the read: a bundle changing meanwhile is read again next time.
    const stamp = await bundleStamp(dir);
    const kept = cache.bundle(dir, stamp);
    if (kept) return { id, dir, facts: kept.facts, inputHash: await inputHashOf(dir, kept.contentHash), load: once(() => readBundle(dir)) };
    const bundle = await readBundle(dir);
    const facts = bundleFacts(bundle);
    const contentHash = await contentHashOf(dir);
    cache.keepBundle(dir, { stamp, contentHash, facts });
    return { id, dir, facts, inputHash: await inputHashOf(dir, contentHash), load: once(() => Promise.resolve(bundle)) };
  } catch (err) {
    return { id, dir, error: (err as Error).message };
  }
}

/** With one results directory, ids are paths below it; with several, below their parent (`lab-a/…`, `lab-b/…`; `results-2/…` when names repeat). */
function idPrefixes(roots: readonly string[]): string[] {
  if (roots.length === 1) return [''];
  const names = roots.map((r) => path.basename(path.resolve(r)) || 'results');
  return names.map((n, i) => `${names.filter((m) => m === n).length > 1 ? `${n}-${i + 1}` : n}/`);
}

/** How many bundles are read at once: reading overlaps parsing, and the order of the results stays the walk's. */
const READ_CONCURRENCY = 8;

/** Every bundle under the results directories, read (or its facts taken from the cache); ids are unique (the directory's name prefixes them when several are given). */
export async function scanResults(roots: readonly string[], cache: PublishCache = PublishCache.none()): Promise<ScanResult> {
  const result: ScanResult = { bundles: [], unreadable: [], baselines: [], acknowledgementFiles: [] };
  const prefixes = idPrefixes(roots);
  const found: { id: string; dir: string }[] = [];
  for (const [i, root] of roots.entries()) {
    const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${root}: not a results directory (${err.code ?? err.message})`);
    });
    if (entries.some((e) => e.name === ACKNOWLEDGEMENTS_FILE && e.isFile())) result.acknowledgementFiles.push(path.join(root, ACKNOWLEDGEMENTS_FILE));
    await walk(root, prefixes[i]!, found, result.baselines);
  }
  const read = new Array<FoundBundle | UnreadableBundle>(found.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < found.length) {
      const i = next++;
      read[i] = await readOne(found[i]!.id, found[i]!.dir, cache);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, found.length) }, worker));
  for (const r of read) {
    if ('facts' in r) result.bundles.push(r);
    else result.unreadable.push(r);
  }
  return result;
}

/** The bundle directories under `dir` in name order, and the baseline files met on the way. */
async function walk(dir: string, id: string, found: { id: string; dir: string }[], baselines: BaselineFile[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name));
  if (entries.some((e) => e.name === 'manifest.json' && e.isFile())) {
    // A results directory that is itself a bundle gets its directory's name for an id.
    found.push({ id: id.replace(/\/$/, '') || path.basename(path.resolve(dir)), dir });
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === BASELINE_FILE) {
      const name = (await readFile(p, 'utf8')).trim().split('\n')[0]?.trim() ?? '';
      if (name !== '') baselines.push({ dir, name });
    } else if (e.isDirectory() && !e.name.startsWith('.')) {
      await walk(p, `${id}${e.name}/`, found, baselines);
    }
  }
}
