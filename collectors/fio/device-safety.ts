// Guards against the one mistake a storage benchmark must never make: writing over someone's
// data. A write (or trim) workload may target a block device only when the campaign says
// `destructive: true` AND the device is provably unused: nothing mounted from it or from its
// partitions or holders, not an active swap, no partitions, no holders (dm, md, LVM), and no
// filesystem, RAID, crypto or partition-table signature. Anything we cannot check counts as
// a failed check.
import { parseBlkidExport } from '../../core/system/block-devices.js';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseMountinfo } from '../../core/system/mountinfo.js';
import { findExecutable, runTool } from '../../core/system/run-tool.js';
import { firstLine } from '../../core/text/lines.js';

export class DeviceSafetyError extends Error {
  override name = 'DeviceSafetyError';
}

export interface DeviceSignature {
  /** e.g. `ext4`, `gpt`, `dos`, `linux_raid_member`, `crypto_LUKS`. */
  type: string;
  /** What kind of signature: `filesystem`, `partition-table`, `raid`, `crypto`, ... */
  usage: string;
  /** Which tool saw it. */
  tool: 'blkid' | 'wipefs';
}

export interface DeviceMount {
  /** Kernel name of the mounted device (the device itself, a partition or a holder). */
  device: string;
  mountPoint: string;
  fsType: string;
}

export interface BlockDeviceInfo {
  /** The path as given. */
  path: string;
  /** The path with symlinks resolved (/dev/disk/by-id/... -> /dev/nvme0n1). */
  realPath: string;
  /** Kernel name, e.g. `loop3`, `nvme0n1`, `dm-0`. */
  name: string;
  /** `major:minor`. */
  devno: string;
  sizeBytes: number | null;
  isPartition: boolean;
  /** Kernel names of its partitions. */
  partitions: string[];
  /** Kernel names of devices stacked on it or on its partitions (dm, md), recursively. */
  holders: string[];
  mounts: DeviceMount[];
  /** Active swap areas on it, its partitions or holders (/proc/swaps). */
  swaps: string[];
  signatures: DeviceSignature[];
  /** Why a signature probe could not answer (tool missing, permission, ...); empty when it did. */
  probeProblems: string[];
}

/** What the system knows about a block device. Throws DeviceSafetyError when it is not one. */
export async function inspectBlockDevice(devPath: string): Promise<BlockDeviceInfo> {
  const { realPath, devno } = await blockDeviceNumber(devPath);
  const sysDir = await realpath(`/sys/dev/block/${devno}`);
  const name = path.basename(sysDir);
  const isPartition = await exists(path.join(sysDir, 'partition'));
  const partitions = isPartition ? [] : await partitionsOf(sysDir);
  const partitionDirs = partitions.map((p) => path.join(sysDir, p));
  const holders = await holdersOf([sysDir, ...partitionDirs]);

  const family = new Map<string, string>(); // devno -> kernel name, for every device whose use blocks writing
  family.set(devno, name);
  for (const dev of [...partitions, ...holders]) {
    const d = await readTrim(`/sys/class/block/${dev}/dev`);
    if (d) family.set(d, dev);
  }
  const familyNames = new Set(family.values());

  const [mounts, swaps, probe, sizeSectors] = await Promise.all([
    mountsOf(family, familyNames),
    swapsOf(familyNames),
    probeSignatures(realPath),
    readTrim(path.join(sysDir, 'size')),
  ]);
  return {
    path: devPath,
    realPath,
    name,
    devno,
    // sysfs counts 512-byte sectors whatever the logical block size.
    sizeBytes: sizeSectors ? Number(sizeSectors) * 512 : null,
    isPartition,
    partitions,
    holders,
    mounts,
    swaps,
    signatures: probe.signatures,
    probeProblems: probe.problems,
  };
}

/**
 * Throws DeviceSafetyError unless writing to `devPath` is allowed: `destructive` is true and
 * every check in the header passes. The message names the failed check.
 */
export async function assertDeviceWriteAllowed(devPath: string, opts: { destructive: boolean }): Promise<void> {
  const refuse = (why: string, advice: string): never => {
    throw new DeviceSafetyError(`refusing to write to ${devPath}: ${why}; ${advice}`);
  };
  // Not a block device: fails here with its own message, before the flag is even considered.
  await blockDeviceNumber(devPath);
  if (!opts.destructive) {
    refuse('the workload is not marked destructive', 'set destructive: true for write workloads on a blank device you can lose');
  }

  const info = await inspectBlockDevice(devPath);
  const blank = 'use a blank device';
  const mount = info.mounts[0];
  if (mount) {
    const on = mount.device === info.name ? '' : ` (via ${mount.device})`;
    refuse(`it is mounted${on} on ${mount.mountPoint} (${mount.fsType}, /proc/self/mountinfo)`, blank);
  }
  if (info.swaps.length > 0) refuse(`it is an active swap area (${info.swaps.join(', ')}, /proc/swaps)`, blank);
  if (info.holders.length > 0) refuse(`it is in use by ${info.holders.join(', ')} (sysfs holders: device-mapper, md or LVM)`, blank);
  if (info.partitions.length > 0) refuse(`it has partitions (${info.partitions.join(', ')})`, blank);
  const sig = info.signatures[0];
  if (sig) {
    const article = /^[aeiou]/i.test(sig.type) ? 'an' : 'a';
    refuse(
      `it holds ${article} ${sig.type} ${sig.usage} signature (${sig.tool})`,
      `${blank} (wipefs -a ${info.realPath} first only if its contents are expendable)`,
    );
  }
  if (info.probeProblems.length > 0) {
    refuse(`its contents could not be checked for signatures (${info.probeProblems.join('; ')})`, 'run as root with util-linux installed');
  }
}

// ---------------------------------------------------------------------------------------------

/** Resolves the path and returns its device number; DeviceSafetyError when not a block device. */
async function blockDeviceNumber(devPath: string): Promise<{ realPath: string; devno: string }> {
  let realPath: string;
  try {
    realPath = await realpath(devPath);
  } catch (err) {
    throw new DeviceSafetyError(`${devPath} is not a block device: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const st = await stat(realPath, { bigint: true });
  if (!st.isBlockDevice()) {
    const what = st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : 'not a device';
    throw new DeviceSafetyError(`${devPath} is not a block device (it is ${what}); use a file target for files`);
  }
  return { realPath, devno: `${devMajor(st.rdev)}:${devMinor(st.rdev)}` };
}

// glibc's gnu_dev_major / gnu_dev_minor encoding of dev_t.
function devMajor(dev: bigint): bigint {
  return ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn);
}
function devMinor(dev: bigint): bigint {
  return (dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn);
}

async function partitionsOf(sysDir: string): Promise<string[]> {
  const entries = await readdir(sysDir, { withFileTypes: true });
  const parts: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await exists(path.join(sysDir, e.name, 'partition')))) parts.push(e.name);
  }
  return parts.sort();
}

async function holdersOf(sysDirs: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...sysDirs];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    let names: string[] = [];
    try {
      names = await readdir(path.join(dir, 'holders'));
    } catch {
      continue;
    }
    for (const h of names) {
      if (seen.has(h)) continue;
      seen.add(h);
      queue.push(`/sys/class/block/${h}`);
    }
  }
  return [...seen].sort();
}

async function mountsOf(family: Map<string, string>, familyNames: Set<string>): Promise<DeviceMount[]> {
  const entries = parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
  const found: DeviceMount[] = [];
  for (const e of entries) {
    // btrfs reports an anonymous 0:N device number, so the mount source is checked as well.
    let device = family.get(e.devno);
    if (!device && e.source.startsWith('/dev/')) {
      const src = await realpath(e.source).catch(() => e.source);
      if (familyNames.has(path.basename(src))) device = path.basename(src);
    }
    if (device) found.push({ device, mountPoint: e.mountPoint, fsType: e.fsType });
  }
  return found;
}

async function swapsOf(familyNames: Set<string>): Promise<string[]> {
  const text = await readFile('/proc/swaps', 'utf8').catch(() => '');
  const found: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const file = line.split(/\s+/)[0]?.replace(/\\040/g, ' ');
    if (!file) continue;
    const real = await realpath(file).catch(() => file);
    if (familyNames.has(path.basename(real))) found.push(file);
  }
  return found;
}

/** Asks blkid (low-level probe) and wipefs: each finds signatures the other may report differently. */
async function probeSignatures(dev: string): Promise<{ signatures: DeviceSignature[]; problems: string[] }> {
  const signatures: DeviceSignature[] = [];
  const problems: string[] = [];

  const blkid = await findExecutable('blkid');
  if (!blkid) problems.push('blkid not found (Debian package util-linux)');
  else {
    const r = await runTool(blkid, ['-p', '-o', 'export', dev], 10_000);
    const stderr = r.stderr.trim();
    if (r.exitCode === 0) signatures.push(...blkidSignatures(r.stdout));
    else if (r.exitCode === 8) signatures.push({ type: 'several', usage: 'ambivalent (more than one signature)', tool: 'blkid' });
    // Exit 2 with nothing on stderr is blkid's "no signature found"; with an error it is not.
    else if (!(r.exitCode === 2 && stderr === '')) problems.push(`blkid -p: ${firstLine(stderr) || r.error || `exit ${r.exitCode}`}`);
  }

  const wipefs = await findExecutable('wipefs');
  if (!wipefs) problems.push('wipefs not found (Debian package util-linux)');
  else {
    // Without -a wipefs only lists; --no-act makes that explicit.
    const r = await runTool(wipefs, ['--no-act', '--json', dev], 10_000);
    if (r.exitCode === 0) {
      try {
        signatures.push(...wipefsSignatures(r.stdout));
      } catch {
        problems.push('wipefs --json printed something that is not JSON');
      }
    } else problems.push(`wipefs: ${firstLine(r.stderr) || r.error || `exit ${r.exitCode}`}`);
  }
  return { signatures, problems };
}

/** `blkid -p -o export` prints KEY=value lines: TYPE/USAGE for content, PTTYPE for a partition table. */
export function blkidSignatures(text: string): DeviceSignature[] {
  const kv = parseBlkidExport(text);
  const out: DeviceSignature[] = [];
  if (kv.TYPE) out.push({ type: kv.TYPE, usage: kv.USAGE ?? 'content', tool: 'blkid' });
  if (kv.PTTYPE) out.push({ type: kv.PTTYPE, usage: 'partition-table', tool: 'blkid' });
  return out;
}

/** `wipefs --json`: {"signatures": [{"type": "ext4", "offset": "0x438", ...}]}. */
export function wipefsSignatures(text: string): DeviceSignature[] {
  const parsed = JSON.parse(text) as { signatures?: { type?: unknown }[] };
  return (parsed.signatures ?? []).map((s) => ({ type: String(s.type ?? 'unknown'), usage: 'on-disk', tool: 'wipefs' as const }));
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function readTrim(p: string): Promise<string | null> {
  return readFile(p, 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
}

