// A repetition's latency histograms on disk (`raw/<cell>/<pass>-<rep>/histograms.json`,
// ARCHITECTURE.md "The run bundle"): the normalized form of the distributions a tool exported,
// written by its collector next to the tool's own output and read by reports, which never import
// collectors. Read like every file of a bundle: checked against the model's schema and for
// consistency, a bad file is a BundleError naming it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  HISTOGRAMS_FORMAT_VERSION,
  histogramProblem,
  repetitionHistogramsSchema,
  type NamedHistogram,
  type RepetitionHistograms,
} from '../../model/latency-histogram.js';
import { HISTOGRAMS_FILE } from './layout.js';
import { BundleError } from './read.js';

/** The file's text: one histogram per line, so a diff or a grep of a bundle stays readable. */
export function serializeHistograms(tool: string, histograms: NamedHistogram[]): string {
  const file: RepetitionHistograms = { version: HISTOGRAMS_FORMAT_VERSION, tool, histograms };
  const lines = file.histograms.map((h) => `    ${JSON.stringify(h)}`);
  return `{\n  "version": ${file.version},\n  "tool": ${JSON.stringify(file.tool)},\n  "histograms": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

/** The histograms of the repetition whose raw directory is `repDir`; undefined when it has none. */
export async function readHistograms(repDir: string): Promise<RepetitionHistograms | undefined> {
  return readHistogramsSync(repDir);
}

/**
 * readHistograms, synchronous: a report reads one small file per repetition of every
 * microbenchmark cell (1 460 for a 146-cell pair of 5 repetitions), and fs/promises' readFile
 * spent 0.35 s of CPU on them where readFileSync spends 0.05 s (scripts/bench/report-speed.ts).
 */
export function readHistogramsSync(repDir: string): RepetitionHistograms | undefined {
  const file = path.join(repDir, HISTOGRAMS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BundleError(`${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  const parsed = repetitionHistogramsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleError(`${file}: not a dmabench histograms file: ${issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'invalid'}`);
  }
  for (const h of parsed.data.histograms) {
    const problem = histogramProblem(h);
    if (problem) throw new BundleError(`${file}: histogram of ${h.metric}: ${problem}`);
  }
  return parsed.data;
}
