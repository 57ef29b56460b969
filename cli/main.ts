#!/usr/bin/env node
// dmabench: benchmarks the two-step DMA mapping API against dma_map_sg. One subcommand per file in cli/commands.
import { Command, CommanderError } from 'commander';
import { dmabenchVersion } from '../core/version.js';
import { EXIT, exitOnError } from './errors.js';
import { registerPlan } from './commands/plan.js';
import { registerRun } from './commands/run.js';
import { registerDoctor } from './commands/doctor.js';
import { registerIngest } from './commands/ingest.js';
import { registerCompare } from './commands/compare.js';
import { registerLab } from './commands/lab.js';
import { registerFlamegraph } from './commands/flamegraph.js';

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

registerPlan(program);
registerRun(program);
registerDoctor(program);
registerIngest(program);
registerCompare(program);
registerFlamegraph(program);
registerLab(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  exitOnError(err);
});
