// Runs the dmabench CLI from source (through tsx) so tests never depend on a stale dist/.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type Options, type Result } from 'execa';
import { repoRoot } from './paths.js';

export async function runCli(args: string[], options: Options = {}): Promise<Result> {
  return execa(process.execPath, cliArgs(args), { reject: false, cwd: repoRoot, ...options });
}

/** Starts the dmabench CLI from source without waiting: for tests that signal it mid-run. */
export function startCli(args: string[], options: Options = {}) {
  return execa(process.execPath, cliArgs(args), { reject: false, cwd: repoRoot, ...options });
}

/** node's arguments that run the CLI from source with `args`. */
export function cliArgs(args: string[]): string[] {
  return ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args];
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
