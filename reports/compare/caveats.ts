// What some numbers of the compared bundles do not measure, read from their manifests and shown in
// the legend of every format: unlike comparability warnings, these hold for one bundle alone.
import type { LoadedBundle } from '../../model/bundle.js';
import { SOFT_ROCE_NO_DMA_API } from '../../model/dma-setup.js';
import type { Caveat } from './types.js';

/** An RDMA target whose devices do no DMA through a PCI function: Soft-RoCE (or an absent device the run creates). */
function usesSoftRoce(bundle: LoadedBundle): boolean {
  const targets = bundle.manifest.system?.dma?.targets ?? [];
  return targets.some((t) => t.kind === 'rdma' && t.devices.length > 0 && t.devices.every((d) => d.pci === undefined && d.name !== '(none)'));
}

export function measurementCaveats(bundles: readonly LoadedBundle[]): Caveat[] {
  const caveats: Caveat[] = [];
  if (bundles.some(usesSoftRoce)) caveats.push({ term: 'Soft-RoCE', text: SOFT_ROCE_NO_DMA_API });
  return caveats;
}
