// Boot one lab guest: QEMU (TCG) with an emulated Intel IOMMU and NVMe, the lab image as a
// virtiofs root served by a virtiofsd of its own, no network device. The guest runs one
// command (guest-init.ts) and powers off; we return its exit code. Every process we start
// is killed with its process group when the boot ends, times out, is aborted or we are killed.
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGuestJob, guestInitPath, readGuestJobOutcome, removeStaleGuestJobs, writeGuestInit } from './guest-init.js';
import { hostTools, requireHostTool, requireRoot } from './host.js';
import type { LabImage } from './image.js';
import { onProcessEnd, startGrouped, type GroupedProcess } from './proc.js';

export type IommuMode = 'strict' | 'lazy' | 'passthrough' | 'off';
export type SpareDevice = 'spare-nvme' | 'edu';

/**
 * A disk the caller owns: a regular file holding a raw image, attached as one more NVMe
 * controller. Unlike the scratch NVMe it outlives the boot, so the next boot finds what this one
 * wrote to it (lab-crash-resume boots again after crashing the guest). The guest finds it by
 * `serial` in /sys/class/nvme/CTRL/serial (controller numbers follow probe order).
 */
export interface LabDisk {
  file: string;
  /** NVMe serial number: up to 20 of [A-Za-z0-9._-]. */
  serial: string;
}

export interface BootGuestOptions {
  image: LabImage;
  /** A kernel id of the image ('7', '6.12') or a path to a vmlinuz. */
  kernel: '7' | '6.12' | string;
  iommu: IommuMode;
  /** QEMU intel-iommu caching-mode (every map becomes an invalidation). Default true. */
  cachingMode?: boolean;
  cpus?: number;
  memMiB?: number;
  command: string[];
  timeoutSec: number;
  /** File the serial console is written to (created or truncated). */
  consoleLog: string;
  extraDevices?: SpareDevice[];
  disks?: LabDisk[];
  onConsoleLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BootGuestResult {
  exitCode: number;
  consoleLog: string;
  durationMs: number;
}

/** Why a boot failed; `consoleTail` is the end of the guest's console. */
export class LabBootError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'aborted' | 'panic' | 'early-panic' | 'init-error' | 'no-exit-code' | 'qemu' | 'virtiofsd' | 'unknown-kernel',
    readonly consoleTail: string,
  ) {
    super(consoleTail ? `${message}\n--- console tail ---\n${consoleTail}` : message);
    this.name = 'LabBootError';
  }
}

const iommuKernelArgs: Record<IommuMode, string[]> = {
  strict: ['intel_iommu=on', 'iommu.strict=1'],
  lazy: ['intel_iommu=on', 'iommu.strict=0'],
  passthrough: ['intel_iommu=on', 'iommu.passthrough=1'],
  off: ['intel_iommu=off'],
};

const scratchBytes = 1024 ** 3;
const consoleTailLines = 40;

export function resolveKernelImage(image: LabImage, kernel: string): string {
  const k = image.kernels.find((x) => x.id === kernel);
  if (k) return k.vmlinuz;
  if (kernel.includes('/') && existsSync(kernel)) return kernel;
  throw new LabBootError(`unknown lab kernel "${kernel}": use ${image.kernels.map((x) => x.id).join(' or ')} or a vmlinuz path`, 'unknown-kernel', '');
}

export function kernelCommandLine(iommu: IommuMode, jobId: string): string {
  return [
    ...iommuKernelArgs[iommu],
    'console=ttyS0',
    'panic=-1',
    // The IO-APIC timer check waits only a few ticks; a TCG guest on a busy host misses them and
    // panics with "timer doesn't work through Interrupt-remapped IO-APIC" (seen on 6.12 here).
    'no_timer_check',
    'rootfstype=virtiofs',
    'root=rootfs',
    'rw',
    `init=${guestInitPath}`,
    `dmabench.job=${jobId}`,
  ].join(' ');
}

/**
 * One host thread for every vCPU. Multi-threaded TCG in QEMU before 8.1 races the kernel's live
 * patching of its own text (ftrace, static keys, alternatives): a vCPU runs a stale int3 after
 * text_poke_bp has finished and the kernel dies of "Oops: int3" (QEMU 8.1 fixed it with
 * "accel/tcg: Always lock pages before translation"). Here, with QEMU 7.2, a guest switching the
 * function tracer on while its other vCPU slept and woke died within seconds in 3 boots of 3
 * under thread=multi, and never under thread=single (test/lab/lab-text-patching.test.ts). The
 * cost: the guest's vCPUs take turns, so nothing in a guest runs on two CPUs at once.
 */
export const QEMU_ACCEL = 'tcg,thread=single';

export interface QemuArgsInput {
  vmlinuz: string;
  append: string;
  iommu: IommuMode;
  cachingMode: boolean;
  cpus: number;
  memMiB: number;
  virtiofsSocket: string;
  nvmeImage: string;
  spareNvmeImage?: string;
  disks?: LabDisk[];
  edu: boolean;
}

/** A value inside a QEMU option list: commas are doubled. */
function qemuOptionValue(v: string): string {
  return v.replaceAll(',', ',,');
}

export function qemuArgs(i: QemuArgsInput): string[] {
  const args = [
    '-accel', QEMU_ACCEL,
    '-cpu', 'max',
    '-machine', 'q35,kernel-irqchip=split',
    '-smp', String(i.cpus),
    '-m', `${i.memMiB}M`,
    // virtiofs needs guest memory that virtiofsd can map: a shared memfd backend.
    '-object', `memory-backend-memfd,id=mem,size=${i.memMiB}M,share=on`,
    '-numa', 'node,memdev=mem',
    '-nodefaults',
    '-nic', 'none',
    '-display', 'none',
    '-serial', 'stdio',
    '-monitor', 'none',
    '-no-reboot',
    '-kernel', i.vmlinuz,
    '-append', i.append,
  ];
  // The IOMMU must come before the devices it translates for.
  if (i.iommu !== 'off') {
    args.push('-device', `intel-iommu,intremap=on,caching-mode=${i.cachingMode ? 'on' : 'off'}`);
  }
  args.push(
    '-chardev', `socket,id=vfs,path=${i.virtiofsSocket}`,
    '-device', 'vhost-user-fs-pci,chardev=vfs,tag=rootfs',
    '-drive', `file=${i.nvmeImage},if=none,id=nvm,format=raw`,
    '-device', 'nvme,serial=dmabench0,drive=nvm',
  );
  if (i.spareNvmeImage) {
    args.push(
      '-drive', `file=${i.spareNvmeImage},if=none,id=nvmspare,format=raw`,
      '-device', 'nvme,serial=dmabench-spare,drive=nvmspare',
    );
  }
  (i.disks ?? []).forEach((d, n) => {
    if (!/^[A-Za-z0-9._-]{1,20}$/.test(d.serial)) throw new Error(`lab disk serial "${d.serial}": use up to 20 of A-Z a-z 0-9 . _ -`);
    args.push(
      '-drive', `file=${qemuOptionValue(d.file)},if=none,id=disk${n},format=raw`,
      '-device', `nvme,serial=${d.serial},drive=disk${n}`,
    );
  });
  // The spare edu device sits behind a root port, as a spare card does on a real machine: its
  // address has a bus number other than 00, which a short BDF form (01:00.0) must keep apart
  // from the domain (dma_bench's device file once took it for the domain).
  if (i.edu) args.push('-device', 'pcie-root-port,id=edu-port,chassis=1', '-device', 'edu,bus=edu-port');
  return args;
}

async function createSparseImage(file: string): Promise<void> {
  const h = await fs.open(file, 'w');
  try {
    await h.truncate(scratchBytes);
  } finally {
    await h.close();
  }
}

async function waitForSocket(sock: string, virtiofsd: GroupedProcess, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(sock)) {
    if (exited()) throw new Error('virtiofsd exited before creating its socket');
    if (Date.now() > deadline) {
      virtiofsd.kill();
      throw new Error(`virtiofsd did not create ${sock} within 15 s`);
    }
    await sleep(20);
  }
}

/** The first line of a kernel oops (x86's die(), BUG(), a bad page fault). */
const oopsHeader = /\] (Oops: |BUG: |kernel BUG at |general protection fault)/;
/** The lines of an oops that say where it died, within its first lines. */
const oopsParts = [/\] CPU: \d+ /, /\] RIP: /];
const oopsContextLines = 20;

/** Keeps the console's last lines and writes every byte to the log file. */
export class ConsoleSink {
  private readonly file;
  private partial = '';
  readonly tail: string[] = [];
  panicked = false;
  /**
   * The first oops's header, CPU and RIP lines: what killed the kernel. A panic's console tail is
   * mostly the later oopses and call traces it set off, so these are kept apart from the tail.
   */
  readonly firstOops: string[] = [];
  private oopsLinesLeft = 0;
  /** Our init printed something: the kernel got as far as userspace, so the job may have run. */
  reachedInit = false;
  private poweringOff = false;

  constructor(
    path: string,
    private readonly onLine?: (line: string) => void,
  ) {
    this.file = createWriteStream(path);
  }

  write(chunk: Buffer): void {
    this.file.write(chunk);
    this.partial += chunk.toString('utf8');
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l.replace(/\r$/, ''));
  }

  private line(l: string): void {
    // The guest's own power-off tears the root away; anything after it is not the job's failure.
    if (/sysrq: Power Off/.test(l)) this.poweringOff = true;
    if (l.includes('dmabench-lab:')) this.reachedInit = true;
    if (!this.poweringOff && /Kernel panic - not syncing/.test(l)) this.panicked = true;
    this.noteOops(l);
    this.tail.push(l);
    if (this.tail.length > consoleTailLines) this.tail.shift();
    this.onLine?.(l);
  }

  private noteOops(l: string): void {
    if (this.firstOops.length === 0) {
      if (oopsHeader.test(l)) {
        this.firstOops.push(l);
        this.oopsLinesLeft = oopsContextLines;
      }
      return;
    }
    if (this.oopsLinesLeft === 0) return;
    this.oopsLinesLeft--;
    for (const part of oopsParts) {
      if (part.test(l) && !this.firstOops.some((kept) => part.test(kept))) this.firstOops.push(l);
    }
  }

  /** Where to read more and the first oops, for a panic's message. */
  panicCause(consoleLog: string): string {
    const oops = this.firstOops.length ? `; its first oops:\n${this.firstOops.join('\n')}` : '';
    return ` (whole console: ${consoleLog})${oops}`;
  }

  text(): string {
    return [...this.tail, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.closing ??= new Promise((resolve) => this.file.end(resolve));
    return this.closing;
  }
}

/** Boots before giving up on kernels that panic before userspace. */
const earlyPanicAttempts = 3;

/**
 * Boot the guest, run `command` in it and return its exit code. Throws LabBootError otherwise.
 * A kernel that panics before our init ran is booted again, and said so on the console stream:
 * nothing of the job has run then. Under multi-threaded TCG that was the int3 oops of qemuArgs'
 * comment, patching text early in boot; under thread=single it has not been seen, and the retry
 * stays for a host too loaded for the boot's own timing checks. Every other failure is final.
 */
export async function bootGuest(opts: BootGuestOptions): Promise<BootGuestResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootGuestOnce(opts);
    } catch (e) {
      if (!(e instanceof LabBootError) || e.reason !== 'early-panic' || attempt >= earlyPanicAttempts) throw e;
      opts.onConsoleLine?.(`dmabench: the kernel panicked before init (attempt ${attempt} of ${earlyPanicAttempts}); booting again`);
    }
  }
}

async function bootGuestOnce(opts: BootGuestOptions): Promise<BootGuestResult> {
  requireRoot('booting a lab guest');
  const qemuBin = requireHostTool(hostTools.qemu);
  const virtiofsdBin = requireHostTool(hostTools.virtiofsd);
  const vmlinuz = resolveKernelImage(opts.image, opts.kernel);
  for (const d of opts.disks ?? []) {
    // Only an image file the caller made: never a block device or anything else by mistake.
    const st = await fs.stat(d.file).catch(() => undefined);
    if (!st?.isFile()) throw new Error(`lab disk ${d.file}: not a regular file (a lab disk is a raw image file)`);
  }
  const started = Date.now();

  await fs.mkdir(path.dirname(opts.consoleLog), { recursive: true });
  await writeGuestInit(opts.image.rootfs);
  await removeStaleGuestJobs(opts.image.rootfs);
  const job = await createGuestJob(opts.image.rootfs, opts.command);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-boot-'));
  // If we are killed mid-boot (SIGINT), the children die with their group; this removes their files.
  const unregisterCleanup = onProcessEnd(() => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(job.hostDir, { recursive: true, force: true });
  });
  const sock = path.join(tmp, 'virtiofs.sock');
  const nvmeImage = path.join(tmp, 'nvme.img');
  const spare = opts.extraDevices?.includes('spare-nvme') ? path.join(tmp, 'nvme-spare.img') : undefined;
  const consoleSink = new ConsoleSink(opts.consoleLog, opts.onConsoleLine);
  const internal = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, internal.signal]) : internal.signal;
  const running: GroupedProcess[] = [];
  const virtiofsdOutput: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  try {
    await createSparseImage(nvmeImage);
    if (spare) await createSparseImage(spare);

    let virtiofsdExited = false;
    const virtiofsd = startGrouped(
      virtiofsdBin,
      // cache=always: only the guest writes the tree while it runs (the host copies in before the
      // boot and reads after it), so the guest may keep what it looked up. With cache=auto every
      // new process looked each file up again over FUSE, and a Node start under TCG took ~3x longer.
      [`--socket-path=${sock}`, '-o', `source=${opts.image.rootfs}`, '-o', 'cache=always'],
      { signal, onLine: (l) => virtiofsdOutput.push(l) },
    );
    running.push(virtiofsd);
    void virtiofsd.done.then(() => (virtiofsdExited = true));
    try {
      await waitForSocket(sock, virtiofsd, () => virtiofsdExited);
    } catch (e) {
      if (opts.signal?.aborted) throw new LabBootError('the guest boot was aborted', 'aborted', '');
      throw new LabBootError(`${(e as Error).message}: ${virtiofsdOutput.slice(-10).join('\n')}`, 'virtiofsd', '');
    }

    const args = qemuArgs({
      vmlinuz,
      append: kernelCommandLine(opts.iommu, job.id),
      iommu: opts.iommu,
      cachingMode: opts.cachingMode ?? true,
      cpus: opts.cpus ?? 2,
      memMiB: opts.memMiB ?? 2048,
      virtiofsSocket: sock,
      nvmeImage,
      spareNvmeImage: spare,
      disks: opts.disks,
      edu: opts.extraDevices?.includes('edu') ?? false,
    });
    const qemuStderr: string[] = [];
    const qemu = startGrouped(qemuBin, args, {
      signal,
      onStdout: (chunk) => consoleSink.write(chunk),
      onLine: (l, stream) => {
        if (stream === 'stderr') qemuStderr.push(l);
      },
    });
    running.push(qemu);
    let timedOut = false;
    timer = setTimeout(() => {
      timedOut = true;
      internal.abort();
    }, opts.timeoutSec * 1000);

    const q = await qemu.done;
    clearTimeout(timer);
    await consoleSink.close();
    const tail = consoleSink.text();
    if (timedOut) {
      throw new LabBootError(`the guest exceeded its ${opts.timeoutSec} s timeout and was killed`, 'timeout', tail);
    }
    if (opts.signal?.aborted) throw new LabBootError('the guest boot was aborted', 'aborted', tail);
    if (q.exitCode !== 0) {
      const how = q.signal ? `was killed by ${q.signal}` : `exited with ${q.exitCode}`;
      throw new LabBootError(`QEMU ${how}: ${qemuStderr.slice(-10).join('\n')}`, 'qemu', tail);
    }
    if (consoleSink.panicked && !consoleSink.reachedInit) {
      throw new LabBootError(`the guest kernel panicked during boot, before init ran${consoleSink.panicCause(opts.consoleLog)}`, 'early-panic', tail);
    }
    if (consoleSink.panicked) throw new LabBootError(`the guest kernel panicked${consoleSink.panicCause(opts.consoleLog)}`, 'panic', tail);
    const outcome = await readGuestJobOutcome(job);
    if (outcome.kind === 'init-error') {
      throw new LabBootError(`the guest init failed: ${outcome.message}`, 'init-error', tail);
    }
    if (outcome.kind === 'no-exit-code') {
      throw new LabBootError('the guest powered off without writing the command\'s exit code', 'no-exit-code', tail);
    }
    return { exitCode: outcome.exitCode, consoleLog: opts.consoleLog, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    for (const p of running) p.kill();
    await Promise.all(running.map((p) => p.done));
    await consoleSink.close();
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.rm(job.hostDir, { recursive: true, force: true });
    unregisterCleanup();
  }
}

/** Alias used by the lab campaign runner. */
export type BootOptions = BootGuestOptions;
