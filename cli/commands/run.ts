import type { Command } from 'commander';
import { runCampaign } from '../../runner/run.js';
import { collectSystemState } from '../../core/system/index.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run every cell × repetition of a campaign and write a run bundle')
    .argument('<campaign>', 'campaign file (YAML)')
    .option('--label <label>', 'bundle label (default: the campaign label or name)')
    .option('--out <dir>', 'bundle directory (default: results/<label>-<timestamp>)')
    .option('--resume', 'complete the interrupted bundle named by --out')
    .action(async (file: string, opts: { label?: string; out?: string; resume?: boolean }) => {
      const result = await runCampaign({
        campaignFile: file,
        label: opts.label,
        outDir: opts.out,
        resume: opts.resume,
        collectSystemState: () => collectSystemState(),
      });
      process.stderr.write(`bundle: ${result.bundleDir} (${result.status}${result.errors.length ? `, ${result.errors.length} failed repetitions` : ''})\n`);
      process.stdout.write(result.bundleDir + '\n');
      if (result.status !== 'complete') process.exitCode = result.errors.length > 0 ? 1 : 130;
    });
}
