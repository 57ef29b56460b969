// Writes the site's files incrementally and deterministically (issue 14 item 4). Each page is a
// job: its path, what it is made from (`key`: a hash of its inputs, for the pages that are costly
// to render: run and compare pages) and how to render it. A job whose key matches the one recorded
// in the state file (.dmabench-publish.json) for a file still there is not rendered again; a
// rendered page is written only when its bytes differ from the file's. Files of the previous
// publish that no job makes any more are removed. What was written and removed is returned (the
// write log the tests check). Writes go to a temporary file renamed over the page (a reader of the
// site never sees half a page); not fsynced: a site is made again from the bundles.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const STATE_FILE = '.dmabench-publish.json';
/** Bumped when the pages change shape for the same inputs: every keyed page renders again. */
export const SITE_FORMAT = 1;

export interface PageJob {
  /** Relative to the site's root, with '/' separators. */
  path: string;
  /** Hash of the inputs; absent: always rendered (cheap pages), written only when the bytes differ. */
  key?: string;
  render: () => string | Promise<string>;
}

export interface WriteLog {
  written: string[];
  removed: string[];
  /** Pages neither rendered nor written (their key matched). */
  skipped: number;
}

interface State {
  format: number;
  generator: string;
  pages: Record<string, { key?: string; sha256: string; bytes: number }>;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

async function readState(site: string): Promise<State | undefined> {
  try {
    const state = JSON.parse(await readFile(path.join(site, STATE_FILE), 'utf8')) as State;
    return state.format === SITE_FORMAT && typeof state.pages === 'object' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The file's size, or -1 when it is not there: a kept page is checked by size, not read again (run pages are large and many). */
async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return -1;
  }
}

async function fileSha(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

let counter = 0;
async function replaceFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Writes the jobs' pages under `site`; see the head comment. */
export async function writeSite(site: string, jobs: readonly PageJob[], generator: string): Promise<WriteLog> {
  const previous = (await readState(site)) ?? { format: SITE_FORMAT, generator, pages: {} };
  const sameGenerator = previous.generator === generator;
  const next: State = { format: SITE_FORMAT, generator, pages: {} };
  const log: WriteLog = { written: [], removed: [], skipped: 0 };
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.path)) throw new Error(`two pages of the site at ${job.path}`);
    seen.add(job.path);
    const file = path.join(site, ...job.path.split('/'));
    const before = previous.pages[job.path];
    if (job.key !== undefined && sameGenerator && before?.key === job.key && (await fileSize(file)) === before.bytes) {
      next.pages[job.path] = before;
      log.skipped++;
      continue;
    }
    const text = await job.render();
    const sha = sha256(text);
    if ((await fileSha(file)) !== sha) {
      await replaceFile(file, text);
      log.written.push(job.path);
    }
    next.pages[job.path] = { ...(job.key === undefined ? {} : { key: job.key }), sha256: sha, bytes: Buffer.byteLength(text, 'utf8') };
  }
  for (const old of Object.keys(previous.pages).sort()) {
    if (seen.has(old)) continue;
    await unlink(path.join(site, ...old.split('/'))).catch(() => undefined);
    log.removed.push(old);
  }
  const sorted: State = { ...next, pages: Object.fromEntries(Object.entries(next.pages).sort(([a], [b]) => (a < b ? -1 : 1))) };
  await replaceFile(path.join(site, STATE_FILE), JSON.stringify(sorted, null, 1) + '\n');
  return log;
}
