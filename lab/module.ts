// Builds the dma_bench module for each lab kernel on the host, in a chroot of the lab image
// (its headers and the compiler each kernel was built with are installed there), into the
// module cache the microbench collector looks at inside the guest. A kbuild run inside a TCG
// guest takes many minutes (every exec is slow); in the chroot it takes seconds. Cached by
// kernel release and module source hash, so a warm lab run builds nothing.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cachedModulePath, defaultModuleCacheDir, moduleFileName, moduleSourceHash } from '../collectors/microbench/module-cache.js';
import { hostTools, requireHostTool } from './host.js';
import type { LabImage, LabKernel } from './image.js';
import { runGrouped } from './proc.js';

const sourceFile = /^(Kbuild|Makefile|.*\.[ch])$/;
const unshare = { command: 'unshare', debianPackage: 'util-linux' };

/** The rootfs path of a guest path. */
function inRootfs(image: LabImage, guestPath: string): string {
  return path.join(image.rootfs, guestPath);
}

async function buildFor(image: LabImage, kernel: LabKernel, srcDir: string, hash: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const guestKo = cachedModulePath(defaultModuleCacheDir, kernel.release, hash);
  const hostKo = inRootfs(image, guestKo);
  if (existsSync(hostKo)) return;
  const guestBuild = path.posix.join(defaultModuleCacheDir, `.build-${process.pid}-${kernel.release}`);
  const hostBuild = inRootfs(image, guestBuild);
  await fs.rm(hostBuild, { recursive: true, force: true });
  await fs.mkdir(hostBuild, { recursive: true });
  try {
    for (const f of (await fs.readdir(srcDir)).filter((n) => sourceFile.test(n))) {
      await fs.copyFile(path.join(srcDir, f), path.join(hostBuild, f));
    }
    const started = Date.now();
    const headers = `/usr/src/linux-headers-${kernel.release}`;
    // objtool reads /proc: mount one in a private mount namespace, which vanishes with the
    // build, so guests served this rootfs over virtiofs never see the host's /proc.
    await runGrouped(
      requireHostTool(unshare),
      ['--fork', '--pid', `--mount-proc=${inRootfs(image, '/proc')}`, requireHostTool(hostTools.chroot), image.rootfs, 'make', '-C', headers, `M=${guestBuild}`, `CC=${kernel.cc}`, 'modules'],
      { signal, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/root' } },
    );
    await fs.mkdir(path.dirname(hostKo), { recursive: true });
    // Copy then rename: a guest reading the cache never sees half a module.
    await fs.copyFile(path.join(hostBuild, moduleFileName), `${hostKo}.tmp`);
    await fs.rename(`${hostKo}.tmp`, hostKo);
    log(`lab: built dma_bench for ${kernel.release} with ${kernel.cc} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await fs.rm(hostBuild, { recursive: true, force: true });
  }
}

/** Make sure ROOTFS/var/cache/dmabench/modules holds this source's module for every lab kernel. */
export async function prebuildDmabenchModules(image: LabImage, srcDir: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const hash = await moduleSourceHash(srcDir);
  for (const kernel of image.kernels) await buildFor(image, kernel, srcDir, hash, log, signal);
}
