// `dmabench lab run`: the same campaign inside the guest on each kernel, each kernel's run leaving
// one bundle that is copied out of the guest's root filesystem into the host's output directory.
// With --boots N each kernel is booted N times, kernels alternating (A B A B ...), and each boot
// runs one share of the repetitions into the same bundle (`dmabench run --share K/N`, then
// `--resume --share K/N`): one plan and one seed per kernel, boots recorded by the resume
// machinery (ARCHITECTURE.md, "Boots").
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadPlan } from '../runner/plan.js';
import { shareWork } from '../runner/schedule.js';
import { packageRoot } from '../core/version.js';
import { dmabenchCheckout, type DmabenchCheckout } from '../core/checkout.js';
import { copyDmabenchTree, ensureLabImage, type LabImage, type LabKernel } from './image.js';
import { bootGuest, QEMU_ACCEL, type BootOptions } from './boot.js';
import { GUEST_CLI } from './guest-cli.js';
import { execa } from 'execa';
import { readManifest } from '../core/bundle/read.js';
import { writeFileAtomic } from '../core/bundle/atomic.js';
import { MANIFEST_FILE } from '../core/bundle/layout.js';
import type { Manifest } from '../model/bundle.js';
import { prebuildDmabenchModules } from './module.js';

export type IommuMode = BootOptions['iommu'];

export interface LabRunOptions {
  campaignFile: string;
  /** '7', '6.12' or a path to a vmlinuz, in the order the bundles are compared (first = base). */
  kernels: string[];
  iommu: IommuMode;
  cachingMode: boolean;
  outDir: string;
  /** Boots per kernel (default 1), alternating kernels; each boot runs one share of the repetitions. */
  boots?: number;
  rebuildImage?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** This `dmabench lab …` command, its arguments after `dmabench`: recorded in each bundle's `lab.command`. */
  command?: string[];
}

export interface LabRunResult {
  image: LabImage;
  /** One bundle per kernel; exitCode: the first non-zero exit code of its boots' runs, else 0. */
  bundles: { kernel: string; release: string; dir: string; exitCode: number }[];
}

function kernelOf(image: LabImage, spec: string): LabKernel | undefined {
  return image.kernels.find((k) => k.id === spec);
}

/** Seconds a guest may take: the plan's estimate with TCG's slowness, plus boot and start-up. */
function guestTimeoutSec(estimateSec: number): number {
  return Math.round(estimateSec * 4 + 240);
}

async function qemuVersion(): Promise<string> {
  const r = await execa('qemu-system-x86_64', ['--version'], { reject: false });
  return String(r.stdout).split('\n')[0] ?? 'unknown';
}

/**
 * Adds what the guest cannot know to a bundle's manifest: the emulated machine's configuration and
 * the host's command, and the commit of the host's checkout (the guest ran a copy of its tree,
 * without .git, so its own `dmabench run` recorded none).
 */
async function recordLabSetup(bundleDir: string, lab: NonNullable<Manifest['lab']>, checkout: DmabenchCheckout | undefined): Promise<void> {
  const manifest = await readManifest(bundleDir);
  manifest.lab = lab;
  if (checkout) {
    manifest.dmabenchCommit = checkout.commit;
    if (checkout.dirty === undefined) delete manifest.dmabenchDirty;
    else manifest.dmabenchDirty = checkout.dirty;
  }
  await writeFileAtomic(path.join(bundleDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

/** Boots in the order they run: boot 1 of every kernel, then boot 2 of every kernel, ... (A B A B). */
export function bootOrder<T>(runs: readonly T[], boots: number): { run: T; boot: number }[] {
  return Array.from({ length: boots }, (_, b) => runs.map((run) => ({ run, boot: b + 1 }))).flat();
}

/** The `dmabench run` a guest runs for boot `boot` of `boots` (1-based): a share of the repetitions from the second boot on resumed. */
export function guestRunArgs(o: { cli: string[]; campaign: string; label: string; out: string; boot: number; boots: number }): string[] {
  const args = [...o.cli, 'run', o.campaign, '--label', o.label, '--out', o.out];
  if (o.boot > 1) args.push('--resume');
  if (o.boots > 1) args.push('--share', `${o.boot}/${o.boots}`);
  return args;
}

export async function runCampaignInLab(opts: LabRunOptions): Promise<LabRunResult> {
  const { campaign, plan } = await loadPlan(opts.campaignFile);
  const image = await ensureLabImage({ rebuild: opts.rebuildImage, log: opts.log, signal: opts.signal });
  if (campaign.workloads.some((w) => w.tool === 'microbench')) {
    await prebuildDmabenchModules(image, path.join(packageRoot, 'benches', 'dma_bench'), opts.log, opts.signal);
  }
  await fs.mkdir(opts.outDir, { recursive: true });

  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const guestRunDir = `/var/lib/dmabench-lab/runs/${runId}`;
  const hostRunDir = path.join(image.rootfs, guestRunDir);
  await fs.mkdir(hostRunDir, { recursive: true });
  await fs.copyFile(opts.campaignFile, path.join(hostRunDir, 'campaign.yaml'));
  // A private copy of dmabench per run: another lab run starting meanwhile cannot swap the code
  // under a running guest (seen when two runs shared /opt/dmabench).
  await copyDmabenchTree(packageRoot, path.join(hostRunDir, 'dmabench'));
  const guestCli = ['node', `${guestRunDir}/dmabench/${GUEST_CLI}`];

  const boots = opts.boots ?? 1;
  const runs = opts.kernels.map((spec) => {
    const known = kernelOf(image, spec);
    const release = known?.release ?? path.basename(spec);
    const name = `${release}-${opts.iommu}`.replace(/[^A-Za-z0-9._-]/g, '_');
    return {
      spec,
      kernel: known ? known.id : spec,
      release,
      // caching-mode changes what every IOTLB sync costs: the label says which one made a number.
      label: `${release} iommu=${opts.iommu} cm=${opts.cachingMode ? 'on' : 'off'}`,
      name,
      guestBundle: `${guestRunDir}/${name}`,
      hostBundle: path.join(opts.outDir, name),
      exitCodes: [] as number[],
    };
  });
  const qemu = await qemuVersion();
  const checkout = await dmabenchCheckout();
  try {
    for (const { run, boot: b } of bootOrder(runs, boots)) {
      // A run that was refused or broke (not 0, not 1 = failed repetitions that a resume runs
      // again) has nothing for its next boots to continue.
      const broken = run.exitCodes.find((c) => c !== 0 && c !== 1);
      if (broken !== undefined) {
        opts.log(`lab: skipping boot ${b} of ${boots} on ${run.release}: its run exited with ${broken}`);
        continue;
      }
      const share = { index: b, of: boots };
      const work = boots > 1 ? shareWork(plan, share) : { sec: plan.estimateSec, atMost: plan.minEstimateSec < plan.estimateSec };
      const bootText = boots > 1 ? `, boot ${b} of ${boots}` : '';
      opts.log(`lab: ${campaign.name} on ${run.release} (iommu ${opts.iommu}, caching-mode ${opts.cachingMode ? 'on' : 'off'}${bootText}), ~${work.atMost ? 'at most ' : ''}${Math.round(work.sec)} s of workload`);
      const started = Date.now();
      const args = guestRunArgs({ cli: guestCli, campaign: `${guestRunDir}/campaign.yaml`, label: run.label, out: run.guestBundle, boot: b, boots });
      const boot = await bootGuest({
        image,
        kernel: run.kernel,
        iommu: opts.iommu,
        cachingMode: opts.cachingMode,
        // QEMU's edu device: a spare PCI device for the microbench to borrow (costs nothing otherwise).
        extraDevices: ['edu'],
        command: args,
        timeoutSec: guestTimeoutSec(work.sec),
        consoleLog: path.join(opts.outDir, boots > 1 ? `${run.name}.boot${b}.console.log` : `${run.name}.console.log`),
        onConsoleLine: (line) => opts.log(`  guest: ${line}`),
        signal: opts.signal,
      });
      run.exitCodes.push(boot.exitCode);
      // Copied after every boot: what the boots so far measured is kept if a later one fails.
      await fs.rm(run.hostBundle, { recursive: true, force: true });
      await fs.cp(path.join(image.rootfs, run.guestBundle), run.hostBundle, { recursive: true }).catch((err: unknown) => {
        throw new Error(`the guest on ${run.release} left no bundle (exit code ${boot.exitCode}; console: ${boot.consoleLog}): ${String(err)}`);
      });
      const lab = { kernel: run.release, iommu: opts.iommu, cachingMode: opts.cachingMode, imageKey: image.key, qemu, accel: QEMU_ACCEL, kernelSpec: run.spec };
      await recordLabSetup(run.hostBundle, opts.command ? { ...lab, command: opts.command } : lab, checkout);
      opts.log(`lab: ${run.release}${bootText} done in ${((Date.now() - started) / 1000).toFixed(0)} s, exit code ${boot.exitCode}, bundle ${run.hostBundle}`);
    }
  } finally {
    await fs.rm(hostRunDir, { recursive: true, force: true });
  }
  const bundles: LabRunResult['bundles'] = runs
    .filter((r) => r.exitCodes.length > 0)
    .map((r) => ({ kernel: r.spec, release: r.release, dir: r.hostBundle, exitCode: r.exitCodes.find((c) => c !== 0) ?? 0 }));
  return { image, bundles };
}
