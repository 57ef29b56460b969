// A results tree for `publish` tests, the way many boxes upload into one: the lab's real bundles
// (test/fixtures/bundles, copied as they are), a bundle that cannot be read (a torn manifest), a
// nightly series synthesised from the real 7.2 lab bundle by scripts/bench/synthetic-bundles.ts
// (its head comment gives the transformation) with +6% on the NVMe cell's read.clat.p50 from run
// 20 (lower is better: a regression), and optionally a hostile copy of a real bundle (label, host
// and workload name carrying script payloads; test/helpers/hostile-bundle.ts).
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readRealBundle, writeSyntheticBundle, type SynthesisPlan } from '../../scripts/bench/synthetic-bundles.js';
import { PAYLOAD_CLOSE, PAYLOAD_IMG, PAYLOAD_SCRIPT, writeHostileBundle } from './hostile-bundle.js';
import { fixture } from './paths.js';

export const NIGHTLY_SOURCE = fixture('bundles', 'lab-profile-schema2-7.2');
export const STEP_RUN = 20;

export const NIGHTLY_PLAN: SynthesisPlan = {
  source: NIGHTLY_SOURCE,
  prefix: 'nightly',
  host: 'box-a',
  start: '2026-11-01T02:00:00Z',
  seed: 7,
  shape: (run, cell, metric) => (cell.startsWith('nvme-randread-64k:') && metric === 'read.clat.p50' && run >= STEP_RUN ? 1.06 : 1),
};

export const HOSTILE_HOST = `box${PAYLOAD_IMG}`;
export const HOSTILE_LABEL = `label${PAYLOAD_CLOSE}`;
export const HOSTILE_WORKLOAD = `nvme${PAYLOAD_SCRIPT}`;

export const nightlyDir = (root: string, run: number): string => path.join(root, 'box-a', 'nightly', `run-${String(run).padStart(3, '0')}`);

/** Writes the tree under `root` with `runs` nightly runs; returns nothing the tests cannot find by path. */
export async function writePublishTree(root: string, opts: { runs: number; hostile?: boolean }): Promise<void> {
  for (const name of ['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2', 'lab-rxe-7.2']) {
    await cp(fixture('bundles', name), path.join(root, 'lab', name), { recursive: true });
  }
  await cp(fixture('bundles', 'old-main-fio'), path.join(root, 'vm', 'old-main-fio'), { recursive: true });
  await mkdir(path.join(root, 'vm', 'torn'), { recursive: true });
  await writeFile(path.join(root, 'vm', 'torn', 'manifest.json'), '{"schemaVersion": 2, "label": "torn');
  const real = await readRealBundle(NIGHTLY_SOURCE);
  for (let run = 0; run < opts.runs; run++) await writeSyntheticBundle(real, NIGHTLY_PLAN, run, nightlyDir(root, run));
  if (opts.hostile) {
    await writeHostileBundle(fixture('bundles', 'lab-profile-schema2-6.12'), path.join(root, 'hostile', 'a'), {
      label: HOSTILE_LABEL,
      hostname: HOSTILE_HOST,
      replace: [['nvme-randread-64k', HOSTILE_WORKLOAD]],
    });
  }
}

/** Adds nightly run `run` to the tree. */
export async function addNightlyRun(root: string, run: number): Promise<void> {
  await writeSyntheticBundle(await readRealBundle(NIGHTLY_SOURCE), NIGHTLY_PLAN, run, nightlyDir(root, run));
}
