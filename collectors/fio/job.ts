// Turns one cell's parameters and a target into fio's argument array (never a shell string).
// One job section on the command line; results always come back as json+ in a file so the
// parser sees fio's own output unmixed with anything fio prints on stdout or stderr.
import { isReadOnlyRw, type FioParams } from './params.js';

/**
 * Where fio does its I/O, as device-safety.ts cleared it (the path resolved).
 * - `file`: a file of `size` (e.g. `1G`), already laid out when this run created it; held to
 *   `readonly` on someone else's.
 * - `device`: a block device; reads always go out with --readonly.
 */
export type FioTarget = { kind: 'file'; path: string; size: string; readonly?: boolean } | { kind: 'device'; path: string; readonly?: boolean };

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

  // For a file `size` is the file fio lays out (or, on someone else's, the part it may use);
  // the amount of I/O is io_size (below).
  if (target.kind === 'file') args.push(`--size=${target.size}`);
  // fio refuses to issue any write with --readonly: for device reads a second lock on top of
  // device-safety.ts.
  if (target.readonly || (target.kind === 'device' && isReadOnlyRw(params.rw))) args.push('--readonly');

  if (params.size !== undefined) args.push(`--io_size=${params.size}`);
  if (params.runtime !== undefined) args.push(`--runtime=${params.runtime}`, '--time_based');
  if (params.ramp_time !== undefined) args.push(`--ramp_time=${params.ramp_time}`);
  if (params.rwmixread !== undefined) args.push(`--rwmixread=${params.rwmixread}`);
  return args;
}
