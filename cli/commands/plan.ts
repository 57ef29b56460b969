import type { Command } from 'commander';
import { loadPlan, renderPlan, repetitionDeadlineSec } from '../../runner/plan.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('print the expanded cells of a campaign and its estimated duration, without running anything')
    .argument('<campaign>', 'campaign file (YAML)')
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { plan } = await loadPlan(file);
      if (opts.json) {
        // passes: every pass a boot can run for the cell, timed ones up to its max repetitions.
        const cells = plan.cells.map((c) => ({ cell: c.key, tool: c.workload.tool, params: c.params, repetitions: c.repetitions, passes: c.passes, estimateSec: c.estimateSec, ...(c.estimateBasis ? { estimateBasis: c.estimateBasis } : {}), deadlineSec: repetitionDeadlineSec(c) }));
        const { order, totalPasses, minPasses, estimateSec, minEstimateSec } = plan;
        process.stdout.write(JSON.stringify({ name: plan.campaign.name, order, cells, totalPasses, minPasses, estimateSec, minEstimateSec }, null, 2) + '\n');
      } else {
        process.stdout.write(renderPlan(plan) + '\n');
      }
    });
}
