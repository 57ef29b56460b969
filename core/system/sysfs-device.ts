// From a sysfs device directory to the device that does its DMA: the PCI function above it and
// the IOMMU group that function sits in. Block devices, NVMe controllers and RDMA devices are
// children of their PCI function in /sys/devices, so walking up the real path finds it.
import { readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isPciAddress } from '../../model/pci-address.js';
import { readTrimmed, underRoot } from './sysfs.js';

/** The real path of a sysfs path (symlinks resolved), as an absolute path inside `root`; undefined when missing. */
export async function sysfsRealpath(root: string, absolute: string): Promise<string | undefined> {
  try {
    const real = await realpath(underRoot(root, absolute));
    if (root === '/') return real;
    const rel = path.relative(path.resolve(root), real);
    return rel.startsWith('..') ? undefined : `/${rel}`;
  } catch {
    return undefined;
  }
}

async function groupLink(root: string, dir: string): Promise<string | undefined> {
  try {
    return path.basename(await readlink(underRoot(root, `${dir}/iommu_group`)));
  } catch {
    return undefined;
  }
}

export interface DmaDevice {
  /** The PCI function doing the DMA; undefined when there is none above (virtual devices, Soft-RoCE). */
  pci?: string;
  /** Its IOMMU group; null when it is in none (no IOMMU, or a device the IOMMU does not translate). */
  group: string | null;
  /** The group's type (/sys/kernel/iommu_groups/N/type). */
  groupType?: string;
}

/**
 * Walks up from a device directory under /sys/devices: the first directory with an iommu_group
 * link gives the group; the first PCI function met ends the walk (a device without a group of
 * its own is not translated, whatever the bridge above it has).
 */
export async function dmaDeviceOf(root: string, devicePath: string): Promise<DmaDevice> {
  let dir = (await sysfsRealpath(root, devicePath)) ?? devicePath;
  let pci: string | undefined;
  while (dir.startsWith('/sys/devices/')) {
    const name = path.basename(dir);
    if (pci === undefined && isPciAddress(name)) pci = name;
    const group = await groupLink(root, dir);
    if (group !== undefined) {
      const groupType = await readTrimmed(root, `/sys/kernel/iommu_groups/${group}/type`);
      return { ...(pci !== undefined && { pci }), group, ...(groupType !== undefined && { groupType }) };
    }
    if (pci !== undefined) return { pci, group: null };
    dir = path.dirname(dir);
  }
  return pci === undefined ? { group: null } : { pci, group: null };
}

/** A PCI device's `vendor:device` ids (`1234:11e8`), for telling two devices apart. */
export async function pciIds(root: string, address: string): Promise<string | undefined> {
  const [vendor, device] = await Promise.all([
    readTrimmed(root, `/sys/bus/pci/devices/${address}/vendor`),
    readTrimmed(root, `/sys/bus/pci/devices/${address}/device`),
  ]);
  return vendor && device ? `${vendor.replace(/^0x/, '')}:${device.replace(/^0x/, '')}` : undefined;
}
