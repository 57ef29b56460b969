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

const BETTER = new Set(['higher', 'lower', 'none']);
const ROLES = new Set(['primary', 'informational', 'descriptive']);
const PROFILE_PASS = /^profile:./;

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * A quick check for the common case, about twenty times faster than zod (a comparison reads tens
 * of thousands of samples, and zod was most of `compare`'s time). It accepts only what
 * sampleSchema accepts (test/unit/bundle-read.test.ts holds it to that); a line it does not accept
 * goes through sampleSchema, which stays the authority and names the field that is wrong.
 */
export function isPlainSample(x: unknown): x is Sample {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const s = x as Record<string, unknown>;
  const pass = s.pass;
  return (
    isString(s.workload) &&
    isString(s.cell) &&
    isCount(s.rep) &&
    isString(pass) &&
    (pass === 'timed' || pass === 'warmup' || PROFILE_PASS.test(pass)) &&
    isString(s.tool) &&
    isString(s.metric) &&
    s.metric.length > 0 &&
    (s.value === null || (typeof s.value === 'number' && Number.isFinite(s.value))) &&
    isString(s.unit) &&
    isString(s.better) &&
    BETTER.has(s.better) &&
    (!('role' in s) || (isString(s.role) && ROLES.has(s.role))) &&
    (!('bootId' in s) || isString(s.bootId)) &&
    (!('order' in s) || isCount(s.order))
  );
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
    if (isPlainSample(json)) {
      samples.push(json);
      return;
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
