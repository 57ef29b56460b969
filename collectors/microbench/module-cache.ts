// Where a built dma_bench.ko is found again. A module only loads into the kernel release it was
// built for, and it must come from the current source, so the cache key is both: the release
// and a hash of the module's source files. Two places are looked at:
// - the run's scratch dir (built during this run, reused by every later repetition), and
// - a machine-wide cache (default /var/cache/dmabench/modules), filled ahead of time by whoever
//   can build faster than the box itself: the lab builds there from the host, in a chroot,
//   because a kbuild run inside a TCG guest takes many minutes.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export const defaultModuleCacheDir = '/var/cache/dmabench/modules';
export const moduleFileName = 'dma_bench.ko';

const sourceFile = /^(Kbuild|Makefile|.*\.[ch])$/;

/** The names of the module's source files in srcDir (what a build copies and the hash covers), sorted. */
export async function moduleSourceFiles(srcDir: string): Promise<string[]> {
  const entries = await fs.readdir(srcDir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && sourceFile.test(e.name)).map((e) => e.name).sort();
}

/** 16 hex digits over the module's source files (names and contents, sorted by name). */
export async function moduleSourceHash(srcDir: string): Promise<string> {
  const names = await moduleSourceFiles(srcDir);
  if (names.length === 0) throw new Error(`${srcDir} holds no module sources`);
  const h = createHash('sha256');
  for (const name of names) {
    h.update(`${name}\0`);
    h.update(await fs.readFile(path.join(srcDir, name)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** <cacheDir>/<release>/<sourceHash>/dma_bench.ko */
export function cachedModulePath(cacheDir: string, release: string, sourceHash: string): string {
  if (!/^[A-Za-z0-9._+~-]+$/.test(release)) throw new Error(`"${release}" does not look like a kernel release`);
  return path.join(cacheDir, release, sourceHash, moduleFileName);
}

/** The cached module for this release and source, if someone built it already. */
export function findCachedModule(cacheDir: string, release: string, sourceHash: string): string | undefined {
  const ko = cachedModulePath(cacheDir, release, sourceHash);
  return existsSync(ko) ? ko : undefined;
}
