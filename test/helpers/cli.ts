// Runs the dmabench CLI from source (through tsx) so tests never depend on a stale dist/.
import { execa, type Options, type Result } from 'execa';
import path from 'node:path';
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
