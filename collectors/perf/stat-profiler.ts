// `perf stat` attached to a profile pass: system-wide counters over the workload's run, written by
// perf to RAWDIR/perf-stat.csv and parsed with collectors/perf/stat-parse.ts. A counter the
// machine cannot count (hardware events under emulation) comes out as null, never 0.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PROFILER_DEADLINE_SEC, type ActiveProfiler, type Profiler, type ProfilerContext } from '../../model/profiler.js';
import type { Measurement } from '../../model/measurement.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';
import { parsePerfStat } from './stat-parse.js';
import { multiplexedEvents, multiplexWarning, perfStatMeasurements } from './stat-measurements.js';
import { perfExitedCleanly, perfFailure, startControlledPerf } from './control.js';
import { parseProfilerOptions } from '../profiler-options.js';

export const PERF_STAT_FILE = 'perf-stat.csv';
export const PERF_STAT_STDERR_FILE = 'perf-stat-stderr.txt';

export const defaultPerfStatEvents = [
  'task-clock',
  'context-switches',
  'cpu-migrations',
  'page-faults',
  'cycles',
  'instructions',
  'cache-misses',
  'dTLB-load-misses',
  'iTLB-load-misses',
] as const;

const eventName = z.string().regex(/^[A-Za-z0-9_.:/=,-]+$/, 'a perf event name (no spaces)');

export const perfStatOptionsSchema = z
  .object({
    /** Events for -e; a list or a comma-separated string. */
    events: z.union([z.array(eventName).nonempty(), eventName]).optional(),
  })
  .strict();

export type PerfStatOptions = z.infer<typeof perfStatOptionsSchema>;

export function perfStatEvents(opts: PerfStatOptions): string[] {
  if (opts.events === undefined) return [...defaultPerfStatEvents];
  return Array.isArray(opts.events) ? opts.events : [opts.events];
}

/** Arguments after `perf stat` (the control arguments are added by startControlledPerf). */
export function perfStatArgs(opts: PerfStatOptions, outputFile: string): string[] {
  return ['-a', '-x,', '-e', perfStatEvents(opts).join(','), '-o', outputFile];
}

export const perfStatProfiler: Profiler = {
  kind: 'perf-stat',
  async preflight(options) {
    parseProfilerOptions('perf-stat', perfStatOptionsSchema, options);
    await assertToolInstalled('perf', ['version'], 'linux-perf');
  },
  async start(ctx: ProfilerContext): Promise<ActiveProfiler> {
    const opts = parseProfilerOptions('perf-stat', perfStatOptionsSchema, ctx.options);
    const output = path.join(ctx.rawDir, PERF_STAT_FILE);
    const deadlineSec = ctx.deadlineSec ?? DEFAULT_PROFILER_DEADLINE_SEC;
    const perf = await startControlledPerf('stat', perfStatArgs(opts, output), { signal: ctx.signal, deadlineSec });
    return {
      on: () => perf.enable(),
      off: () => perf.disable(),
      async stop({ ios, workloadOk }): Promise<Measurement[]> {
        const exit = await perf.stop();
        await writeFile(path.join(ctx.rawDir, PERF_STAT_STDERR_FILE), exit.stderr);
        if (!workloadOk) return [];
        if (!perfExitedCleanly(exit)) throw new Error(perfFailure('stat', exit, deadlineSec));
        const result = parsePerfStat(await readFile(output, 'utf8'));
        const warning = multiplexWarning(multiplexedEvents(result));
        if (warning) ctx.log(warning);
        // perfStatArgs counts with -a.
        return perfStatMeasurements(result, { ios, systemWide: true });
      },
    };
  },
};
