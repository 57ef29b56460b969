// Every metric perf's profilers and ingest parsers make, with its direction and role. Counter
// units come from perf (`msec` for the clocks, '' for counts).
import type { MetricSpec } from '../metric-spec.js';

export const PERF_METRICS = {
  /**
   * `perf.<event>`: a raw total over the window (cycles, instructions, page faults ...). It grows
   * with the work done and the window's length: a faster kernel doing more I/O shows more of
   * everything. Shown, marked when it changes, never a verdict.
   */
  total: { better: 'none', role: 'informational' },
  /**
   * `perf.<event>_per_io`: a total over the I/Os of the window (`perf.ios`). Every counted event
   * costs something, so fewer per I/O is better; descriptive because perf stat runs system-wide
   * (every process on the box counts).
   */
  per_io: { better: 'lower', role: 'descriptive' },
  /**
   * `perf.<event>.running_pct`: the share of the window a multiplexed counter was scheduled
   * (perf scaled its count up from that share). Emitted only below 100%, with a warning.
   */
  running_pct: { unit: '%', better: 'none', role: 'descriptive' },
  /**
   * `perf.cpu.per_io`: busy CPU time of the box over the profiler's window (from perf's "enable" to
   * its "disable": core/cpu, defined as fio's `cpu.per_io`) per I/O counted in the same window (`perf.ios`), in µs.
   * What `perf.task-clock_per_io` would claim to be and is not under `-a` (there it is CPUs ×
   * window / I/Os). Descriptive as every profiler per-I/O figure (the window is wider than the
   * I/O counted); the primary CPU figure is the workload's own (fio's `cpu.per_io`).
   */
  'cpu.per_io': { unit: 'us/IO', better: 'lower', role: 'descriptive' },
  /** `perf.cpu.busy_ticks`: the /proc/stat ticks behind perf.cpu.per_io (its resolution). */
  'cpu.busy_ticks': { unit: 'ticks', better: 'none', role: 'descriptive' },
  /**
   * `perf.ios`: the I/Os per-I/O figures divide by. With a block target, the data requests to its
   * disk that perf counted in the same window (block:block_rq_issue, filtered: `dev == DISK &&
   * bytes > 0`); else the workload's own count. `perf.workload_ios`: the workload's count, a
   * cross-check (fio leaves out ramp_time's reads).
   */
  ios: { unit: 'count', better: 'none', role: 'descriptive' },
  workload_ios: { unit: 'count', better: 'none', role: 'descriptive' },
  /** `perf.samples`: how many stacks perf record took; a property of its rate and the window. */
  samples: { unit: 'count', better: 'none', role: 'informational' },
} as const satisfies Record<string, MetricSpec>;
