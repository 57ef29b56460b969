// What the kernel logged while a run went on: every `dmabench run` (a new bundle or a resume)
// opens a window on the kernel log (/dev/kmsg, by sequence number) when it starts and closes it
// when it ends, and keeps the lines that say something went wrong in the kernel: WARNINGs, Oopses,
// BUGs, panics, IOMMU faults (core/system/kernel-log.ts reads and classifies them). A number taken
// while the kernel complained is suspect; compare says so (manifest `kernelLog`).
import { z } from 'zod';

export const KERNEL_LOG_KINDS = ['warning', 'oops', 'bug', 'panic', 'iommu-fault'] as const;
export type KernelLogKind = (typeof KERNEL_LOG_KINDS)[number];

export interface KernelLogLine {
  /** The record's sequence number in this boot's log. */
  seq: number;
  kind: KernelLogKind;
  /** The message as the kernel wrote it (first line of the record). */
  text: string;
}

export interface KernelLogWindow {
  /** The boot it was read in (/proc/sys/kernel/random/boot_id): sequence numbers are per boot. */
  bootId: string;
  startedAt: string;
  /** Sequence number of the last record before the run started (-1 when none was readable). */
  afterSeq: number;
  endedAt?: string;
  /** Sequence number of the last record read when the window closed. */
  toSeq?: number;
  /**
   * How it closed: `run` at the end of the run (also an interrupted one); `resume` by a resume in
   * the same boot (the process had been killed); `boot-ended` when the boot ended first (a crash
   * or reboot: what it logged is gone). Absent while the run goes on.
   */
  closedBy?: 'run' | 'resume' | 'boot-ended';
  /** Records the kernel log received during the window, of every facility (the kernel's and userspace's). */
  records?: number;
  /** Records of the window overwritten in the ring buffer before they were read: lines may be missing. */
  lost?: number;
  /** Lines found, per kind. */
  counts: Partial<Record<KernelLogKind, number>>;
  /** The first lines found (at most KERNEL_LOG_MAX_LINES). */
  lines: KernelLogLine[];
  /** Why the kernel log could not be read (no /dev/kmsg, EPERM without CAP_SYSLOG). */
  error?: string;
}

export const KERNEL_LOG_MAX_LINES = 20;

export const kernelLogWindowSchema = z
  .object({
    bootId: z.string(),
    startedAt: z.string(),
    afterSeq: z.number().int(),
    endedAt: z.string().optional(),
    toSeq: z.number().int().optional(),
    closedBy: z.enum(['run', 'resume', 'boot-ended']).optional(),
    records: z.number().int().min(0).optional(),
    lost: z.number().int().min(0).optional(),
    counts: z.record(z.string(), z.number().int().min(0)),
    lines: z.array(z.object({ seq: z.number().int(), kind: z.enum(KERNEL_LOG_KINDS), text: z.string() }).passthrough()),
    error: z.string().optional(),
  })
  .passthrough();

// The schema's output is a KernelLogWindow: this fails to compile if the two drift apart.
export const kernelLogWindowFromSchema = (w: z.infer<typeof kernelLogWindowSchema>): KernelLogWindow => w;
