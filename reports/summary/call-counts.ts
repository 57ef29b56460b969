// Which DMA path each kernel took, per I/O, from the ftrace profiler's call counts (deterministic
// under emulation, unlike durations): the mapping calls of the sg, link and phys paths
// (model/dma-functions.ts) made per I/O, and the IOMMU page-table map calls (iommu:map events)
// underneath them. Medians over the cell's profile repetitions, grouped as compare groups them.
import type { LoadedBundle } from '../../model/bundle.js';
import { dmaFunctionTable } from '../../model/dma-functions.js';
import { groupSamples, groupStats, rowKey } from '../compare/compare.js';
import type { CellCallCounts } from './types.js';

export const FTRACE_PASS = 'profile:ftrace';
const PER_IO = '.calls_per_io';
const IOMMU_MAPS = 'iommu.map.calls_per_io';

/** Mapping (not unmapping) calls of the three paths: what a request's mapping costs in calls. */
export const MAPPING_CALLS: readonly string[] = dmaFunctionTable
  .filter((f) => f.root === true && (f.path === 'sg' || f.path === 'link' || f.path === 'phys') && !/unmap|destroy|unlink|free/.test(f.name))
  .map((f) => f.name);

export function callCountsOf(bundle: LoadedBundle, index: number): CellCallCounts[] {
  const { groups } = groupSamples(bundle.samples, (s) => s.pass === FTRACE_PASS && s.metric.endsWith(PER_IO));
  const cells = new Map<string, string>();
  for (const g of groups.values()) cells.set(g.cell, g.workload);
  const out: CellCallCounts[] = [];
  for (const [cell, workload] of cells) {
    const median = (metric: string): number | null | undefined => {
      const g = groups.get(rowKey({ workload, cell, metric }));
      return g === undefined ? undefined : groupStats(g).median;
    };
    const mapCalls = MAPPING_CALLS.flatMap((name) => {
      const v = median(`${name}${PER_IO}`);
      return v !== null && v !== undefined && v > 0 ? [{ name, perIo: v }] : [];
    });
    const absent = MAPPING_CALLS.filter((name) => median(`${name}${PER_IO}`) === null);
    const traced = MAPPING_CALLS.some((name) => median(`${name}${PER_IO}`) !== undefined);
    if (!traced) continue;
    out.push({ bundle: index, workload, cell, mapCalls, iommuMaps: median(IOMMU_MAPS) ?? null, absent });
  }
  return out;
}
