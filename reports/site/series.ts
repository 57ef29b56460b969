// Runs grouped into series, one per (host, campaign, IOMMU setting), each in series order (the
// rule of core/kernel-commit/identity.ts), with the run it is compared against: the run a
// `baseline` file beside the results names (by directory name, id or label), else the oldest of
// the series. The IOMMU setting (the mode, and the caching mode where recorded) is part of a
// series: one box's strict and lazy runs of one campaign are two series, not one whose level
// jumps whenever the mode does.
import path from 'node:path';
import { orderSeries, type SeriesOrderRule, type TreeFacts } from '../../core/kernel-commit/identity.js';
import { settingOf } from '../summary/bundles.js';
import { seriesGroupId } from './ids.js';
import type { SiteRun } from './runs.js';
import type { BaselineFile } from './scan.js';

export interface RunSeries {
  id: string;
  host: string;
  campaign: string;
  /** The runs' IOMMU mode and caching mode (undefined: not recorded). */
  iommu?: string;
  cachingMode?: boolean;
  /** Both in words (settingText). */
  setting: string;
  runs: SiteRun[];
  rule: SeriesOrderRule;
  baseline: SiteRun;
  /** Why that run is the baseline. */
  baselineFrom: string;
  latest: SiteRun;
}

/** An IOMMU setting in words: `IOMMU strict, caching mode on` (reports/summary's words). */
export function settingText(iommu: string | undefined, cachingMode: boolean | undefined): string {
  const words = settingOf(iommu ?? null, cachingMode ?? null);
  return iommu === undefined ? words : `IOMMU ${words}`;
}

/** What the site calls a series: `box-a · nightly · IOMMU strict, caching mode on`. */
export function seriesName(s: Pick<RunSeries, 'host' | 'campaign' | 'setting'>): string {
  return `${s.host} · ${s.campaign} · ${s.setting}`;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The run a baseline file names, when the file sits in a directory above one of the series' runs. */
function namedBaseline(runs: readonly SiteRun[], files: readonly BaselineFile[]): { run: SiteRun; file: BaselineFile } | undefined {
  // The nearest file wins: a host's own baseline before the whole tree's.
  const nearest = [...files].sort((a, b) => b.dir.length - a.dir.length || byText(a.dir, b.dir));
  for (const file of nearest) {
    const inside = runs.filter((r) => path.resolve(r.dir).startsWith(path.resolve(file.dir) + path.sep));
    if (inside.length === 0) continue;
    const run = inside.find((r) => path.basename(r.dir) === file.name || r.id === file.name || r.label === file.name);
    if (run) return { run, file };
  }
  return undefined;
}

/** The series of the runs, sorted by host, campaign, then setting. */
export function groupSeries(runs: readonly SiteRun[], baselines: readonly BaselineFile[], tree?: TreeFacts): RunSeries[] {
  const groups = new Map<string, SiteRun[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.host, run.campaign, run.iommu ?? null, run.cachingMode ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const series = [...groups.values()].map((members): RunSeries => {
    const { runs: ordered, rule } = orderSeries(members, tree);
    const named = namedBaseline(ordered, baselines);
    const first = ordered[0]!;
    const setting = settingText(first.iommu, first.cachingMode);
    return {
      id: seriesGroupId(first.host, first.campaign, setting),
      host: first.host,
      campaign: first.campaign,
      ...(first.iommu === undefined ? {} : { iommu: first.iommu }),
      ...(first.cachingMode === undefined ? {} : { cachingMode: first.cachingMode }),
      setting,
      runs: ordered,
      rule,
      baseline: named?.run ?? first,
      baselineFrom: named ? `named in ${path.join(named.file.dir, 'baseline')}` : 'the oldest run of the series',
      latest: ordered[ordered.length - 1]!,
    };
  });
  return series.sort((a, b) => byText(a.host, b.host) || byText(a.campaign, b.campaign) || byText(a.setting, b.setting));
}
