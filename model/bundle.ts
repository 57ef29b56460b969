// The run bundle on disk: what a campaign run leaves behind, enough to make every report.
//
//   BUNDLE/
//     manifest.json        Manifest (below), rewritten atomically as the run progresses
//     samples.jsonl        one Sample (model/measurement.ts) per line, appended per finished repetition
//     raw/<cell>/<pass>-<rep>/   the tools' own output files, untouched
//     campaign.yaml        the campaign file as given
//
// Bundles come from other boxes and other versions: core/bundle/read.ts checks every manifest
// against manifestSchema before anyone reads a field, so a mangled or foreign file is an error
// naming its path, never a TypeError deep in a report.
import { z } from 'zod';
import type { Sample } from './measurement.js';
import { dmaSetupSchema, iommuModeSchema, type DmaSetup, type IommuModeName } from './dma-setup.js';
import { kernelLogWindowSchema, type KernelLogWindow } from './kernel-log.js';

/**
 * 2: `campaignHash` and `boots` (what --resume checks and records).
 * 1: the first format; still read, and upgraded to 2 when resumed.
 */
export const BUNDLE_SCHEMA_VERSION = 2;
export const READABLE_BUNDLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type BundleStatus = 'running' | 'incomplete' | 'complete';

/** The system state recorded with every run (produced by core/system, printed by `dmabench doctor`). */
export interface SystemState {
  hostname: string;
  kernel: {
    release: string;
    /** /proc/version. */
    version: string;
    cmdline: string;
    /** uname -v: which build of the release (absent in schema 1 bundles). */
    build?: string;
    /** /proc/sys/kernel/random/boot_id of the boot that started the bundle (absent in schema 1 bundles). */
    bootId?: string;
    /** The GNU build id of the running kernel (/sys/kernel/notes): tells two builds of one release apart. */
    buildId?: string;
  };
  iommu: {
    /**
     * strict, lazy, passthrough, off or unknown: the group type of the benchmarked device when
     * there is one (`modeOf` says which), else the most common group type, else the command line.
     */
    mode: IommuModeName;
    /** What `mode` is the mode of: a benchmarked device and its group, or the box's groups (absent before issue 11). */
    modeOf?: string;
    /** The mode most IOMMU groups of the box have (absent before issue 11). */
    boxMode?: IommuModeName;
    /** Per IOMMU group: its type (`DMA`, `DMA-FQ`, `identity`, ...) and the devices in it. */
    groups: { id: string; type: string; devices: string[] }[];
  };
  cpu: { model: string; cores: number; governor?: string; smt?: string; turbo?: string };
  /** The benchmarked devices, their IOMMU groups and queue limits, NVMe's SGL threshold, the IOMMU units' modes (absent before issue 11). */
  dma?: DmaSetup;
  /** Anything else a probe found, kept as plain data (tools and versions, devices, noise sources). */
  [key: string]: unknown;
}

/** One boot of the machine that ran (part of) the bundle: a resume after a reboot adds one. */
export interface BundleBoot {
  bootId: string;
  /** When this boot first worked on the bundle. */
  at: string;
}

/** How far a cell with adaptive repetitions (`repetitions: { min, max, target_cov }`) has got. */
export interface ScheduledCell {
  /** Timed repetitions done so far. */
  repetitions: number;
  /** The primary metric whose variation decides (the tool's first primary metric). */
  metric?: string;
  /** Its coefficient of variation over the repetitions done (stdev / mean). */
  cov?: number;
  /** Why the cell runs no more repetitions: `stable: CoV 0.8% <= 1%`, `max 20 reached`, `budget`, `no primary metric`. */
  stopped?: string;
  /** With `stopped`: the first repetition it does not run. */
  stoppedAt?: number;
}

/**
 * The order the run follows and what it decided on the way: what --resume needs to continue the
 * same plan (runner/schedule.ts). Absent in bundles written before it (they ran sequentially).
 */
export interface RunSchedule {
  order: 'interleaved' | 'sequential';
  /** Seed of the shuffled rounds. */
  seed: number;
  /** Passes recorded so far, done or failed: the `order` the next pass's samples get. */
  nextOrder: number;
  /** Seconds spent running passes, over every session: what a repetitions budget is measured against. */
  spentSec: number;
  /** Per cell key, the cells whose repetitions are decided as the run goes. */
  cells: Record<string, ScheduledCell>;
}

export interface Manifest {
  schemaVersion: number;
  label: string;
  status: BundleStatus;
  startedAt: string;
  endedAt?: string;
  dmabenchVersion: string;
  /**
   * `git rev-parse HEAD` of the dmabench checkout that created the bundle (core/checkout.ts); absent
   * when dmabench was not run from a git checkout, and in bundles written before it was recorded.
   * A lab bundle gets the host's (the guest runs a copy of the host's tree, without its .git).
   */
  dmabenchCommit?: string;
  /** With `dmabenchCommit`: the checkout had changes to tracked files not in that commit. */
  dmabenchDirty?: boolean;
  /**
   * Every `dmabench` command that wrote to the bundle, as its arguments after `dmabench`: the
   * `run`, then each `run --resume`. Absent in bundles written before it was recorded.
   */
  commands?: string[][];
  /**
   * The kernel commit the run measured, as `dmabench run --commit SHA [--commit-date DATE]` gave it
   * (core/kernel-commit/identity.ts says what else names it). Absent when not given.
   */
  kernelCommit?: { commit: string; date?: string };
  /** The resolved campaign (defaults applied), exactly as it ran. */
  campaign: unknown;
  /** sha256 of the resolved campaign in canonical JSON (core/campaign/identity.ts); --resume refuses another campaign. Absent in schema 1. */
  campaignHash?: string;
  campaignFile?: string;
  system: SystemState | null;
  /** Every boot that ran repetitions of this bundle, in order. Absent in schema 1. */
  boots?: BundleBoot[];
  /**
   * Cells of the plan, in order, with their parameters. `rawDir`: the cell's directory under raw/
   * when it is not named after `cell` (a bundle re-keyed from an older format, core/bundle/rekey.ts).
   */
  cells: { workload: string; cell: string; tool: string; params: Record<string, unknown>; rawDir?: string }[];
  /** Repetitions finished per cell and pass, keyed `${cell}|${pass}`: what --resume skips. */
  done: Record<string, number[]>;
  /** Why the run stopped early, when it did (signal name, error). */
  interruptedBy?: string;
  errors: { cell: string; rep: number; pass: string; message: string }[];
  /** The run's order and per-cell decisions (absent in older bundles). */
  schedule?: RunSchedule;
  /** What the kernel logged during each run of the bundle (one window per `dmabench run`, resumes included; absent before issue 11). */
  kernelLog?: KernelLogWindow[];
  /**
   * Set by `dmabench lab run` on the host: how the emulated machine was configured. `kernelSpec`:
   * the `--kernels` entry that booted it (`7`, `6.12` or a vmlinuz path); `command`: the host's
   * `dmabench lab …` command, its arguments after `dmabench` (both absent in older lab bundles).
   */
  lab?: { kernel: string; iommu: string; cachingMode: boolean; imageKey: string; qemu: string; accel?: string; kernelSpec?: string; command?: string[] };
}

export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  samples: Sample[];
}

// Schemas of what is read back. Fields this dmabench does not know are kept (passthrough): a
// manifest read and written again (lab run adds `lab`) loses nothing a newer version wrote.

const systemStateSchema = z
  .object({
    hostname: z.string(),
    kernel: z
      .object({ release: z.string(), version: z.string(), cmdline: z.string(), build: z.string().optional(), bootId: z.string().optional(), buildId: z.string().optional() })
      .passthrough(),
    iommu: z
      .object({
        mode: iommuModeSchema,
        modeOf: z.string().optional(),
        boxMode: iommuModeSchema.optional(),
        groups: z.array(z.object({ id: z.string(), type: z.string(), devices: z.array(z.string()) }).passthrough()),
      })
      .passthrough(),
    cpu: z
      .object({ model: z.string(), cores: z.number(), governor: z.string().optional(), smt: z.string().optional(), turbo: z.string().optional() })
      .passthrough(),
    dma: dmaSetupSchema.optional(),
  })
  .passthrough();

export const manifestSchema = z
  .object({
    schemaVersion: z.number().int(),
    label: z.string(),
    status: z.enum(['running', 'incomplete', 'complete']),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    dmabenchVersion: z.string(),
    dmabenchCommit: z.string().optional(),
    dmabenchDirty: z.boolean().optional(),
    commands: z.array(z.array(z.string())).optional(),
    kernelCommit: z.object({ commit: z.string().regex(/^[0-9a-fA-F]{7,64}$/), date: z.string().optional() }).passthrough().optional(),
    campaign: z.record(z.string(), z.unknown()),
    campaignHash: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
    campaignFile: z.string().optional(),
    system: systemStateSchema.nullable(),
    boots: z.array(z.object({ bootId: z.string(), at: z.string() })).optional(),
    cells: z.array(
      z.object({ workload: z.string(), cell: z.string(), tool: z.string(), params: z.record(z.string(), z.unknown()), rawDir: z.string().optional() }).passthrough(),
    ),
    done: z.record(z.string(), z.array(z.number().int().min(0))),
    interruptedBy: z.string().optional(),
    errors: z.array(z.object({ cell: z.string(), rep: z.number().int().min(0), pass: z.string(), message: z.string() }).passthrough()),
    schedule: z
      .object({
        order: z.enum(['interleaved', 'sequential']),
        seed: z.number().int().min(0),
        nextOrder: z.number().int().min(0),
        spentSec: z.number().min(0),
        cells: z.record(
          z.string(),
          z
            .object({
              repetitions: z.number().int().min(0),
              metric: z.string().optional(),
              cov: z.number().optional(),
              stopped: z.string().optional(),
              stoppedAt: z.number().int().min(0).optional(),
            })
            .passthrough(),
        ),
      })
      .passthrough()
      .optional(),
    kernelLog: z.array(kernelLogWindowSchema).optional(),
    lab: z
      .object({
        kernel: z.string(),
        iommu: z.string(),
        cachingMode: z.boolean(),
        imageKey: z.string(),
        qemu: z.string(),
        /** QEMU's -accel value; absent before it was recorded (those runs used tcg,thread=multi). */
        accel: z.string().optional(),
        kernelSpec: z.string().optional(),
        command: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

// The schema's output is a Manifest: this fails to compile if the two drift apart.
export const manifestFromSchema = (m: z.infer<typeof manifestSchema>): Manifest => m;
