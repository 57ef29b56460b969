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
