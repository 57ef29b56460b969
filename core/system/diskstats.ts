// Which block devices did I/O over a window (/proc/diskstats read before and after), and which
// block device a path lives on. A profile pass traces the DMA API system-wide, so the DMA of any
// other device that did I/O meanwhile (the disk the bundle is written to, swap, a backup) is in
// its counts (review M8): the pass records who did I/O and warns when it was not only the target.
import fs from 'node:fs';
import path from 'node:path';

/** One /proc/diskstats line's I/O counters (Documentation/admin-guide/iostats.rst). */
export interface DiskCounters {
  name: string;
  /** `major:minor`. */
  dev: string;
  readsCompleted: number;
  sectorsRead: number;
  writesCompleted: number;
  sectorsWritten: number;
  /** Discards completed (kernel 4.18+; 0 when the line is shorter). */
  discardsCompleted: number;
  /** Flushes completed (kernel 5.5+; 0 when the line is shorter). */
  flushesCompleted: number;
}

/** /proc/diskstats text → counters per device name. Lines that do not parse are skipped. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = f.map(Number);
    const num = (i: number): number => (Number.isSafeInteger(n[i]) ? (n[i] as number) : 0);
    const name = f[2] as string;
    out.set(name, {
      name,
      dev: `${f[0]}:${f[1]}`,
      readsCompleted: num(3),
      sectorsRead: num(5),
      writesCompleted: num(7),
      sectorsWritten: num(9),
      discardsCompleted: num(14),
      flushesCompleted: num(18),
    });
  }
  return out;
}

export function readDiskstats(file = '/proc/diskstats'): Map<string, DiskCounters> {
  try {
    return parseDiskstats(fs.readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/** A device's I/O over the window. */
export interface DiskActivity {
  name: string;
  dev: string;
  reads: number;
  writes: number;
  /** Bytes (sectors of 512 bytes, whatever the device's block size). */
  readBytes: number;
  writtenBytes: number;
  discards: number;
  flushes: number;
}

/** Devices whose counters moved between the two readings (a device that appeared counts from 0). */
export function diskActivity(before: Map<string, DiskCounters>, after: Map<string, DiskCounters>): DiskActivity[] {
  const out: DiskActivity[] = [];
  for (const [name, a] of after) {
    const b = before.get(name);
    const d = (k: keyof Omit<DiskCounters, 'name' | 'dev'>): number => Math.max(0, a[k] - (b?.[k] ?? 0));
    const act: DiskActivity = {
      name,
      dev: a.dev,
      reads: d('readsCompleted'),
      writes: d('writesCompleted'),
      readBytes: d('sectorsRead') * 512,
      writtenBytes: d('sectorsWritten') * 512,
      discards: d('discardsCompleted'),
      flushes: d('flushesCompleted'),
    };
    if (act.reads + act.writes + act.discards + act.flushes > 0) out.push(act);
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** A block device as sysfs names it. */
export interface BlockDeviceId {
  /** The device the path is on (a partition when it is on one): `nvme0n1p2`. */
  name: string;
  /** `major:minor` of `name`. */
  dev: string;
  /** The whole disk: `nvme0n1` (the same as name when not a partition). */
  disk: string;
  /**
   * `major:minor` of the whole disk: what the block layer's request tracepoints (block_rq_*) name,
   * a request belonging to the disk, not to a partition. The same as dev when not a partition.
   */
  diskDev: string;
  /** Every name that is this disk or one of its partitions. */
  family: string[];
}

/** major:minor of a Linux dev_t as glibc encodes it (gnu_dev_major / gnu_dev_minor). */
function majorMinor(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/**
 * The block device a path is or lives on (a device node: itself; a file or directory, or a path
 * not created yet: the filesystem holding it or its nearest existing parent). Undefined when it is
 * on no block device (tmpfs, virtiofs, NFS) or sysfs does not say.
 */
export function blockDeviceOf(p: string, sys = '/sys'): BlockDeviceId | undefined {
  let at = path.resolve(p);
  let st: fs.BigIntStats | undefined;
  for (;;) {
    try {
      st = fs.statSync(at, { bigint: true });
      break;
    } catch {
      const up = path.dirname(at);
      if (up === at) return undefined;
      at = up;
    }
  }
  const dev = majorMinor(st.isBlockDevice() ? st.rdev : st.dev);
  let real: string;
  try {
    real = fs.realpathSync(path.join(sys, 'dev', 'block', dev));
  } catch {
    return undefined;
  }
  const name = path.basename(real);
  const isPartition = fs.existsSync(path.join(real, 'partition'));
  const disk = isPartition ? path.basename(path.dirname(real)) : name;
  const diskDir = isPartition ? path.dirname(real) : real;
  let family = [disk];
  try {
    family = [disk, ...fs.readdirSync(diskDir).filter((e) => e.startsWith(disk) && fs.existsSync(path.join(diskDir, e, 'partition')))];
  } catch {
    // the disk alone
  }
  let diskDev = dev;
  try {
    if (isPartition) diskDev = fs.readFileSync(path.join(diskDir, 'dev'), 'utf8').trim();
  } catch {
    // the partition's own numbers stand in
  }
  return { name, dev, disk, diskDev, family };
}
