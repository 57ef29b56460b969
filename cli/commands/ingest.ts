import type { Command } from 'commander';
import { foldedFile, ingestFile, ingestTools } from '../../collectors/ingest.js';
import { UsageError } from '../errors.js';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('parse a raw tool output made elsewhere and print its normalized samples')
    .argument('<file>', 'raw output file')
    .option('--tool <tool>', `which tool wrote it (${ingestTools.join(', ')}); detected when omitted`)
    .option('--json', 'print JSON (default: a table)')
    .option('--folded', "print the call stacks in FlameGraph's folded format (as stackcollapse-perf.pl), for flamegraph.pl or inferno-flamegraph")
    .option('--sample-counts', 'with --folded: count one per sample instead of the period perf printed')
    .action(async (file: string, opts: { tool?: string; json?: boolean; folded?: boolean; sampleCounts?: boolean }) => {
      if (opts.sampleCounts && !opts.folded) throw new UsageError('--sample-counts goes with --folded');
      if (opts.folded) {
        if (opts.json) throw new UsageError('--folded prints folded stacks, not JSON: drop --json');
        await writeAll(await foldedFile(file, opts.tool, { sampleCounts: opts.sampleCounts ?? false }));
        return;
      }
      const result = await ingestFile(file, opts.tool);
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${result.tool}: ${file}\n`);
      const width = Math.max(...result.measurements.map((m) => m.metric.length), 6);
      const unitWidth = Math.max(...result.measurements.map((m) => m.unit.length), 4);
      for (const m of result.measurements) {
        const value = m.value === null ? 'n/a' : String(Number(m.value.toPrecision(6)));
        // The role says what compare may conclude from the metric (README, "Metrics").
        process.stdout.write(`  ${m.metric.padEnd(width)}  ${value.padStart(12)} ${m.unit.padEnd(unitWidth)}  ${m.role ?? ''}\n`.replace(/ +\n$/, '\n'));
      }
    });
}

/**
 * Writes the chunks to stdout, each written before the next is asked for: the parser may reuse a
 * chunk's memory (model/ingest.ts), and a pipe's reader (flamegraph.pl) sets the pace.
 */
async function writeAll(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    await new Promise<void>((resolve) => {
      // An early close of the pipe (`| head`) ends the wait too (main.ts ignores its EPIPE).
      const done = (): void => {
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.on('error', done);
      process.stdout.write(chunk, done);
    });
  }
}
