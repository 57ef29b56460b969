// `dmabench lab run`: the same campaign inside the guest once per kernel, each run leaving a
// bundle that is moved out of the guest's root filesystem into the host's output directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadPlan } from '../runner/plan.js';
import { packageRoot } from '../core/version.js';
import { copyDmabenchTree, ensureLabImage, type LabImage, type LabKernel } from './image.js';
import { bootGuest, type BootOptions } from './boot.js';
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
  rebuildImage?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface LabRunResult {
  image: LabImage;
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

/** Adds the emulated machine's configuration to a bundle's manifest (the guest cannot know it). */
async function recordLabSetup(bundleDir: string, lab: NonNullable<Manifest['lab']>): Promise<void> {
  const manifest = await readManifest(bundleDir);
  manifest.lab = lab;
  await writeFileAtomic(path.join(bundleDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
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
  const guestCli = ['node', `${guestRunDir}/dmabench/dist/cli/main.js`];

  const bundles: LabRunResult['bundles'] = [];
  try {
    for (const spec of opts.kernels) {
      const known = kernelOf(image, spec);
      const release = known?.release ?? path.basename(spec);
      // caching-mode changes what every IOTLB sync costs: the label says which one made a number.
      const label = `${release} iommu=${opts.iommu} cm=${opts.cachingMode ? 'on' : 'off'}`;
      const name = `${release}-${opts.iommu}`.replace(/[^A-Za-z0-9._-]/g, '_');
      const guestBundle = `${guestRunDir}/${name}`;
      opts.log(`lab: ${campaign.name} on ${release} (iommu ${opts.iommu}, caching-mode ${opts.cachingMode ? 'on' : 'off'}), ~${Math.round(plan.estimateSec)} s of workload`);
      const started = Date.now();
      const boot = await bootGuest({
        image,
        kernel: known ? known.id : spec,
        iommu: opts.iommu,
        cachingMode: opts.cachingMode,
        // QEMU's edu device: a spare PCI device for the microbench to borrow (costs nothing otherwise).
        extraDevices: ['edu'],
        command: [...guestCli, 'run', `${guestRunDir}/campaign.yaml`, '--label', label, '--out', guestBundle],
        timeoutSec: guestTimeoutSec(plan.estimateSec),
        consoleLog: path.join(opts.outDir, `${name}.console.log`),
        onConsoleLine: (line) => opts.log(`  guest: ${line}`),
        signal: opts.signal,
      });
      const hostBundle = path.join(opts.outDir, name);
      await fs.rm(hostBundle, { recursive: true, force: true });
      await fs.cp(path.join(image.rootfs, guestBundle), hostBundle, { recursive: true }).catch((err: unknown) => {
        throw new Error(`the guest on ${release} left no bundle (exit code ${boot.exitCode}; console: ${boot.consoleLog}): ${String(err)}`);
      });
      await recordLabSetup(hostBundle, { kernel: release, iommu: opts.iommu, cachingMode: opts.cachingMode, imageKey: image.key, qemu: await qemuVersion() });
      opts.log(`lab: ${release} done in ${((Date.now() - started) / 1000).toFixed(0)} s, exit code ${boot.exitCode}, bundle ${hostBundle}`);
      bundles.push({ kernel: spec, release, dir: hostBundle, exitCode: boot.exitCode });
    }
  } finally {
    await fs.rm(hostRunDir, { recursive: true, force: true });
  }
  return { image, bundles };
}
