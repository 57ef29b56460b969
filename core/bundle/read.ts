// Loads a run bundle for compare and reports. Tolerates a torn last line of samples.jsonl
// (a run killed mid-append) but nothing else: a malformed bundle is an error, not a guess.
import { readFile } from 'node:fs/promises';
import type { Sample } from '../../model/measurement.js';
import { manifestPath, samplesPath } from './layout.js';
import { READABLE_BUNDLE_SCHEMA_VERSIONS, type LoadedBundle, type Manifest } from '../../model/bundle.js';

export class BundleError extends Error {
  override name = 'BundleError';
}

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(manifestPath(dir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundleError(`${dir}: not a run bundle (${code === 'ENOENT' ? 'no manifest.json' : String(err)})`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new BundleError(`${manifestPath(dir)}: invalid JSON: ${(err as Error).message}`);
  }
  if (!READABLE_BUNDLE_SCHEMA_VERSIONS.includes(manifest.schemaVersion)) {
    throw new BundleError(`${dir}: bundle schema version ${String(manifest.schemaVersion)}, this dmabench reads ${READABLE_BUNDLE_SCHEMA_VERSIONS.join(' and ')}`);
  }
  return manifest;
}

export function parseSamples(text: string, source: string): Sample[] {
  const lines = text.split('\n');
  const samples: Sample[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      samples.push(JSON.parse(line) as Sample);
    } catch (err) {
      // Only the very last line may be torn by an interrupted append.
      if (i === lines.length - 1) return;
      throw new BundleError(`${source}:${i + 1}: invalid sample line: ${(err as Error).message}`);
    }
  });
  return samples;
}

export async function readSamples(dir: string): Promise<Sample[]> {
  let text = '';
  try {
    text = await readFile(samplesPath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return parseSamples(text, samplesPath(dir));
}

export async function readBundle(dir: string): Promise<LoadedBundle> {
  const manifest = await readManifest(dir);
  return { dir, manifest, samples: await readSamples(dir) };
}
