// Turns a parsed fio result into Measurements.
//
// Naming: `read.iops`, `read.bw`, `read.clat.mean`, `read.clat.p99.9`, `read.lat.mean`,
// `cpu.usr`, `cpu.sys`, `errors`; a direction appears only when it did I/O.
//
// Several jobs (fio run without group_reporting, e.g. a file from elsewhere) are AGGREGATED,
// the way fio's own group_reporting does it, rather than prefixed with job names: metric names
// then stay the same whatever numjobs is, so cells of one matrix compare with each other, and
// fio gives every clone of a numjobs job the same name anyway. Per group:
//   iops, bw        summed over jobs
//   clat/lat mean   weighted by each job's sample count; min/max over jobs
//   clat percentiles recomputed from the merged json+ histograms, exactly as fio computes
//                   them; left out when a job has no histogram (plain json): averaging
//                   percentiles would be wrong
//   cpu             mean over jobs weighted by job runtime (what group_reporting prints)
//   errors          number of jobs whose error code is not 0
// Jobs in different groups (stonewall / new_group) ran one after another and are not summed:
// with more than one group every name gets a `g<groupid>.` prefix.
import { requireFinite, type Measurement } from '../../model/measurement.js';
import { FIO_DIRECTIONS, type FioCompletionLatency, type FioDirection, type FioDirectionResult, type FioJobResult, type FioResult } from './parse.js';

/** Percentiles exported as metrics (fio reports more; all stay in the FioResult). */
export const EXPORTED_PERCENTILES = ['p50', 'p90', 'p99', 'p99.9', 'p99.99'] as const;

export function fioMeasurements(r: FioResult): Measurement[] {
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
  return requireFinite(out, r.source ?? 'fio output');
}

function groupMeasurements(jobs: FioJobResult[], prefix: string): Measurement[] {
  const m: Measurement[] = [];
  const add = (metric: string, value: number, unit: string, better: 'higher' | 'lower') =>
    m.push({ metric: prefix + metric, value, unit, better });

  for (const dir of FIO_DIRECTIONS) {
    const agg = aggregateDirection(jobs, dir);
    if (!agg) continue;
    add(`${dir}.iops`, agg.iops, 'IOPS', 'higher');
    add(`${dir}.bw`, agg.bwMiBps, 'MiB/s', 'higher');
    if (agg.clatMean !== null) add(`${dir}.clat.mean`, agg.clatMean, 'ns', 'lower');
    for (const p of EXPORTED_PERCENTILES) {
      const v = agg.percentiles[p];
      if (v !== undefined) add(`${dir}.clat.${p}`, v, 'ns', 'lower');
    }
    if (agg.latMean !== null) add(`${dir}.lat.mean`, agg.latMean, 'ns', 'lower');
  }

  const cpu = weightedCpu(jobs);
  add('cpu.usr', cpu.usr, '%', 'lower');
  add('cpu.sys', cpu.sys, '%', 'lower');
  add('errors', jobs.filter((j) => j.error !== 0).length, 'count', 'lower');
  return m;
}

interface DirectionAggregate {
  iops: number;
  bwMiBps: number;
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
      clatMean: first.clat && first.clat.n > 0 ? first.clat.mean : null,
      latMean: first.lat && first.lat.n > 0 ? first.lat.mean : null,
      percentiles: first.clat?.percentiles ?? {},
    };
  }
  const clats = parts.map((p) => p.clat);
  return {
    iops: sum(parts.map((p) => p.iops)),
    bwMiBps: sum(parts.map((p) => p.bwMiBps)),
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

function weightedCpu(jobs: FioJobResult[]): { usr: number; sys: number } {
  const weights = jobs.map((j) => (j.jobRuntimeMs > 0 ? j.jobRuntimeMs : 1));
  const w = sum(weights);
  return {
    usr: sum(jobs.map((j, i) => j.usrCpu * weights[i]!)) / w,
    sys: sum(jobs.map((j, i) => j.sysCpu * weights[i]!)) / w,
  };
}

/**
 * Percentiles of the union of several jobs' json+ histograms, the way fio computes them
 * (stat.c calc_clat_percentiles): the value of the first bin whose running count reaches
 * p% of all samples. Which percentiles: the ones every job reported.
 */
export function mergedPercentiles(clats: (FioCompletionLatency | null)[]): Record<string, number> {
  if (clats.length === 0 || clats.some((c) => !c || !c.bins)) return {};
  // Keyed by fio's own text keys: no number conversion per entry, once per distinct bin below.
  const counts = new Map<string, number>();
  for (const c of clats) {
    const bins = c!.bins!;
    for (const key in bins) counts.set(key, (counts.get(key) ?? 0) + bins[key]!);
  }
  const bins = [...counts].map(([key, count]): [number, number] => [Number(key), count]).sort((a, b) => a[0] - b[0]);
  const total = sum(bins.map(([, c]) => c));
  if (total === 0) return {};

  const wanted = Object.keys(clats[0]!.percentiles)
    .filter((label) => clats.every((c) => label in c!.percentiles))
    .map((label) => ({ label, p: Number(label.slice(1)) }))
    .sort((a, b) => a.p - b.p);
  const out: Record<string, number> = {};
  let running = 0;
  let w = 0;
  for (const [ns, count] of bins) {
    running += count;
    while (w < wanted.length && running >= (wanted[w]!.p / 100) * total) {
      out[wanted[w]!.label] = ns;
      w++;
    }
    if (w === wanted.length) break;
  }
  return out;
}
