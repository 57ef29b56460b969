// What a bundle copied off its box may lack (issue 13 item 1: "possibly trimmed of large raw
// files: what is missing is said, the rest still renders"). The report is drawn from manifest.json
// and samples.jsonl; the files below only add to it, so their absence is a note, not an error.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CAMPAIGN_COPY_FILE } from '../../core/bundle/layout.js';
import type { LoadedBundle } from '../../model/bundle.js';

/** The repetitions' tool outputs (core/bundle/layout.ts rawRepDir). */
const RAW_DIR = 'raw';

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Sentences saying what this copy of the bundle lacks and what that leaves out; empty when complete. */
export async function missingFromBundle(bundle: LoadedBundle): Promise<string[]> {
  const out: string[] = [];
  if (!(await isDirectory(path.join(bundle.dir, RAW_DIR)))) {
    out.push(
      `${RAW_DIR}/ is not in this copy: the tools' own outputs (fio JSON, traces, perf data, latency histograms, folded stacks) are missing, ` +
        'so nothing drawn from them is shown; the table and the charts come from samples.jsonl and are complete',
    );
  }
  if (!(await isFile(path.join(bundle.dir, CAMPAIGN_COPY_FILE)))) {
    out.push(`${CAMPAIGN_COPY_FILE} is not in this copy: the campaign as given is missing (the manifest keeps the resolved campaign)`);
  }
  return out;
}
