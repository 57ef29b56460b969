import type { Command } from 'commander';
import { runCampaign } from '../../runner/run.js';
import { parseShare, type Share } from '../../runner/schedule.js';
import { collectSystemState } from '../../core/system/index.js';
import { EXIT, UsageError } from '../errors.js';
import { SHA } from '../../core/kernel-commit/identity.js';

function share(value: string): Share {
  const parsed = parseShare(value);
  if (typeof parsed === 'string') throw new UsageError(parsed);
  return parsed;
}

/** --commit and --commit-date checked: a hex sha of 7 to 64 digits, a date Date.parse reads. */
export function kernelCommitOption(commit: string | undefined, date: string | undefined): { commit: string; date?: string } | undefined {
  if (commit === undefined) {
    if (date !== undefined) throw new UsageError('--commit-date needs --commit');
    return undefined;
  }
  const sha = commit.toLowerCase();
  if (!SHA.test(sha)) throw new UsageError(`--commit ${commit}: not a git commit id (7 to 64 hexadecimal digits)`);
  if (date !== undefined && Number.isNaN(Date.parse(date))) throw new UsageError(`--commit-date ${date}: not a date (ISO 8601, e.g. 2026-12-01T10:00:00Z)`);
  return { commit: sha, ...(date === undefined ? {} : { date }) };
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
    .option('--commit <sha>', 'the kernel commit under test (recorded in the manifest; `publish` orders and bisects by it)')
    .option('--commit-date <date>', 'with --commit: its commit date (ISO 8601, e.g. `git log -1 --format=%cI`)')
    .action(async (file: string, opts: { label?: string; out?: string; resume?: boolean; share?: Share; commit?: string; commitDate?: string }) => {
      const kernelCommit = kernelCommitOption(opts.commit, opts.commitDate);
      const result = await runCampaign({
        campaignFile: file,
        label: opts.label,
        outDir: opts.out,
        resume: opts.resume,
        share: opts.share,
        collectSystemState: (targets) => collectSystemState({ targets }),
        command: process.argv.slice(2),
        ...(kernelCommit && { kernelCommit }),
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
