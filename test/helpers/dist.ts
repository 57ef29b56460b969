// Whether dist/ is current: every shipped source (and scripts/) has a compiled file at least as
// new as it. The unit tests run the built CLI only then (cli.ts); the lab guests run dist/, so the
// lab profile test checks it after its build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

const COMPILED_DIRS = ['cli', 'lab', 'runner', 'reports', 'collectors', 'core', 'model', 'scripts'];

/** The sources (relative to the checkout) whose compiled file is missing or older than they are. */
export function staleDistFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const js = path.join(repoRoot, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(path.join(repoRoot, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  for (const top of COMPILED_DIRS) walk(top);
  return stale;
}
