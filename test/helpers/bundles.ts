// Bundles built in tests (plain data, not tool output) for compare and the renderers.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sample } from '../../model/measurement.js';
import { BUNDLE_SCHEMA_VERSION, type LoadedBundle, type Manifest } from '../../model/bundle.js';

export interface TestSystem {
  release: string;
  mode: 'strict' | 'lazy' | 'off';
  hostname?: string;
}

/** A complete manifest with nothing run; `system` null when the test wants no system state. */
export function testManifest(label: string, system: TestSystem | null = null): Manifest {
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    label,
    status: 'complete',
    startedAt: '2025-01-01T00:00:00Z',
    dmabenchVersion: '0.1.0',
    campaign: {},
    system: system && {
      hostname: system.hostname ?? 'lab',
      kernel: { release: system.release, version: '#1', cmdline: '' },
      iommu: { mode: system.mode, groups: [] },
      cpu: { model: 'qemu', cores: 2 },
    },
    cells: [],
    done: {},
    errors: [],
  };
}

export function testBundle(dir: string, label: string, samples: Sample[], system: TestSystem | null = null): LoadedBundle {
  return { dir, samples, manifest: testManifest(label, system) };
}

/** A bundle on disk with one cell's read IOPS per repetition: for tests of compare's contract, not of a tool. */
export async function writeTestBundle(dir: string, label: string, iops: number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(testManifest(label)));
  const samples: Sample[] = iops.map((value, rep) => ({
    workload: 'w', cell: 'w:bs=64k', rep, pass: 'timed', tool: 'fio', metric: 'read.iops', value, unit: 'IOPS', better: 'higher',
  }));
  await writeFile(path.join(dir, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

/** The read.iops of a base and of three candidates whose verdicts against it are known. */
export const VERDICT_CASES = {
  worse: [500, 505, 510, 515, 520],
  better: [2000, 2010, 2020, 2030, 2040],
  same: [1000, 1010, 1020, 1030, 1040],
} as const;

/**
 * Writes `dir/base` and one bundle per VERDICT_CASES entry (`dir/worse`, ...): one cell's
 * read.iops per repetition, compare's contract (the lab fixtures have 2 repetitions per side, too
 * few for any verdict). Returns the base and the candidates by name.
 */
export async function writeVerdictBundles(dir: string): Promise<{ base: string; candidates: [keyof typeof VERDICT_CASES, string][] }> {
  const base = path.join(dir, 'base');
  await writeTestBundle(base, 'base', [1000, 1010, 1020, 1030, 1040]);
  const candidates: [keyof typeof VERDICT_CASES, string][] = [];
  for (const [name, iops] of Object.entries(VERDICT_CASES) as [keyof typeof VERDICT_CASES, readonly number[]][]) {
    await writeTestBundle(path.join(dir, name), name, [...iops]);
    candidates.push([name, path.join(dir, name)]);
  }
  return { base, candidates };
}
