// Atomic file writes: a reader (or a crash) never sees half a manifest.
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

let counter = 0;

/** Writes `data` to a temp file beside `file`, fsyncs it and renames it over `file`. */
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
}
