// Runs the dmabench CLI from source (through tsx) so tests never depend on a stale dist/.
import { execa, type Options, type Result } from 'execa';
import path from 'node:path';
import { repoRoot } from './paths.js';

export async function runCli(args: string[], options: Options = {}): Promise<Result> {
  return execa(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], {
    reject: false,
    cwd: repoRoot,
    ...options,
  });
}
