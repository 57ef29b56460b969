// ib_write_bw rows → Measurements. One metric per size and quantity, so a sweep's sizes line up
// across bundles: `size=65536.bw_avg`. Bandwidth keeps the unit perftest printed (MiB/s, MB/s or
// Gb/s): converting would hide which perftest or which flag produced the number.
import type { Measurement } from '../../model/measurement.js';
import type { PerftestRow } from './parse.js';

export function perftestMeasurements(rows: PerftestRow[], bwUnit: string): Measurement[] {
  const out: Measurement[] = [];
  const seen = new Set<number>();
  for (const r of rows) {
    // A size printed twice (server and client tables concatenated) would make duplicate names.
    if (seen.has(r.bytes)) continue;
    seen.add(r.bytes);
    const prefix = `size=${r.bytes}`;
    out.push({ metric: `${prefix}.bw_peak`, value: r.bwPeak, unit: bwUnit, better: 'higher' });
    out.push({ metric: `${prefix}.bw_avg`, value: r.bwAvg, unit: bwUnit, better: 'higher' });
    out.push({ metric: `${prefix}.msg_rate`, value: r.msgRate, unit: 'Mpps', better: 'higher' });
  }
  return out;
}
