// The DMA set-up of a run (SystemState.dma, model/dma-setup.ts): the benchmarked devices traced
// to their IOMMU groups (bench-targets.ts), the IOMMU units' caching and scalable modes
// (iommu-units.ts), NVMe's SGL threshold; and the IOMMU mode the bundle shows, which is the
// benchmarked device's group type, not the box's majority (review M17: a box booted iommu=pt
// with only the NVMe group switched to DMA ran its I/O through a DMA domain).
import type { BenchTarget, BenchTargetState, DmaSetup, IommuModeName } from '../../model/dma-setup.js';
import { probeBenchTargets } from './bench-targets.js';
import { probeIommuUnits, probeNvmeSglThreshold, probeScalableMode } from './iommu-units.js';
import type { IommuDetail } from './iommu.js';

export interface DmaSetupInput {
  root: string;
  release: string;
  cmdlineParams: string[];
  iommu: Pick<IommuDetail, 'mode' | 'groups' | 'units'>;
  targets: readonly BenchTarget[];
}

/** The mode a bundle shows and what it is the mode of. */
export interface ShownMode {
  mode: IommuModeName;
  modeOf: string;
}

function deviceOf(t: BenchTargetState): string {
  const d = t.devices.find((x) => x.pci !== undefined);
  if (!d) return t.target;
  const group = d.iommuGroup === null ? 'in no IOMMU group' : `IOMMU group ${d.iommuGroup} (${d.iommuGroupType ?? 'type unreadable'})`;
  return d.name === d.pci ? `${d.pci}, ${group}` : `${d.name} at ${d.pci}, ${group}`;
}

/**
 * The first benchmarked target whose DMA goes through a known device decides; the others are
 * named when they differ. Without one (no targets: doctor; Soft-RoCE only), the box's mode.
 */
export function shownIommuMode(targets: readonly BenchTargetState[], boxMode: IommuModeName, boxHasGroups: boolean): ShownMode {
  const withMode = targets.filter((t) => t.iommuMode !== undefined);
  const first = withMode[0];
  if (!first) {
    const why = targets.length > 0 ? 'no benchmarked device does DMA through a PCI device; ' : '';
    return { mode: boxMode, modeOf: `${why}${boxHasGroups ? 'the most common IOMMU group type of the box' : 'the box (no IOMMU groups)'}` };
  }
  const others = withMode.slice(1).filter((t) => t.iommuMode !== first.iommuMode);
  const differ = others.length > 0 ? `; differs from ${others.map((t) => `${t.workload} ${deviceOf(t)}: ${t.iommuMode}`).join(', ')}` : '';
  return { mode: first.iommuMode!, modeOf: `benchmarked device of ${first.workload}, ${deviceOf(first)}${differ}` };
}

export async function probeDmaSetup(input: DmaSetupInput): Promise<{ dma: DmaSetup; shown: ShownMode }> {
  const { root } = input;
  const boxHasGroups = input.iommu.groups.length > 0;
  const [targets, units, nvmeSglThreshold] = await Promise.all([
    probeBenchTargets(root, input.targets, boxHasGroups),
    probeIommuUnits(root, input.iommu.units.map((u) => u.name)),
    probeNvmeSglThreshold(root),
  ]);
  const scalableMode = await probeScalableMode(root, input.release, input.cmdlineParams, units);
  const cm = units.map((u) => u.cachingMode).filter((c): c is boolean => c !== undefined);
  const dma: DmaSetup = {
    targets,
    ...(nvmeSglThreshold !== undefined && { nvmeSglThreshold }),
    units,
    ...(cm.length > 0 && { cachingMode: cm.some(Boolean) }),
    scalableMode,
  };
  return { dma, shown: shownIommuMode(targets, input.iommu.mode, boxHasGroups) };
}
