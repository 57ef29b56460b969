// Builds the dma_bench module for each lab kernel on the host, in a chroot of the lab image
// (its headers and the compiler each kernel was built with are installed there), into the
// module cache the microbench collector looks at inside the guest. A kbuild run inside a TCG
// guest takes many minutes (every exec is slow); in the chroot it takes seconds. Cached by
// kernel release and module source hash, so a warm lab run builds nothing.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModuleBuildError, compilerWarnings, kbuildFailureMessage } from '../collectors/microbench/build.js';
import { cachedModulePath, defaultModuleCacheDir, moduleFileName, moduleSourceFiles, moduleSourceHash } from '../collectors/microbench/module-cache.js';
import { hostTools, requireHostTool } from './host.js';
import type { LabImage, LabKernel } from './image.js';
import { startGrouped } from './proc.js';

const unshare = { command: 'unshare', debianPackage: 'util-linux' };

/** The rootfs path of a guest path. */
function inRootfs(image: LabImage, guestPath: string): string {
  return path.join(image.rootfs, guestPath);
}

export interface ImageBuildOptions {
  /** Guest path of the headers tree; default /usr/src/linux-headers-<release>. */
  headersDir?: string;
  /** Host path the built module is copied to (atomically); default: not kept. */
  keepAs?: string;
  /** More make arguments, e.g. W=1 for the extra warnings. */
  makeArgs?: string[];
  signal?: AbortSignal;
}

export interface ImageBuildResult {
  /** Compiler warnings (the module is expected to build without any). */
  warnings: string[];
  output: string;
  seconds: number;
}

/**
 * kbuild for one lab kernel in a chroot of the image, in a private directory of the rootfs that
 * is removed afterwards. A failed build throws ModuleBuildError whose first line is the module's
 * refusal verbatim when its Kbuild refused the headers (kbuildFailureMessage).
 */
export async function buildDmabenchInImage(image: LabImage, kernel: LabKernel, srcDir: string, opts: ImageBuildOptions = {}): Promise<ImageBuildResult> {
  const headers = opts.headersDir ?? `/usr/src/linux-headers-${kernel.release}`;
  const guestBuild = path.posix.join(defaultModuleCacheDir, `.build-${process.pid}-${kernel.release}-${Date.now()}`);
  const hostBuild = inRootfs(image, guestBuild);
  await fs.rm(hostBuild, { recursive: true, force: true });
  await fs.mkdir(hostBuild, { recursive: true });
  try {
    for (const f of await moduleSourceFiles(srcDir)) await fs.copyFile(path.join(srcDir, f), path.join(hostBuild, f));
    const started = Date.now();
    const lines: string[] = [];
    // objtool reads /proc: mount one in a private mount namespace, which vanishes with the
    // build, so guests served this rootfs over virtiofs never see the host's /proc.
    const r = await startGrouped(
      requireHostTool(unshare),
      ['--fork', '--pid', `--mount-proc=${inRootfs(image, '/proc')}`, requireHostTool(hostTools.chroot), image.rootfs, 'make', '-C', headers, `M=${guestBuild}`, `CC=${kernel.cc}`, ...(opts.makeArgs ?? []), 'modules'],
      { signal: opts.signal, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/root' }, onLine: (l) => lines.push(l) },
    ).done;
    const output = lines.join('\n');
    if (r.aborted) throw new ModuleBuildError('module build aborted');
    if (r.exitCode !== 0) {
      throw new ModuleBuildError(kbuildFailureMessage(output, headers, r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`));
    }
    if (opts.keepAs) {
      await fs.mkdir(path.dirname(opts.keepAs), { recursive: true });
      // Copy then rename: a guest reading the cache never sees half a module.
      await fs.copyFile(path.join(hostBuild, moduleFileName), `${opts.keepAs}.tmp`);
      await fs.rename(`${opts.keepAs}.tmp`, opts.keepAs);
    }
    return { warnings: compilerWarnings(output), output, seconds: (Date.now() - started) / 1000 };
  } finally {
    await fs.rm(hostBuild, { recursive: true, force: true });
  }
}

async function buildFor(image: LabImage, kernel: LabKernel, srcDir: string, hash: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const hostKo = inRootfs(image, cachedModulePath(defaultModuleCacheDir, kernel.release, hash));
  if (existsSync(hostKo)) return;
  const r = await buildDmabenchInImage(image, kernel, srcDir, { keepAs: hostKo, signal });
  log(`lab: built dma_bench for ${kernel.release} with ${kernel.cc} in ${r.seconds.toFixed(1)} s`);
  if (r.warnings.length > 0) log(`lab: dma_bench built with ${r.warnings.length} compiler warning(s):\n${r.warnings.join('\n')}`);
}

/** Make sure ROOTFS/var/cache/dmabench/modules holds this source's module for every lab kernel. */
export async function prebuildDmabenchModules(image: LabImage, srcDir: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const hash = await moduleSourceHash(srcDir);
  for (const kernel of image.kernels) await buildFor(image, kernel, srcDir, hash, log, signal);
}
