// Loads a run bundle for compare and reports. Tolerates a torn last line of samples.jsonl
// (a run killed mid-append) but nothing else: a malformed bundle is an error, not a guess.
// Both files are checked against the model's schemas (model/bundle.ts, model/measurement.ts) as
// they are read, so a mangled or foreign bundle is a BundleError naming the file, the line and the
// field, never a TypeError later.
import { readFile } from 'node:fs/promises';
import type { ZodError } from 'zod';
import { sampleSchema, type Sample } from '../../model/measurement.js';
import { manifestPath, samplesPath } from './layout.js';
import { canonicalizeCellKeys } from './rekey.js';
import { manifestSchema, READABLE_BUNDLE_SCHEMA_VERSIONS, type LoadedBundle, type Manifest } from '../../model/bundle.js';

export class BundleError extends Error {
  override name = 'BundleError';
}

/** The first problem zod found, as `field.path: message`. */
function firstIssue(err: ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  return `${where || '(top level)'}: ${issue.message}`;
}

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(manifestPath(dir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundleError(`${dir}: not a run bundle (${code === 'ENOENT' ? 'no manifest.json' : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`${manifestPath(dir)}: invalid JSON: ${(err as Error).message}`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && !READABLE_BUNDLE_SCHEMA_VERSIONS.includes(version)) {
    throw new BundleError(`${dir}: bundle schema version ${version}, this dmabench reads ${READABLE_BUNDLE_SCHEMA_VERSIONS.join(' and ')}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new BundleError(`${manifestPath(dir)}: not a dmabench manifest: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

export function parseSamples(text: string, source: string): Sample[] {
  const lines = text.split('\n');
  const samples: Sample[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      // Only the very last line may be torn by an interrupted append.
      if (i === lines.length - 1) return;
      throw new BundleError(`${source}:${i + 1}: invalid sample line: ${(err as Error).message}`);
    }
    const parsed = sampleSchema.safeParse(json);
    if (!parsed.success) throw new BundleError(`${source}:${i + 1}: not a sample: ${firstIssue(parsed.error)}`);
    samples.push(parsed.data);
  });
  return samples;
}

export async function readSamples(dir: string): Promise<Sample[]> {
  let text = '';
  try {
    text = await readFile(samplesPath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new BundleError(`${samplesPath(dir)}: ${(err as Error).message}`);
  }
  return parseSamples(text, samplesPath(dir));
}

/** A bundle for reports, its cells keyed as this dmabench keys them (core/bundle/rekey.ts: older bundles are re-keyed). */
export async function readBundle(dir: string): Promise<LoadedBundle> {
  const manifest = await readManifest(dir);
  const samples = await readSamples(dir);
  canonicalizeCellKeys(manifest, samples);
  return { dir, manifest, samples };
}
