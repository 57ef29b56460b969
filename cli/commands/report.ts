import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { readBundle } from '../../core/bundle/read.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { buildCharts, readChartRaw } from '../../reports/charts/index.js';
import type { ChartSpec } from '../../reports/charts/spec.js';
import { memoizedCompare, type CompareBundles } from '../../reports/compare/memo.js';
import { renderHtmlReport } from '../../reports/html/report.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderMailText } from '../../reports/render/text.js';
import { PngUnavailableError, writePngCharts } from '../../reports/png/render.js';
import { summarize, summaryHtml, summaryText, type Summary } from '../../reports/summary/index.js';
import { UsageError } from '../errors.js';

const FORMATS = ['html', 'text', 'markdown'] as const;
type ReportFormat = (typeof FORMATS)[number];

export interface ReportCliOptions {
  base?: string;
  out?: string;
  png?: string;
  format: string;
}

/**
 * The bundles with the base first, the others in the order given. `--base` names a bundle by its
 * directory (as given or resolved) or by its manifest label; without it the first bundle is the base.
 */
export function baseFirst(dirs: readonly string[], bundles: readonly LoadedBundle[], base: string | undefined): LoadedBundle[] {
  if (base === undefined) return [...bundles];
  let index = dirs.findIndex((d) => path.resolve(d) === path.resolve(base));
  if (index < 0) {
    const byLabel = bundles.flatMap((b, i) => (b.manifest.label === base ? [i] : []));
    if (byLabel.length > 1) throw new UsageError(`--base ${base}: ${byLabel.length} bundles carry that label; name the base by its directory`);
    if (byLabel.length === 0) {
      throw new UsageError(`--base ${base}: neither a bundle directory given nor a label of one (labels: ${bundles.map((b) => b.manifest.label).join(', ')})`);
    }
    index = byLabel[0]!;
  }
  return [bundles[index]!, ...bundles.filter((_, i) => i !== index)];
}

async function output(text: string, out: string | undefined): Promise<void> {
  if (out === undefined) {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return;
  }
  await writeFileAtomic(out, text);
  process.stdout.write(`wrote ${out}\n`);
}

/**
 * Writes the HTML report of `bundles` (base first) to `file`; returns its summary, which the
 * caller may print. Shared with `lab demo`.
 */
export async function writeHtmlReport(bundles: LoadedBundle[], file: string, made: { charts?: ChartSpec[]; summary?: Summary; compare?: CompareBundles } = {}): Promise<Summary> {
  // One comparison of the bundles serves the summary and the table.
  const compare = made.compare ?? memoizedCompare();
  const summary = made.summary ?? summarize(bundles, {}, compare);
  const html = await renderHtmlReport({ bundles, charts: made.charts ?? buildCharts(bundles, await readChartRaw(bundles)), summaryHtml: summaryHtml(summary), compareBundles: compare });
  await writeFileAtomic(file, html);
  return summary;
}

/** The charts as PNG files; without the optional renderer, a usage error saying what to install. */
async function writePngs(charts: Parameters<typeof writePngCharts>[0], dir: string): Promise<void> {
  try {
    const files = await writePngCharts(charts, dir);
    process.stdout.write(`wrote ${files.length} PNG charts to ${dir}\n`);
  } catch (err) {
    if (err instanceof PngUnavailableError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('one self-contained HTML page from run bundles: the comparison table (filters, sorting, the repetitions of every row) and charts; opens from file:// with no network')
    .argument('<bundles...>', 'bundle directories; the first (or --base) is the base of the comparison')
    .option('--base <label|dir>', 'the base bundle, by its label or its directory (default: the first given)')
    .option('--out <file>', 'where to write the report (html default: report.html; text and markdown: standard output)')
    .option('--format <format>', FORMATS.join(', '), 'html')
    .option('--png <dir>', 'also write every chart as a PNG file into DIR (<chart id>.png), for mail; needs the optional chartjs-node-canvas')
    .action(async (dirs: string[], opts: ReportCliOptions) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`unknown --format ${opts.format} (${FORMATS.join(', ')})`);
      const format = opts.format as ReportFormat;
      const bundles = baseFirst(dirs, await Promise.all(dirs.map((d) => readBundle(d))), opts.base);
      const compare = memoizedCompare();
      const charts = buildCharts(bundles, await readChartRaw(bundles));
      if (opts.png !== undefined) await writePngs(charts, opts.png);
      if (format === 'markdown') {
        if (bundles.length < 2) throw new UsageError('--format markdown is the comparison: give a base and at least one candidate bundle');
        await output(renderMarkdown(compare(bundles)), opts.out);
        return;
      }
      const summary = summarize(bundles, {}, compare);
      if (format === 'text') {
        // The answer first, then the comparison as `compare --format text` prints it (78 columns each).
        const comparison = bundles.length >= 2 ? renderMailText(compare(bundles), { command: ['report', ...process.argv.slice(2)] }) : '';
        await output([summaryText(summary), comparison].filter((t) => t !== '').join('\n'), opts.out);
        return;
      }
      await writeHtmlReport(bundles, opts.out ?? 'report.html', { charts, summary, compare });
      process.stdout.write(`wrote ${opts.out ?? 'report.html'}\n`);
    });
}
