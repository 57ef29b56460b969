// The CPU time counters of /proc/stat and the busy CPU time between two readings of it: the CPU
// cost of a workload window, whoever spent it (the workload's tasks, the kernel threads and the
// interrupt handlers that completed its I/O). Pure: text in, numbers out.
//
// The `cpu` line sums every CPU; the fields are USER_HZ ticks (sysconf(_SC_CLK_TCK), 100 on x86
// and arm64): user nice system idle iowait irq softirq steal guest guest_nice (guest time is
// already counted in user and nice).
//
// Busy time is taken as what was not idle: wall time × online CPUs − Δ(idle + iowait + steal),
// rather than the sum Δ(user + nice + system + irq + softirq). Without CONFIG_IRQ_TIME_ACCOUNTING,
// the busy fields are sampled at the timer tick: on this development VM (NO_HZ_IDLE,
// TICK_CPU_ACCOUNTING) and on Debian's kernels, both lab kernels among them (NO_HZ_FULL with
// VIRT_CPU_ACCOUNTING_GEN, which accounts precisely only on CPUs named in `nohz_full=`; every other
// CPU is accounted at the tick). Interrupt work is invisible to that sampling: the tick is itself a
// hard interrupt, so `irq` stays 0 for ever, and a completion interrupt that wakes an idle CPU (the
// NVMe completion that runs the unmaps) ends before any tick looks, on a CPU whose tick is usually
// stopped. The idle fields are not sampled on NO_HZ kernels: they are the CPU's idle clock (ns,
// rounded to ticks when printed), and that clock stops at every interrupt entry. So interrupt time counts as busy
// in the difference and is missing from the sum. Measured on the development VM around a 3 s fio io_uring
// randread on 2 CPUs: the fields summed to 26 and 17 ticks less than the 689 and 659 ticks of
// wall time (0.26 s and 0.17 s of CPU missing from the sum), against 3 and 5 ticks around `sleep 3`.
// The sum is kept beside it (`sampledTicks`) so the two can be told apart in a bundle.
import { ParseError } from '../../model/parse-error.js';

/** One `cpu` line of /proc/stat, in ticks. Fields a kernel does not print are 0. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

const FIELDS: readonly (keyof CpuTimes)[] = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'];

export interface ProcStat {
  /** The `cpu` line: every CPU summed (offline CPUs keep their last counts). */
  all: CpuTimes;
  /** Numbers of the CPUs that have a `cpuN` line: the online CPUs. */
  online: number[];
}

/** Parses the text of /proc/stat. Throws ParseError when it has no well-formed `cpu` line. */
export function parseProcStat(text: string, source = '/proc/stat'): ProcStat {
  let all: CpuTimes | undefined;
  const online: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const m = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!m) throw new ParseError(`${source}: not a cpu line: ${JSON.stringify(line.slice(0, 120))}`);
    const times = parseTimes(m[2]!, line, source);
    if (m[1] === '') {
      if (all) throw new ParseError(`${source}: two "cpu" lines`);
      all = times;
    } else {
      online.push(Number(m[1]));
    }
  }
  if (!all) throw new ParseError(`${source}: no "cpu" line`);
  if (online.length === 0) throw new ParseError(`${source}: no per-CPU ("cpuN") lines`);
  return { all, online };
}

function parseTimes(rest: string, line: string, source: string): CpuTimes {
  const words = rest.trim().split(/\s+/);
  // user nice system idle: every kernel since 2.6 prints at least these (and 6.x all ten).
  if (words.length < 4 || words.length > FIELDS.length) throw new ParseError(`${source}: expected 4 to ${FIELDS.length} counters: ${JSON.stringify(line.slice(0, 120))}`);
  const out = Object.fromEntries(FIELDS.map((f) => [f, 0])) as unknown as CpuTimes;
  words.forEach((w, i) => {
    if (!/^\d{1,16}$/.test(w)) throw new ParseError(`${source}: counter ${FIELDS[i]} is not a tick count: ${JSON.stringify(w)}`);
    out[FIELDS[i]!] = Number(w);
  });
  return out;
}

/** Busy CPU time between two readings of /proc/stat. */
export interface BusyTime {
  /** Wall time between the readings, ms. */
  wallMs: number;
  /** USER_HZ: ticks per second. */
  clkTck: number;
  /** Online CPUs (the same in both readings unless cpusChanged). */
  cpus: number;
  /** CPU time the window offered: wall × CPUs, in ticks. */
  capacityTicks: number;
  /** Δ(idle + iowait): an iowait tick is an idle CPU with a task waiting on I/O. */
  idleTicks: number;
  /** Δsteal: time the hypervisor gave to someone else, not ours. */
  stealTicks: number;
  /** capacity − idle − steal: what every task, kernel thread and interrupt spent. */
  busyTicks: number;
  /** Δ(user + nice + system + irq + softirq): what tick sampling saw (misses interrupts, see above). */
  sampledTicks: number;
  busySeconds: number;
  /** A CPU went on- or offline between the readings: capacity is not known. */
  cpusChanged: boolean;
}

/** Busy time between `before` and `after`, read `wallMs` apart, with `clkTck` ticks per second. */
export function busyBetween(before: ProcStat, after: ProcStat, wallMs: number, clkTck: number): BusyTime {
  if (!(wallMs >= 0) || !(clkTck > 0)) throw new RangeError(`busyBetween: wall ${wallMs} ms, ${clkTck} ticks/s`);
  const d = (f: keyof CpuTimes): number => after.all[f] - before.all[f];
  const cpusChanged = before.online.length !== after.online.length || before.online.some((c, i) => after.online[i] !== c);
  const cpus = after.online.length;
  const capacityTicks = (wallMs / 1000) * clkTck * cpus;
  const idleTicks = d('idle') + d('iowait');
  const stealTicks = d('steal');
  // The idle clock is read to the tick (rounded down) at each reading: ±1 tick, never below 0.
  const busyTicks = Math.max(0, capacityTicks - idleTicks - stealTicks);
  const sampledTicks = d('user') + d('nice') + d('system') + d('irq') + d('softirq');
  return { wallMs, clkTck, cpus, capacityTicks, idleTicks, stealTicks, busyTicks, sampledTicks, busySeconds: busyTicks / clkTck, cpusChanged };
}

/**
 * Fewest busy ticks a window must hold to resolve its CPU time. Tick-sampled fields move in
 * steps of one tick per CPU and the idle clock is rounded to a tick at each reading, so a figure
 * is good to a few ticks: 50 keeps that under about 5%. A 1 s window on 2 CPUs has 200 ticks of
 * capacity; fio using a quarter of them is exactly at the limit.
 */
export const MIN_BUSY_TICKS = 50;

/**
 * Busy CPU time per I/O, µs: the box's busy time over a window divided by the I/Os done in it.
 * The one definition of "CPU per I/O" (fio's `cpu.per_io`, perf-stat's `perf.cpu.per_io`).
 * `share`: the part of the window's busy time the I/Os account for (fio's ramp_time: 1 without).
 */
export function busyMicrosPerIo(b: BusyTime, ios: number, share = 1): number {
  if (!(ios > 0)) throw new RangeError(`busyMicrosPerIo: ${ios} I/Os`);
  return (b.busySeconds * 1e6 * share) / ios;
}

/** Whether the window resolves its busy time (enough ticks, the same CPUs throughout). */
export function busyResolved(b: BusyTime): boolean {
  return !b.cpusChanged && b.busyTicks >= MIN_BUSY_TICKS;
}
