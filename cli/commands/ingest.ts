import type { Command } from 'commander';
import { ingestFile, ingestParsers } from '../../collectors/ingest.js';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('parse a raw tool output made elsewhere and print its normalized samples')
    .argument('<file>', 'raw output file')
    .option('--tool <tool>', `which tool wrote it (${ingestParsers.map((p) => p.tool).join(', ')}); detected when omitted`)
    .option('--json', 'print JSON (default: a table)')
    .action(async (file: string, opts: { tool?: string; json?: boolean }) => {
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
