// ib_write_bw rows → Measurements. One metric per size and quantity, so a sweep's sizes line up
// across bundles: `size=65536.bw_avg`. Bandwidth keeps the unit perftest printed (MiB/s, MB/s or
// Gb/s): converting would hide which perftest or which flag produced the number.
//
// No CPU per message: one client run covers every size of a sweep (`size: all`) and the server
// and its set-up run beside it, so a /proc/stat bracket around the run could not be split per
// size; it would need one client run per size.
import type { Measurement } from '../../model/measurement.js';
import { measure, type MetricSpec } from '../metric-spec.js';
import type { PerftestRow } from './parse.js';

/**
 * - primary: bw_avg and msg_rate, the figures RDMA maintainers quote, averaged over the whole run.
 * - descriptive: bw_peak, which perftest derives from its fastest iteration (an extreme).
 * Bandwidth units come from perftest.
 */
export const PERFTEST_METRICS = {
  bw_avg: { better: 'higher', role: 'primary' },
  msg_rate: { unit: 'Mpps', better: 'higher', role: 'primary' },
  bw_peak: { better: 'higher', role: 'descriptive' },
} as const satisfies Record<string, MetricSpec>;

export function perftestMeasurements(rows: PerftestRow[], bwUnit: string): Measurement[] {
  const out: Measurement[] = [];
  const seen = new Set<number>();
  for (const r of rows) {
    // A size printed twice (server and client tables concatenated) would make duplicate names.
    if (seen.has(r.bytes)) continue;
    seen.add(r.bytes);
    const prefix = `size=${r.bytes}`;
    out.push(measure(`${prefix}.bw_peak`, r.bwPeak, PERFTEST_METRICS.bw_peak, { unit: bwUnit }));
    out.push(measure(`${prefix}.bw_avg`, r.bwAvg, PERFTEST_METRICS.bw_avg, { unit: bwUnit }));
    out.push(measure(`${prefix}.msg_rate`, r.msgRate, PERFTEST_METRICS.msg_rate));
  }
  return out;
}
