// What decides the DMA numbers of the devices a campaign benchmarks (review M17), recorded in
// the system state beside the box-wide facts: which devices the workloads use, the IOMMU group
// and group type each one's DMA goes through, the block queue limits that shape its requests,
// NVMe's SGL threshold, and the IOMMU units' caching and scalable modes.
//
// `BenchTarget` is what a collector says it will use (runner → core/system, before the run);
// `DmaSetup` is what core/system/targets.ts found for them (SystemState.dma in the manifest).
import { z } from 'zod';

export const IOMMU_MODES = ['strict', 'lazy', 'passthrough', 'off', 'unknown'] as const;
/** strict (group type DMA), lazy (DMA-FQ), passthrough (identity), off (no translation), unknown. */
export type IommuModeName = (typeof IOMMU_MODES)[number];

/**
 * What ib_write_bw over Soft-RoCE measures. rxe registers its ib_device without a DMA device
 * (ib_uses_virt_dma), so ib_dma_map_* never reach the DMA API: measured in the lab (7.2, strict
 * IOMMU, 2 x 2000 writes of 64 KiB), dmabench's ftrace profiler counted no call of any DMA mapping
 * function and no iommu:map event. Said wherever RDMA results are (doctor, run log, compare).
 */
export const SOFT_ROCE_NO_DMA_API =
  'Soft-RoCE (rxe) maps nothing through the DMA API: it registers without a DMA device, so ib_write_bw over it measures ' +
  "rxe's CPU copies, not DMA mapping (the lab's ftrace counted 0 DMA API calls and 0 iommu:map events); " +
  "the link API's RDMA user is ODP through hmm_dma_map_*, which needs a real HCA";

/** A device a workload benchmarks, as the campaign names it (before anything is probed). */
export type BenchTarget =
  /** fio on a block device. */
  | { workload: string; kind: 'block'; path: string }
  /** fio on a file: the I/O reaches the disk under its filesystem (the file may not exist yet). */
  | { workload: string; kind: 'file'; path: string }
  /** The microbenchmark's PCI device: `given` as in the campaign (`edu` or an address); `address` once resolved. */
  | { workload: string; kind: 'pci'; given: string; address?: string; problem?: string }
  /** ib_write_bw's RDMA device (undefined: perftest's first); `softRoce`: the run creates it (rxe over veth). */
  | { workload: string; kind: 'rdma'; name?: string; softRoce: boolean };

/** A block device's request queue limits (/sys/block/DISK/queue), as the kernel reports them. */
export interface QueueLimits {
  maxSegments?: number;
  /** Bytes. */
  maxSegmentSize?: number;
  maxSectorsKb?: number;
  maxHwSectorsKb?: number;
  virtBoundaryMask?: number;
  /** 0: merges allowed, 1: only simple one-hit merges, 2: none. */
  nomerges?: number;
  /** The active I/O scheduler (the bracketed one). */
  scheduler?: string;
}

/** The numeric queue limits and the file under /sys/block/<disk>/queue/ each is read from (and named by). */
export const NUMERIC_QUEUE_LIMIT_FILES: readonly (readonly [Exclude<keyof QueueLimits, 'scheduler'>, string])[] = [
  ['maxSegments', 'max_segments'],
  ['maxSegmentSize', 'max_segment_size'],
  ['maxSectorsKb', 'max_sectors_kb'],
  ['maxHwSectorsKb', 'max_hw_sectors_kb'],
  ['virtBoundaryMask', 'virt_boundary_mask'],
  ['nomerges', 'nomerges'],
];

/** Every queue limit with the sysfs name it goes by, the scheduler included. */
export const QUEUE_LIMIT_FILES: readonly (readonly [keyof QueueLimits, string])[] = [...NUMERIC_QUEUE_LIMIT_FILES, ['scheduler', 'scheduler']];

/** One device behind a target: the target itself, or what it stands on. */
export interface BenchDevice {
  /** target: the device named; filesystem: the disk under a file's filesystem; below: under a stacked device (dm, md, loop, multipath). */
  role: 'target' | 'filesystem' | 'below';
  /** Block device (nvme0n1), PCI address or RDMA device name. */
  name: string;
  /** What it is: the block device's or NVMe controller's model, a PCI device's vendor:device. */
  model?: string;
  /** Block devices: the disk's queue limits (a partition's are its disk's). */
  queue?: QueueLimits;
  /** The PCI device doing the DMA, when there is one. */
  pci?: string;
  /** The IOMMU group of that device (its iommu_group link); null: in none. */
  iommuGroup: string | null;
  /** /sys/kernel/iommu_groups/N/type: DMA, DMA-FQ, identity, blocked, unmanaged. */
  iommuGroupType?: string;
  note?: string;
}

export interface BenchTargetState {
  workload: string;
  kind: BenchTarget['kind'];
  /** The target as the campaign names it: `/dev/nvme0n1`, a file path, `edu`, `rxe0`. */
  target: string;
  devices: BenchDevice[];
  /** The IOMMU mode its DMA goes through (from its devices' group type); absent when no device does DMA. */
  iommuMode?: IommuModeName;
  /** Why the mode is what it is, or why there is no device (Soft-RoCE, a filesystem without a disk). */
  note?: string;
}

export interface IommuUnitState {
  /** /sys/class/iommu name: dmar0, ivhd0, ... */
  name: string;
  vendor: string;
  /** Intel: the capability and extended capability registers (hex, as sysfs prints them); AMD: cap and features. */
  cap?: string;
  ecap?: string;
  /** Intel CAP.CM (bit 7): the unit is virtual and every mapping change needs an invalidation (QEMU caching-mode=on). */
  cachingMode?: boolean;
  /** Intel ECAP.SMTS (bit 43): the unit supports scalable-mode translation. */
  scalableModeSupported?: boolean;
}

export interface DmaSetup {
  targets: BenchTargetState[];
  /** /sys/module/nvme/parameters/sgl_threshold (bytes; 0 turns SGLs off): absent when the nvme module is not loaded. */
  nvmeSglThreshold?: number;
  units: IommuUnitState[];
  /** Some IOMMU unit is in caching mode (emulated); absent when no unit says. */
  cachingMode?: boolean;
  /** Intel scalable mode: what the command line asks (intel_iommu=sm_on|sm_off), the kernel's default, whether units support it and are in it. */
  scalableMode: { cmdline?: 'on' | 'off'; configDefaultOn?: boolean; supported?: boolean; inUse?: boolean };
}

// Schemas of what is read back (model/bundle.ts uses them). Unknown fields are kept.

export const iommuModeSchema = z.enum(IOMMU_MODES);

const queueLimitsSchema = z
  .object({
    maxSegments: z.number().optional(),
    maxSegmentSize: z.number().optional(),
    maxSectorsKb: z.number().optional(),
    maxHwSectorsKb: z.number().optional(),
    virtBoundaryMask: z.number().optional(),
    nomerges: z.number().optional(),
    scheduler: z.string().optional(),
  })
  .passthrough();

const benchDeviceSchema = z
  .object({
    role: z.enum(['target', 'filesystem', 'below']),
    name: z.string(),
    model: z.string().optional(),
    queue: queueLimitsSchema.optional(),
    pci: z.string().optional(),
    iommuGroup: z.string().nullable(),
    iommuGroupType: z.string().optional(),
    note: z.string().optional(),
  })
  .passthrough();

export const dmaSetupSchema = z
  .object({
    targets: z.array(
      z
        .object({
          workload: z.string(),
          kind: z.enum(['block', 'file', 'pci', 'rdma']),
          target: z.string(),
          devices: z.array(benchDeviceSchema),
          iommuMode: iommuModeSchema.optional(),
          note: z.string().optional(),
        })
        .passthrough(),
    ),
    nvmeSglThreshold: z.number().optional(),
    units: z.array(
      z
        .object({
          name: z.string(),
          vendor: z.string(),
          cap: z.string().optional(),
          ecap: z.string().optional(),
          cachingMode: z.boolean().optional(),
          scalableModeSupported: z.boolean().optional(),
        })
        .passthrough(),
    ),
    cachingMode: z.boolean().optional(),
    scalableMode: z
      .object({ cmdline: z.enum(['on', 'off']).optional(), configDefaultOn: z.boolean().optional(), supported: z.boolean().optional(), inUse: z.boolean().optional() })
      .passthrough(),
  })
  .passthrough();

// The schema's output is a DmaSetup: this fails to compile if the two drift apart.
export const dmaSetupFromSchema = (d: z.infer<typeof dmaSetupSchema>): DmaSetup => d;
