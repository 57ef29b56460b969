// What every chart says about the bundles it draws: a name per bundle, its colour (fixed by the
// bundle's position in the report, so one bundle has one colour in every chart) and the IOMMU
// mode its numbers were taken under (the mode dominates every DMA figure: ARCHITECTURE.md, "The
// question"), for the chart titles.
import type { LoadedBundle } from '../../model/bundle.js';
import { emptyRaw, type BundleRaw } from './raw.js';

/**
 * Tableau 10: distinguishable, and readable on white paper and screens. The bundle at position
 * i gets PALETTE[i % 10]; a report of more than ten bundles repeats colours (its legends still
 * name every series).
 */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export interface ChartBundle {
  bundle: LoadedBundle;
  /** Position among the report's bundles. */
  index: number;
  /** The bundle's label, made unique among the report's bundles (`#2` added to a repeated one). */
  name: string;
  color: string;
  /** `strict`, `strict, caching mode on`, `unknown` (no system state recorded). */
  iommu: string;
  /** What the distribution charts draw from its raw/ (reports/charts/raw.ts); empty when not read or absent. */
  raw: BundleRaw;
}

function iommuOf(b: LoadedBundle): string {
  const mode = b.manifest.system?.iommu.mode ?? 'unknown';
  const caching = b.manifest.system?.dma?.cachingMode ?? b.manifest.lab?.cachingMode;
  return caching === undefined ? mode : `${mode}, caching mode ${caching ? 'on' : 'off'}`;
}

/** The bundles as charts draw them; `raw[i]` is bundle i's raw data (readChartRaw), none when left out. */
export function chartBundles(bundles: readonly LoadedBundle[], raw: readonly BundleRaw[] = []): ChartBundle[] {
  const seen = new Map<string, number>();
  return bundles.map((bundle, index) => {
    const label = bundle.manifest.label || `bundle ${index + 1}`;
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return { bundle, index, name: n === 1 ? label : `${label} #${n}`, color: PALETTE[index % PALETTE.length]!, iommu: iommuOf(bundle), raw: raw[index] ?? emptyRaw() };
  });
}

/** The IOMMU mode(s) of the bundles a chart draws, for its title: `IOMMU strict` or `IOMMU strict (6.12, 7.2); lazy (7.2 lazy)`. */
export function iommuTitle(bundles: readonly ChartBundle[]): string {
  const modes = new Map<string, string[]>();
  for (const b of bundles) modes.set(b.iommu, [...(modes.get(b.iommu) ?? []), b.name]);
  if (modes.size <= 1) return `IOMMU ${[...modes.keys()][0] ?? 'unknown'}`;
  return `IOMMU ${[...modes].map(([mode, names]) => `${mode} (${names.join(', ')})`).join('; ')}`;
}
