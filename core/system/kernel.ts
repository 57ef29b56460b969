// Who we are and which kernel runs: hostname, root or not, release, version banner, build, command line, boot.
import { probeBuildId } from './build-id.js';
import { readTrimmed } from './sysfs.js';

export interface KernelInfo {
  release: string;
  /** /proc/version: release, who built it with which compiler, and the build (uname -v). */
  version: string;
  /** uname -v (/proc/sys/kernel/version): `#1 SMP PREEMPT_DYNAMIC <date>`, differs between two builds of one release. */
  build: string;
  cmdline: string;
  /** /proc/sys/kernel/random/boot_id: a new one every boot. */
  bootId: string;
  /** GNU build id from /sys/kernel/notes, when readable. */
  buildId?: string;
}

export async function probeKernel(root: string): Promise<KernelInfo> {
  const [release, version, build, cmdline, bootId, buildId] = await Promise.all([
    readTrimmed(root, '/proc/sys/kernel/osrelease'),
    readTrimmed(root, '/proc/version'),
    readTrimmed(root, '/proc/sys/kernel/version'),
    readTrimmed(root, '/proc/cmdline'),
    readTrimmed(root, '/proc/sys/kernel/random/boot_id'),
    probeBuildId(root),
  ]);
  return {
    release: release ?? '',
    version: version ?? '',
    build: build ?? '',
    cmdline: cmdline ?? '',
    bootId: bootId ?? '',
    ...(buildId !== undefined && { buildId }),
  };
}

export async function probeHostname(root: string): Promise<string> {
  return (await readTrimmed(root, '/proc/sys/kernel/hostname')) ?? '';
}

/** Whether this process runs as root (fio on raw devices, tracefs, module loading need it). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Splits a kernel command line into its parameters (quoted values kept whole; stops at `--`, init's arguments). */
export function splitCmdline(cmdline: string): string[] {
  const params: string[] = [];
  for (const match of cmdline.matchAll(/(?:[^\s"]+|"[^"]*")+/g)) {
    if (match[0] === '--') break;
    params.push(match[0]);
  }
  return params;
}

/**
 * Command-line parameters that say something about the kernel being measured: all but the boot
 * loader's path to the image (the build is compared on its own) and the lab's per-boot job id
 * (`dmabench.job=`). What --resume and compare hold two command lines to.
 */
export function comparableCmdlineParams(cmdline: string): string[] {
  return splitCmdline(cmdline).filter((p) => !p.startsWith('BOOT_IMAGE=') && !p.startsWith('dmabench.'));
}

/** The value of `name=` on the command line (the last one wins, as in the kernel), '' for a bare flag. */
export function cmdlineValue(params: string[], name: string): string | undefined {
  let value: string | undefined;
  for (const p of params) {
    if (p === name) value = '';
    else if (p.startsWith(`${name}=`)) value = p.slice(name.length + 1).replace(/^"|"$/g, '');
  }
  return value;
}
