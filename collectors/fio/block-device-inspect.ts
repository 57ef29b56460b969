// What the system knows about one block device, gathered for the write checks in
// device-safety.ts (which decides; this module only looks): its number and sysfs identity, its
// partitions or parent disk, what is stacked on it, where it is mounted (in dmabench's mount
// namespace and in the initial one), whether it is swap, and what signatures blkid and wipefs
// see on it. Nothing here refuses anything.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseBlkidExport } from '../../core/system/block-devices.js';
import { parseMountinfo } from '../../core/system/mountinfo.js';
import { findExecutable, runTool } from '../../core/system/run-tool.js';
import { firstLine } from '../../core/text/lines.js';

export interface DeviceSignature {
  /** e.g. `ext4`, `gpt`, `dos`, `linux_raid_member`, `crypto_LUKS`. */
  type: string;
  /** What kind of signature: `filesystem`, `partition-table`, `raid`, `crypto`, ... */
  usage: string;
  /** Which tool saw it. */
  tool: 'blkid' | 'wipefs';
}

/** Where mounts are read: dmabench's own namespace, and the initial one (PID 1's). */
export const MOUNTINFO_FILES = ['/proc/self/mountinfo', '/proc/1/mountinfo'] as const;

export interface DeviceMount {
  /** Kernel name of the mounted device (the device itself, a partition, a holder or the parent disk). */
  device: string;
  mountPoint: string;
  fsType: string;
  /** Which mountinfo showed it (the first of MOUNTINFO_FILES that does). */
  seenIn: (typeof MOUNTINFO_FILES)[number];
}

/**
 * What makes a device the one that was checked: its number and whatever sysfs says about the
 * medium behind it. `diskseq` changes whenever a disk is (re)attached (a loop device given another
 * file, a hot-plugged disk), serial and WWID name the hardware, a loop device names its file.
 */
export interface DeviceIdentity {
  devno: string;
  /** Field name → value, only the fields sysfs has for this device. */
  fields: Record<string, string>;
}

export interface BlockDeviceInfo {
  /** The path as given. */
  path: string;
  /** The path with symlinks resolved (/dev/disk/by-id/... -> /dev/nvme0n1). */
  realPath: string;
  /** Kernel name, e.g. `loop3`, `nvme0n1`, `nvme0n1p2`, `dm-0`. */
  name: string;
  /** `major:minor`. */
  devno: string;
  sizeBytes: number | null;
  isPartition: boolean;
  /** The disk a partition belongs to (kernel name). */
  parent?: string;
  /** Kernel names of its partitions (a whole disk). */
  partitions: string[];
  /** Devices stacked on it or on its partitions (dm, md, bcache), recursively. */
  holders: string[];
  /** For a partition: devices stacked on its whole disk (a multipath map, a whole-disk md), recursively. */
  parentHolders: string[];
  /** Mounts of it, its partitions, its holders, or (for a partition) its disk and the disk's holders. */
  mounts: DeviceMount[];
  /** Active swap areas on any of those (/proc/swaps). */
  swaps: string[];
  signatures: DeviceSignature[];
  /** For a partition: signatures on its whole disk (a RAID member superblock can cover the partitions). */
  parentSignatures: DeviceSignature[];
  /** Why something could not be checked (a tool missing, a file unreadable); empty when all was. */
  probeProblems: string[];
  identity: DeviceIdentity;
}

/** "a regular file", "a directory", ... for messages. */
export function describeFileType(st: { isFile(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** `major:minor` of a dev_t (glibc's gnu_dev_major / gnu_dev_minor encoding). */
export function devnoOf(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn);
  return `${major}:${minor}`;
}

/**
 * What the system knows about the block device `devno` (reached as `devPath`, resolved to
 * `realPath`; device-safety.ts has made sure it is a block device).
 */
export async function inspectDevice(devPath: string, realPath: string, devno: string): Promise<BlockDeviceInfo> {
  const sysDir = await realpath(`/sys/dev/block/${devno}`);
  const name = path.basename(sysDir);
  const isPartition = await exists(path.join(sysDir, 'partition'));
  // sysfs puts a partition's directory inside its disk's.
  const parentDir = isPartition ? path.dirname(sysDir) : undefined;
  const parent = parentDir ? path.basename(parentDir) : undefined;
  const partitions = isPartition ? [] : await partitionsOf(sysDir);
  const holders = await holdersOf([sysDir, ...partitions.map((p) => path.join(sysDir, p))]);
  // A disk's `holders` lists what sits on the whole disk only, not on its partitions.
  const parentHolders = parentDir ? await holdersOf([parentDir]) : [];

  // devno -> kernel name, for every device whose use means this one is in use.
  const family = new Map<string, string>([[devno, name]]);
  for (const dev of [...partitions, ...holders, ...(parent ? [parent] : []), ...parentHolders]) {
    const d = await readTrim(`/sys/class/block/${dev}/dev`);
    if (d) family.set(d, dev);
  }

  const problems: string[] = [];
  const [mounts, swaps, probe, parentProbe, sizeSectors, identity] = await Promise.all([
    mountsOf(family, problems),
    swapsOf(new Set(family.values())),
    probeSignatures(realPath),
    parent ? probeSignatures(`/dev/${parent}`) : Promise.resolve({ signatures: [], problems: [] }),
    readTrim(path.join(sysDir, 'size')),
    identityOf(devno, sysDir, parentDir),
  ]);
  return {
    path: devPath,
    realPath,
    name,
    devno,
    // sysfs counts 512-byte sectors whatever the logical block size.
    sizeBytes: sizeSectors ? Number(sizeSectors) * 512 : null,
    isPartition,
    parent,
    partitions,
    holders,
    parentHolders,
    mounts,
    swaps,
    signatures: probe.signatures,
    parentSignatures: parentProbe.signatures,
    probeProblems: [...problems, ...probe.problems, ...parentProbe.problems],
    identity,
  };
}

/** The identity of the block device `devno` now. */
export async function deviceIdentity(devno: string): Promise<DeviceIdentity> {
  const sysDir = await realpath(`/sys/dev/block/${devno}`);
  const parentDir = (await exists(path.join(sysDir, 'partition'))) ? path.dirname(sysDir) : undefined;
  return identityOf(devno, sysDir, parentDir);
}

/** The fields of `before` that `now` does not match, as "name a → b" (empty when the same device). */
export function identityChanges(before: DeviceIdentity, now: DeviceIdentity): string[] {
  const changes: string[] = [];
  if (before.devno !== now.devno) changes.push(`device number ${before.devno} → ${now.devno}`);
  for (const key of new Set([...Object.keys(before.fields), ...Object.keys(now.fields)])) {
    const a = before.fields[key];
    const b = now.fields[key];
    if (a !== b) changes.push(`${key} ${a ?? '(none)'} → ${b ?? '(none)'}`);
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------

async function identityOf(devno: string, sysDir: string, parentDir: string | undefined): Promise<DeviceIdentity> {
  const disk = parentDir ?? sysDir;
  // Attribute → where sysfs keeps it, first found wins: virtio-blk has `serial` on the disk,
  // NVMe has `wwid` on the namespace and `serial` on the controller, SCSI both under device/.
  const sources: [string, string[]][] = [
    ['diskseq', ['diskseq']],
    ['serial', ['serial', 'device/serial']],
    ['wwid', ['wwid', 'device/wwid']],
    ['loop backing file', ['loop/backing_file']],
    ['loop offset', ['loop/offset']],
  ];
  const fields: Record<string, string> = {};
  for (const [key, files] of sources) {
    for (const f of files) {
      const v = await readTrim(path.join(disk, f));
      if (v) {
        fields[key] = v;
        break;
      }
    }
  }
  if (parentDir) {
    const [number, start] = await Promise.all([readTrim(path.join(sysDir, 'partition')), readTrim(path.join(sysDir, 'start'))]);
    if (number) fields['partition'] = number;
    if (start) fields['partition start'] = start;
  }
  return { devno, fields };
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

/**
 * Mounts of any device in `family`, from dmabench's namespace first, then from the initial one:
 * a container or `unshare -m` hides the host's mounts from /proc/self. A mount made only in some
 * third namespace is caught by the exclusive open (device-safety.ts), not here.
 */
async function mountsOf(family: Map<string, string>, problems: string[]): Promise<DeviceMount[]> {
  const familyNames = new Set(family.values());
  const found: DeviceMount[] = [];
  const seen = new Set<string>();
  for (const file of MOUNTINFO_FILES) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      continue;
    }
    for (const e of parseMountinfo(text)) {
      // btrfs reports an anonymous 0:N device number, so the mount source is checked as well.
      let device = family.get(e.devno);
      if (!device && e.source.startsWith('/dev/')) {
        const src = await realpath(e.source).catch(() => e.source);
        if (familyNames.has(path.basename(src))) device = path.basename(src);
      }
      const key = `${device}\0${e.mountPoint}`;
      if (device && !seen.has(key)) {
        seen.add(key);
        found.push({ device, mountPoint: e.mountPoint, fsType: e.fsType, seenIn: file });
      }
    }
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
    else if (!(r.exitCode === 2 && stderr === '')) problems.push(`blkid -p ${dev}: ${firstLine(stderr) || r.error || `exit ${r.exitCode}`}`);
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
        problems.push(`wipefs ${dev} printed something that is not JSON`);
      }
    } else problems.push(`wipefs ${dev}: ${firstLine(r.stderr) || r.error || `exit ${r.exitCode}`}`);
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
