// What the summary says about each bundle before any number: its kernel, the IOMMU mode of what it
// benchmarked and where that mode was read, the caching mode, and the setting (mode and caching
// mode) within which bundles of different kernels are compared.
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import type { SummaryBundle } from './types.js';

/** Caching mode: the IOMMU units' CAP.CM as the bundle's system probe read it, else what `lab run` configured. */
export function cachingModeOf(m: Manifest): boolean | null {
  return m.system?.dma?.cachingMode ?? m.lab?.cachingMode ?? null;
}

/** Where the recorded IOMMU mode comes from, in words. */
function iommuModeOf(m: Manifest): string {
  const system = m.system;
  if (!system) return 'no system state recorded';
  const target = system.dma?.targets.find((t) => t.iommuMode !== undefined);
  if (target) {
    const device = target.devices.find((d) => d.iommuGroupType !== undefined);
    return device ? `group type ${device.iommuGroupType} of ${target.target}'s group ${device.iommuGroup ?? 'none'}` : `${target.target}'s IOMMU group`;
  }
  return system.iommu.modeOf ?? "the box's most common group type (the bundle predates the device's)";
}

export function settingOf(mode: string | null, caching: boolean | null): string {
  const cm = caching === null ? 'caching mode not recorded' : `caching mode ${caching ? 'on' : 'off'}`;
  return `${mode ?? 'IOMMU mode not recorded'}, ${cm}`;
}

/** Labels as compare names the sides: a label two bundles share gets `#index`. */
export function sideLabels(bundles: readonly LoadedBundle[]): string[] {
  const labels = bundles.map((b) => b.manifest.label);
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l}#${i}` : l));
}

export function describeBundles(bundles: readonly LoadedBundle[]): SummaryBundle[] {
  const labels = sideLabels(bundles);
  return bundles.map((b, i) => {
    const m = b.manifest;
    const iommuMode = m.system?.iommu.mode ?? null;
    const cachingMode = cachingModeOf(m);
    return {
      index: i + 1,
      label: labels[i]!,
      dir: b.dir,
      kernel: m.system?.kernel.release ?? null,
      iommuMode,
      iommuModeOf: iommuModeOf(m),
      cachingMode,
      setting: settingOf(iommuMode, cachingMode),
    };
  });
}

/** `6.12.117+deb13-amd64` -> [6, 12, 117]: the numeric release, for ordering kernels oldest first. */
export function releaseNumbers(release: string | null): number[] {
  const m = /^(\d+(?:\.\d+)*)/.exec(release ?? '');
  return m ? m[1]!.split('.').map(Number) : [];
}

export function compareReleases(a: string | null, b: string | null): number {
  const [x, y] = [releaseNumbers(a), releaseNumbers(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The bundle ran under QEMU's TCG (no hardware acceleration). QEMU's `-cpu max` (the lab's CPU)
 * names itself `QEMU TCG CPU version …` under TCG, and KVM or HVF overwrite that model name with
 * the host's (target/i386/cpu.c, max_x86_cpu_initfn): the guest's /proc/cpuinfo, which every
 * bundle records, says which accelerator ran it.
 */
export function ranUnderTcg(m: Manifest): boolean {
  return /\bTCG\b/.test(m.system?.cpu.model ?? '');
}
