// Adapts the dma_bench module to the runner's WorkloadCollector interface. One run builds (or
// finds) the module once, loads it and binds the device once, then every repetition is one
// request written to debugfs; teardown() unbinds and unloads. A result is taken only when it
// answers the request written (its echo matches field by field) and the write succeeded; anything
// else fails the repetition (a stale result of an earlier request is never recorded). Statuses map
// to the runner like so: ok → measured; fallback (link refused by dma_iova_try_alloc, e.g. no
// IOMMU) → measured under `fallback.` metric names with a note, the per-range path having been
// timed; unsupported (link where the kernel's headers lack the link API) → a pass with no measurements and a note, not a failure;
// error → a failed repetition.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CollectorOutput, RunContext, WorkloadCollector } from '../../model/workload-collector.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';
import type { BenchTarget } from '../../model/dma-setup.js';
import { packageRoot } from '../../core/version.js';
import { HISTOGRAMS_FILE } from '../../core/bundle/layout.js';
import { serializeHistograms } from '../../core/bundle/histograms.js';
import { probeModuleBuild } from '../../core/system/module-build.js';
import { MissingToolError } from '../../core/proc/tool-check.js';
import { buildModule } from './build.js';
import { boundDriver, resolvePciDevice } from './device.js';
import { microbenchMeasurements } from './metrics.js';
import { microbenchHistograms } from './histograms.js';
import { defaultModuleCacheDir, findCachedModule, moduleFileName, moduleSourceHash } from './module-cache.js';
import { maxBatch, microbenchDefaults, microbenchParamsSchema, requestedCpus, requestFromParams, type MicrobenchParams } from './params.js';
import type { MicrobenchResult } from './types.js';
import { formatCpuList, parseCpuList } from './cpus.js';
import { microbenchRunProblem, openMicrobenchSession, type MicrobenchRun, type MicrobenchSession } from './run.js';

/** Everything that touches the machine, injectable so tests can use a stand-in sysfs. */
export interface MicrobenchEnvironment {
  srcDir: string;
  moduleCacheDir: string;
  sysfsRoot: string;
  /** Root of /proc, /lib/modules and the compiler lookup for the preflight probe. */
  probeRoot: string;
  debugfsDir?: string;
  insmod?: string;
  rmmod?: string;
  release: () => string;
  isRoot: () => boolean;
}

export const defaultMicrobenchEnvironment: MicrobenchEnvironment = {
  srcDir: path.join(packageRoot, 'benches', 'dma_bench'),
  moduleCacheDir: process.env.DMABENCH_MODULE_CACHE ?? defaultModuleCacheDir,
  sysfsRoot: '/sys',
  probeRoot: '/',
  release: () => os.release(),
  isRoot: () => typeof process.getuid !== 'function' || process.getuid() === 0,
};

/** Files written next to each repetition's raw output (and HISTOGRAMS_FILE when the run measured). */
export const rawFiles = { result: 'result.txt', request: 'request.txt', status: 'status', cpus: 'cpus.json' } as const;

/** One thread's CPU and where it sits, as cpus.json keeps it (from the module's worker records, v4). */
export interface ThreadCpu {
  thread: number;
  cpu: number;
  coreId: number;
  packageId: number;
  siblings: string;
  node: number;
}

/** Each thread's CPU and its topology; empty for a result before v4 or one that ran nothing. */
export function threadCpus(r: MicrobenchResult): ThreadCpu[] {
  const out: ThreadCpu[] = [];
  r.workers.forEach((w, thread) => {
    if (w.topology) out.push({ thread, cpu: w.cpu, ...w.topology });
  });
  return out;
}

/** Threads whose CPUs are SMT siblings of one core, as `threads 0 and 1 (CPUs 0 and 4)`; they share the core's pipeline. */
export function siblingThreads(cpus: readonly ThreadCpu[]): string[] {
  const notes: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    for (let j = i + 1; j < cpus.length; j++) {
      const a = cpus[i]!;
      const b = cpus[j]!;
      if (a.cpu !== b.cpu && (parseCpuList(a.siblings) ?? []).includes(b.cpu)) notes.push(`threads ${a.thread} and ${b.thread} (CPUs ${a.cpu} and ${b.cpu})`);
    }
  }
  return notes;
}

function parse(params: CellParams): MicrobenchParams {
  return microbenchParamsSchema.parse(params);
}

/** Build the module unless this run or the machine-wide cache has one for this kernel and source. */
async function obtainModule(env: MicrobenchEnvironment, scratchDir: string, log: (l: string) => void, signal: AbortSignal): Promise<string> {
  const release = env.release();
  const hash = await moduleSourceHash(env.srcDir);
  const outDir = path.join(scratchDir, 'dma_bench-module', release, hash);
  const built = path.join(outDir, moduleFileName);
  if (existsSync(built)) return built;
  const cached = findCachedModule(env.moduleCacheDir, release, hash);
  if (cached) {
    log(`microbench: using the prebuilt ${cached}`);
    return cached;
  }
  const headersDir = path.join(env.probeRoot, 'lib/modules', release, 'build');
  log(`microbench: building dma_bench for ${release} (once per run)`);
  const r = await buildModule({ headersDir, srcDir: env.srcDir, outDir, signal });
  if (r.warnings.length > 0) log(`microbench: the module built with warnings:\n${r.warnings.join('\n')}`);
  return r.koPath;
}

/** Holds the loaded module and bound device between repetitions. */
class SessionKeeper {
  private session: MicrobenchSession | undefined;
  private device: string | undefined;
  /** A failed build or load is not retried on every repetition. */
  private failure: Error | undefined;

  constructor(private readonly env: MicrobenchEnvironment) {}

  async sessionFor(device: string, ctx: RunContext): Promise<MicrobenchSession> {
    if (this.failure) throw this.failure;
    if (this.session && this.device === device) return this.session;
    await this.close(); // the module drives one device at a time
    try {
      const bdf = await resolvePciDevice(device, this.env.sysfsRoot);
      const modulePath = await obtainModule(this.env, ctx.scratchDir, ctx.log, ctx.signal);
      this.session = await openMicrobenchSession({
        bdf,
        modulePath,
        sysfsRoot: this.env.sysfsRoot,
        debugfsDir: this.env.debugfsDir,
        insmod: this.env.insmod,
        rmmod: this.env.rmmod,
      });
      this.device = device;
      ctx.log(`microbench: dma_bench loaded, ${bdf} bound`);
      return this.session;
    } catch (e) {
      // An abort is the run ending, not a broken set-up: let a resumed run try again.
      if (!ctx.signal.aborted) this.failure = e as Error;
      throw e;
    }
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.device = undefined;
    await s?.close();
  }

  reset(): void {
    this.failure = undefined;
  }
}

/** Requests every thread mapped while a profiler watched: warm-up and timed, over all threads. */
export function microbenchIos(p: MicrobenchParams, r: MicrobenchResult): number {
  const timed = r.workers.map((w) => w.requests);
  if (timed.length === p.threads && timed.every((n) => n !== undefined)) {
    return p.warmup * p.threads + timed.reduce((a: number, n) => a + (n ?? 0), 0);
  }
  return (p.warmup + (p.iters ?? microbenchDefaults.iters)) * p.threads;
}

async function saveRaw(rawDir: string, run: MicrobenchRun): Promise<void> {
  await fs.writeFile(path.join(rawDir, rawFiles.request), run.line + '\n');
  await fs.writeFile(path.join(rawDir, rawFiles.result), run.raw);
  // The distributions in the bundle's own form, for reports (which never parse result.txt); only
  // of a result that answers this request: a stale one's would sit beside no sample of it.
  const histograms = microbenchRunProblem(run) ? [] : microbenchHistograms(run.result);
  if (histograms.length > 0) await fs.writeFile(path.join(rawDir, HISTOGRAMS_FILE), serializeHistograms('microbench', histograms));
  const r = run.result;
  const cpus = microbenchRunProblem(run) ? [] : threadCpus(r);
  if (cpus.length > 0) await fs.writeFile(path.join(rawDir, rawFiles.cpus), JSON.stringify(cpus, null, 2) + '\n');
  const status = [`status=${r.status}`, `path=${r.path}`, `function=${r.function ?? 'unknown'}`, `reason=${r.reason ?? 'none'}`, `errno=${r.errno}`, `iommu_domain=${r.device.iommuDomain}`, `batch=${r.batch}`];
  if (run.writeError) status.push(`write_error=${JSON.stringify(run.writeError)}`);
  if (run.mismatches.length > 0) status.push(`echo_mismatch=${JSON.stringify(run.mismatches.join('; '))}`);
  await fs.writeFile(path.join(rawDir, rawFiles.status), status.join(' ') + '\n');
}

function requestOutcome(run: MicrobenchRun): string {
  return `${run.line}: ${run.result.status} (path ${run.result.path}${run.result.function ? ` via ${run.result.function}` : ''}, ${run.result.reason ?? 'no reason given'}, IOMMU domain ${run.result.device.iommuDomain})`;
}

export function createMicrobenchWorkload(env: MicrobenchEnvironment = defaultMicrobenchEnvironment): WorkloadCollector {
  const keeper = new SessionKeeper(env);
  return {
    tool: 'microbench',
    // The window is the request's write: the module load, the device bind and reading the result stay outside.
    marksIoPhase: true,

    validateParams(params: CellParams) {
      const result = microbenchParamsSchema.safeParse(params);
      return result.success ? [] : result.error.issues;
    },

    estimateSeconds(_workload: Workload, params: CellParams): number {
      const p = parse(params);
      // A loose upper bound for a loaded box (µs per iteration grows with the segments); the
      // module's own start-up and the write/read round trip add about half a second. A timed run
      // takes its duration, and at most one round more (a round of the largest batch, bounded
      // like the warm-up). Whole seconds: the runner turns the estimate into an integer timeout in ms.
      const perRequestUs = 5 + 2 * p.segs;
      if (p.duration_ms !== undefined) {
        return Math.ceil(0.5 + p.duration_ms / 1e3 + ((p.warmup + Math.max(p.inflight, maxBatch)) * perRequestUs) / 1e6);
      }
      return Math.ceil(0.5 + ((p.iters ?? microbenchDefaults.iters) + p.warmup) * perRequestUs / 1e6);
    },

    async preflight(workload: Workload, cells: CellParams[]): Promise<void> {
      keeper.reset();
      if (!env.isRoot()) throw new Error('microbench loads a kernel module and borrows a PCI device: run dmabench as root');
      // The CPUs cells ask for, before anything is built or loaded: a campaign for another box says so first.
      const asked = [...new Set(cells.flatMap((c) => requestedCpus(parse(c)) ?? []))];
      if (asked.length > 0) {
        const onlineFile = path.join(env.sysfsRoot, 'devices/system/cpu/online');
        const online = parseCpuList(await fs.readFile(onlineFile, 'utf8'));
        if (!online) throw new Error(`cannot read the online CPUs from ${onlineFile}`);
        const offline = asked.filter((c) => !online.includes(c));
        if (offline.length > 0) {
          throw new Error(`microbench cells ask for CPU${offline.length === 1 ? '' : 's'} ${formatCpuList(offline)} of workload ${workload.name}, not online here (online: ${formatCpuList(online)})`);
        }
      }
      const release = env.release();
      const probe = await probeModuleBuild(env.probeRoot, release, await fs.readFile(path.join(env.probeRoot, 'proc/version'), 'utf8').catch(() => ''));
      if (!probe.moduleLoading) {
        throw new Error(`microbench cannot load its module here: ${probe.moduleLoadingReason ?? 'module loading unavailable'} (run it in the lab: dmabench lab run)`);
      }
      const prebuilt = findCachedModule(env.moduleCacheDir, release, await moduleSourceHash(env.srcDir));
      if (!prebuilt && !(probe.buildDirPresent && probe.compilerPresent)) {
        const what = !probe.buildDirPresent
          ? `no kernel build tree at /lib/modules/${release}/build`
          : `the kernel was built with ${probe.compiler?.text ?? 'an unknown compiler'}, which is not installed`;
        const packages = probe.packages.length > 0 ? probe.packages.join(' ') : `linux-headers-${release} gcc-NN (the gcc the kernel was built with)`;
        throw new MissingToolError(`microbench builds the dma_bench module for ${release}: ${what}; install: apt-get install ${packages}`);
      }
      for (const device of new Set(cells.map((c) => parse(c).device))) {
        const bdf = await resolvePciDevice(device, env.sysfsRoot);
        const driver = await boundDriver(bdf, env.sysfsRoot);
        if (driver && !workload.destructive) {
          throw new Error(
            `microbench would unbind ${bdf} from its driver ${driver} for the run: use a spare device (device: edu in QEMU) or set destructive: true on workload ${workload.name}`,
          );
        }
      }
    },

    async benchTargets(workload: Workload, cells: CellParams[]): Promise<BenchTarget[]> {
      return Promise.all(
        [...new Set(cells.map((c) => parse(c).device))].map(async (given): Promise<BenchTarget> => {
          try {
            return { workload: workload.name, kind: 'pci', given, address: await resolvePciDevice(given, env.sysfsRoot) };
          } catch (err) {
            return { workload: workload.name, kind: 'pci', given, problem: (err as Error).message };
          }
        }),
      );
    },

    async run(ctx: RunContext): Promise<CollectorOutput> {
      const p = parse(ctx.params);
      const session = await keeper.sessionFor(p.device, ctx);
      const t0 = performance.now();
      // The profiler's window (review M7): the write of the request, in which every thread maps
      // and unmaps warmup + iters times (counted in ios below) after measuring the timer (no
      // mapping: it adds to perf's counts, not to call counts).
      await ctx.ioPhase?.start();
      let run: MicrobenchRun;
      try {
        run = await session.run(requestFromParams(p), ctx.signal);
      } finally {
        await ctx.ioPhase?.end();
      }
      const toolMs = performance.now() - t0;
      await saveRaw(ctx.rawDir, run);
      const r = run.result;
      // The I/Os a profiler saw: every thread maps and unmaps warmup + its timed requests while
      // it is attached (only the latter are timed), so per-I/O call counts divide by both (review
      // M7). A v4 module counts each thread's timed requests (a timed run's count is known only
      // from it); before, they were iters.
      const ios = microbenchIos(p, run.result);
      // A stale or foreign result, or a write that failed: never this request's measurements.
      const problem = microbenchRunProblem(run);
      if (problem) throw new Error(problem);
      const shared = siblingThreads(threadCpus(r));
      if (shared.length > 0) ctx.log(`microbench: note: SMT siblings share a core: ${shared.join('; ')}`);
      switch (r.status) {
        case 'ok':
          return { measurements: microbenchMeasurements(r), toolMs, ios };
        case 'fallback':
          ctx.log(`microbench: note: ${requestOutcome(run)}: the per-range fallback was timed, recorded as fallback.* metrics`);
          return { measurements: microbenchMeasurements(r), toolMs, ios };
        case 'unsupported':
          ctx.log(`microbench: note: ${requestOutcome(run)}: nothing measured`);
          return { measurements: [], toolMs };
        default:
          throw new Error(`dma_bench refused or failed ${requestOutcome(run)}, errno ${r.errno}${run.writeError ? `: ${run.writeError}` : ''}`);
      }
    },

    async teardown(): Promise<void> {
      await keeper.close();
    },
  };
}

export const microbenchWorkload: WorkloadCollector = createMicrobenchWorkload();
