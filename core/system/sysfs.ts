// Reading /proc and /sys under an injectable root. The lab reads a guest's state through the
// guest's root directory, so every probe takes `root` instead of assuming '/'.
// Nothing here throws: a missing or unreadable file is `undefined`, a missing directory is [].
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** Where an absolute system path (e.g. '/proc/cmdline') lives under `root`. */
export function underRoot(root: string, absolute: string): string {
  return root === '/' ? absolute : path.join(root, absolute);
}

/** The file's text, or undefined when it is missing or unreadable. */
export async function readText(root: string, absolute: string): Promise<string | undefined> {
  try {
    return await readFile(underRoot(root, absolute), 'utf8');
  } catch {
    return undefined;
  }
}

/** The file's text without the trailing newline (sysfs attributes end in one). */
export async function readTrimmed(root: string, absolute: string): Promise<string | undefined> {
  const text = await readText(root, absolute);
  return text === undefined ? undefined : text.trim();
}

/** Why a file could not be read (the errno code), or undefined when it reads. */
export async function readError(root: string, absolute: string): Promise<string | undefined> {
  try {
    await readFile(underRoot(root, absolute), { encoding: 'utf8' });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** Directory entries sorted naturally (nvme2 before nvme10), or [] when it is missing. */
export async function listDir(root: string, absolute: string): Promise<string[]> {
  try {
    const names = await readdir(underRoot(root, absolute));
    return names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}

/** Whether a path exists under root. */
export async function exists(root: string, absolute: string): Promise<boolean> {
  try {
    await readdir(underRoot(root, absolute));
    return true;
  } catch (err) {
    // ENOTDIR: it exists, it is just a file.
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
}

/** The last component of a symlink's target (sysfs links like device/iommu_group → .../iommu_groups/7). */
export async function linkBasename(root: string, absolute: string): Promise<string | undefined> {
  try {
    return path.basename(await readlink(underRoot(root, absolute)));
  } catch {
    return undefined;
  }
}

/** Parses a kernel CPU/node list such as "0-3,8,10-11" into numbers. */
export function parseRangeList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-');
    const start = Number(lo);
    const end = hi === undefined ? start : Number(hi);
    if (!Number.isInteger(start) || !Number.isInteger(end)) continue;
    for (let n = start; n <= end; n++) out.push(n);
  }
  return out;
}
