// What the runner needs from a profiler (perf stat, perf record, ftrace). A profiler is set up
// before the workload of a profile pass (start: everything ready, nothing collected yet), switched
// on when the workload's I/O starts and off when it ends (on/off: the I/O phase, marked by the
// collector through RunContext.ioPhase, or the whole run of a collector that cannot mark it), and
// stopped after the workload; timed passes never run with one, so tracing overhead never enters
// timed numbers (review M7; ARCHITECTURE.md "Metrics", Windows). See runner/registry.ts.
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

/** Which window the profiler was on for (model/workload-collector.ts IoPhase). */
export type ProfilerWindow = 'io' | 'workload';

export interface ProfilerStopInput {
  /**
   * I/Os (or requests) the workload itself counted, for per-I/O normalisation where the profiler
   * cannot count them in its own window (ftrace counts the target's block requests in its trace
   * and keeps this one as a cross-check).
   */
  ios?: number;
  /**
   * Which window the profiler was on for: `io`, the workload's I/O phase as its collector marked
   * it; `workload`, the collector's whole run (start-up and exit included). Undefined: never on.
   */
  window?: ProfilerWindow;
  /** Whether the workload finished; a failed one still stops (and restores) the profiler. */
  workloadOk: boolean;
}

export interface ActiveProfiler {
  /**
   * Switches collection on (ftrace: tracing_on in its instance; perf: "enable" on its control
   * fifo), resolving once the profiler collects. Called once, when the workload's I/O starts.
   */
  on(): Promise<void>;
  /** Switches collection off, resolving once nothing more is collected. Called once, when the I/O has ended. */
  off(): Promise<void>;
  /** Stops collection (if still on), restores whatever it changed, parses, and returns measurements. */
  stop(input: ProfilerStopInput): Promise<Measurement[]>;
}

export interface Profiler {
  kind: ProfilerSpec['kind'];
  /** Checks before anything runs: the tool exists, tracefs is there, options are valid. */
  preflight(options: ProfilerSpec['options']): Promise<void>;
  /** Sets the profiler up with collection off: what takes time (perf's start-up, tracefs set-up) happens here. */
  start(ctx: ProfilerContext): Promise<ActiveProfiler>;
}
