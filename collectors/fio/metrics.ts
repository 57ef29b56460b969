// Turns a parsed fio result into Measurements.
//
// Naming: `read.iops`, `read.bw`, `read.clat.p99`, `read.clat.mean`, `read.lat.mean`, and per
// I/O CPU figures `cpu.per_io` (busy CPU time of the whole box while fio's jobs ran, when the
// collector watched them: cpu-window.ts), `cpu.usr_per_io`, `cpu.sys_per_io` (fio's rusage); a
// direction appears only when it did I/O. Every metric's unit, direction and role is in
// FIO_METRICS below.
//
// Several jobs (fio run without group_reporting, e.g. a file from elsewhere) are AGGREGATED,
// the way fio's own group_reporting does it, rather than prefixed with job names: metric names
// then stay the same whatever numjobs is, so cells of one matrix compare with each other, and
// fio gives every clone of a numjobs job the same name anyway. Per group:
//   iops, bw        summed over jobs
//   clat/lat mean   weighted by each job's sample count
//   clat percentiles recomputed from the merged json+ histograms, exactly as fio computes
//                   them; left out when a job has no histogram (plain json): averaging
//                   percentiles would be wrong
//   cpu per I/O     fio's usr/sys CPU time summed over jobs (usr_cpu% x job_runtime), divided
//                   by the I/Os of every direction
// Jobs in different groups (stonewall / new_group) ran one after another and are not summed:
// with more than one group every name gets a `g<groupid>.` prefix. `cpu.per_io` covers the whole
// run and has none.
//
// No `errors` row: a job error makes fio exit non-zero, and the collector then fails the
// repetition (run.ts FioRunError), so a recorded run always had 0.
import { requireFinite, type Measurement } from '../../model/measurement.js';
import { busyMicrosPerIo, busyResolved, type BusyTime } from '../../core/cpu/proc-stat.js';
import { measure, quantileOfLabel, quantileResolved, quantileSupported, type MetricSpec } from '../metric-spec.js';
import { FIO_DIRECTIONS, mergedPercentiles, type FioDirection, type FioDirectionResult, type FioJobResult, type FioResult } from '../../core/text/fio-output.js';

/** Percentiles exported as metrics (fio reports more; all stay in the FioResult). */
export const EXPORTED_PERCENTILES = ['p50', 'p90', 'p99', 'p99.9', 'p99.99'] as const;

/**
 * Every fio metric (the part after `<dir>.`, or the whole name), with its unit, direction and role.
 * A clat percentile is null (absent) when fio completed fewer than 1/(1-p) I/Os in the window
 * (metric-spec.ts quantileSupported): p99.99 needs 10 000, p99.9 1 000, p99 100.
 * - primary: iops, bw, clat p50 and p99 (when enough I/Os resolve them, see quantileResolved),
 *   and the busy CPU time per I/O (when enough ticks resolve it, core/cpu/proc-stat.ts).
 * - descriptive: the means (a handful of slow I/Os, a flush or a preemption, move them), p90
 *   (between p50 and p99 and moving with them: a third test of the same change), p99.9 and
 *   p99.99 (the few largest I/Os of a run), and fio's own usr/sys per I/O (rusage of fio's
 *   threads only: it misses the interrupt-context completion work, see cpu.per_io).
 * - `cpu.busy_ticks`: the ticks behind cpu.per_io, so a reader can judge its resolution.
 */
export const FIO_METRICS = {
  iops: { unit: 'IOPS', better: 'higher', role: 'primary' },
  bw: { unit: 'MiB/s', better: 'higher', role: 'primary' },
  'clat.mean': { unit: 'ns', better: 'lower', role: 'descriptive' },
  'clat.p50': { unit: 'ns', better: 'lower', role: 'primary' },
  'clat.p90': { unit: 'ns', better: 'lower', role: 'descriptive' },
  'clat.p99': { unit: 'ns', better: 'lower', role: 'primary' },
  'clat.p99.9': { unit: 'ns', better: 'lower', role: 'descriptive' },
  'clat.p99.99': { unit: 'ns', better: 'lower', role: 'descriptive' },
  'lat.mean': { unit: 'ns', better: 'lower', role: 'descriptive' },
  // `us` rather than µs: units reach plain-text mail (reports/render/format.ts).
  'cpu.per_io': { unit: 'us/IO', better: 'lower', role: 'primary' },
  'cpu.busy_ticks': { unit: 'ticks', better: 'none', role: 'descriptive' },
  'cpu.usr_per_io': { unit: 'us/IO', better: 'lower', role: 'descriptive' },
  'cpu.sys_per_io': { unit: 'us/IO', better: 'lower', role: 'descriptive' },
} as const satisfies Record<string, MetricSpec>;

export type FioMetricKey = keyof typeof FIO_METRICS;

export interface FioMeasurementOptions {
  /**
   * Busy CPU time of the box while fio's jobs ran (cpu-window.ts), for `cpu.per_io`. Only the
   * collector has it; `dmabench ingest` of a fio file does not.
   */
  busy?: BusyTime;
  /**
   * fio's ramp_time, s. fio counts no I/O during the ramp but the window holds its CPU time: the
   * busy time is scaled to the share of the run fio measured, and the figure is descriptive (an
   * estimate). The campaign's `warmup` repetitions warm up without this.
   */
  rampSeconds?: number;
}

export function fioMeasurements(r: FioResult, opts: FioMeasurementOptions = {}): Measurement[] {
  const groups = new Map<number, FioJobResult[]>();
  for (const job of r.jobs) {
    const list = groups.get(job.groupId) ?? [];
    list.push(job);
    groups.set(job.groupId, list);
  }
  const out: Measurement[] = [];
  for (const [groupId, jobs] of groups) {
    const prefix = groups.size > 1 ? `g${groupId}.` : '';
    out.push(...groupMeasurements(jobs, prefix));
  }
  if (opts.busy) out.push(...busyMeasurements(r, opts.busy, opts.rampSeconds ?? 0));
  return requireFinite(out, r.source ?? 'fio output');
}

/** I/Os fio completed in every direction of these jobs (ramp I/Os are not counted by fio). */
export function fioTotalIos(jobs: FioJobResult[]): number {
  return sum(jobs.flatMap((j) => Object.values(j.directions).map((d) => d.totalIos)));
}

/**
 * CPU time per I/O from the busy time of the whole box while fio's jobs ran, in µs/IO. Why not
 * fio's usr_cpu/sys_cpu: they are the rusage of fio's own threads, and on kernels without IRQ time
 * accounting (Debian's, both lab kernels among them) interrupt work is charged to whichever task
 * it interrupted, or to nobody when it woke an idle CPU. The completion side of an
 * I/O, the unmaps included, runs in the NVMe interrupt while fio sleeps in io_getevents or
 * io_uring_enter: the very cost in question would be missing from fio's figure.
 */
function busyMeasurements(r: FioResult, busy: BusyTime, rampSeconds: number): Measurement[] {
  const ios = fioTotalIos(r.jobs);
  const out = [measure('cpu.busy_ticks', busy.busyTicks, FIO_METRICS['cpu.busy_ticks'])];
  if (ios <= 0) return out;
  const measuredMs = Math.max(0, ...r.jobs.flatMap((j) => Object.values(j.directions).map((d) => d.runtimeMs)));
  const rampMs = rampSeconds * 1000;
  const share = rampMs > 0 && measuredMs > 0 ? measuredMs / (measuredMs + rampMs) : 1;
  const perIo = busyMicrosPerIo(busy, ios, share);
  out.unshift(measure('cpu.per_io', perIo, FIO_METRICS['cpu.per_io'], { resolved: busyResolved(busy) && rampMs === 0 }));
  return out;
}

function groupMeasurements(jobs: FioJobResult[], prefix: string): Measurement[] {
  const m: Measurement[] = [];
  const add = (name: string, key: FioMetricKey, value: number | null, resolved = true) => m.push(measure(prefix + name, value, FIO_METRICS[key], { resolved }));

  for (const dir of FIO_DIRECTIONS) {
    const agg = aggregateDirection(jobs, dir);
    if (!agg) continue;
    add(`${dir}.iops`, 'iops', agg.iops);
    add(`${dir}.bw`, 'bw', agg.bwMiBps);
    if (agg.clatMean !== null) add(`${dir}.clat.mean`, 'clat.mean', agg.clatMean);
    for (const p of EXPORTED_PERCENTILES) {
      const v = agg.percentiles[p];
      if (v === undefined) continue;
      // fio's own sample count (clat_ns.N) says whether the I/Os behind a percentile support it
      // at all (else fio's figure is the run's slowest I/O: absent, null) and resolve it (primary).
      const q = quantileOfLabel(p)!;
      add(`${dir}.clat.${p}`, `clat.${p}`, quantileSupported(q, agg.clatN) ? v : null, quantileResolved(q, agg.clatN));
    }
    if (agg.latMean !== null) add(`${dir}.lat.mean`, 'lat.mean', agg.latMean);
  }

  const ios = fioTotalIos(jobs);
  // fio before 3.x wrote no job_runtime: without it the CPU times are not known.
  if (ios > 0 && jobs.every((j) => j.jobRuntimeMs > 0)) {
    const cpu = cpuSeconds(jobs);
    add('cpu.usr_per_io', 'cpu.usr_per_io', (cpu.usr * 1e6) / ios);
    add('cpu.sys_per_io', 'cpu.sys_per_io', (cpu.sys * 1e6) / ios);
  }
  return m;
}

interface DirectionAggregate {
  iops: number;
  bwMiBps: number;
  /** Completion latency samples behind the figures (fio's clat_ns.N, summed over jobs). */
  clatN: number;
  clatMean: number | null;
  latMean: number | null;
  percentiles: Record<string, number>;
}

function aggregateDirection(jobs: FioJobResult[], dir: FioDirection): DirectionAggregate | null {
  const parts = jobs
    .map((j) => j.directions[dir])
    .filter((d): d is FioDirectionResult => d !== undefined && (d.totalIos > 0 || d.ioBytes > 0));
  const first = parts[0];
  if (!first) return null;
  if (parts.length === 1) {
    return {
      iops: first.iops,
      bwMiBps: first.bwMiBps,
      clatN: first.clat?.n ?? 0,
      clatMean: first.clat && first.clat.n > 0 ? first.clat.mean : null,
      latMean: first.lat && first.lat.n > 0 ? first.lat.mean : null,
      percentiles: first.clat?.percentiles ?? {},
    };
  }
  const clats = parts.map((p) => p.clat);
  return {
    iops: sum(parts.map((p) => p.iops)),
    bwMiBps: sum(parts.map((p) => p.bwMiBps)),
    clatN: sum(clats.map((c) => c?.n ?? 0)),
    clatMean: weightedMean(clats),
    latMean: weightedMean(parts.map((p) => p.lat)),
    percentiles: mergedPercentiles(clats),
  };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function weightedMean(stats: ({ mean: number; n: number } | null)[]): number | null {
  let n = 0;
  let total = 0;
  for (const s of stats) {
    if (!s || s.n <= 0) continue;
    n += s.n;
    total += s.mean * s.n;
  }
  return n > 0 ? total / n : null;
}

/**
 * fio's user and system CPU time of these jobs, in seconds. fio's usr_cpu/sys_cpu are percent of
 * one CPU over the job's runtime (with group_reporting: summed times over summed runtimes, and
 * job_runtime is then the sum), so time = percent / 100 × job_runtime either way.
 */
function cpuSeconds(jobs: FioJobResult[]): { usr: number; sys: number } {
  return {
    usr: sum(jobs.map((j) => (j.usrCpu / 100) * (j.jobRuntimeMs / 1000))),
    sys: sum(jobs.map((j) => (j.sysCpu / 100) * (j.jobRuntimeMs / 1000))),
  };
}

