import type { Command } from 'commander';
import { runCampaign } from '../../runner/run.js';
import { parseShare, type Share } from '../../runner/schedule.js';
import { collectSystemState } from '../../core/system/index.js';
import { EXIT, UsageError } from '../errors.js';

function share(value: string): Share {
  const parsed = parseShare(value);
  if (typeof parsed === 'string') throw new UsageError(parsed);
  return parsed;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run every cell × repetition of a campaign and write a run bundle')
    .argument('<campaign>', 'campaign file (YAML)')
    .option('--label <label>', 'bundle label (default: the campaign label or name)')
    .option('--out <dir>', 'bundle directory (default: results/<label>-<timestamp>)')
    .option('--resume', 'complete the interrupted bundle named by --out')
    .option('--share <K/N>', 'run the K-th of N shares of each cell\'s minimum repetitions and stop (the last share runs the rest and the profile passes); lab run --boots runs one per boot', share)
    .action(async (file: string, opts: { label?: string; out?: string; resume?: boolean; share?: Share }) => {
      const result = await runCampaign({
        campaignFile: file,
        label: opts.label,
        outDir: opts.out,
        resume: opts.resume,
        share: opts.share,
        collectSystemState: (targets) => collectSystemState({ targets }),
        command: process.argv.slice(2),
      });
      const state = result.paused ? `${result.paused} done` : result.status;
      process.stderr.write(`bundle: ${result.bundleDir} (${state}${result.errors.length ? `, ${result.errors.length} failed repetitions` : ''})\n`);
      process.stdout.write(result.bundleDir + '\n');
      // Interrupted wins over failed repetitions: the run did not get to finish. A share that ran
      // as asked is a success even though the bundle is not complete yet.
      if (result.interruptedBy) process.exitCode = EXIT.interrupted;
      else if (result.errors.length > 0 || (result.status !== 'complete' && !result.paused)) process.exitCode = EXIT.failed;
    });
}
