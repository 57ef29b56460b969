// Durability on disk. A process that dies leaves its writes in the page cache, where the next
// process reads them; a machine that crashes (a kernel panic, the usual end of a bad DMA patch,
// or a power cut) keeps only what was forced to the disk. So whatever the manifest vouches for is
// fsynced before the manifest says so, and a rename or a new file counts only once the directory
// holding its name is fsynced too (ARCHITECTURE.md, "The run bundle").
import { mkdir, open, readdir, rename } from 'node:fs/promises';
import path from 'node:path';

/** fsync a file (data and metadata). */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory: makes the names created, renamed or removed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every regular file and directory under `root`, and `root` itself, children first. */
export async function syncTree(root: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) await syncTree(p);
    else if (entry.isFile()) await syncFile(p);
    // Symlinks, sockets and fifos hold no data of their own; their names are synced with `root`.
  }
  await syncDir(root);
}

/**
 * fsync `dir` and each directory above it up to and including `top`: after a `mkdir -p` below
 * `top`, every new name on the way down is durable.
 */
export async function syncDirsUpTo(dir: string, top: string): Promise<void> {
  const rel = path.relative(top, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${dir} is not inside ${top}`);
  for (let d = dir; ; d = path.dirname(d)) {
    await syncDir(d);
    if (path.relative(top, d) === '') return;
  }
}

/** `mkdir -p dir`, with every directory it created made durable in its parent. */
export async function mkdirDurable(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const first = await mkdir(abs, { recursive: true });
  if (first !== undefined) await syncDirsUpTo(abs, path.dirname(first));
}

/** Appends `text` to `file` (created if missing) and returns once it is on the disk. */
export async function appendDurable(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a');
  try {
    await handle.writeFile(text);
    // fdatasync covers the new size too: it is needed to read the data back.
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Renames `from` to `to` (same directory or not) and fsyncs both parents. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(path.dirname(to));
  if (path.dirname(from) !== path.dirname(to)) await syncDir(path.dirname(from));
}
