// The IOMMU units themselves: their capability registers (Intel VT-d prints them in sysfs), and
// from those the two modes that change what a mapping costs beyond the domain type: caching mode
// (CAP.CM, set by virtual IOMMUs such as QEMU's intel-iommu with caching-mode=on: every mapping
// change becomes an invalidation the hypervisor traps) and scalable mode (ECAP.SMTS, and whether
// the kernel uses it: intel_iommu=sm_on|sm_off, else CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON).
// Bit positions: drivers/iommu/intel/iommu.h, cap_caching_mode() and ecap_smts().
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { DmaSetup, IommuUnitState } from '../../model/dma-setup.js';
import { iommuVendorOf } from './iommu.js';
import { cmdlineValue } from './kernel.js';
import { readText, readTrimmed, underRoot } from './sysfs.js';

const CAP_CM_BIT = 7n;
const ECAP_SMTS_BIT = 43n;

function bit(hex: string | undefined, n: bigint): boolean | undefined {
  if (hex === undefined || !/^(0x)?[0-9a-f]+$/i.test(hex)) return undefined;
  return ((BigInt(hex.startsWith('0x') ? hex : `0x${hex}`) >> n) & 1n) === 1n;
}

/** An Intel unit's decoded registers (`cap`/`ecap` as sysfs prints them, hex without 0x). */
export function decodeIntelRegisters(cap: string | undefined, ecap: string | undefined): Pick<IommuUnitState, 'cachingMode' | 'scalableModeSupported'> {
  const cachingMode = bit(cap, CAP_CM_BIT);
  const scalableModeSupported = bit(ecap, ECAP_SMTS_BIT);
  return { ...(cachingMode !== undefined && { cachingMode }), ...(scalableModeSupported !== undefined && { scalableModeSupported }) };
}

export async function probeIommuUnits(root: string, names: string[]): Promise<IommuUnitState[]> {
  return Promise.all(
    names.map(async (name): Promise<IommuUnitState> => {
      const vendor = iommuVendorOf(name);
      if (vendor === 'intel') {
        const [cap, ecap] = await Promise.all([
          readTrimmed(root, `/sys/class/iommu/${name}/intel-iommu/cap`),
          readTrimmed(root, `/sys/class/iommu/${name}/intel-iommu/ecap`),
        ]);
        return { name, vendor, ...(cap !== undefined && { cap }), ...(ecap !== undefined && { ecap }), ...decodeIntelRegisters(cap, ecap) };
      }
      if (vendor === 'amd') {
        const [cap, features] = await Promise.all([
          readTrimmed(root, `/sys/class/iommu/${name}/amd-iommu/cap`),
          readTrimmed(root, `/sys/class/iommu/${name}/amd-iommu/features`),
        ]);
        return { name, vendor, ...(cap !== undefined && { cap }), ...(features !== undefined && { ecap: features }) };
      }
      return { name, vendor };
    }),
  );
}

/** What `intel_iommu=` says of scalable mode (a comma list; the last sm_on/sm_off wins). */
export function scalableModeFromCmdline(params: string[]): 'on' | 'off' | undefined {
  let out: 'on' | 'off' | undefined;
  for (const opt of (cmdlineValue(params, 'intel_iommu') ?? '').split(',')) {
    if (opt === 'sm_on') out = 'on';
    else if (opt === 'sm_off') out = 'off';
  }
  return out;
}

/** A kernel config option's value ('y', 'm', a string), null when "is not set", undefined when no config is readable. */
export async function kernelConfigValue(root: string, release: string, option: string): Promise<string | null | undefined> {
  let text = await readText(root, `/boot/config-${release}`);
  if (text === undefined) {
    try {
      text = gunzipSync(await readFile(underRoot(root, '/proc/config.gz'))).toString('utf8');
    } catch {
      return undefined;
    }
  }
  const set = new RegExp(`^${option}=(.*)$`, 'm').exec(text);
  if (set) return set[1]!.replace(/^"|"$/g, '');
  return new RegExp(`^# ${option} is not set$`, 'm').test(text) ? null : undefined;
}

/**
 * Scalable mode as far as the command line, the kernel config and the units show it: the kernel
 * uses it on a unit when it is asked for (sm_on, or the config default without sm_off) and the
 * unit supports it.
 */
export async function probeScalableMode(root: string, release: string, params: string[], units: IommuUnitState[]): Promise<DmaSetup['scalableMode']> {
  const intel = units.filter((u) => u.vendor === 'intel');
  if (intel.length === 0) return {};
  const cmdline = scalableModeFromCmdline(params);
  const config = await kernelConfigValue(root, release, 'CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON');
  const configDefaultOn = config === undefined ? undefined : config === 'y';
  const flags = intel.map((u) => u.scalableModeSupported);
  const supported = flags.some((f) => f === undefined) ? undefined : flags.every(Boolean);
  const asked = cmdline !== undefined ? cmdline === 'on' : configDefaultOn;
  const inUse = asked === false || supported === false ? false : asked === true && supported === true ? true : undefined;
  return {
    ...(cmdline !== undefined && { cmdline }),
    ...(configDefaultOn !== undefined && { configDefaultOn }),
    ...(supported !== undefined && { supported }),
    ...(inUse !== undefined && { inUse }),
  };
}

/** NVMe's SGL threshold in bytes (I/O at or above it use SGLs where the controller has them), when the nvme module is loaded. */
export async function probeNvmeSglThreshold(root: string): Promise<number | undefined> {
  const text = await readTrimmed(root, '/sys/module/nvme/parameters/sgl_threshold');
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
