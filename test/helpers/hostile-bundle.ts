// Hostile copies of real bundles for the report's escaping tests (issue 13 item 7). The
// transformation, applied to a copy of a real bundle (test/fixtures/bundles/), is:
//   - every string in manifest.json and samples.jsonl has each `from` replaced by its `to`
//     (parsed and written back as JSON, so the bundle still reads: names, cell keys, the campaign
//     and `done` all follow);
//   - `label` and the host name, when given, replace the manifest's `label` and `system.hostname`.
// raw/ and campaign.yaml are copied as they are.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A script that, if it ever ran, would be seen: it sets window.__pwned and logs a console error. */
export const PAYLOAD_SCRIPT = "<script>window.__pwned=1;console.error('pwned')</script>";
/** Closes a script element first, then runs its own. */
export const PAYLOAD_CLOSE = "</script><script>window.__pwned=2;console.error('pwned')</script>";
/** An image whose error handler runs (no src can load under the page's policy). */
export const PAYLOAD_IMG = '<img src=x onerror="window.__pwned=3;console.error(\'pwned\')">';

export interface HostileEdits {
  label?: string;
  hostname?: string;
  /** Substring replacements applied to every string (a workload name: its cells follow). */
  replace?: [from: string, to: string][];
}

function replaceStrings(value: unknown, replace: readonly [string, string][]): unknown {
  if (typeof value === 'string') return replace.reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceStrings(k, replace) as string, replaceStrings(v, replace)]));
  }
  return value;
}

/** Copies the bundle at `source` to `dest` with the edits above; returns `dest`. */
export async function writeHostileBundle(source: string, dest: string, edits: HostileEdits): Promise<string> {
  await cp(source, dest, { recursive: true });
  const replace = edits.replace ?? [];
  const manifestFile = path.join(dest, 'manifest.json');
  const manifest = replaceStrings(JSON.parse(await readFile(manifestFile, 'utf8')), replace) as { label: string; system?: { hostname: string } };
  if (edits.label !== undefined) manifest.label = edits.label;
  if (edits.hostname !== undefined && manifest.system) manifest.system.hostname = edits.hostname;
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  const samplesFile = path.join(dest, 'samples.jsonl');
  const lines = (await readFile(samplesFile, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  await writeFile(samplesFile, lines.map((l) => JSON.stringify(replaceStrings(JSON.parse(l), replace))).join('\n') + '\n');
  return dest;
}
