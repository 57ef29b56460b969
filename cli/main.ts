#!/usr/bin/env node
// dmabench: benchmarks the two-step DMA mapping API against dma_map_sg. One subcommand per file in cli/commands.
import { Command, CommanderError } from 'commander';
import { dmabenchVersion } from '../core/version.js';
import { EXIT, exitOnError } from './errors.js';

/**
 * Each subcommand's module, loaded on demand: `dmabench compare` need not load the runner, the lab
 * and the tools' collectors (a third of its run time went to loading them). In help order.
 */
const commands: [string, () => Promise<(program: Command) => void>][] = [
  ['plan', async () => (await import('./commands/plan.js')).registerPlan],
  ['run', async () => (await import('./commands/run.js')).registerRun],
  ['doctor', async () => (await import('./commands/doctor.js')).registerDoctor],
  ['ingest', async () => (await import('./commands/ingest.js')).registerIngest],
  ['compare', async () => (await import('./commands/compare.js')).registerCompare],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['publish', async () => (await import('./commands/publish.js')).registerPublish],
  ['flamegraph', async () => (await import('./commands/flamegraph.js')).registerFlamegraph],
  ['lab', async () => (await import('./commands/lab.js')).registerLab],
];

// After a hang-up (SIGHUP: the ssh session closed) writes to the terminal fail with EIO, and a
// `| head` closes stdout early (EPIPE): neither may crash a run that is cleaning up.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EIO' && err.code !== 'EPIPE') exitOnError(err);
  });
}
// A bug that escapes the command's promise is still an internal error (exit 3), not Node's exit 1.
process.on('uncaughtException', exitOnError);
process.on('unhandledRejection', exitOnError);

const program = new Command();
program
  .name('dmabench')
  .description('Is the link-based DMA API (dma_iova_*) faster or slower than dma_map_sg, where, and by how much?')
  .version(dmabenchVersion)
  .showHelpAfterError()
  // Commander would exit 1 on a bad option, the code of a regression: it throws instead (and has
  // printed its message), and we exit 2. Set before the subcommands, which inherit it.
  .exitOverride();

// The named subcommand alone when there is one; all of them for the top-level help, a bad name or none.
const named = commands.filter(([name]) => name === process.argv[2]);
for (const [, load] of named.length > 0 ? named : commands) (await load())(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  exitOnError(err);
});
