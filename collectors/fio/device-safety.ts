// Guards fio's targets against the one mistake a storage benchmark must never make: writing over
// someone's data. Every check that decides whether a file or a block device may be used is here,
// and each refusal names its check (model/safety-error.ts). The checks run at preflight and again
// right before every repetition (README, "Safety on real disks").
//
// Files: the path is resolved; a block or character device, a directory or anything else that is
// not a regular file is refused (`kind`). A file this run created (O_EXCL, recorded by inode and
// birth time in core/bundle/scratch.ts) is the run's to write; dmabench lays it out itself, since
// fio would replace a short file by a new one, before the workload's first pass (layOutTarget, the
// collector's prepare), so no repetition holds the lay-out's writes. Any other file is never written or
// extended: a write workload needs `destructive: true` (and stays within the file's size), a read
// runs with --readonly and a size no larger than the file.
//
// Devices: a read runs with --readonly. A write needs `destructive: true` and a device provably
// unused: not mounted in dmabench's mount namespace nor in the initial one, not swap, nothing
// stacked on it or on its disk, an exclusive open granted by the kernel, no partitions, no
// RAID/LVM/ZFS/bcache/btrfs/LUKS membership, no signature at all. The exclusive open is held for
// the whole fio run, so nothing can mount or claim the device meanwhile (in any namespace).
// Before every repetition the device must still be the one preflight saw (number, diskseq,
// serial, WWID, loop backing file). What cannot be checked counts as a failed check.
//
// Between the last check and fio's open nothing can be swapped in: fio opens a device by its
// resolved node, pinned by the exclusive open, and a file through our descriptor of the inode
// that was checked.
import { constants } from 'node:fs';
import { lstat, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DeviceSafetyError, type SafetyCheck } from '../../model/safety-error.js';
import { createOwnedFile, fillOwnedFile, isOwnedFile, setAsideUnrecorded } from '../../core/bundle/scratch.js';
import {
  describeFileType,
  deviceIdentity,
  devnoOf,
  identityChanges,
  inspectDevice,
  type BlockDeviceInfo,
  type DeviceIdentity,
  type DeviceSignature,
} from './block-device-inspect.js';
import type { FioTarget } from './job.js';

export { DeviceSafetyError, type SafetyCheck };

/** The target a workload asks for, with its default scratch path filled in. */
export type TargetSpec = { kind: 'file'; path: string; size: string; keep?: boolean } | { kind: 'device'; path: string };

export interface TargetUse {
  /** The workload's `destructive` flag. */
  destructive: boolean;
  /** Whether the workload writes or trims (preflight: any of its cells; a repetition: this cell). */
  writes: boolean;
  /** The bundle's scratch directory, whose ledger says which files this run created. */
  scratchDir?: string;
}

/** What preflight saw, for the checks before each repetition. */
export type TargetBaseline = { kind: 'device'; realPath: string; identity: DeviceIdentity } | { kind: 'file' };

/** A target that passed every check, ready for fio. */
export interface ClearedTarget {
  fio: FioTarget;
  /** What was decided and why, kept in the repetition's raw directory. */
  record: Record<string, unknown>;
  /** Things the user should hear (a size lowered to the file's). */
  notes: string[];
  /**
   * For a file: our open descriptor of the very inode that was checked, for fio to inherit as
   * its fd 3; `fio.path` is then INHERITED_TARGET_PATH, so no file put at the path after the
   * checks can be the one fio opens.
   */
  inheritFd?: number;
  /** Closes what is held (a device's exclusive open, a file's descriptor); call once fio has exited. */
  release(): Promise<void>;
}

/** How fio names a file target it inherits as fd 3 (a magic link: it reopens that same inode). */
export const INHERITED_TARGET_PATH = '/proc/self/fd/3';

function refusal(check: SafetyCheck, subject: string, why: string, advice?: string): DeviceSafetyError {
  return new DeviceSafetyError(check, `refusing ${subject} (check: ${check}): ${why}${advice ? `; ${advice}` : ''}`);
}

/**
 * Lays out a file target before the first repetition (fio's runs only read and write it): the
 * checks of a repetition, a path where nothing exists becoming a file of this run, and a file of
 * this run filled up to its size with dmabench's own writes (core/bundle/scratch.ts says why not
 * fio's). Someone else's file is only checked, never written. Returns the file, the bytes written
 * and the notes for the user. A device target needs nothing.
 */
export async function layOutTarget(spec: TargetSpec, use: TargetUse, signal?: AbortSignal): Promise<{ path: string; laidOutBytes: number; notes: string[] } | undefined> {
  if (spec.kind !== 'file') return undefined;
  const file = await examineFile(spec, use, { create: true, signal });
  if (!file) throw new Error(`internal: ${spec.path} was neither found nor created`);
  // A file set aside is said here, where it happens; a foreign file's size note is said by every repetition.
  return { path: file.fio.path, laidOutBytes: file.laidOutBytes, notes: file.record.owner === 'this run' ? file.notes : [] };
}

/** Checks before anything runs. Returns what later repetitions must find unchanged. */
export async function preflightTarget(spec: TargetSpec, use: TargetUse): Promise<TargetBaseline> {
  if (spec.kind === 'file') {
    await examineFile(spec, use, { create: false });
    return { kind: 'file' };
  }
  const { realPath, devno } = await resolveBlockDevice(spec.path);
  if (use.writes) await (await checkDeviceWrite(spec.path, realPath, devno, use.destructive)).close();
  return { kind: 'device', realPath, identity: await deviceIdentity(devno) };
}

/**
 * Every check again, right before one repetition: a file target is resolved (and created when
 * nothing is there), a device must still be the one `baseline` saw and, for a write, is held
 * with an exclusive open until `release()`.
 */
export async function clearTarget(spec: TargetSpec, use: TargetUse, baseline?: TargetBaseline): Promise<ClearedTarget> {
  if (spec.kind === 'file') {
    const file = await examineFile(spec, use, { create: true });
    if (!file) throw new Error(`internal: ${spec.path} was neither found nor created`);
    const real = file.fio.path;
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
      throw refusal('foreign-file', `to use ${spec.path}`, `it changed while it was being checked (${err.code ?? String(err)})`, 'run again once nothing else replaces it');
    });
    try {
      const held = await handle.stat({ bigint: true });
      if (held.dev !== file.checked.dev || held.ino !== file.checked.ino) {
        throw refusal('foreign-file', `to use ${spec.path}`, 'another file took its place while it was being checked', 'run again once nothing else replaces it');
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return {
      fio: { ...file.fio, path: INHERITED_TARGET_PATH },
      record: { ...file.record, fioOpens: INHERITED_TARGET_PATH },
      notes: file.notes,
      inheritFd: handle.fd,
      release: () => handle.close(),
    };
  }

  const { realPath, devno } = await resolveBlockDevice(spec.path);
  const expected = baseline?.kind === 'device' ? baseline.identity : await deviceIdentity(devno);
  await assertSameDevice(spec.path, expected, devno);
  const record = { given: spec.path, path: realPath, kind: 'device', identity: expected, readonly: !use.writes };
  if (!use.writes) return { fio: { kind: 'device', path: realPath, readonly: true }, record, notes: [], release: async () => undefined };

  const hold = await checkDeviceWrite(spec.path, realPath, devno, use.destructive);
  try {
    // The open descriptor pins the device: what it opened, and what sysfs says now, must be
    // what was checked (a re-attached loop device or a re-enumerated disk is caught here).
    const held = devnoOf((await hold.stat({ bigint: true })).rdev);
    if (held !== devno) throw refusal('identity', `to write to ${spec.path}`, `the node opened is ${held}, not the ${devno} just checked`, 'the device changed under dmabench: check it and run again');
    await assertSameDevice(spec.path, expected, devno);
  } catch (err) {
    await hold.close();
    throw err;
  }
  return {
    fio: { kind: 'device', path: realPath, readonly: false },
    record: { ...record, exclusiveOpen: true },
    notes: [],
    release: () => hold.close(),
  };
}

/** Throws unless writing to `devPath` would be allowed now (the checks of a device write). */
export async function assertDeviceWriteAllowed(devPath: string, opts: { destructive: boolean }): Promise<void> {
  await preflightTarget({ kind: 'device', path: devPath }, { destructive: opts.destructive, writes: true });
}

/** What the system knows about a block device; refuses (check `kind`) when it is not one. */
export async function inspectBlockDevice(devPath: string): Promise<BlockDeviceInfo> {
  const { realPath, devno } = await resolveBlockDevice(devPath);
  return inspectDevice(devPath, realPath, devno);
}

/** True for signatures that make a device part of a set: RAID, LVM, ZFS, bcache, btrfs, LUKS, ... */
export function isMemberSignature(sig: DeviceSignature): boolean {
  return /_member$/.test(sig.type) || sig.usage === 'raid' || sig.usage === 'crypto' || MULTI_DEVICE_TYPES.has(sig.type);
}

/** blkid TYPE values of devices that belong to a multi-device set without a `_member` name. */
const MULTI_DEVICE_TYPES = new Set(['bcache', 'btrfs', 'crypto_LUKS', 'ceph_bluestore', 'drbd', 'zfs_member']);

/** fio's size strings as the campaign schema allows them (`256M`): powers of 1024, like fio's default kb_base. */
export function fioSizeBytes(size: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

// ---------------------------------------------------------------------------------------------
// Files

interface ExaminedFile {
  fio: FioTarget;
  record: Record<string, unknown>;
  notes: string[];
  /** Bytes dmabench wrote to lay out a file of its own just now (0: none). */
  laidOutBytes: number;
  /** The inode the decision was about. */
  checked: { dev: bigint; ino: bigint };
}

/**
 * Resolves a file target and decides how fio may use it. With `create`, a path where nothing
 * exists becomes a file of this run (O_EXCL); without, such a path is only checked for place.
 */
async function examineFile(spec: Extract<TargetSpec, { kind: 'file' }>, use: TargetUse, opts: { create: boolean; signal?: AbortSignal }): Promise<ExaminedFile | undefined> {
  const given = spec.path;
  const asTarget = `${given} as a file target`;
  let real: string | undefined;
  try {
    real = await realpath(given);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw refusal('probe', asTarget, `its path cannot be resolved (${code ?? String(err)})`);
  }

  if (real === undefined) {
    const link = await lstat(given).catch(() => undefined);
    if (link) throw refusal('kind', asTarget, `it is ${link.isSymbolicLink() ? 'a symbolic link to nothing' : describeFileType(link)}`, 'name a regular file, or a path where nothing exists yet');
    const dir = await realpath(path.dirname(path.resolve(given))).catch(() => path.dirname(path.resolve(given)));
    if (dir === '/dev' || dir.startsWith('/dev/')) {
      throw refusal('kind', asTarget, 'nothing exists there, and dmabench never creates a file under /dev', 'use kind: device for a block device');
    }
    if (!opts.create) return undefined;
    if (!use.scratchDir) throw new Error(`internal: creating ${given} needs the bundle's scratch directory`);
    let made: string;
    try {
      made = await createOwnedFile(use.scratchDir, given, { keep: spec.keep });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw refusal('foreign-file', `to use ${given}`, 'a file appeared there just as dmabench was creating its own', 'run again once nothing else uses the path');
    }
    const laidOutBytes = await fillOwnedFile(use.scratchDir, made, fioSizeBytes(spec.size), opts.signal);
    return {
      fio: { kind: 'file', path: made, size: spec.size },
      record: { given, path: made, kind: 'file', owner: 'this run', created: true, size: spec.size, readonly: false, laidOutBytes },
      notes: [],
      laidOutBytes,
      checked: await stat(made, { bigint: true }),
    };
  }

  const st = await stat(real, { bigint: true });
  if (!st.isFile()) {
    const advice = st.isBlockDevice()
      ? 'use kind: device (a write then needs destructive: true and a blank, unused device)'
      : st.isCharacterDevice()
        ? 'a file target is a regular file; kind: device takes block devices'
        : 'a file target is a regular file';
    throw refusal('kind', asTarget, `it is ${describeFileType(st)}${real !== given ? ` (${real})` : ''}`, advice);
  }
  if (use.scratchDir && (await isOwnedFile(use.scratchDir, real))) {
    // Filled up to size here (a run interrupted while filling left it short), never by fio.
    const laidOutBytes = opts.create && Number(st.size) < fioSizeBytes(spec.size) ? await fillOwnedFile(use.scratchDir, real, fioSizeBytes(spec.size), opts.signal) : 0;
    return {
      fio: { kind: 'file', path: real, size: spec.size },
      record: { given, path: real, kind: 'file', owner: 'this run', created: false, size: spec.size, readonly: false, ...(laidOutBytes > 0 ? { laidOutBytes } : {}) },
      notes: [],
      laidOutBytes,
      checked: st,
    };
  }

  // Someone else's file.
  if (use.scratchDir && isInside(real, await realpath(use.scratchDir).catch(() => path.resolve(use.scratchDir!)))) {
    // A crash between creating a scratch file and recording it in the ledger leaves such a
    // file. Whose it is cannot be proved, so it is moved aside untouched (a rename inside the
    // bundle), right before the repetition that makes, and records, a file of its own.
    if (!opts.create) return undefined;
    const movedTo = await setAsideUnrecorded(use.scratchDir, real);
    const made = await examineFile(spec, use, opts);
    made?.notes.push(`moved ${real} to ${movedTo} untouched: it was in the bundle's scratch directory but not in its ledger (a run interrupted while creating it leaves one)`);
    return made;
  }
  if (use.writes && !use.destructive) {
    throw refusal(
      'foreign-file',
      `to write to ${given}`,
      'dmabench did not create this file',
      'set destructive: true to let the workload overwrite it (never beyond its size), or leave out path: to use a scratch file in the bundle',
    );
  }
  const fileSize = Number(st.size);
  if (fileSize === 0) throw refusal('foreign-file', `to use ${given}`, 'it is empty, and a file dmabench did not create is never extended', 'leave out path: to use a scratch file');
  const wanted = fioSizeBytes(spec.size);
  const size = Math.min(wanted, fileSize);
  const notes = size < wanted ? [`fio: ${given} holds ${fileSize} bytes: size ${spec.size} lowered to that (a file dmabench did not create is never extended)`] : [];
  return {
    fio: { kind: 'file', path: real, size: String(size), readonly: !use.writes },
    record: { given, path: real, kind: 'file', owner: 'not this run', size: String(size), readonly: !use.writes, destructive: use.destructive },
    notes,
    laidOutBytes: 0,
    checked: st,
  };
}

function isInside(p: string, dir: string): boolean {
  return p.startsWith(dir + path.sep);
}

// ---------------------------------------------------------------------------------------------
// Devices

async function resolveBlockDevice(given: string): Promise<{ realPath: string; devno: string }> {
  const asTarget = `${given} as a device target`;
  let realPath: string;
  try {
    realPath = await realpath(given);
  } catch (err) {
    throw refusal('kind', asTarget, `it is not a block device (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const st = await stat(realPath, { bigint: true });
  if (!st.isBlockDevice()) throw refusal('kind', asTarget, `it is not a block device (it is ${describeFileType(st)})`, 'use kind: file for files');
  return { realPath, devno: devnoOf(st.rdev) };
}

async function assertSameDevice(given: string, expected: DeviceIdentity, devno: string): Promise<void> {
  const changes = identityChanges(expected, await deviceIdentity(devno));
  if (changes.length > 0) {
    throw refusal('identity', `to use ${given}`, `it is not the device checked before the run (${changes.join('; ')})`, 'check what the path names now and start a new run');
  }
}

/**
 * The checks of a device write, in-use first (mounts, swap, holders, then the kernel's own
 * exclusive open, which catches every claim those miss), then content. Returns the exclusive
 * descriptor, which the caller holds while fio runs.
 */
async function checkDeviceWrite(given: string, realPath: string, devno: string, destructive: boolean): Promise<FileHandle> {
  const subject = `to write to ${given}${realPath !== given ? ` (${realPath})` : ''}`;
  const blank = 'use a blank device';
  if (!destructive) throw refusal('destructive', subject, 'the workload is not marked destructive', 'set destructive: true for write workloads on a blank device you can lose');

  const info = await inspectDevice(given, realPath, devno);
  const mount = info.mounts[0];
  if (mount) {
    const via = mount.device === info.name ? '' : ` (via ${mount.device})`;
    const where = mount.seenIn === '/proc/self/mountinfo' ? mount.seenIn : `${mount.seenIn}, the initial mount namespace`;
    throw refusal('mount', subject, `it is mounted${via} on ${mount.mountPoint} (${mount.fsType}, seen in ${where})`, blank);
  }
  if (info.swaps.length > 0) throw refusal('swap', subject, `it is an active swap area (${info.swaps.join(', ')}, /proc/swaps)`, blank);
  if (info.holders.length > 0) throw refusal('holders', subject, `it is held by ${info.holders.join(', ')} (sysfs holders: device-mapper, md, LVM or bcache)`, blank);
  if (info.parentHolders.length > 0) {
    throw refusal('holders', subject, `its disk ${info.parent} is held by ${info.parentHolders.join(', ')} (sysfs holders: device-mapper, md, LVM or bcache)`, blank);
  }

  const hold = await exclusiveOpen(subject, realPath);
  try {
    if (info.partitions.length > 0) throw refusal('partitions', subject, `it has partitions (${info.partitions.join(', ')})`, blank);
    const member = info.signatures.find(isMemberSignature);
    if (member) {
      throw refusal('member', subject, `it is a member of a multi-device set: ${member.type} ${member.usage} signature (${member.tool})`, `${blank}; a RAID, LVM, ZFS, bcache, btrfs or LUKS member holds data even while its set is not assembled`);
    }
    const parentMember = info.parentSignatures.find(isMemberSignature);
    if (parentMember) {
      throw refusal('member', subject, `its disk ${info.parent} is a member of a multi-device set: ${parentMember.type} ${parentMember.usage} signature (${parentMember.tool})`, blank);
    }
    const sig = info.signatures[0];
    if (sig) {
      const article = /^[aeiou]/i.test(sig.type) ? 'an' : 'a';
      throw refusal('signature', subject, `it holds ${article} ${sig.type} ${sig.usage} signature (${sig.tool})`, `${blank} (wipefs -a ${info.realPath} first only if its contents are expendable)`);
    }
    if (info.probeProblems.length > 0) {
      throw refusal('probe', subject, `it could not be checked (${info.probeProblems.join('; ')})`, 'run as root with util-linux installed');
    }
  } catch (err) {
    await hold.close();
    throw err;
  }
  return hold;
}

/**
 * O_EXCL on a block device is the kernel's claim: it fails with EBUSY while anything else has
 * the device claimed (a mount in any namespace, dm, md, swap, bcache, an NVMe or iSCSI target
 * export, another O_EXCL opener), and while we hold it, none of those can claim it.
 */
async function exclusiveOpen(subject: string, realPath: string): Promise<FileHandle> {
  try {
    return await open(realPath, constants.O_RDONLY | constants.O_EXCL);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'EBUSY') {
      throw refusal(
        'exclusive-open',
        subject,
        'the kernel refused an exclusive open (EBUSY): something has claimed it (a mount in another mount namespace, a RAID or cache, a VM, a target export)',
        'use a device nothing has claimed',
      );
    }
    throw refusal('probe', subject, `it could not be opened exclusively (${code})`, 'run as root');
  }
}
