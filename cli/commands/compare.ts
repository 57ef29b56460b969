import type { Command } from 'commander';
import { readBundle } from '../../core/bundle/read.js';
import { compareBundles, worstRegressionOf, type WorstRegression } from '../../reports/compare/compare.js';
import { compareAcross, parseAcross, SelectionError } from '../../reports/compare/across.js';
import type { Comparison } from '../../reports/compare/types.js';
import { renderTerminal } from '../../reports/render/terminal.js';
import { renderText } from '../../reports/render/text.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderJson } from '../../reports/render/json.js';
import { renderCsv } from '../../reports/render/csv.js';
import { UsageError } from '../errors.js';

const renderers: Record<string, (c: Comparison) => string> = {
  terminal: (c) => renderTerminal(c, { colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }),
  text: renderText,
  markdown: renderMarkdown,
  json: renderJson,
  csv: renderCsv,
};

function number(name: string, min: number, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number between ${min} and ${max}, got ${value}`);
    return n;
  };
}

/** A number strictly between `low` and `high` (a significance level: 0 and 1 make no test). */
function openInterval(name: string, low: number, high: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= low || n >= high) throw new UsageError(`${name} must be a number greater than ${low} and less than ${high}, got ${value}`);
    return n;
  };
}

export interface CompareCliOptions {
  format: string;
  noise: number;
  alpha: number;
  seed: number;
  bootstrap: number;
  pass: string;
  failOnRegression?: number;
  /** PARAM=VALUE: within one bundle, the cells with PARAM=VALUE against those identical but for PARAM. */
  across?: string;
  /** The candidates' pass (one bundle: itself, its --pass against this one). */
  vsPass?: string;
}

/** Compares bundle directories and renders the result; shared with `lab run`. */
export async function compareAndRender(dirs: string[], opts: CompareCliOptions): Promise<{ output: string; regressionPct: number; worst: WorstRegression | null }> {
  const render = renderers[opts.format];
  if (!render) throw new UsageError(`unknown --format ${opts.format} (${Object.keys(renderers).join(', ')})`);
  if (opts.across !== undefined && opts.vsPass !== undefined) throw new UsageError('--across and --vs-pass do not go together: --across compares cells of one pass');
  if (opts.across !== undefined && dirs.length !== 1) throw new UsageError(`--across compares cells within one bundle: give one bundle directory, not ${dirs.length}`);
  if (opts.across === undefined && opts.vsPass === undefined && dirs.length < 2) {
    throw new UsageError('compare needs a base and at least one candidate bundle (or one bundle with --across PARAM=VALUE or --vs-pass PASS)');
  }
  const bundles = await Promise.all(dirs.map((d) => readBundle(d)));
  const options = { noisePct: opts.noise, alpha: opts.alpha, seed: opts.seed, bootstrapIterations: opts.bootstrap, pass: opts.pass, vsPass: opts.vsPass };
  let comparison: Comparison;
  try {
    comparison = opts.across !== undefined ? compareAcross(bundles[0]!, parseAcross(opts.across), options) : compareBundles(bundles, options);
  } catch (err) {
    if (err instanceof SelectionError) throw new UsageError(err.message);
    throw err;
  }
  const worst = worstRegressionOf(comparison);
  return { output: render(comparison), regressionPct: worst?.pct ?? 0, worst };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare run bundles: per cell and metric the medians, the change as a Hodges-Lehmann ratio with its rank interval, Mann-Whitney p, Benjamini-Hochberg q and a verdict')
    .argument('<bundles...>', 'the base bundle directory, then the candidates (one bundle with --across or --vs-pass)')
    .option('--format <format>', `terminal, text (mailing list), markdown, json or csv`, 'terminal')
    .option('--noise <pct>', 'a change counts only when its whole interval lies beyond ±PCT %; within it reads "no difference"', number('--noise', 0, 1000), 2)
    .option('--alpha <p>', 'false discovery rate for the star (q < alpha); intervals aim at 1 - alpha', openInterval('--alpha', 0, 1), 0.05)
    .option('--seed <n>', 'seed of the random splits and resamples (results are reproducible for a seed)', number('--seed', 0), 1)
    .option('--bootstrap <n>', 'resamples of the two-level bootstrap (sides that ran in several boots)', number('--bootstrap', 100, 1e6), 2000)
    .option('--pass <pass>', 'which pass to compare (timed, warmup, profile:ftrace, ...)', 'timed')
    .option('--vs-pass <pass>', "the candidates' pass; with one bundle, its --pass against this one (timed against profile:ftrace: the tracing overhead)")
    .option('--across <param=value>', 'within one bundle: the cells with PARAM=VALUE (api=sg) as the base, the cells identical but for PARAM as candidates')
    .option('--fail-on-regression <pct>', "exit 1 when a primary metric's whole interval lies more than PCT % in its bad direction", number('--fail-on-regression', 0))
    .action(async (dirs: string[], opts: CompareCliOptions) => {
      const { output, worst } = await compareAndRender(dirs, opts);
      process.stdout.write(output.endsWith('\n') ? output : output + '\n');
      if (opts.failOnRegression !== undefined && worst && worst.pct > opts.failOnRegression) {
        const where = `${worst.candidateLabel}: ${worst.row.cell} ${worst.row.metric}`;
        const ci = worst.candidate.ci!;
        process.stderr.write(
          `dmabench: regression beyond --fail-on-regression ${opts.failOnRegression}%: ${where}, whole ${(100 * ci.level).toFixed(1)}% interval ` +
            `[${ci.lowPct.toFixed(1)}%, ${ci.highPct.toFixed(1)}%] at least ${worst.pct.toFixed(1)}% worse\n`,
        );
        process.exitCode = 1;
      }
    });
}
