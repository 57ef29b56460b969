// `dma.map_entries`: the calls of the functions where a request's mapping enters the DMA API
// (model/dma-functions.ts `mapEntry`), added up. Each mapped request enters exactly once, through
// the scatterlist call, the link API's IOVA allocation or the single-range mapping, whichever its
// buffer's layout and the kernel choose (ARCHITECTURE.md, "What the lab showed"), so per request
// the sum is 1: the proof that a pass's window and its I/O count agree (review M7). More than 1
// means requests mapped twice (the link API falling back to per-range mapping after a failed
// dma_iova_try_alloc counts both) or requests of another device in the window; less, mappings the
// window missed or entry points this kernel has that the table lacks.
import type { Measurement } from '../../model/measurement.js';
import { mapEntryFunctions } from '../../model/dma-functions.js';
import { measure } from '../metric-spec.js';
import { FTRACE_METRICS } from './metrics.js';

export const MAP_ENTRIES_METRIC = 'dma.map_entries';

/**
 * `dma.map_entries.calls` and, with ios, `.calls_per_io`, when at least one entry function was
 * traced (in `traced`, or, without that list, seen in the trace); entry functions this kernel
 * lacks add nothing.
 */
export function mapEntryMeasurements(calls: ReadonlyMap<string, number>, ios: number | undefined, traced?: readonly string[]): Measurement[] {
  const seen = traced ?? [...calls.keys()];
  const entries = mapEntryFunctions.filter((f) => seen.includes(f));
  if (entries.length === 0) return [];
  const sum = entries.reduce((n, f) => n + (calls.get(f) ?? 0), 0);
  const out = [measure(`${MAP_ENTRIES_METRIC}.calls`, sum, FTRACE_METRICS.map_entries)];
  if (ios !== undefined && ios > 0) out.push(measure(`${MAP_ENTRIES_METRIC}.calls_per_io`, sum / ios, FTRACE_METRICS.map_entries_per_io));
  return out;
}
