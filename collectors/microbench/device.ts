// Which PCI device the module borrows: an address given in the campaign, or the keyword `edu`
// for QEMU's educational device (vendor 0x1234, device 0x11e8), the lab's spare that no driver
// claims. A device that has a driver is refused unless the workload is marked destructive:
// unbinding the NVMe or NIC the box runs on is not something to do by accident.
import fs from 'node:fs/promises';
import path from 'node:path';
import { eduKeyword } from './params.js';
import { moduleName } from './run.js';

export const eduIds = { vendor: '0x1234', device: '0x11e8' } as const;

async function readId(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path.join(dir, name), 'utf8')).trim().toLowerCase();
  } catch {
    return undefined;
  }
}

/** The PCI address for a `device` parameter; throws when nothing matches. */
export async function resolvePciDevice(device: string, sysfsRoot = '/sys'): Promise<string> {
  const devices = path.join(sysfsRoot, 'bus/pci/devices');
  if (device !== eduKeyword) {
    try {
      await fs.access(path.join(devices, device));
    } catch {
      throw new Error(`no PCI device ${device} (${path.join(devices, device)} is missing)`);
    }
    return device;
  }
  let names: string[] = [];
  try {
    names = (await fs.readdir(devices)).sort();
  } catch {
    // no PCI bus at all: reported below
  }
  for (const name of names) {
    const dir = path.join(devices, name);
    if ((await readId(dir, 'vendor')) === eduIds.vendor && (await readId(dir, 'device')) === eduIds.device) return name;
  }
  throw new Error(
    `device: edu, but no QEMU edu device (${eduIds.vendor}:${eduIds.device}) under ${devices}: start QEMU with -device edu or name a spare PCI address`,
  );
}

/** The driver bound to a device other than dma_bench, if any. */
export async function boundDriver(bdf: string, sysfsRoot = '/sys'): Promise<string | undefined> {
  try {
    const name = path.basename(await fs.readlink(path.join(sysfsRoot, 'bus/pci/devices', bdf, 'driver')));
    return name === moduleName ? undefined : name;
  } catch {
    return undefined;
  }
}
