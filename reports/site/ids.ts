// File names of the site's pages: short hashes of what a page is about, so no label, host or cell
// name (all of them text from bundles, some hostile) ever becomes part of a path or URL.
import { createHash } from 'node:crypto';

/** 16 hex digits of sha256 over the parts, separated so that ('a', 'bc') and ('ab', 'c') differ. */
export function shortHash(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p.length}:${p}`);
  return hash.digest('hex').slice(0, 16);
}

/** A series of runs: (host, campaign, IOMMU setting in words: series.ts settingText). */
export const seriesGroupId = (host: string, campaign: string, setting: string): string => shortHash('series', host, campaign, setting);
export const metricSeriesId = (host: string, campaign: string, setting: string, cell: string, metric: string): string => shortHash('metric', host, campaign, setting, cell, metric);
export const runPageId = (runId: string): string => shortHash('run', runId);

/** Paths of the pages, relative to the site's root. */
export const SITE_PATHS = {
  index: 'index.html',
  runs: 'runs.html',
  regressionsHtml: 'regressions.html',
  regressionsJson: 'regressions.json',
  feed: 'regressions.xml',
  run: (runId: string): string => `runs/${runPageId(runId)}.html`,
  compare: (base: string, candidate: string): string => `compare/${runPageId(base)}-${runPageId(candidate)}.html`,
  series: (id: string): string => `series/${id}.html`,
  seriesData: (id: string): string => `data/${id}.js`,
  /** The index's shard of one series (index-data.ts). */
  indexData: (seriesId: string): string => `data/index-${seriesId}.js`,
  asset: (name: string): string => `assets/${name}`,
} as const;

/** A link from a page in a subfolder (runs/, series/, compare/) to a path from the root. */
export const fromSubfolder = (p: string): string => `../${p}`;
