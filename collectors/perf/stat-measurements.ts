// Turns parsed perf stat counters into Measurements: one per event (summed over CPUs when perf
// printed per-CPU lines), per-I/O figures when the caller knows how many I/Os the run did, the
// running share of counters perf multiplexed, and the busy CPU time per I/O of the window when the
// caller read /proc/stat around it. Roles: collectors/perf/metrics.ts.
import { requireFinite, type Measurement } from '../../model/measurement.js';
import { busyMicrosPerIo, type BusyTime } from '../../core/cpu/proc-stat.js';
import { PER_IO_SUFFIX, runningPctMetric } from '../../model/perf-counters.js';
import { ParseError } from '../../model/parse-error.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';
import type { PerfStatResult } from './stat-parse.js';

export interface PerfStatMeasurementOptions {
  /** I/Os completed during the counted run; adds `perf.<event>_per_io` measurements. */
  ios?: number;
  /**
   * perf counted system-wide (`-a`, as the perf-stat profiler does). Then the clock events
   * (task-clock, cpu-clock) count every CPU's wall time, idle included (the per-CPU lines of
   * test/fixtures/perf/stat-percpu.csv read 1.00 "CPUs utilized" each): per I/O they are
   * CPUs × window / I/Os, a transform of IOPS and no CPU cost, so they get no per-I/O figure:
   * `perf.cpu.per_io` (from `busy`) is the CPU time per I/O of that window.
   */
  systemWide?: boolean;
  /**
   * Busy CPU time of the box over the same window (/proc/stat read when perf was enabled and
   * when it was disabled): adds `perf.cpu.per_io` (with `ios`) and `perf.cpu.busy_ticks`.
   */
  busy?: BusyTime;
}

/** perf's units for the clock events (task-clock, cpu-clock): wall time under -a. */
const CLOCK_UNIT = 'msec';

/** A counter perf could not keep scheduled for the whole window: its count is scaled up. */
export interface MultiplexedEvent {
  event: string;
  /** Lowest share of the window it ran, over the CPUs that printed it, in %. */
  runPct: number;
}

/** Counters perf ran less than the whole window (multiplexed): their totals are estimates. */
export function multiplexedEvents(r: PerfStatResult): MultiplexedEvent[] {
  const lowest = new Map<string, number>();
  for (const e of r.events) {
    if (e.value === null || e.runPct === undefined || e.runPct >= 100) continue;
    lowest.set(e.event, Math.min(lowest.get(e.event) ?? 100, e.runPct));
  }
  return [...lowest].map(([event, runPct]) => ({ event, runPct }));
}

/** Counters perf could not count here (`<not supported>`: no hardware PMU, an unknown event). */
export function unsupportedEvents(r: PerfStatResult): string[] {
  return [...new Set(r.events.filter((e) => e.absent === '<not supported>').map((e) => e.event))];
}

/** One line for the log naming the counters this machine cannot count; undefined when it counts all. */
export function unsupportedWarning(events: string[]): string | undefined {
  if (events.length === 0) return undefined;
  return `perf stat: ${events.join(', ')} <not supported> here (no hardware counters: a VM or an emulated guest without a PMU, or an event this CPU lacks): recorded as absent (n/a), never 0`;
}

/** One line for the log naming the multiplexed counters; undefined when there are none. */
export function multiplexWarning(events: MultiplexedEvent[]): string | undefined {
  if (events.length === 0) return undefined;
  const list = events.map((e) => `${e.event} ${e.runPct.toFixed(1)}%`).join(', ');
  return `perf stat: counters multiplexed (scaled up from the share of the window they ran: ${list}); their totals are estimates, see perf.<event>.running_pct (count fewer events at once for exact counts)`;
}

export function perfStatMeasurements(r: PerfStatResult, opts: PerfStatMeasurementOptions = {}): Measurement[] {
  const totals = new Map<string, { value: number | null; unit: string }>();
  for (const e of r.events) {
    const prev = totals.get(e.event);
    if (!prev) {
      totals.set(e.event, { value: e.value, unit: e.unit });
    } else if (e.value !== null) {
      prev.value = (prev.value ?? 0) + e.value;
    }
  }
  const running = new Map(multiplexedEvents(r).map((m) => [m.event, m.runPct]));
  const out: Measurement[] = [];
  const ios = opts.ios;
  // A metric name is unique within one run (model/measurement.ts). Two events whose names differ
  // only in the characters metricName() replaces would share one: such a file cannot be recorded.
  const eventOf = new Map<string, string>();
  const add = (m: Measurement, event: string): void => {
    const other = eventOf.get(m.metric);
    if (other !== undefined) throw new ParseError(`perf stat: events ${JSON.stringify(other.slice(0, 80))} and ${JSON.stringify(event.slice(0, 80))} both make the metric ${m.metric.slice(0, 100)}`);
    eventOf.set(m.metric, event);
    out.push(m);
  };
  for (const [event, { value, unit }] of totals) {
    const metric = `perf.${metricName(event)}`;
    add(measure(metric, value, PERF_METRICS.total, { unit: unit === '' ? 'count' : unit }), event);
    const runPct = running.get(event);
    if (runPct !== undefined) add(measure(runningPctMetric(metric), runPct, PERF_METRICS.running_pct), event);
    if (ios !== undefined && ios > 0 && !(opts.systemWide && unit === CLOCK_UNIT)) {
      const perIo = perIoValue(value, unit, ios);
      add(measure(metric + PER_IO_SUFFIX, perIo.value, PERF_METRICS.per_io, { unit: perIo.unit }), event);
    }
  }
  if (opts.busy) {
    // perf has no event called cpu.per_io or cpu.busy_ticks; add() would refuse a twin anyway.
    if (ios !== undefined && ios > 0) add(measure('perf.cpu.per_io', busyMicrosPerIo(opts.busy, ios), PERF_METRICS['cpu.per_io']), '/proc/stat');
    add(measure('perf.cpu.busy_ticks', opts.busy.busyTicks, PERF_METRICS['cpu.busy_ticks']), '/proc/stat');
  }
  // Sums over CPUs and msec → ns per I/O can overflow numbers that parsed as finite.
  return requireFinite(out, 'perf stat');
}

/** `cycles` → `cycles`; `software/config=2,config1=0/` → `software_config_2_config1_0`. */
function metricName(event: string): string {
  return event.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^_+|_+$/g, '');
}

function perIoValue(value: number | null, unit: string, ios: number): { value: number | null; unit: string } {
  if (value === null) return { value: null, unit: unit === CLOCK_UNIT ? 'ns/IO' : `${unit || 'count'}/IO` };
  // task-clock and cpu-clock come in msec; per I/O they are only readable in ns.
  if (unit === CLOCK_UNIT) return { value: (value * 1e6) / ios, unit: 'ns/IO' };
  return { value: value / ios, unit: unit === '' ? 'count/IO' : `${unit}/IO` };
}
