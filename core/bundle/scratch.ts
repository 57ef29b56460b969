// Which files a run created itself. A scratch file is dmabench's only when this run made it with
// O_CREAT|O_EXCL (so it never adopts a file that was already there) and it is still the same
// inode: the ledger BUNDLE/scratch/owned-files.json records the device, inode number and creation
// time (statx btime, nanoseconds) of each. A name that looks like ours proves nothing; a file
// replaced, copied or re-created at the same path has another inode or birth time.
import { randomFillSync } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, realpath, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { ownedFilesLedger } from './layout.js';

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

function matches(entry: OwnedFile, st: Identity): boolean {
  // Without a birth time an inode number can be reused by a new file: never proof enough.
  return entry.birthNs !== '0' && entry.dev === String(st.dev) && entry.ino === String(st.ino) && entry.birthNs === String(st.birthtimeNs);
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
  try {
    st = await handle.stat({ bigint: true });
  } finally {
    await handle.close();
  }
  const real = await realpath(file);
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
 * Writes data into a file this run created until it holds `bytes`. The file is opened without
 * following links and checked against the ledger through the open descriptor, so the write
 * reaches that inode or nothing. fio would lay out a short file itself, but by unlinking it and
 * creating a new one, which would no longer be the file this run created.
 */
export async function fillOwnedFile(scratchDir: string, realPath: string, bytes: number): Promise<void> {
  const handle = await open(realPath, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile() || !(await readLedger(scratchDir)).some((e) => e.path === realPath && matches(e, st))) {
      throw new Error(`${realPath} is not the file this run created; not writing to it`);
    }
    // Non-zero data, so every block is really allocated and a read reaches the disk.
    const chunk = randomFillSync(Buffer.alloc(1 << 20));
    let offset = Number(st.size);
    while (offset < bytes) {
      const n = Math.min(chunk.length, bytes - offset);
      await handle.write(chunk, 0, n, offset);
      offset += n;
    }
    await handle.sync();
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
  for (const entry of await readLedger(scratchDir)) {
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
  const root = await realpath(scratchDir).catch(() => path.resolve(scratchDir));
  const inside = (p: string): boolean => p.startsWith(root + path.sep);
  if ([...kept, ...leftAlone].some(inside)) await rm(ownedFilesLedger(scratchDir), { force: true });
  else await rm(scratchDir, { recursive: true, force: true });
  return { removed, leftAlone, kept };
}
