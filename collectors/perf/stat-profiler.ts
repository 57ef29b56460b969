// `perf stat` attached to a profile pass: system-wide counters over the workload's run, written by
// perf to RAWDIR/perf-stat.csv and parsed with collectors/perf/stat-parse.ts. A counter the
// machine cannot count (hardware events under emulation) comes out as null, never 0, and the log
// names it. /proc/stat is read right after perf acknowledges "enable" and right before "disable"
// is sent: the busy CPU time of the same window, per I/O `perf.cpu.per_io` (core/cpu), with both
// readings in RAWDIR/perf-cpu-time.json. Under -a, task-clock is wall time × CPUs and says nothing
// about CPU cost (stat-measurements.ts).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PROFILER_DEADLINE_SEC, type ActiveProfiler, type Profiler, type ProfilerContext } from '../../model/profiler.js';
import type { Measurement } from '../../model/measurement.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';
import { parsePerfStat } from './stat-parse.js';
import { multiplexedEvents, multiplexWarning, perfStatMeasurements, unsupportedEvents, unsupportedWarning } from './stat-measurements.js';
import { busyWindow, busyWindowCaveats, busyWindowRecord, clockTicksPerSecond, readCpuTimes, type CpuReading } from '../../core/cpu/busy-window.js';
import { perfExitedCleanly, perfFailure, startControlledPerf } from './control.js';
import { parseProfilerOptions } from '../profiler-options.js';

export const PERF_STAT_FILE = 'perf-stat.csv';
export const PERF_STAT_STDERR_FILE = 'perf-stat-stderr.txt';
export const PERF_CPU_FILE = 'perf-cpu-time.json';

/**
 * Kernel-mode cycles and instructions (`:k`), where the mapping code runs, rather than every
 * mode's: under -a user-mode counts are every process's own code, the same on both kernels. They
 * replace `cycles` and `instructions` rather than join them, so the default asks the PMU for as
 * many counters as before (on x86 both can still take the fixed counters, which filter by mode):
 * a PMU that counted the old default without multiplexing counts this one without.
 */
export const defaultPerfStatEvents = [
  'task-clock',
  'context-switches',
  'cpu-migrations',
  'page-faults',
  'cycles:k',
  'instructions:k',
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
    const ticks = await clockTicksPerSecond();
    // /proc/stat at perf's "enable" ack and before its "disable": the window perf counts.
    const readings: Partial<Record<'open' | 'close', CpuReading>> = {};
    const onWindow = (edge: 'open' | 'close'): void => {
      if (edge === 'open' || readings.open) readings[edge] = readOrSay(ctx.log);
    };
    const perf = await startControlledPerf('stat', perfStatArgs(opts, output), { signal: ctx.signal, deadlineSec, onWindow });
    return {
      async stop({ ios, workloadOk }): Promise<Measurement[]> {
        const exit = await perf.stop();
        await writeFile(path.join(ctx.rawDir, PERF_STAT_STDERR_FILE), exit.stderr);
        if (!workloadOk) return [];
        if (!perfExitedCleanly(exit)) throw new Error(perfFailure('stat', exit, deadlineSec));
        const result = parsePerfStat(await readFile(output, 'utf8'));
        for (const line of [unsupportedWarning(unsupportedEvents(result)), multiplexWarning(multiplexedEvents(result))]) if (line) ctx.log(line);
        const window = readings.open && readings.close ? busyWindow(readings.open, readings.close, ticks) : undefined;
        // perfStatArgs counts with -a.
        const measurements = perfStatMeasurements(result, { ios, systemWide: true, busy: window?.busy });
        if (window) {
          const perIo = measurements.find((m) => m.metric === 'perf.cpu.per_io');
          const record = { ...busyWindowRecord(window), window: 'from perf acknowledging "enable" to just before "disable" was sent: the window perf counted', ios: ios ?? null, cpuPerIoUs: perIo?.value ?? null };
          await writeFile(path.join(ctx.rawDir, PERF_CPU_FILE), JSON.stringify(record, null, 2) + '\n');
          for (const caveat of busyWindowCaveats(window.busy, 'perf.cpu.per_io', 'a longer run')) ctx.log(`perf-stat: ${caveat}`);
        }
        return measurements;
      },
    };
  },
};

function readOrSay(log: (line: string) => void): CpuReading | undefined {
  try {
    return readCpuTimes();
  } catch (err) {
    log(`perf-stat: no perf.cpu.per_io for this pass: ${(err as Error).message}`);
    return undefined;
  }
}
