import type { Command } from 'commander';
import { runCampaign } from '../../runner/run.js';
import { collectSystemState } from '../../core/system/index.js';
import { EXIT } from '../errors.js';

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
        collectSystemState: (targets) => collectSystemState({ targets }),
      });
      process.stderr.write(`bundle: ${result.bundleDir} (${result.status}${result.errors.length ? `, ${result.errors.length} failed repetitions` : ''})\n`);
      process.stdout.write(result.bundleDir + '\n');
      // Interrupted wins over failed repetitions: the run did not get to finish.
      if (result.interruptedBy) process.exitCode = EXIT.interrupted;
      else if (result.status !== 'complete') process.exitCode = EXIT.failed;
    });
}
