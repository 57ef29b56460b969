// What one publish read and computed, kept in the site beside its state file for the next one
// (issue 14 item 5: re-publishing 500 bundles after one new bundle in seconds):
//
// - per bundle directory: its facts (bundle-facts.ts) and the hash of its files, under the size,
//   mtime and ctime (nanoseconds) of each file they come from (manifest.json, samples.jsonl,
//   campaign.yaml). The stamp is taken before the files are read, so a bundle that changes while
//   it is read carries a stamp older than what was read and is read again next time. ctime catches
//   a file rewritten in place at the same size with its mtime put back (rsync --times does that);
//   ctime cannot be set from user space.
// - per metric series: what detectChanges fitted (segments, changes, why it skipped), under the
//   sha256 of its whole input (metric, cell, direction, every run's id, commit and values), so a
//   series none of whose values changed is not fitted again; analyse.ts recomputes the points.
//
// Never trusted beyond what it can prove: the file is a header line (format, generator, sha256 of
// the body) and the body; a file that does not parse, whose checksum, format or generator differ,
// is ignored whole, and an entry that does not match its schema or whose stamp differs is ignored
// alone; each is rebuilt by reading or fitting again. Entries not used by this publish are dropped.
// Values JSON cannot carry exactly (non-finite numbers, -0) are never kept: that entry is computed
// again each time instead. Bump CACHE_FORMAT when bundle-facts.ts or reports/series/ change what
// they make of the same input.
import { createHash } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BundleFacts } from './bundle-facts.js';
import type { SeriesAnalysis } from '../series/types.js';
import { exactJson } from './exact-json.js';

export const CACHE_FILE = '.dmabench-publish-cache.json';
/** 2: the facts hold the caching mode (a series is per IOMMU setting). */
export const CACHE_FORMAT = 2;

/** The files of a bundle its facts and content hash are made from. */
export const BUNDLE_INPUT_FILES = ['manifest.json', 'samples.jsonl', 'campaign.yaml'] as const;

const better = z.enum(['higher', 'lower', 'none']);
const kernelCommit = z
  .object({ commit: z.string(), date: z.string().optional(), describe: z.string().optional(), source: z.enum(['run', 'release']), dirty: z.boolean().optional() })
  .strict();
const factsSchema = z
  .object({
    label: z.string(),
    host: z.string(),
    campaign: z.string(),
    runDate: z.string(),
    status: z.string(),
    release: z.string().optional(),
    iommu: z.string().optional(),
    cachingMode: z.boolean().optional(),
    commit: kernelCommit.optional(),
    primary: z.array(
      z
        .object({ cell: z.string(), metric: z.string(), workload: z.string(), better, unit: z.string(), values: z.array(z.number()), units: z.array(z.string()).optional() })
        .strict(),
    ),
  })
  .strict();
const bundleEntrySchema = z.object({ stamp: z.string(), contentHash: z.string(), facts: factsSchema }).strict();

const runRef = z.object({ index: z.number(), runIds: z.array(z.string()), commit: z.string().optional() }).strict();
const pctChange = z.object({ pct: z.number(), low: z.number(), high: z.number(), level: z.number() }).strict();
const fittedSchema = z
  .object({
    metric: z.string(),
    cell: z.string().optional(),
    segments: z.array(z.object({ start: z.number(), end: z.number(), level: z.number() }).strict()),
    changes: z.array(
      z
        .object({
          metric: z.string(),
          cell: z.string().optional(),
          kind: z.enum(['step', 'creep']),
          direction: z.enum(['regression', 'improvement']),
          lastGood: runRef,
          firstBad: runRef,
          change: pctChange,
          pctPerRun: z.number().optional(),
          bisect: z.string().optional(),
        })
        .strict(),
    ),
    skipped: z.string().optional(),
  })
  .strict();

const headerSchema = z.object({ format: z.number(), generator: z.string(), sha256: z.string() });

export type BundleEntry = z.infer<typeof bundleEntrySchema>;

/** detectChanges' result but its points (analyse.ts pools them again): what the cache keeps of a series. */
export type FittedSeries = Omit<SeriesAnalysis, 'points'>;

interface Body {
  bundles: Record<string, unknown>;
  fits: Record<string, unknown>;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Size, mtime and ctime (ns) of each input file of the bundle, `-` for one that is not there. */
export async function bundleStamp(dir: string): Promise<string> {
  const parts = await Promise.all(
    BUNDLE_INPUT_FILES.map(async (name) => {
      try {
        const s = await stat(path.join(dir, name), { bigint: true });
        return `${name} ${s.size} ${s.mtimeNs} ${s.ctimeNs}`;
      } catch {
        return `${name} -`;
      }
    }),
  );
  return parts.join('\n');
}

/** The body of the cache file and its checksum, or undefined when the file is absent or not to be trusted. */
async function readBody(file: string, generator: string): Promise<{ body: Body; sha: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header = headerSchema.safeParse(JSON.parse(text.slice(0, newline)));
    const bodyText = text.slice(newline + 1);
    if (!header.success || header.data.format !== CACHE_FORMAT || header.data.generator !== generator || header.data.sha256 !== sha256(bodyText)) return undefined;
    const body = JSON.parse(bodyText) as Partial<Body> | null;
    const record = (x: unknown): Record<string, unknown> => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
    return { body: { bundles: record(body?.bundles), fits: record(body?.fits) }, sha: header.data.sha256 };
  } catch {
    return undefined;
  }
}

export class PublishCache {
  private readonly used: Body = { bundles: {}, fits: {} };
  /** How many entries were found and used, and how many were made: what the tests and the bench report. */
  readonly counts = { bundleHits: 0, bundleMisses: 0, fitHits: 0, fitMisses: 0 };

  private constructor(
    private readonly file: string,
    private readonly generator: string,
    private readonly previous: Body,
    private readonly previousSha: string | undefined,
  ) {}

  /** The cache of the site at `site`, empty when there is none or it cannot be trusted. */
  static async open(site: string, generator: string): Promise<PublishCache> {
    const file = path.join(site, CACHE_FILE);
    const read = await readBody(file, generator);
    return new PublishCache(file, generator, read?.body ?? { bundles: {}, fits: {} }, read?.sha);
  }

  /** An empty cache that is never saved (publishing without one). */
  static none(): PublishCache {
    return new PublishCache('', '', { bundles: {}, fits: {} }, undefined);
  }

  /** The entry kept for this bundle directory, if its stamp is still the files'. */
  bundle(dir: string, stamp: string): BundleEntry | undefined {
    const key = path.resolve(dir);
    const parsed = bundleEntrySchema.safeParse(this.previous.bundles[key]);
    if (!parsed.success || parsed.data.stamp !== stamp) {
      this.counts.bundleMisses++;
      return undefined;
    }
    this.counts.bundleHits++;
    this.used.bundles[key] = parsed.data;
    return parsed.data as BundleEntry & { facts: BundleFacts };
  }

  keepBundle(dir: string, entry: { stamp: string; contentHash: string; facts: BundleFacts }): void {
    if (exactJson(entry) !== undefined) this.used.bundles[path.resolve(dir)] = entry;
  }

  fit(key: string): FittedSeries | undefined {
    const parsed = fittedSchema.safeParse(this.previous.fits[key]);
    if (!parsed.success) {
      this.counts.fitMisses++;
      return undefined;
    }
    this.counts.fitHits++;
    this.used.fits[key] = parsed.data;
    return parsed.data as FittedSeries;
  }

  keepFit(key: string, fitted: FittedSeries): void {
    if (exactJson(fitted) !== undefined) this.used.fits[key] = fitted;
  }

  /** Writes what this publish used (sorted: the same inputs give the same file), unless nothing changed. */
  async save(): Promise<void> {
    if (this.file === '') return;
    const sorted = (r: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const bodyText = JSON.stringify({ bundles: sorted(this.used.bundles), fits: sorted(this.used.fits) });
    const sha = sha256(bodyText);
    if (sha === this.previousSha) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ format: CACHE_FORMAT, generator: this.generator, sha256: sha })}\n${bodyText}`);
    await rename(tmp, this.file);
  }
}
