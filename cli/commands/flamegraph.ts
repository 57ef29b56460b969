import type { Command } from 'commander';
import { cellFlameGraph, diffFlameGraph } from '../../reports/flamegraph/bundles.js';

export function registerFlamegraph(program: Command): void {
  program
    .command('flamegraph')
    .description('flame graph of one cell from a bundle\'s perf-record passes; with a second bundle, the differential flame graph (red grew, blue shrank)')
    .argument('<base>', 'bundle directory (the base, when a candidate is given)')
    .argument('[candidate]', 'candidate bundle directory: draw the difference from base to candidate')
    .requiredOption('--cell <cell>', 'cell key, as `dmabench plan` prints it')
    .requiredOption('--out <file.svg>', 'SVG to write')
    .option('--no-normalize', 'keep raw sample counts instead of scaling the base to the candidate\'s total')
    .option('--pairs', 'also write the `stack countA countB` pairs next to the SVG')
    .action(async (base: string, candidate: string | undefined, opts: { cell: string; out: string; normalize: boolean; pairs?: boolean }) => {
      if (candidate === undefined) {
        const r = await cellFlameGraph(base, opts.cell, opts.out);
        process.stdout.write(`${r.svgFile}: ${r.stacks} stacks, ${r.samples} samples\n`);
        return;
      }
      const r = await diffFlameGraph(base, candidate, opts.cell, opts.out, { normalize: opts.normalize, writePairs: opts.pairs });
      process.stdout.write(`${r.svgFile}: ${r.stacks} stacks, ${r.samplesA} samples in the base, ${r.samplesB} in the candidate\n`);
    });
}
