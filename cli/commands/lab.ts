import type { Command } from 'commander';
import path from 'node:path';
import { ensureLabImage, installDmabenchIntoImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';
import { runCampaignInLab, type IommuMode } from '../../lab/campaign.js';
import { packageRoot } from '../../core/version.js';
import { compareAndRender } from './compare.js';
import { writeHtmlReport } from './report.js';
import { readBundle } from '../../core/bundle/read.js';
import { summaryText } from '../../reports/summary/index.js';
import { EXIT, InterruptedError, UsageError } from '../errors.js';
import { onTerminationSignals } from '../../core/proc/signals.js';

const IOMMU_MODES = ['strict', 'lazy', 'passthrough', 'off'] as const;

function iommuMode(value: string): IommuMode {
  if (!(IOMMU_MODES as readonly string[]).includes(value)) throw new UsageError(`--iommu must be one of ${IOMMU_MODES.join(', ')}, got ${value}`);
  return value as IommuMode;
}

function onOff(value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new UsageError(`--caching-mode takes on or off, got ${value}`);
  return value === 'on';
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} takes a positive whole number, got ${value}`);
    return n;
  };
}

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

/**
 * Aborts on SIGINT/SIGTERM/SIGHUP so every QEMU and virtiofsd is torn down before we exit; a second
 * signal kills them at once (the temporary files are still removed), a third exits.
 */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = onTerminationSignals({
    onFirst: (sig) => {
      process.stderr.write(`\n${sig}: stopping the guest\n`);
      controller.abort(sig);
    },
    log,
    cleanup: 'temporary files are still removed',
  });
  return { signal: controller.signal, dispose };
}

/** Runs a lab command; when a signal stopped it, whatever it threw becomes an interruption (exit 130). */
async function interruptible(action: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const { signal, dispose } = abortOnSignals();
  try {
    await action(signal);
  } catch (err) {
    if (signal.aborted) throw new InterruptedError(`interrupted by ${String(signal.reason)}`);
    throw err;
  } finally {
    dispose();
  }
}

/**
 * QEMU's caching mode makes every IOTLB sync an invalidation (on by default, like most virtual
 * IOMMUs); but with it on, the Intel driver forces strict mode, so lazy needs it off.
 */
function defaultCachingMode(iommu: IommuMode, asked: boolean | undefined): boolean {
  return asked ?? iommu !== 'lazy';
}

interface LabRunCli {
  kernels: string;
  boots?: number;
  iommu: IommuMode;
  cachingMode?: boolean;
  out?: string;
  rebuild?: boolean;
  verbose?: boolean;
  format: string;
}

async function labRunAndCompare(campaignFile: string, opts: LabRunCli): Promise<void> {
  const kernels = opts.kernels.split(',').map((k) => k.trim()).filter(Boolean);
  if (kernels.length === 0) throw new UsageError('--kernels needs at least one kernel (7, 6.12 or a vmlinuz path)');
  const outDir = opts.out ?? path.join('results', `lab-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await interruptible(async (signal) => {
    const result = await runCampaignInLab({
      campaignFile,
      kernels,
      iommu: opts.iommu,
      cachingMode: defaultCachingMode(opts.iommu, opts.cachingMode),
      outDir,
      boots: opts.boots,
      rebuildImage: opts.rebuild,
      command: process.argv.slice(2),
      // The guest's console is long: show it with --verbose, always keep it in the log file.
      log: (line) => {
        if (opts.verbose || !line.startsWith('  guest: ')) log(line);
      },
      signal,
    });
    const dirs = result.bundles.map((b) => b.dir);
    if (dirs.length >= 2) {
      const { output } = await compareAndRender(dirs, { format: opts.format, noise: 2, alpha: 0.05, seed: 1, bootstrap: 10000, pass: 'timed' });
      process.stdout.write(output.endsWith('\n') ? output : output + '\n');
    }
    process.stdout.write(`results: ${path.resolve(outDir)}\n`);
    process.exitCode = labRunExitCode(result.bundles.map((b) => b.exitCode));
  });
}

/**
 * The exit code of `lab run` from those of `dmabench run` in each guest: the first that is not 0
 * when it is one of dmabench's own (1 failed repetitions, 2 refused, 3 internal error, 130
 * interrupted), 3 for anything else (the guest's dmabench did not end the way dmabench ends).
 */
export function labRunExitCode(guestCodes: number[]): number {
  const failed = guestCodes.find((c) => c !== EXIT.ok);
  if (failed === undefined) return EXIT.ok;
  return (Object.values(EXIT) as number[]).includes(failed) ? failed : EXIT.internal;
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('real Debian kernels (6.12: dma_map_sg, 7.x: dma_iova_*) under QEMU with an emulated Intel IOMMU, NVMe and soft-RoCE');

  lab
    .command('image')
    .description('build the lab root filesystem (cached; a second build with nothing changed is a no-op)')
    .option('--rebuild', 'build it again even when a cached image exists')
    .action((opts: { rebuild?: boolean }) =>
      interruptible(async (signal) => {
        const image = await ensureLabImage({ rebuild: opts.rebuild, log, signal });
        process.stdout.write(`${image.rootfs}\n${image.kernels.map((k) => `  ${k.id}: ${k.release} (${k.cc})`).join('\n')}\n`);
      }),
    );

  lab
    .command('boot')
    .description('boot a lab kernel, run CMD inside as root (this checkout\'s dmabench is on its PATH), power off; exits with CMD\'s exit code')
    .requiredOption('--kernel <kernel>', '7, 6.12 or a path to a vmlinuz')
    .option('--iommu <mode>', 'strict, lazy, passthrough or off', iommuMode, 'strict')
    .option('--caching-mode <on|off>', 'the emulated IOMMU\'s caching mode (each sync becomes an invalidation when on; default on, off for lazy)', onOff)
    .option('--cpus <n>', 'guest CPUs', positiveInt('--cpus'), 2)
    .option('--mem <MiB>', 'guest memory in MiB', positiveInt('--mem'), 2048)
    .option('--timeout <sec>', 'kill the guest after this many seconds', positiveInt('--timeout'), 600)
    .option('--console-log <file>', 'where the guest console goes', 'lab-console.log')
    .argument('<cmd...>', 'command to run inside the guest (after --)')
    .action((cmd: string[], opts: { kernel: string; iommu: IommuMode; cachingMode?: boolean; cpus: number; mem: number; timeout: number; consoleLog: string }) =>
      interruptible(async (signal) => {
        const image = await ensureLabImage({ log, signal });
        // The guest's PATH has this checkout's dmabench (/usr/local/bin/dmabench → /opt/dmabench).
        await installDmabenchIntoImage(image, packageRoot);
        const result = await bootGuest({
          image,
          kernel: opts.kernel,
          iommu: opts.iommu,
          cachingMode: defaultCachingMode(opts.iommu, opts.cachingMode),
          cpus: opts.cpus,
          memMiB: opts.mem,
          // The spare edu device the microbench borrows, as in lab run.
          extraDevices: ['edu'],
          command: cmd,
          timeoutSec: opts.timeout,
          consoleLog: opts.consoleLog,
          onConsoleLine: (line) => process.stdout.write(line + '\n'),
          signal,
        });
        // The guest command's own code, whatever it is: lab boot's own failures throw and print a
        // `dmabench:` line instead (cli/errors.ts).
        process.exitCode = result.exitCode;
      }),
    );

  lab
    .command('run')
    .description('run a campaign inside the guest on each kernel and compare the bundles (one bundle per kernel)')
    .argument('<campaign>', 'campaign file (targets inside the guest: /dev/nvme0n1 is the emulated NVMe)')
    .option('--kernels <list>', 'comma-separated, first is the base: 7, 6.12 or vmlinuz paths', '6.12,7')
    .option('--boots <n>', 'boot each kernel N times, kernels alternating (A B A B ...); each boot runs a share of the repetitions into the kernel\'s one bundle', positiveInt('--boots'), 1)
    .option('--iommu <mode>', 'strict, lazy, passthrough or off', iommuMode, 'strict')
    .option('--caching-mode <on|off>', 'the emulated IOMMU\'s caching mode (default on, off for lazy: the Intel driver forces strict mode under caching mode)', onOff)
    .option('--out <dir>', 'where the bundles go (default: results/lab-<timestamp>)')
    .option('--format <format>', 'comparison format: terminal, text, markdown, json, csv', 'terminal')
    .option('--rebuild', 'rebuild the lab image first')
    .option('--verbose', 'stream the guest console')
    .action(labRunAndCompare);

  lab
    .command('demo')
    .description('build what is missing, run configs/lab-demo.yaml on 6.12 and 7 (strict) and on 7 (lazy, caching mode off), and write report.html with the answer')
    .option('--out <dir>', 'where the bundles and report.html go (default: results/lab-demo-<timestamp>)')
    .option('--rebuild', 'rebuild the lab image first')
    .option('--verbose', 'stream the guest console')
    .action(labDemo);
}

/**
 * The settings the demo runs its campaign under: both kernels under strict mode (caching mode on,
 * QEMU's default), then 7.x under lazy mode (caching mode off, without which the Intel driver
 * forces strict), so the report says how the answer moves with the IOMMU mode.
 */
const DEMO_SETTINGS: readonly { dir: string; kernels: string[]; iommu: IommuMode; cachingMode: boolean }[] = [
  { dir: 'strict', kernels: ['6.12', '7'], iommu: 'strict', cachingMode: true },
  { dir: 'lazy', kernels: ['7'], iommu: 'lazy', cachingMode: false },
];

async function labDemo(opts: { out?: string; rebuild?: boolean; verbose?: boolean }): Promise<void> {
  const outDir = opts.out ?? path.join('results', `lab-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await interruptible(async (signal) => {
    const dirs: string[] = [];
    const codes: number[] = [];
    for (const [i, setting] of DEMO_SETTINGS.entries()) {
      log(`demo ${i + 1}/${DEMO_SETTINGS.length}: kernels ${setting.kernels.join(', ')}, iommu ${setting.iommu}, caching mode ${setting.cachingMode ? 'on' : 'off'}`);
      const result = await runCampaignInLab({
        campaignFile: path.join(packageRoot, 'configs', 'lab-demo.yaml'),
        kernels: setting.kernels,
        iommu: setting.iommu,
        cachingMode: setting.cachingMode,
        outDir: path.join(outDir, setting.dir),
        rebuildImage: i === 0 && opts.rebuild,
        log: (line) => {
          if (opts.verbose || !line.startsWith('  guest: ')) log(line);
        },
        signal,
      });
      dirs.push(...result.bundles.map((b) => b.dir));
      codes.push(...result.bundles.map((b) => b.exitCode));
    }
    const report = path.join(outDir, 'report.html');
    const summary = await writeHtmlReport(await Promise.all(dirs.map((d) => readBundle(d))), report);
    process.stdout.write(`${summaryText(summary)}\nreport: ${path.resolve(report)}\nresults: ${path.resolve(outDir)}\n`);
    process.exitCode = labRunExitCode(codes);
  });
}
