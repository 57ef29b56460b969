// Where a trace is written while tracing runs: memory (tmpfs), never a disk. A trace written to the
// bundle's disk during the pass is written back through that disk's driver, whose DMA mapping calls
// the pass counts: a trace of 100 MB feeds its own counts (review M8). The trace is copied into the
// bundle once tracing is off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

/** Directories tried, in order: the usual tmpfs mounts. */
export const SPOOL_CANDIDATES = ['/dev/shm', '/run', os.tmpdir()];

export interface Spool {
  dir: string;
  /** true: the directory is on tmpfs or ramfs. false: no memory filesystem was found; it is the fallback. */
  inMemory: boolean;
}

export function isMemoryFs(dir: string): boolean {
  try {
    const t = fs.statfsSync(dir).type;
    return t === TMPFS_MAGIC || t === RAMFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * A new private directory on the first memory filesystem of `candidates` with `needBytes` free,
 * or (none) in `fallback`, which the caller then reports.
 */
export function makeSpool(fallback: string, needBytes = 0, candidates = SPOOL_CANDIDATES): Spool {
  for (const base of candidates) {
    if (!isMemoryFs(base)) continue;
    try {
      const s = fs.statfsSync(base);
      if (s.bavail * s.bsize < needBytes) continue;
      return { dir: fs.mkdtempSync(path.join(base, 'dmabench-trace-')), inMemory: true };
    } catch {
      // not writable: the next one
    }
  }
  return { dir: fs.mkdtempSync(path.join(fallback, '.trace-spool-')), inMemory: false };
}

/** Removes a spool directory; synchronous so it can run in an abort or exit handler. */
export function removeSpool(spool: Spool): void {
  fs.rmSync(spool.dir, { recursive: true, force: true });
}
