// How the CLI ends, so that a CI can act on the exit code alone:
//   0 success
//   1 a regression beyond --fail-on-regression, or a failed repetition (set by the commands)
//   2 bad input (campaign, bundle, options, paths), a refused device or write, a missing tool:
//     one line saying what to change
//   3 an internal error, a bug: one line with the message and the file holding the details
//   130 interrupted (SIGINT, SIGTERM, SIGHUP)
// `lab boot` exits with the guest command's own code; its own failures still print a
// `dmabench:` line, which is how the two are told apart.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dmabenchVersion } from '../core/version.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3, interrupted: 130 } as const;

/** Errors whose message is the whole story for the user: exit 2. */
const USER_ERROR_NAMES = new Set([
  'CampaignError',
  'BundleError',
  'ParseError',
  'DeviceSafetyError',
  'MissingToolError',
  'UsageError',
  'PreflightError',
  'LabBootError',
  'HostSetupError',
  'TracefsError',
  'ProfilerOptionsError',
]);

/** System errors about a path the user named (no such file, not a directory, no permission): exit 2. */
const USER_ERRNO_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EEXIST', 'EROFS']);

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command was interrupted by a signal: exit 130. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export function exitCodeFor(err: Error): number {
  if (err.name === 'InterruptedError') return EXIT.interrupted;
  if (USER_ERROR_NAMES.has(err.name)) return EXIT.usage;
  // A system error (errno) about a path, not a bug of ours.
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && USER_ERRNO_CODES.has(code)) return EXIT.usage;
  return EXIT.internal;
}

/** Everything known about an internal error, written to a file the one-line message names. */
function writeDetails(err: Error): string | undefined {
  const file = path.join(os.tmpdir(), `dmabench-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.txt`);
  const causes: string[] = [];
  for (let c: unknown = err.cause; c; c = (c as Error).cause) causes.push(`caused by: ${(c as Error).stack ?? String(c)}`);
  const text = [
    `dmabench ${dmabenchVersion}, node ${process.version}, ${os.type()} ${os.release()}`,
    `command: ${process.argv.slice(2).join(' ')}`,
    `cwd: ${process.cwd()}`,
    '',
    err.stack ?? `${err.name}: ${err.message}`,
    ...causes,
    '',
  ].join('\n');
  try {
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  } catch {
    return undefined;
  }
}

export function exitOnError(err: unknown): never {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = exitCodeFor(e);
  if (code !== EXIT.internal) {
    process.stderr.write(`dmabench: ${e.message}\n`);
    process.exit(code);
  }
  const details = writeDetails(e);
  process.stderr.write(`dmabench: internal error: ${e.message} (${details ? `details in ${details}` : 'could not write the details file'}; please report it)\n`);
  if (!details || process.env.DMABENCH_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exit(code);
}
