// The window over which `cpu.per_io` takes the box's busy time (core/cpu): the life of fio's job
// processes, not of fio. fio spends its first few hundred milliseconds before forking a job
// (calibrating its clock by spinning on clock_gettime: 0.4-0.5 s of wall time and 0.1 s of CPU per
// run with fio 3.33 on the development VM, the same with --ioengine=null) and prints its report
// after the last job is reaped. Counted against the I/Os, that start-up alone would add 5-15% to a
// 2 s run's CPU per I/O, the same on both kernels, pulling every ratio towards 1 (review M7).
//
// So /proc/stat is read before fio starts and after it exits (the fallback window), and, while it
// runs, fio's children are polled every POLL_MS: a reading when the first job process appears,
// another when the last one is gone. The polls cost a few system calls each (directChildren), a
// fraction of a percent of one CPU, inside the window. A job process opens its file and sets up
// its engine before its first I/O, and with ramp_time it ramps: both inside the window.
import type { ClockTicks, CpuReading } from '../../core/cpu/busy-window.js';
import { busyWindow, readCpuTimes, type BusyWindow } from '../../core/cpu/busy-window.js';
import { directChildren } from '../../core/proc/children.js';

export const POLL_MS = 10;

/** Which window the busy time covers: fio's job processes, or (fallback) the whole fio process. */
export type FioWindowKind = 'jobs' | 'process';

export interface FioCpuWindow extends BusyWindow {
  kind: FioWindowKind;
  /** Why the fallback was used. */
  note?: string;
}

export class FioCpuWatch {
  private jobsStart: CpuReading | undefined;
  private jobsEnd: CpuReading | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pollFailed = false;

  private constructor(private readonly before: CpuReading) {}

  /** Reads /proc/stat now, before fio starts; undefined (with the reason logged) when it cannot. */
  static begin(log?: (line: string) => void): FioCpuWatch | undefined {
    const before = readOrSay(log);
    return before && new FioCpuWatch(before);
  }

  /** Starts watching fio (its PID) for its job processes. */
  watch(pid: number | undefined): void {
    if (pid === undefined) return;
    const poll = (): void => {
      try {
        let children = directChildren(pid);
        // fio gone after its jobs started: they ended no later than now.
        if (children === undefined && this.jobsStart) children = [];
        if (children === undefined) throw new Error('no children list');
        if (!this.jobsStart && children.length > 0) this.jobsStart = readCpuTimes();
        else if (this.jobsStart && children.length === 0) {
          this.jobsEnd = readCpuTimes();
          this.cancel();
        }
      } catch {
        // fio already gone, or no /proc/PID/task/*/children: the whole-process window stands in.
        this.pollFailed = true;
        this.cancel();
      }
    };
    this.timer = setInterval(poll, POLL_MS);
    poll();
  }

  /** After fio has exited: the busy window of its jobs, or of the whole process when the jobs were not seen. */
  end(ticks: ClockTicks, log?: (line: string) => void): FioCpuWindow | undefined {
    this.cancel();
    const after = readOrSay(log);
    if (this.jobsStart && this.jobsEnd) return { ...busyWindow(this.jobsStart, this.jobsEnd, ticks), kind: 'jobs' };
    // fio exited within one poll of its last job: the window ends at its exit.
    if (this.jobsStart && after) return { ...busyWindow(this.jobsStart, after, ticks), kind: 'jobs', note: 'the last job and fio ended within one poll: the window ends at fio\'s exit' };
    if (!after) return undefined;
    const note = this.pollFailed ? "fio's job processes could not be watched (/proc/PID/task/*/children)" : 'no job process was seen start and end';
    return { ...busyWindow(this.before, after, ticks), kind: 'process', note };
  }

  /** Stops watching (fio failed, or the run was aborted); idempotent. */
  cancel(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function readOrSay(log: ((line: string) => void) | undefined): CpuReading | undefined {
  try {
    return readCpuTimes();
  } catch (err) {
    log?.(`fio: no CPU time per I/O for this repetition: ${(err as Error).message}`);
    return undefined;
  }
}
