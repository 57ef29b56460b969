// Per-I/O call counts: the deterministic figure that survives emulation noise (ARCHITECTURE.md, "What the lab showed").
// `dma_iova_link` ≈ 8 per 64 KiB I/O on 7.2, `__iommu_map` per segment on 6.12.
import type { Measurement } from '../../model/measurement.js';
import { measure } from '../metric-spec.js';
import { FTRACE_METRICS } from './metrics.js';

/** Calls of each function divided by the I/Os the workload completed while tracing. */
export function callsPerIo(counts: Map<string, number> | Record<string, number>, ios: number): Map<string, number> {
  const out = new Map<string, number>();
  if (!(ios > 0)) return out;
  const entries = counts instanceof Map ? counts.entries() : Object.entries(counts);
  for (const [name, calls] of entries) out.set(name, calls / ios);
  return out;
}

/**
 * Measurements `<func>.calls` and, when ios is known, `<func>.calls_per_io`: informational,
 * neither direction better (collectors/ftrace/metrics.ts says why).
 */
export function callCountMeasurements(counts: Map<string, number>, ios?: number): Measurement[] {
  const out: Measurement[] = [];
  const perIo = ios !== undefined ? callsPerIo(counts, ios) : undefined;
  for (const [name, calls] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(measure(`${name}.calls`, calls, FTRACE_METRICS.calls));
    const p = perIo?.get(name);
    if (p !== undefined) out.push(measure(`${name}.calls_per_io`, p, FTRACE_METRICS.calls_per_io));
  }
  return out;
}
