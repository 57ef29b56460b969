// What the runner needs from a profiler (perf stat, perf record, ftrace). A profiler is started
// before the workload of a profile pass and stopped after it; timed passes never run with one,
// so tracing overhead never enters timed numbers. See runner/registry.ts for the registry.
import type { ProfilerSpec } from './campaign.js';
import type { Measurement } from './measurement.js';

export interface ProfilerContext {
  options: ProfilerSpec['options'];
  /** This pass's raw directory (the workload's raw files go there too). */
  rawDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /**
   * Where the workload does its I/O (a block device under /dev, or a file or directory on the
   * filesystem it uses), when it does block I/O: a system-wide profiler tells the target's I/O
   * from other devices' by it. Undefined: the workload names none.
   */
  ioTarget?: string;
  /**
   * Seconds after which the profiler's own processes end by themselves, even if dmabench is killed
   * (SIGKILL, OOM) and can no longer stop them: perf record must not fill the disk. The runner
   * passes the pass's timeout. Default: DEFAULT_PROFILER_DEADLINE_SEC.
   */
  deadlineSec?: number;
}

/** The deadline of a profiler started without one: an hour. */
export const DEFAULT_PROFILER_DEADLINE_SEC = 3600;

export interface ProfilerStopInput {
  /** I/Os (or requests) the workload did during the pass, for per-I/O normalisation. */
  ios?: number;
  /** Whether the workload finished; a failed one still stops (and restores) the profiler. */
  workloadOk: boolean;
}

export interface ActiveProfiler {
  /** Stops collection, restores whatever it changed, parses, and returns measurements. */
  stop(input: ProfilerStopInput): Promise<Measurement[]>;
}

export interface Profiler {
  kind: ProfilerSpec['kind'];
  /** Checks before anything runs: the tool exists, tracefs is there, options are valid. */
  preflight(options: ProfilerSpec['options']): Promise<void>;
  start(ctx: ProfilerContext): Promise<ActiveProfiler>;
}
