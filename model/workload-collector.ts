// What the runner needs from a workload collector. One implementation per tool
// (fio, microbench, ib_write_bw); see runner/registry.ts.
import type { ZodIssue } from 'zod';
import type { Workload } from './campaign.js';
import type { Measurement, PassKind } from './measurement.js';
import type { CellParams } from './cell.js';
import type { BenchTarget } from './dma-setup.js';

export interface RunContext {
  workload: Workload;
  params: CellParams;
  /** Cell key (core/campaign/matrix.ts cellKey). */
  cell: string;
  rep: number;
  pass: PassKind;
  /** Directory for this repetition's raw tool output; exists, empty, renamed into place on success. */
  rawDir: string;
  /** Directory for scratch files (fio's file target); shared by all repetitions of the run. */
  scratchDir: string;
  /** Aborted on SIGINT/SIGTERM or timeout: collectors must kill their children. */
  signal: AbortSignal;
  log: (line: string) => void;
  /**
   * Given on a profile pass to a collector that marks its I/O phase (WorkloadCollector
   * `marksIoPhase`): it calls start() right before the workload's first I/O and end() right after
   * its last, so the profiler's window holds the I/O and not the tool's start-up, exit or parsing.
   */
  ioPhase?: IoPhase;
}

/**
 * The profiler's switch, handed to the collector. start() resolves once the profiler collects
 * (the I/O must not begin before); both are idempotent, and end() before start() does nothing.
 */
export interface IoPhase {
  start(): Promise<void>;
  end(): Promise<void>;
}

export interface PreflightContext {
  /**
   * The bundle's scratch directory (RunContext.scratchDir), known before the bundle is written:
   * on --resume it already holds what the interrupted run created.
   */
  scratchDir: string;
}

export interface CollectorOutput {
  measurements: Measurement[];
  /** Wall time of the tool itself, so the runner can report its own overhead. */
  toolMs?: number;
  /**
   * I/Os (requests, messages) the workload counted, for per-I/O profiler figures where the
   * profiler cannot count them itself. Counted over the same window as the profiler's: a
   * collector that marks its I/O phase counts what it did inside it (fio's ramp_time I/Os are
   * inside and fio does not count them: ftrace counts its own, collectors/ftrace/profiler.ts).
   */
  ios?: number;
}

/** An estimate and what it rests on, said in `plan` and in the run's log. */
export interface RepetitionEstimate {
  seconds: number;
  /** e.g. `size 4g = 4096 MiB in 1048576 I/Os, at an assumed floor of 20 MiB/s and 500 IOPS`. */
  basis: string;
}

export interface PrepareContext extends PreflightContext {
  /** Aborted on SIGINT/SIGTERM: a long lay-out stops. */
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface WorkloadCollector {
  tool: Workload['tool'];
  /**
   * run() marks its I/O phase through RunContext.ioPhase on profile passes. Otherwise the runner
   * switches the profiler on before run() and off after it (the window then holds the tool's
   * start-up and exit, and the profiler says so: ProfilerStopInput `window`).
   */
  marksIoPhase?: boolean;
  /** Problems with one cell's parameters (paths relative to the workload's matrix). */
  validateParams(params: CellParams): ZodIssue[];
  /**
   * Rough seconds one repetition of a cell takes, for `plan`, the ETA and the repetition's
   * deadline (runner/plan.ts repetitionDeadlineSec). With a `basis` when the estimate rests on an
   * assumption the user should see (a size-based fio job: an assumed floor rate).
   */
  estimateSeconds(workload: Workload, params: CellParams): number | RepetitionEstimate;
  /**
   * Checks before anything runs: the tool is installed, targets are safe. Throws with advice; a
   * target refused is a model/safety-error.ts DeviceSafetyError.
   */
  preflight(workload: Workload, cells: CellParams[], ctx: PreflightContext): Promise<void>;
  /**
   * Lays out what the workload's repetitions share and would otherwise make during the first of
   * them (fio's scratch file), so that its writes and its time belong to no repetition. The runner
   * calls it once per session right before the workload's first pass, outside that pass's
   * deadline; a failure fails that pass, and it is tried again before the next one.
   */
  prepare?(workload: Workload, cells: CellParams[], ctx: PrepareContext): Promise<void>;
  /**
   * One repetition. A collector whose target can change under it (a file, a disk) checks it
   * again first; a DeviceSafetyError thrown here stops the whole run, not just this repetition.
   */
  run(ctx: RunContext): Promise<CollectorOutput>;
  /**
   * The devices this workload benchmarks (a block device, the file whose disk does the I/O, a PCI
   * device, an RDMA device), so the system state can record their IOMMU groups and queue limits
   * (model/dma-setup.ts). Read-only; a device that cannot be resolved is returned with its problem.
   */
  benchTargets?(workload: Workload, cells: CellParams[], ctx: PreflightContext): Promise<BenchTarget[]>;
  /** Undo what run() left in place for later repetitions (a loaded module, a borrowed device). Called once after the plan ends or is interrupted. */
  teardown?(): Promise<void>;
}
