// Runs the dmabench CLI as a user does, from dist/cli/main.js, when dist/ is newer than every
// source file (`npm test` builds first); otherwise from source through tsx, so a test run right
// after an edit never tests stale code. tsx costs ~2 s of CPU per start, and the unit tests start
// the CLI a few hundred times.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type Options, type Result } from 'execa';
import { staleDistFiles } from './dist.js';
import { repoRoot } from './paths.js';

export async function runCli(args: string[], options: Options = {}): Promise<Result> {
  return execa(process.execPath, cliArgs(args), { reject: false, cwd: repoRoot, ...options });
}

/** Starts the dmabench CLI without waiting: for tests that signal it mid-run. */
export function startCli(args: string[], options: Options = {}) {
  return execa(process.execPath, cliArgs(args), { reject: false, cwd: repoRoot, ...options });
}

let entry: string[] | undefined;

/** node's arguments that start the CLI, before the CLI's own: the build when current, else the source through tsx. */
export function cliEntry(): string[] {
  entry ??= staleDistFiles().length === 0 ? [path.join(repoRoot, 'dist', 'cli', 'main.js')] : ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts')];
  return [...entry];
}

/** node's arguments that run the CLI with `args`. */
export function cliArgs(args: string[]): string[] {
  return [...cliEntry(), ...args];
}

/** The CLI's stderr, asserting it is exactly one `dmabench:` line (how every error is reported). */
export function oneErrorLine(stderr: unknown): string {
  const lines = String(stderr).trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${String(stderr)}`);
  assert.match(lines[0]!, /^dmabench: /);
  return lines[0]!;
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
