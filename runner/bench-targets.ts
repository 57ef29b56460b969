// The devices a campaign benchmarks, as its collectors name them (WorkloadCollector.benchTargets):
// handed to the injected system-state probe, which records their IOMMU groups, group types and
// queue limits (core/system/bench-targets.ts) and shows the first one's IOMMU mode.
import type { Campaign } from '../model/campaign.js';
import type { BenchTarget } from '../model/dma-setup.js';
import { expandMatrix } from '../core/campaign/matrix.js';
import { collectorFor } from './registry.js';

/** Every workload's targets, in campaign order; `scratch` is the bundle's scratch directory (fio's default file target). */
export async function benchTargetsOf(campaign: Campaign, scratch: string): Promise<BenchTarget[]> {
  const targets: BenchTarget[] = [];
  for (const workload of campaign.workloads) {
    const collector = collectorFor(workload.tool);
    if (collector.benchTargets) targets.push(...(await collector.benchTargets(workload, expandMatrix(workload.matrix), { scratchDir: scratch })));
  }
  return targets;
}
