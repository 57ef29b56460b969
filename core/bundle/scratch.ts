// Which files a run created itself. A scratch file is dmabench's only when this run made it with
// O_CREAT|O_EXCL (so it never adopts a file that was already there) and it is still the same
// inode: the ledger BUNDLE/scratch/owned-files.json records the device, inode number and creation
// time (statx btime, nanoseconds) of each. A name that looks like ours proves nothing; a file
// replaced, copied or re-created at the same path has another inode or birth time (filesystems
// hand out a freed inode number again at once, so the number alone proves nothing either).
// On a filesystem that records no birth time, the process that created a file keeps it open: an
// inode still open cannot be freed, so its number cannot come back while the run lasts; a
// resumed run (another process) cannot prove such a file is its own.
import { randomFillSync } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { ownedFilesLedger, setAsideDir } from './layout.js';

export interface OwnedFile {
  /** Absolute path with symlinks resolved. */
  path: string;
  dev: string;
  ino: string;
  /** Creation time in ns since the epoch, as a decimal string; "0" when the filesystem has none. */
  birthNs: string;
  /** Left in place when the run ends (the target's `keep: true`). */
  keep: boolean;
}

interface Identity {
  dev: bigint;
  ino: bigint;
  birthtimeNs: bigint;
}

async function readLedger(scratchDir: string): Promise<OwnedFile[]> {
  const text = await readFile(ownedFilesLedger(scratchDir), 'utf8').catch(() => '');
  if (text === '') return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as OwnedFile[]) : [];
  } catch {
    // A mangled ledger proves nothing: every file is then someone else's.
    return [];
  }
}

/** Files this process created, held open (path → inode) so their inode numbers stay theirs. */
const pinned = new Map<string, { dev: bigint; ino: bigint; handle: FileHandle }>();

function matches(entry: OwnedFile, st: Identity): boolean {
  if (entry.dev !== String(st.dev) || entry.ino !== String(st.ino)) return false;
  if (entry.birthNs !== '0') return entry.birthNs === String(st.birthtimeNs);
  // No birth time: only the pin proves the inode number was not handed out again.
  const pin = pinned.get(entry.path);
  return pin !== undefined && pin.dev === st.dev && pin.ino === st.ino;
}

/**
 * Creates `file` empty with O_EXCL (fails with EEXIST when anything is at that path) and records
 * it as this run's. Returns the resolved path.
 */
export async function createOwnedFile(scratchDir: string, file: string, opts: { keep?: boolean } = {}): Promise<string> {
  await mkdir(scratchDir, { recursive: true });
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  let st: Identity;
  let real: string;
  try {
    st = await handle.stat({ bigint: true });
    real = await realpath(file);
  } catch (err) {
    await handle.close();
    throw err;
  }
  await pinned.get(real)?.handle.close();
  pinned.set(real, { dev: st.dev, ino: st.ino, handle });
  const ledger = (await readLedger(scratchDir)).filter((e) => e.path !== real);
  ledger.push({ path: real, dev: String(st.dev), ino: String(st.ino), birthNs: String(st.birthtimeNs), keep: opts.keep ?? false });
  await writeFileAtomic(ownedFilesLedger(scratchDir), JSON.stringify(ledger, null, 2) + '\n');
  return real;
}

/** True when `realPath` is, right now, a file this run created (same inode, same birth time). */
export async function isOwnedFile(scratchDir: string, realPath: string): Promise<boolean> {
  const st = await stat(realPath, { bigint: true }).catch(() => undefined);
  if (!st?.isFile()) return false;
  return (await readLedger(scratchDir)).some((e) => e.path === realPath && matches(e, st));
}

/**
 * Moves a file that is in the scratch directory but not in its ledger out of the way, untouched,
 * and returns where it went. A crash between the O_EXCL create and the ledger's update leaves
 * exactly such a file, and a resumed run must be able to go on; but since nothing proves whose it
 * is, it is neither written nor removed: a rename within the bundle keeps its data as it was.
 */
export async function setAsideUnrecorded(scratchDir: string, file: string): Promise<string> {
  const dir = setAsideDir(scratchDir);
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const to = path.join(dir, `${path.basename(file)}.${stamp}`);
  await rename(file, to);
  return to;
}

/**
 * Writes data into a file this run created until it holds `bytes`. The file is opened without
 * following links and checked against the ledger through the open descriptor, so the write
 * reaches that inode or nothing. fio would lay out a short file itself (`--create_only=1` does only
 * that), but by unlinking it and creating a new one, which would no longer be the file this run
 * created. Returns the bytes written (0 when the file was already that long).
 */
export async function fillOwnedFile(scratchDir: string, realPath: string, bytes: number, signal?: AbortSignal): Promise<number> {
  const handle = await open(realPath, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile() || !(await readLedger(scratchDir)).some((e) => e.path === realPath && matches(e, st))) {
      throw new Error(`${realPath} is not the file this run created; not writing to it`);
    }
    // Non-zero data, so every block is really allocated and a read reaches the disk.
    const chunk = randomFillSync(Buffer.alloc(1 << 20));
    const from = Number(st.size);
    let offset = from;
    while (offset < bytes) {
      // Stopped between chunks: the file is left short, and the next lay-out goes on from there.
      signal?.throwIfAborted();
      const n = Math.min(chunk.length, bytes - offset);
      await handle.write(chunk, 0, n, offset);
      offset += n;
    }
    await handle.sync();
    return Math.max(0, offset - from);
  } finally {
    await handle.close();
  }
}

/**
 * Ends a run's scratch: removes every file this run created and did not mean to keep, when it is
 * still the file it created (anything else at a recorded path is left alone and reported), then
 * the scratch directory itself unless a kept file lives in it. The directory was made by this run
 * inside a bundle that was empty, so what else is in it (a module build) is the run's own.
 */
export async function cleanScratch(scratchDir: string): Promise<{ removed: string[]; leftAlone: string[]; kept: string[] }> {
  const removed: string[] = [];
  const leftAlone: string[] = [];
  const kept: string[] = [];
  const ledger = await readLedger(scratchDir);
  for (const entry of ledger) {
    if (entry.keep) {
      kept.push(entry.path);
      continue;
    }
    const st = await stat(entry.path, { bigint: true }).catch(() => undefined);
    if (!st) continue;
    if (st.isFile() && matches(entry, st)) {
      await unlink(entry.path);
      removed.push(entry.path);
    } else leftAlone.push(entry.path);
  }
  for (const entry of ledger) {
    await pinned.get(entry.path)?.handle.close();
    pinned.delete(entry.path);
  }
  const root = await realpath(scratchDir).catch(() => path.resolve(scratchDir));
  const inside = (p: string): boolean => p.startsWith(root + path.sep);
  if ([...kept, ...leftAlone].some(inside)) await rm(ownedFilesLedger(scratchDir), { force: true });
  else await rm(scratchDir, { recursive: true, force: true });
  return { removed, leftAlone, kept };
}
