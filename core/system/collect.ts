// The system state recorded in every run bundle (model/bundle.ts SystemState): the fixed
// fields, plus full detail under extra keys (tools, tracefs, moduleBuild, devices, noise, ...).
// All probes run in parallel; the slowest are the tool version runs (~100 ms).
import type { SystemState } from '../../model/bundle.js';
import type { BenchTarget } from '../../model/dma-setup.js';
import { probeBlockDevices, type BlockDevicesInfo } from './block-devices.js';
import { probeDmaSetup } from './dma-setup.js';
import { probeIommu, type IommuDetail } from './iommu.js';
import { isRoot, probeHostname, probeKernel, splitCmdline } from './kernel.js';
import { probeKernelApi, type KernelApiInfo } from './kernel-symbols.js';
import { probeModuleBuild, type ModuleBuildInfo } from './module-build.js';
import { probeCpu, probeNoise, type CpuInfo, type NoiseInfo } from './noise.js';
import { probeRdma, type RdmaDevice } from './rdma.js';
import { findVirtiofsd, probeTools, type ToolInfo } from './tools.js';
import { probeTracefs, type TracefsInfo } from './tracefs.js';
import { exists } from './sysfs.js';

export interface CollectOptions {
  /** Root directory under which /proc, /sys and /lib/modules are read (a guest's tree in the lab). Default '/'. */
  root?: string;
  /** Run the tools' version probes (default: only when root is '/', since they run on this host). */
  tools?: boolean;
  /**
   * The devices the campaign benchmarks (the runner asks each collector): their IOMMU groups,
   * queue limits and modes are recorded under `dma`, and the first one's group type is the
   * IOMMU mode the bundle shows. None (doctor): the box's most common group type.
   */
  targets?: readonly BenchTarget[];
}

/** SystemState with the extra keys this module fills in, typed for readers in this codebase. */
export interface FullSystemState extends SystemState {
  collectedAt: string;
  root: string;
  /** Whether the collecting process ran as root (only meaningful for root '/'). */
  isRoot: boolean;
  cpuDetail: CpuInfo;
  iommuDetail: Omit<IommuDetail, 'groups' | 'mode'>;
  kernelApi: KernelApiInfo;
  tools: Record<string, ToolInfo>;
  /** QEMU's virtiofsd (the lab's root filesystem), when installed. */
  virtiofsd?: string;
  tracefs: TracefsInfo;
  moduleBuild: ModuleBuildInfo;
  devices: BlockDevicesInfo & { rdma: RdmaDevice[] };
  noise: NoiseInfo & { hypervisor: boolean; kvm: boolean };
}

export async function collectSystemState(opts: CollectOptions = {}): Promise<FullSystemState> {
  const root = opts.root ?? '/';
  const withTools = opts.tools ?? root === '/';
  const kernelPromise = probeKernel(root);
  const [hostname, kernel, cpu, iommu, kernelApi, tools, virtiofsd, tracefs, moduleBuild, block, rdma, noise, kvm] =
    await Promise.all([
      probeHostname(root),
      kernelPromise,
      probeCpu(root),
      kernelPromise.then((k) => probeIommu(root, splitCmdline(k.cmdline))),
      probeKernelApi(root),
      withTools ? probeTools() : Promise.resolve({}),
      withTools ? findVirtiofsd() : Promise.resolve(undefined),
      probeTracefs(root),
      kernelPromise.then((k) => probeModuleBuild(root, k.release, k.version)),
      probeBlockDevices(root),
      probeRdma(root),
      probeNoise(root),
      exists(root, '/dev/kvm'),
    ]);
  const { dma, shown } = await probeDmaSetup({
    root,
    release: kernel.release,
    cmdlineParams: splitCmdline(kernel.cmdline),
    iommu,
    targets: opts.targets ?? [],
  });
  const { mode, groups, ...iommuDetail } = iommu;
  return {
    hostname,
    kernel,
    iommu: { mode: shown.mode, modeOf: shown.modeOf, boxMode: mode, groups },
    cpu: {
      model: cpu.model,
      cores: cpu.cores,
      ...(cpu.governor !== undefined && { governor: cpu.governor }),
      ...(cpu.smt !== undefined && { smt: cpu.smt }),
      ...(cpu.turbo !== undefined && { turbo: cpu.turbo }),
    },
    collectedAt: new Date().toISOString(),
    root,
    isRoot: isRoot(),
    dma,
    cpuDetail: cpu,
    iommuDetail,
    kernelApi,
    tools,
    ...(virtiofsd !== undefined && { virtiofsd }),
    tracefs,
    moduleBuild,
    devices: { ...block, rdma },
    noise: { ...noise, hypervisor: cpu.hypervisor, kvm },
  };
}
