// Series of bundles synthesised from a real one, for `publish` (issue 14 items 5 and Tests): the
// lab's bundles are few, a nightly series is hundreds. The transformation, in full:
//
// - The manifest is the real bundle's, with: label `<prefix>-<run>`; startedAt/endedAt moved to
//   `start + run days`; system.hostname set to `host` (when given); `kernelCommit` set to
//   { commit: the first 40 hex digits of sha256(`<prefix>-<run>`), date: startedAt − 1 h } (one
//   commit per run, in run order).
// - samples.jsonl: the real samples of every pass but the timed one, unchanged. Of the timed pass,
//   per (cell, metric): `reps` repetitions (5 by default), each a copy of the real first
//   repetition's sample with rep = r and, for a primary metric whose real values are positive,
//   value = median(real values) × shape(run, cell, metric) × exp(σ·z), σ = lognormalSigma(cov)
//   (cov 2% by default), z a standard normal draw from mulberry32(seed + run); for other metrics
//   the real repetition r mod n's value.
// - campaign.yaml copied; raw/ not (no fixture bundle of the lab keeps it).
// Same arguments, same bytes.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { metricRole, type Sample } from '../../model/measurement.js';
import type { Manifest } from '../../model/bundle.js';
import { median } from '../../reports/stats/descriptive.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { mulberry32 } from '../../reports/stats/prng.js';

export interface SynthesisPlan {
  /** A real bundle's directory. */
  source: string;
  prefix: string;
  host?: string;
  /** ISO date of run 0. */
  start: string;
  reps?: number;
  cov?: number;
  seed?: number;
  /** The true relative level of a metric at a run (1 = the real level). */
  shape: (run: number, cell: string, metric: string) => number;
}

export interface RealBundle {
  manifest: Manifest;
  samples: Sample[];
}

export async function readRealBundle(dir: string): Promise<RealBundle> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const samples = (await readFile(path.join(dir, 'samples.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Sample);
  return { manifest, samples };
}

export function syntheticCommit(prefix: string, run: number): string {
  return createHash('sha256').update(`${prefix}-${run}`).digest('hex').slice(0, 40);
}

/** The manifest and samples of run `run` of the plan (see the head comment). */
export function synthesise(real: RealBundle, plan: SynthesisPlan, run: number): RealBundle {
  const reps = plan.reps ?? 5;
  const sigma = lognormalSigma(plan.cov ?? 0.02);
  const random = mulberry32((plan.seed ?? 1) * 100_003 + run);
  const day = 86_400_000;
  const started = new Date(Date.parse(plan.start) + run * day);
  const m = real.manifest;
  const manifest: Manifest = {
    ...m,
    label: `${plan.prefix}-${run}`,
    startedAt: started.toISOString(),
    ...(m.endedAt === undefined ? {} : { endedAt: new Date(started.getTime() + (Date.parse(m.endedAt) - Date.parse(m.startedAt))).toISOString() }),
    kernelCommit: { commit: syntheticCommit(plan.prefix, run), date: new Date(started.getTime() - 3_600_000).toISOString() },
    system: m.system && plan.host !== undefined ? { ...m.system, hostname: plan.host } : m.system,
  };
  const samples: Sample[] = real.samples.filter((s) => s.pass !== 'timed');
  const timed = new Map<string, Sample[]>();
  for (const s of real.samples) {
    if (s.pass !== 'timed') continue;
    const key = JSON.stringify([s.cell, s.metric]);
    timed.set(key, [...(timed.get(key) ?? []), s]);
  }
  for (const group of timed.values()) {
    const first = group[0]!;
    const values = group.map((s) => s.value).filter((v): v is number => v !== null);
    const synthetic = metricRole(first) === 'primary' && values.length > 0 && values.every((v) => v > 0);
    const level = synthetic ? median(values) * plan.shape(run, first.cell, first.metric) : 0;
    for (let r = 0; r < reps; r++) {
      const value = synthetic ? level * Math.exp(sigma * standardNormal(random)) : group[r % group.length]!.value;
      samples.push({ ...first, rep: r, value });
    }
  }
  return { manifest, samples };
}

/** Writes run `run` of the plan as a bundle directory `dir`. */
export async function writeSyntheticBundle(real: RealBundle, plan: SynthesisPlan, run: number, dir: string): Promise<void> {
  const { manifest, samples } = synthesise(real, plan, run);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(path.join(dir, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  await copyFile(path.join(plan.source, 'campaign.yaml'), path.join(dir, 'campaign.yaml')).catch(() => undefined);
}
