// `dmabench report` as HTML: loaded bundles and their charts in, one self-contained page out.
// The first bundle is the base (the CLI puts --base first); with two or more, the page holds
// compare's comparison of them. Deterministic: nothing here reads a clock or draws a random
// number, and every list comes in the bundles' order or sorted.
import { dmabenchVersion } from '../../core/version.js';
import type { LoadedBundle } from '../../model/bundle.js';
import type { ChartSpec } from '../charts/spec.js';
import { compareBundles } from '../compare/compare.js';
import type { CompareBundles } from '../compare/memo.js';
import type { Comparison, ComparisonOptions } from '../compare/types.js';
import { missingFromBundle } from './bundle-files.js';
import { loadChartJs } from './chartjs.js';
import { flameCells } from './flames.js';
import { renderReportPage, type PageBundle, type SharedScripts } from './page.js';
import { rowRepetitions } from './repetitions.js';

export interface HtmlReportInput {
  /** Base first. */
  bundles: LoadedBundle[];
  charts: ChartSpec[];
  compare?: Partial<ComparisonOptions>;
  /** What makes the comparison (default compareBundles; a memoizedCompare shares it with the summary). */
  compareBundles?: CompareBundles;
  /** The summary section (reports/summary/), already escaped by its producer; rendered first. */
  summaryHtml?: string;
  /** The scripts as files of a site (page.ts SharedScripts); absent: inlined. */
  sharedScripts?: SharedScripts;
  /** Navigation above the title, already escaped (page.ts navHtml). */
  navHtml?: string;
  /** The page's title; default `dmabench report: <labels>`. */
  title?: string;
}

function pageBundles(bundles: readonly LoadedBundle[], c: Comparison | null, missing: string[][]): PageBundle[] {
  return bundles.map((b, i) => {
    const info = c?.bundles[i];
    const system = b.manifest.system;
    return {
      role: c === null ? 'bundle' : i === 0 ? 'base' : 'candidate',
      label: info?.label ?? b.manifest.label,
      kernel: system?.kernel?.release ?? null,
      iommu: system?.iommu?.mode ?? null,
      host: system?.hostname ?? null,
      status: b.manifest.status,
      samples: info?.sampleCount ?? b.samples.length,
      dir: b.dir,
      missing: missing[i]!,
    };
  });
}

export async function renderHtmlReport(input: HtmlReportInput): Promise<string> {
  const { bundles } = input;
  if (bundles.length === 0) throw new RangeError('a report needs at least one bundle');
  const comparison = bundles.length >= 2 ? (input.compareBundles ?? compareBundles)(bundles, input.compare) : null;
  const [chartJs, missing] = await Promise.all([loadChartJs(), Promise.all(bundles.map(missingFromBundle))]);
  const shown = pageBundles(bundles, comparison, missing);
  const labels = shown.map((b) => b.label);
  const flames = await flameCells(bundles, shown);
  return renderReportPage({
    title: input.title ?? `dmabench report: ${labels.length === 1 ? labels[0]! : `${labels[0]!} (base) vs ${labels.slice(1).join(', ')}`}`,
    generator: `dmabench ${dmabenchVersion}`,
    bundles: shown,
    comparison,
    repetitions: comparison ? rowRepetitions(comparison, bundles) : new Map(),
    charts: input.charts,
    chartJs,
    flames,
    ...(input.summaryHtml === undefined ? {} : { summaryHtml: input.summaryHtml }),
    ...(input.sharedScripts === undefined ? {} : { sharedScripts: input.sharedScripts }),
    ...(input.navHtml === undefined ? {} : { navHtml: input.navHtml }),
  });
}
