// Turns parsed perf stat counters into Measurements: one per event (summed over CPUs when perf
// printed per-CPU lines), plus per-I/O figures when the caller knows how many I/Os the run did.
import { requireFinite, type Measurement } from '../../model/measurement.js';
import { ParseError } from '../../model/parse-error.js';
import type { PerfStatResult } from './stat-parse.js';

export interface PerfStatMeasurementOptions {
  /** I/Os completed during the counted run; adds `perf.<event>_per_io` measurements. */
  ios?: number;
}

/** Every counter perf stat reports costs something, so fewer is better for all of them. */
const BETTER = 'lower' as const;

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
    add({ metric, value, unit: unit === '' ? 'count' : unit, better: BETTER }, event);
    if (ios !== undefined && ios > 0) {
      const perIo = perIoValue(value, unit, ios);
      add({ metric: `${metric}_per_io`, value: perIo.value, unit: perIo.unit, better: BETTER }, event);
    }
  }
  // Sums over CPUs and msec → ns per I/O can overflow numbers that parsed as finite.
  return requireFinite(out, 'perf stat');
}

/** `cycles` → `cycles`; `software/config=2,config1=0/` → `software_config_2_config1_0`. */
function metricName(event: string): string {
  return event.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^_+|_+$/g, '');
}

function perIoValue(value: number | null, unit: string, ios: number): { value: number | null; unit: string } {
  if (value === null) return { value: null, unit: unit === 'msec' ? 'ns/IO' : `${unit || 'count'}/IO` };
  // task-clock and cpu-clock come in msec; per I/O they are only readable in ns.
  if (unit === 'msec') return { value: (value * 1e6) / ios, unit: 'ns/IO' };
  return { value: value / ios, unit: unit === '' ? 'count/IO' : `${unit}/IO` };
}
