// Atomic file writes: a reader (or a crash) never sees half a manifest, and once this returns
// the new content is on the disk under its name (the directory is fsynced after the rename).
import { open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './durable.js';

let counter = 0;

/** Writes `data` to a temp file beside `file`, fsyncs it, renames it over `file` and fsyncs the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, file);
  // Without this the rename may be lost in a crash even though the data was synced.
  await syncDir(path.dirname(file));
}

/** Removes the temp files writeFileAtomic leaves in `dir` when the process or machine dies mid-write. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  // The name writeFileAtomic gives its temp files: .<name>.<pid>.<counter>.tmp
  const stale = (await readdir(dir)).filter((n) => /^\..+\.\d+\.\d+\.tmp$/.test(n));
  for (const name of stale) await unlink(path.join(dir, name)).catch(() => undefined);
  return stale;
}
