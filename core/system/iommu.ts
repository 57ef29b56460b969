// IOMMU state: which hardware, which groups with which default-domain type, what the command line
// asked for, and the box's mode (the benchmarked device's own group decides the mode a bundle
// records: core/system/dma-setup.ts). The mode dominates every DMA number (ARCHITECTURE.md, "The question"), so it is
// decided from sysfs first (what the kernel did) and from the command line only when sysfs is silent.
import type { SystemState } from '../../model/bundle.js';
import { cmdlineValue } from './kernel.js';
import { linkBasename, listDir, readTrimmed } from './sysfs.js';

export type IommuMode = SystemState['iommu']['mode'];
export type IommuGroup = SystemState['iommu']['groups'][number];

/** What the kernel command line asks of the IOMMU. Unset fields were not mentioned. */
export interface IommuCmdline {
  strict?: boolean;
  passthrough?: boolean;
  /** Some parameter turns the IOMMU off (intel_iommu=off, amd_iommu=off, iommu=off). */
  off?: boolean;
  /** The parameters that decided the above, as written. */
  params: string[];
}

/** The kernel's boolean parsing (kstrtobool): 1/y/on true, 0/n/off false. */
function kernelBool(value: string): boolean | undefined {
  if (/^(1|y|yes|on)$/i.test(value)) return true;
  if (/^(0|n|no|off)$/i.test(value)) return false;
  return undefined;
}

/** Parses the IOMMU parameters of a split command line (see kernel.ts splitCmdline). */
export function parseIommuCmdline(params: string[]): IommuCmdline {
  const out: IommuCmdline = { params: [] };
  const note = (name: string): void => {
    const value = cmdlineValue(params, name);
    if (value !== undefined) out.params.push(value === '' ? name : `${name}=${value}`);
  };
  for (const name of ['iommu', 'iommu.strict', 'iommu.passthrough', 'intel_iommu', 'amd_iommu']) note(name);

  const strict = cmdlineValue(params, 'iommu.strict');
  if (strict !== undefined) out.strict = kernelBool(strict);
  const passthrough = cmdlineValue(params, 'iommu.passthrough');
  if (passthrough !== undefined) out.passthrough = kernelBool(passthrough);

  // x86 `iommu=` takes a comma list: pt, nopt, strict, off, ...
  for (const opt of (cmdlineValue(params, 'iommu') ?? '').split(',')) {
    if (opt === 'pt') out.passthrough = true;
    else if (opt === 'nopt') out.passthrough = false;
    else if (opt === 'strict') out.strict = true;
    else if (opt === 'off') out.off = true;
  }
  for (const opt of (cmdlineValue(params, 'intel_iommu') ?? '').split(',')) {
    if (opt === 'off') out.off = true;
    else if (opt === 'strict') out.strict = true; // deprecated spelling of iommu.strict=1
  }
  for (const opt of (cmdlineValue(params, 'amd_iommu') ?? '').split(',')) {
    if (opt === 'off') out.off = true;
    else if (opt === 'fullflush') out.strict = true; // deprecated spelling of iommu.strict=1
  }
  return out;
}

/** The mode the command line asks for, or undefined when it says nothing decisive. */
export function modeFromCmdline(cmd: IommuCmdline): IommuMode | undefined {
  if (cmd.off) return 'off';
  if (cmd.passthrough === true) return 'passthrough';
  if (cmd.strict === true) return 'strict';
  if (cmd.strict === false) return 'lazy';
  return undefined;
}

const MODE_OF_GROUP_TYPE: Record<string, IommuMode> = {
  DMA: 'strict',
  'DMA-FQ': 'lazy',
  identity: 'passthrough',
};

/** The mode a group's type stands for; undefined for types that are not a default DMA domain (blocked, unmanaged). */
export function modeOfGroupType(type: string): IommuMode | undefined {
  return MODE_OF_GROUP_TYPE[type];
}

/**
 * The mode the groups' default domains show: DMA → strict, DMA-FQ → lazy, identity → passthrough.
 * Groups of other types (blocked, unmanaged: owned by VFIO) say nothing about the default;
 * when groups disagree (quirks force identity on some devices) the most common type wins.
 */
export function modeFromGroupTypes(types: string[]): IommuMode | undefined {
  const counts = new Map<IommuMode, number>();
  for (const type of types) {
    const mode = MODE_OF_GROUP_TYPE[type];
    if (mode !== undefined) counts.set(mode, (counts.get(mode) ?? 0) + 1);
  }
  let best: IommuMode | undefined;
  let bestCount = 0;
  for (const [mode, count] of counts) {
    if (count > bestCount) [best, bestCount] = [mode, count];
  }
  return best;
}

/** Decides the mode: no groups means no IOMMU translates anything ('off'); sysfs before command line. */
export function resolveIommuMode(groups: IommuGroup[], cmd: IommuCmdline): IommuMode {
  if (groups.length === 0) return 'off';
  return modeFromGroupTypes(groups.map((g) => g.type)) ?? modeFromCmdline(cmd) ?? 'unknown';
}

export type IommuVendor = 'intel' | 'amd' | 'arm-smmu' | 'virtio' | 'other';

/** Names under /sys/class/iommu: dmarN (Intel VT-d), ivhdN (AMD-Vi), smmu… (ARM), virtio… */
export function iommuVendorOf(name: string): IommuVendor {
  if (name.startsWith('dmar')) return 'intel';
  if (name.startsWith('ivhd')) return 'amd';
  if (/smmu/i.test(name)) return 'arm-smmu';
  if (/virtio/i.test(name)) return 'virtio';
  return 'other';
}

export interface IommuUnit {
  name: string;
  vendor: IommuVendor;
}

/** A DMA-capable device of interest and the IOMMU group it sits in (null: none). */
export interface DeviceGroup {
  kind: 'nvme' | 'rdma';
  name: string;
  /** Its PCI address, when it has a PCI parent (Soft-RoCE devices have none). */
  pci?: string;
  group: string | null;
}

export interface IommuDetail {
  mode: IommuMode;
  /** Where the mode came from. */
  modeSource: 'sysfs' | 'cmdline' | 'no-groups' | 'none';
  units: IommuUnit[];
  cmdline: IommuCmdline;
  groups: IommuGroup[];
  devices: DeviceGroup[];
}

export async function probeIommuGroups(root: string): Promise<IommuGroup[]> {
  const ids = await listDir(root, '/sys/kernel/iommu_groups');
  return Promise.all(
    ids.map(async (id) => ({
      id,
      type: (await readTrimmed(root, `/sys/kernel/iommu_groups/${id}/type`)) ?? 'unknown',
      devices: await listDir(root, `/sys/kernel/iommu_groups/${id}/devices`),
    })),
  );
}

async function probeDeviceGroups(root: string, kind: DeviceGroup['kind'], classDir: string): Promise<DeviceGroup[]> {
  const names = await listDir(root, classDir);
  return Promise.all(
    names.map(async (name) => {
      // Only devices with a parent (PCI) have a device link; Soft-RoCE (rxe) has a parent-less device.
      const pci = await linkBasename(root, `${classDir}/${name}/device`);
      const group = (await linkBasename(root, `${classDir}/${name}/device/iommu_group`)) ?? null;
      return pci === undefined ? { kind, name, group } : { kind, name, pci, group };
    }),
  );
}

export async function probeIommu(root: string, cmdlineParams: string[]): Promise<IommuDetail> {
  const [groups, unitNames, nvme, rdma] = await Promise.all([
    probeIommuGroups(root),
    listDir(root, '/sys/class/iommu'),
    probeDeviceGroups(root, 'nvme', '/sys/class/nvme'),
    probeDeviceGroups(root, 'rdma', '/sys/class/infiniband'),
  ]);
  const cmdline = parseIommuCmdline(cmdlineParams);
  const mode = resolveIommuMode(groups, cmdline);
  const modeSource: IommuDetail['modeSource'] =
    groups.length === 0
      ? 'no-groups'
      : modeFromGroupTypes(groups.map((g) => g.type)) !== undefined
        ? 'sysfs'
        : modeFromCmdline(cmdline) !== undefined
          ? 'cmdline'
          : 'none';
  return {
    mode,
    modeSource,
    units: unitNames.map((name) => ({ name, vendor: iommuVendorOf(name) })),
    cmdline,
    groups,
    devices: [...nvme, ...rdma],
  };
}
