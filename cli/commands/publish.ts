import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { publishSite } from '../../reports/site/publish.js';
import { STATE_FILE } from '../../reports/site/site-writer.js';
import { UsageError } from '../errors.js';

/**
 * The site goes into a new or empty directory, or one an earlier publish wrote (its state file
 * says which files are the site's): never over somebody else's files.
 */
async function refuseForeignOut(out: string): Promise<void> {
  const names: string[] = await readdir(out).catch((e: NodeJS.ErrnoException): string[] => {
    if (e.code === 'ENOENT') return [];
    throw new UsageError(`cannot use --out ${out}: ${e.message}`);
  });
  if (names.length > 0 && !names.includes(STATE_FILE)) {
    throw new UsageError(`refusing to write the site into ${out}: it is not empty and no earlier publish wrote it (no ${STATE_FILE}); give a new or empty directory`);
  }
}

export interface PublishCliOptions {
  out?: string;
  title?: string;
  kernelTree?: string;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('a static site over every bundle under RESULTS_DIRs: a series per host and campaign, trends with change points, regressions (HTML, JSON, Atom), each run\'s report; opens from file:// with no network')
    .argument('<results...>', 'results directories: trees of bundles at any depth (what many machines upload into)')
    .requiredOption('--out <dir>', 'the site\'s directory (written incrementally: only pages whose inputs changed)')
    .option('--title <title>', 'the site\'s title')
    .option('--kernel-tree <path>', 'a kernel git tree: full commits, dates, describe names and topological order for the series')
    .action(async (roots: string[], opts: PublishCliOptions) => {
      if (opts.out === undefined) throw new UsageError('--out DIR is needed');
      await refuseForeignOut(opts.out);
      const result = await publishSite({
        roots,
        out: opts.out,
        ...(opts.title === undefined ? {} : { title: opts.title }),
        ...(opts.kernelTree === undefined ? {} : { kernelTree: opts.kernelTree }),
      });
      const open = result.regressions.filter((r) => r.acknowledged === undefined).length;
      process.stderr.write(
        `${result.runs.length} runs in ${result.series.length} series, ${result.trends.length} metric series, ${open} open regressions` +
          `${result.unreadable.length > 0 ? `, ${result.unreadable.length} unreadable bundles (listed on the index)` : ''}; ` +
          `${result.log.written.length} files written, ${result.log.skipped} unchanged, ${result.log.removed.length} removed; ` +
          `${result.cache.bundleMisses} bundles read, ${result.cache.bundleHits} taken from the site's cache\n`,
      );
      process.stdout.write(path.join(opts.out, 'index.html') + '\n');
    });
}
