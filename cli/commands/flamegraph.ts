import type { Command } from 'commander';
import { diffFlameGraph } from '../../reports/flamegraph/diff-bundles.js';

export function registerFlamegraph(program: Command): void {
  program
    .command('flamegraph')
    .description('differential flame graph of one cell between two bundles (from their perf-record passes): red grew, blue shrank')
    .argument('<base>', 'base bundle directory')
    .argument('<candidate>', 'candidate bundle directory')
    .requiredOption('--cell <cell>', 'cell key, as `dmabench plan` prints it')
    .requiredOption('--out <file.svg>', 'SVG to write')
    .option('--no-normalize', 'keep raw sample counts instead of scaling the base to the candidate\'s total')
    .option('--pairs', 'also write the `stack countA countB` pairs next to the SVG')
    .action(async (base: string, candidate: string, opts: { cell: string; out: string; normalize: boolean; pairs?: boolean }) => {
      const r = await diffFlameGraph(base, candidate, opts.cell, opts.out, { normalize: opts.normalize, writePairs: opts.pairs });
      process.stdout.write(`${r.svgFile}: ${r.stacks} stacks, ${r.samplesA} samples in the base, ${r.samplesB} in the candidate\n`);
    });
}
