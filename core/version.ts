// dmabench's own version, read from package.json so there is one place to bump it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

function findPackageJson(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dmabench') return candidate;
    } catch {
      // keep climbing: dist/ and source trees sit at different depths
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('dmabench package.json not found');
    dir = parent;
  }
}

export const packageRoot = path.dirname(findPackageJson(path.dirname(fileURLToPath(import.meta.url))));
export const dmabenchVersion: string = (
  JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;
