// The comparisons behind the answer, run the way `dmabench compare` runs them, and their primary
// rows as findings:
// - across kernels: within each setting (IOMMU mode and caching mode), the bundles ordered by
//   kernel release, the oldest the base (6.12's dma_map_sg path against 7.x's link path), their
//   timed passes (fio, microbench, ib_write_bw) and their profile:ftrace passes (the mapping
//   calls' function_graph durations);
// - within one kernel: `compare BUNDLE --across api=sg` on each bundle whose microbench cells have
//   an `api` parameter with sg among its values (link and phys against sg, same boot).
import type { LoadedBundle } from '../../model/bundle.js';
import { compareBundles } from '../compare/compare.js';
import type { CompareBundles } from '../compare/memo.js';
import { compareAcross, SelectionError } from '../compare/across.js';
import type { Comparison, ComparisonOptions, ComparisonRow } from '../compare/types.js';
import { compareReleases } from './bundles.js';
import { FTRACE_PASS } from './call-counts.js';
import type { Finding, FindingScope, SummaryBundle } from './types.js';

/** The metrics always named, whatever their verdict: the figure a reader looks for first in each tool. */
const HEADLINE = [/^(read|write|trim)\.iops$/, /^(read|write)\.clat\.p50$/, /^cpu\.per_io$/, /^(map|unmap|total)\.p50$/, /^bw_avg$/, /\.duration\.p50$/];

/** In a profile:ftrace pass only the mapping calls' durations are answers; counts are read separately, fio under tracing is not. */
const PROFILE_METRIC = /\.duration\.p(50|99)$/;

export const ACROSS_PARAM = 'api';
export const ACROSS_BASE = 'sg';

export interface AcrossKernels {
  setting: string;
  /** 1-based bundle indexes, base (oldest kernel) first. */
  bundles: number[];
  comparisons: { pass: string; comparison: Comparison }[];
}

export interface WithinKernel {
  bundle: number;
  comparison: Comparison | null;
  /** Why there is no comparison although the bundle has microbench cells with an api parameter. */
  problem?: string;
}

export interface Comparisons {
  acrossKernels: AcrossKernels[];
  withinKernel: WithinKernel[];
}

/** The value of `param` in a cell key (`map-64k:api=link,dir=to_device,...`). */
export function cellParam(cell: string, param: string): string | undefined {
  return new RegExp(`(?:^|[:,])${param}=([^,]+)`).exec(cell)?.[1];
}

function hasPass(b: LoadedBundle, pass: string): boolean {
  return b.samples.some((s) => s.pass === pass);
}

/** `compare` runs the across-kernels comparisons (a memoizedCompare shares them with the report's table). */
export function runComparisons(bundles: readonly LoadedBundle[], described: readonly SummaryBundle[], opts: Partial<ComparisonOptions>, compare: CompareBundles = compareBundles): Comparisons {
  const settings = [...new Set(described.map((d) => d.setting))];
  const acrossKernels: AcrossKernels[] = [];
  for (const setting of settings) {
    const members = described.filter((d) => d.setting === setting).sort((a, b) => compareReleases(a.kernel, b.kernel) || a.index - b.index);
    if (new Set(members.map((d) => d.kernel)).size < 2) continue;
    const group = members.map((d) => bundles[d.index - 1]!);
    const passes = ['timed', FTRACE_PASS].filter((p) => group.every((b) => hasPass(b, p)));
    acrossKernels.push({ setting, bundles: members.map((d) => d.index), comparisons: passes.map((pass) => ({ pass, comparison: compare(group, { ...opts, pass }) })) });
  }
  const withinKernel: WithinKernel[] = [];
  bundles.forEach((b, i) => {
    if (!b.manifest.cells.some((c) => c.tool === 'microbench' && ACROSS_PARAM in c.params)) return;
    try {
      withinKernel.push({ bundle: i + 1, comparison: compareAcross(b, { param: ACROSS_PARAM, value: ACROSS_BASE }, opts) });
    } catch (err) {
      if (!(err instanceof SelectionError)) throw err;
      withinKernel.push({ bundle: i + 1, comparison: null, problem: err.message });
    }
  });
  return { acrossKernels, withinKernel };
}

function findingsOf(comparison: Comparison, scope: FindingScope, setting: string, pass: string, kernels: (string | null)[]): Finding[] {
  const keep = (r: ComparisonRow): boolean => r.role === 'primary' && (pass === 'timed' || (r.tool === 'ftrace' && PROFILE_METRIC.test(r.metric)));
  return comparison.rows.filter(keep).flatMap((row) =>
    row.candidates.flatMap((cand) => {
      if (!cand) return [];
      const baseInfo = comparison.bundles[0]!;
      const candInfo = comparison.bundles[cand.bundle]!;
      const cellApi = cellParam(row.cell, ACROSS_PARAM);
      // Microbench cells aggregate per path over sizes and segment counts; a within-kernel side is already `api=link`.
      const api = scope === 'within-kernel' ? candInfo.label : cellApi === undefined ? undefined : `${ACROSS_PARAM}=${cellApi}`;
      const group = row.tool === 'microbench' && api !== undefined ? `${row.workload.replace(/-\d+[kmg]?$/i, '')} ${api}` : row.cell;
      return [
        {
          scope,
          setting,
          workload: row.workload,
          cell: row.cell,
          metric: row.metric,
          unit: row.unit,
          better: row.better,
          tool: row.tool,
          pass,
          group,
          base: { label: baseInfo.label, kernel: kernels[0] ?? null, median: row.base.median, n: row.base.n },
          candidate: { label: candInfo.label, kernel: kernels[cand.bundle] ?? null, median: cand.stats.median, n: cand.stats.n },
          changePct: cand.changePct,
          ci: cand.ci ? { lowPct: cand.ci.lowPct, highPct: cand.ci.highPct, level: cand.ci.level } : null,
          verdict: cand.verdict,
          reason: cand.reason,
          headline: HEADLINE.some((h) => h.test(row.metric)),
          notes: row.notes,
        },
      ];
    }),
  );
}

export function findingsFrom(c: Comparisons, described: readonly SummaryBundle[]): Finding[] {
  const kernelOf = (index: number): string | null => described[index - 1]?.kernel ?? null;
  const across = c.acrossKernels.flatMap((a) => a.comparisons.flatMap(({ pass, comparison }) => findingsOf(comparison, 'across-kernels', a.setting, pass, a.bundles.map(kernelOf))));
  const within = c.withinKernel.flatMap((w) => {
    if (!w.comparison) return [];
    const d = described[w.bundle - 1]!;
    return findingsOf(w.comparison, 'within-kernel', d.setting, 'timed', w.comparison.bundles.map(() => d.kernel));
  });
  return [...across, ...within];
}
