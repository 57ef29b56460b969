// Turns one cell's parameters and a target into fio's argument array (never a shell string).
// One job section on the command line; results always come back as json+ in a file so the
// parser sees fio's own output unmixed with anything fio prints on stdout or stderr.
import { isReadOnlyRw, type FioParams } from './params.js';

/**
 * Where fio does its I/O.
 * - `file`: a scratch file fio lays out itself at `size` (e.g. `1G`).
 * - `device`: a whole block device; writes need the workload's `destructive: true` and pass
 *   the checks in device-safety.ts (no mounts, partitions, holders or signatures).
 */
export type FioTarget = { kind: 'file'; path: string; size: string } | { kind: 'device'; path: string };

export interface FioJobOptions {
  /** Where fio writes its json+ result (`--output`). */
  outputFile: string;
  /** fio's job name; shows up as `jobname` in the JSON. */
  jobName: string;
}

/** fio splits `filename=` on ':' (several files per job); a literal colon must be escaped. */
export function escapeFioFilename(p: string): string {
  return p.replace(/:/g, '\\:');
}

/** Argument array for `fio` running one cell against one target. */
export function buildFioArgs(params: FioParams, target: FioTarget, opts: FioJobOptions): string[] {
  const args: string[] = [
    `--output-format=json+`,
    `--output=${opts.outputFile}`,
    // A single result entry per run however many jobs: numjobs scales the load, not the report.
    '--group_reporting',
    // No progress line: nothing on a terminal reads it and it would clutter captured stderr.
    '--eta=never',
    `--name=${opts.jobName}`,
    `--filename=${escapeFioFilename(target.path)}`,
    `--rw=${params.rw}`,
    `--bs=${params.bs}`,
    `--ioengine=${params.ioengine}`,
    `--iodepth=${params.iodepth}`,
    `--numjobs=${params.numjobs}`,
    `--direct=${params.direct}`,
  ];

  if (target.kind === 'file') {
    // For a file `size` is the file fio lays out; the amount of I/O is io_size (below).
    args.push(`--size=${target.size}`);
  } else if (isReadOnlyRw(params.rw)) {
    // fio refuses to issue any write with --readonly: a second lock on top of device-safety.ts.
    args.push('--readonly');
  }

  if (params.size !== undefined) args.push(`--io_size=${params.size}`);
  if (params.runtime !== undefined) args.push(`--runtime=${params.runtime}`, '--time_based');
  if (params.ramp_time !== undefined) args.push(`--ramp_time=${params.ramp_time}`);
  if (params.rwmixread !== undefined) args.push(`--rwmixread=${params.rwmixread}`);
  return args;
}
