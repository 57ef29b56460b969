// A dma_bench result's histograms in the bundle's normalized form (model/latency-histogram.ts
// NamedHistogram, one per phase), named after the metrics they are the distribution of, so a
// report finds `map`'s histogram beside `map.p50` and a fallback run's under `fallback.map`.
import type { NamedHistogram } from '../../model/latency-histogram.js';
import { microbenchMeasured, microbenchMetricPrefix } from './metrics.js';
import { microbenchPhases, type MicrobenchResult } from './types.js';

/**
 * The histograms of a run that measured (status ok or fallback), in phase order; none otherwise
 * (an error or unsupported result has no distribution to keep). map, unmap and total samples are
 * per-batch means of `batch` requests; timer samples are single pairs of clock reads.
 */
export function microbenchHistograms(r: MicrobenchResult): NamedHistogram[] {
  if (!microbenchMeasured(r)) return [];
  const prefix = microbenchMetricPrefix(r);
  const out: NamedHistogram[] = [];
  for (const phase of microbenchPhases) {
    const h = r.histograms[phase];
    if (!h) continue;
    out.push({ metric: `${prefix}${phase}`, batch: phase === 'timer' ? 1 : r.batch, ...h });
  }
  return out;
}
