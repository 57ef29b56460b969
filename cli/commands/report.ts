import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { readBundle } from '../../core/bundle/read.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { buildCharts } from '../../reports/charts/index.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { renderHtmlReport } from '../../reports/html/report.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderText } from '../../reports/render/text.js';
import { UsageError } from '../errors.js';

const FORMATS = ['html', 'text', 'markdown'] as const;
type ReportFormat = (typeof FORMATS)[number];

export interface ReportCliOptions {
  base?: string;
  out?: string;
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

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('one self-contained HTML page from run bundles: the comparison table (filters, sorting, the repetitions of every row) and charts; opens from file:// with no network')
    .argument('<bundles...>', 'bundle directories; the first (or --base) is the base of the comparison')
    .option('--base <label|dir>', 'the base bundle, by its label or its directory (default: the first given)')
    .option('--out <file>', 'where to write the report (html default: report.html; text and markdown: standard output)')
    .option('--format <format>', FORMATS.join(', '), 'html')
    .action(async (dirs: string[], opts: ReportCliOptions) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`unknown --format ${opts.format} (${FORMATS.join(', ')})`);
      const format = opts.format as ReportFormat;
      const bundles = baseFirst(dirs, await Promise.all(dirs.map((d) => readBundle(d))), opts.base);
      if (format !== 'html') {
        if (bundles.length < 2) throw new UsageError(`--format ${format} is the comparison: give a base and at least one candidate bundle`);
        // What `compare --format text|markdown` prints, for now.
        const comparison = compareBundles(bundles);
        await output(format === 'text' ? renderText(comparison) : renderMarkdown(comparison), opts.out);
        return;
      }
      const html = await renderHtmlReport({ bundles, charts: buildCharts(bundles) });
      await output(html, opts.out ?? 'report.html');
    });
}
