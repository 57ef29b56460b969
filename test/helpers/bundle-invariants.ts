// What a bundle must hold after any interruption (a killed process, a crashed machine), checked
// from what is on the disk: every repetition the manifest marks done has its samples exactly once
// and its raw fio output, parsable. Samples of repetitions not marked done may be there (the
// process died between the append and the manifest); --resume drops them. Used by the host
// SIGKILL test and, compiled, inside lab guests after a crash (lab-crash-resume).
import { readFile } from 'node:fs/promises';
import { readManifest, parseSamples } from '../../core/bundle/read.js';
import { passKey, rawRepDir, samplesPath } from '../../core/bundle/layout.js';
import { cellDirName } from '../../core/campaign/matrix.js';
import { FIO_OUTPUT_FILE } from '../../collectors/fio/run.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import type { PassKind } from '../../model/measurement.js';

export interface BundleCheck {
  status: string;
  /** Repetitions the manifest marks done. */
  done: number;
  /** Every broken guarantee, one line each; empty when the bundle is sound. */
  violations: string[];
  /** Samples of repetitions not marked done (allowed: --resume drops them). */
  undoneSamples: number;
  /** samples.jsonl ends in a line that is not whole JSON (a crash in the middle of an append). */
  tornTail: boolean;
}

/** Checks the bundle in `dir`, whose fio workloads each give exactly one sample of `metric` per repetition. */
export async function checkBundle(dir: string, metric = 'read.iops'): Promise<BundleCheck> {
  const manifest = await readManifest(dir);
  const text = await readFile(samplesPath(dir), 'utf8');
  const lastLine = text.split('\n').at(-1) ?? '';
  const tornTail = lastLine.trim() !== '' && !isJson(lastLine);
  const samples = parseSamples(text, samplesPath(dir));
  const violations: string[] = [];

  const seen = new Map<string, number>();
  for (const s of samples) {
    const k = `${s.cell}|${s.pass}|${s.rep}|${s.tool}|${s.metric}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  let undoneSamples = 0;
  for (const s of samples) {
    if (!manifest.done[passKey(s.cell, s.pass)]?.includes(s.rep)) undoneSamples++;
  }

  let done = 0;
  for (const [key, reps] of Object.entries(manifest.done)) {
    const cut = key.lastIndexOf('|');
    const cell = key.slice(0, cut);
    const pass = key.slice(cut + 1) as PassKind;
    if (new Set(reps).size !== reps.length) violations.push(`${key}: a repetition is marked done twice: ${reps.join(',')}`);
    for (const rep of reps) {
      done++;
      const mine = [...seen].filter(([k]) => k.startsWith(`${cell}|${pass}|${rep}|`));
      const count = seen.get(`${cell}|${pass}|${rep}|fio|${metric}`) ?? 0;
      if (count !== 1) violations.push(`${key} #${rep}: marked done with ${count} ${metric} samples`);
      for (const [k, n] of mine) if (n > 1) violations.push(`${k}: ${n} copies`);
      const raw = `${rawRepDir(dir, cellDirName(cell), pass, rep)}/${FIO_OUTPUT_FILE}`;
      try {
        parseFioOutput(await readFile(raw, 'utf8'), raw);
      } catch (err) {
        violations.push(`${key} #${rep}: marked done but its raw output is not fio's: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { status: manifest.status, done, violations, undoneSamples, tornTail };
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
