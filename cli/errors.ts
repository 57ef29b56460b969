// How the CLI ends on an error: expected problems (bad input, missing tools, refused writes)
// print one line and exit 2; anything else is a bug and prints its stack when DMABENCH_DEBUG=1.

/** Errors whose message is the whole story for the user. */
const USER_ERROR_NAMES = new Set([
  'CampaignError',
  'BundleError',
  'ParseError',
  'DeviceSafetyError',
  'MissingToolError',
  'UsageError',
  'LabBootError',
  'HostSetupError',
  'TracefsError',
]);

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitOnError(err: unknown): never {
  const e = err instanceof Error ? err : new Error(String(err));
  const user = USER_ERROR_NAMES.has(e.name) || (e as NodeJS.ErrnoException).code === 'ENOENT';
  process.stderr.write(`dmabench: ${e.message}\n`);
  if (!user && process.env.DMABENCH_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exit(user ? 2 : 1);
}
