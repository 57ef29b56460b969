import type { Command } from 'commander';
import { renderDoctor, runDoctor } from '../../core/system/index.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('what this box can run (root, IOMMU, tools, tracefs, module builds, devices, noise sources), and why not')
    .option('--json', 'print the full report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await runDoctor();
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderDoctor(report) + '\n');
    });
}
