// `perf stat` attached to a profile pass: system-wide counters over the workload's I/O (enabled when its
// I/O starts, disabled when it ends), written by perf to RAWDIR/perf-stat.csv and parsed with stat-parse.ts. A counter the
// machine cannot count (hardware events under emulation) comes out as null, never 0, and the log
// names it. /proc/stat is read right after perf acknowledges "enable" and right before "disable"
// is sent: the busy CPU time of the same window, per I/O `perf.cpu.per_io` (core/cpu), with both
// readings in RAWDIR/perf-cpu-time.json. Under -a, task-clock is wall time × CPUs and says nothing
// about CPU cost (stat-measurements.ts).
import { existsSync } from 'node:fs';
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
import { blockDeviceOf } from '../../core/system/diskstats.js';
import { locateTracefs } from '../../core/system/tracefs.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';

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

/**
 * The tracepoint perf counts the window's I/Os with (review M7): one record per request the
 * block layer hands the driver (collectors/ftrace/request-events.ts says why this one).
 */
export const PERF_REQUEST_EVENT = 'block:block_rq_issue';

/** perf's filter on PERF_REQUEST_EVENT: the target disk's (`major:minor`) data requests. The kernel's dev_t is major << 20 | minor. */
export function requestFilter(diskDev: string): string {
  const [major, minor] = diskDev.split(':').map(Number);
  return `dev == ${(major ?? 0) * 2 ** 20 + (minor ?? 0)} && bytes > 0`;
}

/** Arguments after `perf stat` (the control arguments are added by startControlledPerf). */
export function perfStatArgs(opts: PerfStatOptions, outputFile: string, requests?: { filter: string }): string[] {
  const args = ['-a', '-x,', '-e', perfStatEvents(opts).join(','), '-o', outputFile];
  // --filter applies to the -e just before it.
  if (requests) args.push('-e', PERF_REQUEST_EVENT, '--filter', requests.filter);
  return args;
}

/** Whether this kernel has the request tracepoint perf would count (read-only look at tracefs). */
function requestEventAvailable(): boolean {
  try {
    return existsSync(path.join(locateTracefs(), 'events', ...PERF_REQUEST_EVENT.split(':'), 'id'));
  } catch {
    return false;
  }
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
    // With a block target, perf counts the target disk's requests in the same window: the I/O count of its per-I/O figures.
    const target = ctx.ioTarget !== undefined ? blockDeviceOf(ctx.ioTarget) : undefined;
    const requests = target && requestEventAvailable() ? { filter: requestFilter(target.diskDev) } : undefined;
    const perf = await startControlledPerf('stat', perfStatArgs(opts, output, requests), { signal: ctx.signal, deadlineSec, onWindow });
    return {
      on: () => perf.enable(),
      off: () => perf.disable(),
      async stop({ ios, workloadOk }): Promise<Measurement[]> {
        const exit = await perf.stop();
        await writeFile(path.join(ctx.rawDir, PERF_STAT_STDERR_FILE), exit.stderr);
        if (!workloadOk) return [];
        if (!perfExitedCleanly(exit)) throw new Error(perfFailure('stat', exit, deadlineSec));
        const parsed = parsePerfStat(await readFile(output, 'utf8'));
        const counted = requests ? requestCount(parsed.events.filter((e) => e.event === PERF_REQUEST_EVENT)) : undefined;
        const result = { ...parsed, events: parsed.events.filter((e) => e.event !== PERF_REQUEST_EVENT) };
        for (const line of [unsupportedWarning(unsupportedEvents(result)), multiplexWarning(multiplexedEvents(result))]) if (line) ctx.log(line);
        let perIo = ios;
        if (counted !== undefined && counted > 0) {
          if (ios !== undefined && ios !== counted) ctx.log(`perf-stat: ${counted} requests to ${target?.disk ?? 'the target'} in the window, ${ios} I/Os counted by the workload: per-I/O figures divide by perf's count`);
          perIo = counted;
        } else if (requests) {
          ctx.log(`perf-stat: no ${PERF_REQUEST_EVENT} to ${target?.disk ?? 'the target'} counted in the window: per-I/O figures divide by the workload's count`);
        }
        const window = readings.open && readings.close ? busyWindow(readings.open, readings.close, ticks) : undefined;
        // perfStatArgs counts with -a.
        const measured = perfStatMeasurements(result, { ios: perIo, systemWide: true, busy: window?.busy });
        if (perIo !== undefined) measured.push(measure('perf.ios', perIo, PERF_METRICS.ios));
        if (ios !== undefined) measured.push(measure('perf.workload_ios', ios, PERF_METRICS.workload_ios));
        if (window) {
          const perIoUs = measured.find((m) => m.metric === 'perf.cpu.per_io');
          const record = { ...busyWindowRecord(window), window: 'from perf acknowledging "enable" to just before "disable" was sent: the window perf counted', ios: perIo ?? null, workloadIos: ios ?? null, cpuPerIoUs: perIoUs?.value ?? null };
          await writeFile(path.join(ctx.rawDir, PERF_CPU_FILE), JSON.stringify(record, null, 2) + '\n');
          for (const caveat of busyWindowCaveats(window.busy, 'perf.cpu.per_io', 'a longer run')) ctx.log(`perf-stat: ${caveat}`);
        }
        return measured;
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

/** The request tracepoint's count over every CPU line perf printed; undefined when perf could not count it. */
function requestCount(lines: { value: number | null }[]): number | undefined {
  if (lines.length === 0 || lines.some((l) => l.value === null)) return undefined;
  return lines.reduce((n, l) => n + (l.value ?? 0), 0);
}
