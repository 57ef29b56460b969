// The lab's root filesystem: a Debian sid tree (debootstrap) with the newest 7.x kernel from sid,
// the newest 6.12 kernel from trixie, their headers and compilers, and the benchmark tools.
// QEMU boots it over virtiofs (see boot.ts), so the tree is a plain directory on the host.
//
// Cache: <cacheDir>/<recipe>/ where <recipe> hashes what we ask for (suites, package list, build
// steps). A directory there is complete only when its `ready` stamp exists: builds happen in a
// temporary sibling that is renamed into place after the stamp is written, so an interrupted build
// never looks valid. A warm call reads the stamp and returns without touching the network; the
// archive moving on (a newer kernel in sid) is picked up with `rebuild: true`. The image's `key`
// hashes every installed package version, so bundles can say exactly which image they ran on.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { requireHostTool, requireRoot, hostTools } from './host.js';
import { GUEST_CLI } from './guest-cli.js';
import { runGrouped, type GroupedOptions } from './proc.js';
import { isAlive } from '../core/proc/tree.js';
import { kernelCompiler } from '../collectors/microbench/build.js';

export type LabKernelId = '7' | '6.12';

export interface LabKernel {
  id: LabKernelId;
  /** `uname -r` of the kernel, e.g. 7.2.13+deb14-amd64. */
  release: string;
  /** Host path of the kernel image inside the rootfs. */
  vmlinuz: string;
  /** Host path of /usr/src/linux-headers-<release> inside the rootfs. */
  headersDir: string;
  /** The compiler command the kernel was built with (from CONFIG_CC_VERSION_TEXT), e.g. x86_64-linux-gnu-gcc-16. */
  cc: string;
}

export interface LabImage {
  rootfs: string;
  kernels: LabKernel[];
  /** Hash of every installed package version: identifies the image's contents. */
  key: string;
}

export interface EnsureLabImageOptions {
  cacheDir?: string;
  rebuild?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Packages installed besides the kernels, their headers and the compilers read from the headers. */
export const labPackages = [
  'make',
  'fio',
  'linux-perf',
  'trace-cmd',
  'perftest',
  'rdma-core',
  'ibverbs-providers',
  'ibverbs-utils',
  'iproute2',
  'kmod',
  'nodejs',
  'util-linux',
  'procps',
  // device-mapper, md and partitions (sfdisk), to show the write checks refusing a device
  // something is stacked on.
  'dmsetup',
  'mdadm',
  'fdisk',
] as const;

// Bump when the build steps change in a way that changes the image.
const recipeVersion = 1;
const aptNoValidUntil = ['-o', 'Acquire::Check-Valid-Until=false'];

export function defaultLabCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'dmabench', 'lab');
}

function recipeHash(): string {
  const recipe = { recipeVersion, suites: ['sid', 'trixie'], kernels: ['7', '6.12'], labPackages };
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** What the ready stamp records; paths are relative to the image directory so it can be renamed. */
interface ImageManifest {
  recipe: string;
  key: string;
  builtAt: string;
  buildSeconds: number;
  kernels: { id: LabKernelId; release: string; cc: string }[];
  packages: Record<string, string>;
}

const readyFile = 'ready';

function imageFromManifest(dir: string, m: ImageManifest): LabImage {
  const rootfs = path.join(dir, 'rootfs');
  return {
    rootfs,
    key: m.key,
    kernels: m.kernels.map((k) => ({
      id: k.id,
      release: k.release,
      cc: k.cc,
      vmlinuz: path.join(rootfs, 'boot', `vmlinuz-${k.release}`),
      headersDir: path.join(rootfs, 'usr', 'src', `linux-headers-${k.release}`),
    })),
  };
}

async function readReadyImage(dir: string): Promise<LabImage | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, readyFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as ImageManifest;
    const image = imageFromManifest(dir, m);
    // A ready stamp whose kernels vanished (someone cleaned the tree) is not ready.
    if (image.kernels.length !== 2 || !image.kernels.every((k) => existsSync(k.vmlinuz))) return undefined;
    return image;
  } catch {
    return undefined;
  }
}

/** Mount points at or below dir, deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const text = await fs.readFile('/proc/self/mounts', 'utf8');
  const prefix = path.resolve(dir);
  return text
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === prefix || m.startsWith(prefix + '/')))
    .sort((a, b) => b.length - a.length);
}

async function unmountAllUnder(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) {
    await runGrouped('umount', ['-l', m]).catch(() => undefined);
  }
}

/** Remove a build tree, refusing if something is still mounted inside (rm -rf would reach the host's /proc or /dev). */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await unmountAllUnder(dir);
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`refusing to delete ${dir}: still mounted: ${left.join(', ')}`);
  await fs.rm(dir, { recursive: true, force: true });
}


/** Delete build/old directories whose owning process is gone (left by an interrupted build). */
async function removeStaleBuilds(cacheDir: string, log: (l: string) => void): Promise<void> {
  for (const name of await fs.readdir(cacheDir)) {
    const m = /^\.(?:build|old)-(\d+)-/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    log(`removing leftover ${name} from an interrupted build`);
    await removeTree(path.join(cacheDir, name));
  }
}

class ImageBuilder {
  private readonly root: string;
  private readonly logStream: ReturnType<typeof createWriteStream>;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.root = path.join(dir, 'rootfs');
    this.logStream = createWriteStream(path.join(dir, 'build.log'));
  }

  /** Full tool output goes to build.log; the caller's log gets step lines and package progress. */
  private opts(): GroupedOptions {
    return {
      signal: this.signal,
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        LC_ALL: 'C',
        DEBIAN_FRONTEND: 'noninteractive',
        HOME: '/root',
      },
      onLine: (line) => {
        this.logStream.write(line + '\n');
        if (/^(I: (Retrieving (InRelease|Packages)|Installing core|Configuring required|Base system)|Setting up (linux-(image|headers)|gcc-\d|nodejs |fio |linux-perf))/.test(line)) {
          this.log(`  ${line}`);
        }
      },
    };
  }

  private chroot(args: string[]): Promise<{ tail: string[] }> {
    return runGrouped('chroot', [this.root, ...args], this.opts());
  }

  /** stdout of a command in the chroot (small outputs only). */
  private async chrootOutput(args: string[]): Promise<string> {
    const lines: string[] = [];
    const o = this.opts();
    await runGrouped('chroot', [this.root, ...args], {
      ...o,
      onLine: (line, stream) => {
        if (stream === 'stdout') lines.push(line);
        o.onLine?.(line, stream);
      },
    });
    return lines.join('\n');
  }

  private apt(args: string[]): Promise<{ tail: string[] }> {
    return this.chroot(['apt-get', ...aptNoValidUntil, ...args]);
  }

  async debootstrap(): Promise<void> {
    this.log('debootstrap --variant=minbase sid (about a minute)');
    await runGrouped(requireHostTool(hostTools.debootstrap), ['--variant=minbase', 'sid', this.root], this.opts());
  }

  /** Settings that make installs faster and smaller, and keep package scripts from doing things a chroot must not. */
  async configure(): Promise<void> {
    const w = (rel: string, text: string, mode = 0o644): Promise<void> =>
      fs.writeFile(path.join(this.root, rel), text, { mode });
    // The archive snapshot's Release files are past their Valid-Until date (apt in the guest needs this too).
    await w('etc/apt/apt.conf.d/99dmabench-lab', 'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n');
    await w(
      'etc/dpkg/dpkg.cfg.d/99dmabench-lab',
      [
        'force-unsafe-io',
        'path-exclude=/usr/share/man/*',
        'path-exclude=/usr/share/info/*',
        'path-exclude=/usr/share/locale/*',
        'path-exclude=/usr/share/doc/*',
        'path-include=/usr/share/doc/*/copyright',
        '',
      ].join('\n'),
    );
    // No services start in a chroot.
    await w('usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', 0o755);
    // The guest boots without an initramfs (virtiofs is built in): skip generating one per kernel.
    await this.chroot(['dpkg-divert', '--local', '--rename', '--add', '/usr/sbin/update-initramfs']);
    await fs.symlink('/bin/true', path.join(this.root, 'usr/sbin/update-initramfs'));
  }

  /** Add trixie next to sid by copying the sources line debootstrap wrote (no host name of ours). */
  async addTrixie(): Promise<void> {
    const list = path.join(this.root, 'etc/apt/sources.list');
    const text = await fs.readFile(list, 'utf8');
    const sidLine = text.split('\n').find((l) => /^deb\s.*\ssid(\s|$)/.test(l));
    if (!sidLine) throw new Error(`no sid line in the chroot's sources.list:\n${text}`);
    const trixieLine = sidLine.replace(/\ssid(\s|$)/, ' trixie$1');
    await fs.writeFile(path.join(this.root, 'etc/apt/sources.list.d/trixie.list'), trixieLine + '\n');
    this.log('apt-get update (sid + trixie)');
    await this.apt(['update']);
  }

  /** The versioned linux-image package the metapackage's candidate (in the given release, or the default) depends on. */
  async resolveKernel(id: LabKernelId, targetRelease?: string): Promise<{ release: string; metaVersion: string }> {
    const target = targetRelease ? ['-o', `APT::Default-Release=${targetRelease}`] : [];
    const policy = await this.chrootOutput(['apt-cache', ...target, 'policy', 'linux-image-amd64']);
    const candidate = /Candidate:\s*(\S+)/.exec(policy)?.[1];
    if (!candidate || candidate === '(none)') throw new Error(`no candidate for linux-image-amd64 (${targetRelease ?? 'default'}):\n${policy}`);
    const show = await this.chrootOutput(['apt-cache', 'show', `linux-image-amd64=${candidate}`]);
    const depends = /^Depends:\s*(.*)$/m.exec(show)?.[1];
    // Depends lists e.g. "linux-base-amd64 (= V), linux-image-7.2.13+deb14-amd64 (= V)".
    const names = (depends ?? '').split(',').map((d) => d.split('|')[0]?.trim().split(/\s/)[0] ?? '');
    const versioned = names.find((n) => /^linux-image-\d/.test(n));
    const release = /^linux-image-(.+?)(-unsigned)?$/.exec(versioned ?? '')?.[1];
    if (!release) throw new Error(`cannot read the kernel package from linux-image-amd64=${candidate}: Depends: ${depends}`);
    const wanted = id === '7' ? /^7\./ : /^6\.12\./;
    if (!wanted.test(release)) {
      throw new Error(`linux-image-amd64=${candidate} (${targetRelease ?? 'sid'}) is ${release}, not a ${id} kernel`);
    }
    this.log(`kernel ${id}: linux-image-amd64 ${candidate} -> linux-image-${release}`);
    return { release, metaVersion: candidate };
  }

  async install(packages: string[]): Promise<void> {
    this.log(`apt-get install ${packages.join(' ')}`);
    await this.apt(['install', '-y', '--no-install-recommends', ...packages]);
  }

  async clean(): Promise<void> {
    this.log('apt-get clean');
    await this.apt(['clean']);
  }

  /**
   * The compiler command in the headers' CONFIG_CC_VERSION_TEXT, e.g. "x86_64-linux-gnu-gcc-16
   * (Debian 16.1.0-1) 16.1.0", read as the collector reads it (kernelCompiler). Debian builds its
   * kernels with a versioned gcc, which the lab installs and passes as CC=.
   */
  async kernelCompiler(release: string): Promise<{ cc: string; debianPackage: string }> {
    const headers = path.join(this.root, 'usr/src', `linux-headers-${release}`);
    const compiler = await kernelCompiler(headers);
    if (compiler?.family !== 'gcc' || !compiler.command || compiler.major === undefined) {
      throw new Error(`cannot read the gcc that built ${release} from ${headers}/.config: CONFIG_CC_VERSION_TEXT=${compiler?.text}`);
    }
    return { cc: compiler.command, debianPackage: `gcc-${compiler.major}` };
  }

  async installedVersions(): Promise<Record<string, string>> {
    const out = await this.chrootOutput(['dpkg-query', '-W', '-f', '${Package}\t${Version}\n']);
    const versions: Record<string, string> = {};
    for (const line of out.split('\n').sort()) {
      const [name, version] = line.split('\t');
      if (name && version) versions[name] = version;
    }
    return versions;
  }

  async withProc<T>(fn: () => Promise<T>): Promise<T> {
    const proc = path.join(this.root, 'proc');
    await runGrouped('mount', ['-t', 'proc', 'proc', proc]);
    try {
      return await fn();
    } finally {
      await runGrouped('umount', ['-l', proc]).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.logStream.end(resolve));
  }
}

async function buildImage(dir: string, recipe: string, log: (l: string) => void, signal?: AbortSignal): Promise<ImageManifest> {
  const started = Date.now();
  const b = new ImageBuilder(dir, log, signal);
  try {
    await b.debootstrap();
    return await b.withProc(async () => {
      await b.configure();
      await b.addTrixie();
      const k7 = await b.resolveKernel('7');
      const k612 = await b.resolveKernel('6.12', 'trixie');
      const kernels = [
        { id: '7' as const, ...k7 },
        { id: '6.12' as const, ...k612 },
      ];
      // Kernels and headers first: the compilers to install are read from the headers.
      await b.install(kernels.flatMap((k) => [`linux-image-${k.release}`, `linux-headers-${k.release}`]));
      const compilers = await Promise.all(kernels.map((k) => b.kernelCompiler(k.release)));
      for (const [i, c] of compilers.entries()) log(`kernel ${kernels[i]?.release} was built with ${c.cc}`);
      const gccPackages = [...new Set(compilers.map((c) => c.debianPackage))];
      await b.install([...gccPackages, ...labPackages]);
      for (const c of compilers) {
        if (!existsSync(path.join(dir, 'rootfs/usr/bin', c.cc))) throw new Error(`${c.cc} is missing after installing ${c.debianPackage}`);
      }
      await b.clean();
      const packages = await b.installedVersions();
      const key = createHash('sha256')
        .update(recipe + '\n' + Object.entries(packages).map(([n, v]) => `${n}=${v}`).join('\n'))
        .digest('hex')
        .slice(0, 16);
      return {
        recipe,
        key,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - started) / 100) / 10,
        kernels: kernels.map((k, i) => ({ id: k.id, release: k.release, cc: compilers[i]?.cc ?? '' })),
        packages,
      };
    });
  } finally {
    await b.close();
  }
}

/** Where the image for the current recipe lives (complete only with its ready stamp). */
export function labImageDir(cacheDir: string = defaultLabCacheDir()): string {
  return path.join(cacheDir, recipeHash());
}

/** The cached image if it is complete, without building anything. */
export function findReadyLabImage(cacheDir?: string): Promise<LabImage | undefined> {
  return readReadyImage(labImageDir(cacheDir));
}

/** Return the cached lab image, building it first when missing, incomplete or `rebuild` is set. */
export async function ensureLabImage(opts: EnsureLabImageOptions): Promise<LabImage> {
  const cacheDir = opts.cacheDir ?? defaultLabCacheDir();
  const recipe = recipeHash();
  const finalDir = labImageDir(cacheDir);
  if (!opts.rebuild) {
    const ready = await readReadyImage(finalDir);
    if (ready) return ready;
  }
  requireRoot('building the lab image');
  for (const t of [hostTools.debootstrap, hostTools.chroot, hostTools.mount]) requireHostTool(t);
  await fs.mkdir(cacheDir, { recursive: true });
  await removeStaleBuilds(cacheDir, opts.log);

  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const buildDir = path.join(cacheDir, `.build-${tag}`);
  await fs.mkdir(buildDir);
  const started = Date.now();
  opts.log(`building the lab image in ${buildDir}`);
  try {
    const manifest = await buildImage(buildDir, recipe, opts.log, opts.signal);
    // The stamp is written last, then the whole directory appears at its final name at once.
    await fs.writeFile(path.join(buildDir, readyFile), JSON.stringify(manifest, null, 2) + '\n');
    const oldDir = path.join(cacheDir, `.old-${tag}`);
    if (existsSync(finalDir)) await fs.rename(finalDir, oldDir);
    await fs.rename(buildDir, finalDir);
    await removeTree(oldDir);
    opts.log(`lab image ${manifest.key} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${finalDir}`);
  } catch (e) {
    opts.log(`lab image build failed; full log: ${path.join(buildDir, 'build.log')}`);
    // Keep the log for diagnosis but never a tree that could pass for an image.
    await removeTree(path.join(buildDir, 'rootfs')).catch(() => undefined);
    throw e;
  }
  const image = await readReadyImage(finalDir);
  if (!image) throw new Error(`the lab image in ${finalDir} is not complete after building it`);
  return image;
}

/** The build's recorded facts (time, package versions) for reports. */
export async function readLabImageManifest(image: LabImage): Promise<ImageManifest> {
  return JSON.parse(await fs.readFile(path.join(path.dirname(image.rootfs), readyFile), 'utf8')) as ImageManifest;
}

const dmabenchParts = ['dist', 'package.json', 'node_modules', 'configs', 'benches'];

/**
 * Copy the working tree's runnable parts into `target` (a directory inside the rootfs). The copy
 * goes to a sibling first and replaces the old one by rename, so a guest never sees half a tree.
 */
export async function copyDmabenchTree(workTree: string, target: string): Promise<void> {
  if (!existsSync(path.join(workTree, GUEST_CLI))) {
    throw new Error(`${workTree}/${GUEST_CLI} is missing: run npm run build first`);
  }
  const staging = `${target}.new-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  for (const part of dmabenchParts) {
    const from = path.join(workTree, part);
    if (!existsSync(from)) continue;
    await fs.cp(from, path.join(staging, part), { recursive: true, verbatimSymlinks: true });
  }
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) await fs.rename(target, old);
  await fs.rename(staging, target);
  await fs.rm(old, { recursive: true, force: true });
}

/**
 * Copy the working tree into ROOTFS/opt/dmabench and add a `dmabench` wrapper, for `lab boot`
 * commands. Done before every use (cheap, not part of the image key). `lab run` uses a private
 * copy per run instead (copyDmabenchTree), so concurrent runs cannot swap each other's code.
 */
export async function installDmabenchIntoImage(image: LabImage, workTree: string): Promise<void> {
  await copyDmabenchTree(workTree, path.join(image.rootfs, 'opt', 'dmabench'));
  const wrapper = path.join(image.rootfs, 'usr', 'local', 'bin', 'dmabench');
  await fs.mkdir(path.dirname(wrapper), { recursive: true });
  await fs.writeFile(wrapper, `#!/bin/sh\nexec node /opt/dmabench/${GUEST_CLI} "$@"\n`, { mode: 0o755 });
}
