// Busy CPU time over a workload window: /proc/stat read just before the work starts and just after
// it ends (core/cpu/proc-stat.ts says how busy time is taken from the two readings). System-wide
// by design: the cost of an I/O includes the interrupt and kernel-thread work no task's own
// rusage shows, so the box must be otherwise quiet for the figure to mean anything (doctor's noise
// checks), as for every other number dmabench records.
import { readFileSync } from 'node:fs';
import { startChild } from '../proc/child.js';
import { busyBetween, busyResolved, MIN_BUSY_TICKS, parseProcStat, type BusyTime, type ProcStat } from './proc-stat.js';

export const PROC_STAT = '/proc/stat';

/** USER_HZ and where it came from. */
export interface ClockTicks {
  hz: number;
  /** `getconf CLK_TCK`, or assumed: Linux's USER_HZ is 100 on x86 and arm64 (an ABI constant). */
  source: 'getconf' | 'assumed';
}

let clockTicks: Promise<ClockTicks> | undefined;

/** sysconf(_SC_CLK_TCK) through `getconf CLK_TCK`, asked once per process. */
export function clockTicksPerSecond(): Promise<ClockTicks> {
  clockTicks ??= (async (): Promise<ClockTicks> => {
    try {
      const out = await startChild('getconf', ['CLK_TCK'], { debianPackage: 'libc-bin', timeoutMs: 5000 }).done;
      const hz = Number(out.stdout.trim());
      if (out.exitCode === 0 && Number.isInteger(hz) && hz > 0) return { hz, source: 'getconf' };
    } catch {
      // getconf missing: fall through to Linux's USER_HZ
    }
    return { hz: 100, source: 'assumed' };
  })();
  return clockTicks;
}

/** One reading: the parsed counters, their `cpu` lines as read (for the raw record), and when. */
export interface CpuReading {
  stat: ProcStat;
  cpuLines: string[];
  /** performance.now() right after the read. */
  atMs: number;
}

/** Reads /proc/stat now. Synchronous on purpose: nothing may run between the read and the clock. */
export function readCpuTimes(file = PROC_STAT): CpuReading {
  const text = readFileSync(file, 'utf8');
  const atMs = performance.now();
  return { stat: parseProcStat(text, file), cpuLines: text.split('\n').filter((l) => l.startsWith('cpu')), atMs };
}

/** The busy time between two readings, and both readings' `cpu` lines for the record. */
export interface BusyWindow {
  busy: BusyTime;
  clockTicksSource: ClockTicks['source'];
  before: string[];
  after: string[];
}

export function busyWindow(before: CpuReading, after: CpuReading, ticks: ClockTicks): BusyWindow {
  return { busy: busyBetween(before.stat, after.stat, after.atMs - before.atMs, ticks.hz), clockTicksSource: ticks.source, before: before.cpuLines, after: after.cpuLines };
}

/**
 * What a raw record of a busy window holds whoever made it (fio's cpu-time.json, perf-stat's
 * perf-cpu-time.json): the arithmetic, its resolution and both readings, so the figure can be
 * recomputed from the bundle.
 */
export function busyWindowRecord(w: BusyWindow) {
  const b = w.busy;
  return {
    what: 'busy CPU time of the whole box: wall x online CPUs - (idle + iowait + steal), from /proc/stat (core/cpu/proc-stat.ts)',
    clockTicksPerSecond: b.clkTck,
    clockTicksSource: w.clockTicksSource,
    resolution: `1 tick = ${1000 / b.clkTck} ms of one CPU; ${b.capacityTicks.toFixed(1)} ticks in this window (${(b.wallMs / 1000).toFixed(3)} s x ${b.cpus} CPUs)`,
    ...b,
    resolved: busyResolved(b),
    minBusyTicks: MIN_BUSY_TICKS,
    procStatBefore: w.before,
    procStatAfter: w.after,
  };
}

/**
 * What a reader of a busy-time figure must be told about its window, one sentence each: a CPU
 * came or went (capacity unknown), too few ticks to resolve it, or no idle time at all (the CPUs
 * were saturated, by the workload or by something else: a quiet box is the premise of a
 * system-wide figure). `figure` names the metric; `longer` says how to get a longer window.
 */
export function busyWindowCaveats(b: BusyTime, figure: string, longer: string): string[] {
  const out: string[] = [];
  if (b.cpusChanged) out.push(`a CPU went on- or offline during the window: ${figure} is descriptive for this repetition`);
  else if (!busyResolved(b)) out.push(`${figure} rests on ${b.busyTicks.toFixed(0)} busy ticks (< ${MIN_BUSY_TICKS}, ${1000 / b.clkTck} ms each): descriptive for this repetition; ${longer} resolves it`);
  if (b.capacityTicks > 0 && b.idleTicks < 0.01 * b.capacityTicks) out.push(`the CPUs were never idle in the window (${b.idleTicks} idle ticks of ${b.capacityTicks.toFixed(0)}): ${figure} counts everything else that ran too; is the box quiet?`);
  return out;
}
