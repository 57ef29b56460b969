// The benchmarks of dmabench run on the real tool captures kept for the parser tests
// (test/fixtures, each with the command, tool version and kernel that made it). Read as files,
// never imported: scripts do not depend on the test code.
import path from 'node:path';
import { packageRoot } from '../../core/version.js';

/** Absolute path of a captured tool output, e.g. capture('fio', 'randread-3.33.json'). */
export function capture(...parts: string[]): string {
  return path.join(packageRoot, 'test', 'fixtures', ...parts);
}
