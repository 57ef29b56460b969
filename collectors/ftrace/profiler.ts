// ftrace attached to a profile pass: the function (call counts), function_graph (call counts and
// durations) or nop tracer over the DMA mapping functions, with the iommu map/unmap tracepoints.
// Everything runs in an ftrace instance of the pass's own (TracefsPass: instances/dmabench-<pid>),
// removed by stop() after the pass, also after an abort (SIGINT/SIGTERM/SIGHUP reach the runner,
// which aborts the pass: tracing stops at once, the instance goes once the workload's processes
// are gone); the process exiting removes it too, and a dmabench killed outright leaves one the
// next pass removes. The global instance is never written (review M9).
//
// The instance is set up in start() with tracing off; on() and off() switch tracing_on around the
// workload's I/O (model/profiler.ts; review M7), and per-I/O figures divide by the I/Os the trace
// itself saw in that window: with a block target, block:block_rq_issue is enabled, filtered to
// the target's disk, and its data requests are the I/O count (collectors/ftrace/request-events.ts
// says why not fio's); the workload's own count is kept beside it as a cross-check.
//
// While the workload runs, the instance's `trace_pipe` is drained into a file on tmpfs (a
// stream, never held in memory): a 64 KiB read in the lab's 7.2 guest makes ~30 events, 9000
// reads a second, and the `trace` snapshot read afterwards had wrapped its 16 MiB-per-CPU buffer
// (5 % of the events gone). Drained, the buffer only has to hold what arrives between two reads;
// what is still lost shows as `[LOST N EVENTS]` and in ftrace.lost_events. The file is on tmpfs,
// not in the bundle, because writing it to a disk would map that disk's DMA and count it (review
// M8); it is copied to RAWDIR/trace.txt once tracing is off and parsed from there, so
// `dmabench ingest trace.txt` gives the same numbers. /proc/diskstats before and after says which
// block devices did I/O during the pass (ftrace-setup.json `diskIo`), with a warning when one
// that is not the workload's target did; block-layer events the campaign adds are filtered to the
// target device.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { ActiveProfiler, Profiler, ProfilerContext } from '../../model/profiler.js';
import type { Measurement } from '../../model/measurement.js';
import { TracefsPass, instanceRefusal, readTracefsFile, type TracefsPassConfig } from './tracefs.js';
import { TracefsError, locateOrMountTracefs } from '../../core/system/tracefs.js';
import { blockDeviceOf, diskActivity, readDiskstats, type BlockDeviceId } from '../../core/system/diskstats.js';
import { summarizeTrace, traceMeasurements, lostEvents, type TraceTextKind } from './trace-summary.js';
import { dmaFunctionTable, dmaFunctions, iommuEvents } from '../../model/dma-functions.js';
import { parseProfilerOptions } from '../profiler-options.js';
import { SPOOL_CANDIDATES, makeSpool, removeSpool } from './spool.js';
import { REQUEST_ISSUE_EVENT } from './request-events.js';
import { measure } from '../metric-spec.js';
import { FTRACE_METRICS } from './metrics.js';

export const TRACE_FILE = 'trace.txt';
export const FTRACE_SETUP_FILE = 'ftrace-setup.json';

const functionName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a kernel function name');
const eventName = z.string().regex(/^[A-Za-z0-9_]+:[A-Za-z0-9_*]+$/, 'a tracepoint as system:event');

export const ftraceOptionsSchema = z
  .object({
    /** function: call counts; function_graph: call counts and durations; events: tracepoints only. */
    tracer: z.enum(['function', 'function_graph', 'events']).default('function'),
    /** Functions traced besides the default DMA set. */
    functions: z.array(functionName).default([]),
    /** false: trace only `functions`, not the default DMA set. */
    dmaFunctions: z.boolean().default(true),
    /**
     * Enable the iommu:map and iommu:unmap tracepoints. Default: on, except with function_graph,
     * where a tracepoint inside a timed call would add its cost to that call's duration, more on
     * the path that maps more ranges.
     */
    iommuEvents: z.boolean().optional(),
    /** More tracepoints (`system:event`). */
    events: z.array(eventName).default([]),
    /** Per-CPU ring buffer in KiB (default: defaultBufferSizeKb()). Lost events are reported. */
    bufferSizeKb: z.number().int().min(64).max(1 << 20).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const functions = o.functions.length > 0 || o.dmaFunctions;
    if (o.tracer !== 'events' && !functions) ctx.addIssue({ code: 'custom', message: `tracer ${o.tracer} needs functions (or dmaFunctions: true)` });
    if (o.tracer === 'events' && o.iommuEvents === false && o.events.length === 0) ctx.addIssue({ code: 'custom', message: 'tracer events needs iommuEvents: true or events' });
  });

export type FtraceOptions = z.infer<typeof ftraceOptionsSchema>;

/**
 * 256 MiB over all CPUs, 2–16 MiB per CPU: enough that a short pass never wraps on the lab's two
 * vCPUs (16 MiB each), without taking gigabytes on a 128-CPU server.
 */
export function defaultBufferSizeKb(cpus = os.availableParallelism()): number {
  return Math.min(16384, Math.max(2048, Math.floor((256 * 1024) / Math.max(1, cpus))));
}

/** The mapping calls (model/dma-functions.ts `root`): what a function_graph pass times by default. */
export const graphRootFunctions: readonly string[] = dmaFunctionTable.filter((f) => f.root === true).map((f) => f.name);

/** Whether a pass with these options enables the iommu tracepoints. */
export function iommuEventsOn(opts: FtraceOptions): boolean {
  return opts.iommuEvents ?? opts.tracer !== 'function_graph';
}

/**
 * The tracefs configuration a pass with these options uses. A function_graph pass traces the
 * mapping calls only (not the IOMMU functions under them): each traced call inside another adds
 * the tracer's cost to it (collectors/ftrace/metrics.ts says which durations are kept).
 */
export function ftracePassConfig(opts: FtraceOptions): TracefsPassConfig {
  const defaults = opts.tracer === 'function_graph' ? graphRootFunctions : dmaFunctions;
  const functions = [...new Set([...(opts.dmaFunctions ? defaults : []), ...opts.functions])];
  const events = [...(iommuEventsOn(opts) ? iommuEvents : []), ...opts.events];
  const cfg: TracefsPassConfig = { tracer: opts.tracer === 'events' ? 'nop' : opts.tracer, events, bufferSizeKb: opts.bufferSizeKb ?? defaultBufferSizeKb() };
  if (opts.tracer !== 'events') cfg.filterFunctions = functions;
  return cfg;
}

/**
 * Filters that keep the events of these tracepoints to the target device, where the event says
 * which device it is for (a `dev_t dev` field: the block layer; a `disk` name: nvme). The kernel's
 * dev_t in a trace is major << 20 | minor. Read from the global events/ directory's formats
 * (read-only; an instance has the same events).
 */
export function deviceEventFilters(root: string, events: string[], target: BlockDeviceId): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const event of events) {
    const [system, name] = event.split(':');
    if (system === undefined || name === undefined || name.includes('*')) continue;
    // A request belongs to the whole disk: block_rq_* records name its dev_t, never a partition's.
    const [major, minor] = (system === 'block' && name.startsWith('block_rq_') ? target.diskDev : target.dev).split(':').map(Number);
    const format = readTracefsFile(root, `events/${system}/${name}/format`) ?? '';
    if (/field:dev_t dev;/.test(format) && major !== undefined && minor !== undefined) filters[event] = `dev == ${major * 2 ** 20 + minor}`;
    else if (/field:char disk\[/.test(format)) filters[event] = `disk == "${target.disk}"`;
  }
  return filters;
}

/**
 * The I/Os a pass's per-I/O figures divide by: the target disk's data requests in the trace when
 * the request event was on, else the workload's own count; with notes on how the two compare.
 */
export function ioCount(
  requests: ReadonlyMap<string, { data: number }>,
  target: BlockDeviceId | undefined,
  requestEvent: string | undefined,
  workloadIos: number | undefined,
): { ios: number | undefined; notes: string[] } {
  const notes: string[] = [];
  if (!target || requestEvent === undefined) return { ios: workloadIos !== undefined && workloadIos > 0 ? workloadIos : undefined, notes };
  const traced = requests.get(target.diskDev)?.data ?? 0;
  if (traced === 0) {
    // The workload's I/O never reached the disk (the page cache served it, or it is not a block device's).
    const fallback = workloadIos !== undefined && workloadIos > 0 ? workloadIos : undefined;
    notes.push(`no ${requestEvent} record for ${target.disk} (${target.diskDev}) in the window: ${fallback !== undefined ? "per-I/O figures divide by the workload's own count" : 'no per-I/O figures'}`);
    return { ios: fallback, notes };
  }
  if (workloadIos !== undefined && workloadIos !== traced) {
    notes.push(
      `${traced} requests to ${target.disk} in the trace, ${workloadIos} I/Os counted by the workload (${traced > workloadIos ? '+' : ''}${traced - workloadIos}): per-I/O figures divide by the trace's count (fio leaves out ramp_time's I/Os and those in flight at its end; the block layer may split or merge)`,
    );
  }
  return { ios: traced, notes };
}

function traceKind(opts: FtraceOptions): TraceTextKind {
  return opts.tracer === 'events' ? 'nop' : opts.tracer;
}

export const ftraceProfiler: Profiler = {
  kind: 'ftrace',
  async preflight(options) {
    const opts = parseProfilerOptions('ftrace', ftraceOptionsSchema, options);
    const root = await locateOrMountTracefs();
    // Before anything runs: a kernel whose instances cannot run this tracer is a refusal (exit 2).
    const refusal = instanceRefusal(root, ftracePassConfig(opts).tracer ?? 'nop');
    if (refusal !== undefined) throw new TracefsError(refusal);
  },
  async start(ctx: ProfilerContext): Promise<ActiveProfiler> {
    const opts = parseProfilerOptions('ftrace', ftraceOptionsSchema, ctx.options);
    const root = await locateOrMountTracefs();
    const target = ctx.ioTarget !== undefined ? blockDeviceOf(ctx.ioTarget) : undefined;
    const cfg = ftracePassConfig(opts);
    // The I/O count of the window, from the trace: the target disk's requests (review M7).
    // An event the pass adds only to count is left out of `events.*`; one the campaign asked for stays.
    const addedIoEvent = target !== undefined && !(cfg.events ?? []).includes(REQUEST_ISSUE_EVENT);
    if (addedIoEvent) cfg.events = [...(cfg.events ?? []), REQUEST_ISSUE_EVENT];
    if (target) cfg.eventFilters = deviceEventFilters(root, cfg.events ?? [], target);
    const bufferKb = cfg.bufferSizeKb ?? defaultBufferSizeKb();
    // The trace goes to memory while tracing runs; room for a few full buffers is asked for.
    const spool = makeSpool(ctx.rawDir, 4 * bufferKb * 1024 * os.availableParallelism());
    if (!spool.inMemory) ctx.log(`ftrace: no tmpfs with room found (${SPOOL_CANDIDATES.join(', ')}): the trace is written to ${spool.dir} during the pass, and that disk's DMA is counted`);
    // The runner owns SIGINT/SIGTERM/SIGHUP (it aborts the pass): remove on abort instead of re-raising.
    let pass: TracefsPass;
    try {
      pass = await TracefsPass.begin(cfg, { root, handleSignals: false });
    } catch (err) {
      removeSpool(spool);
      throw err;
    }
    for (const line of pass.setup.staleInstances) ctx.log(`ftrace: ${line}`);
    const cleanUpNow = (): void => {
      for (const e of pass.remove()) process.stderr.write(`dmabench: tracefs instance not removed: ${e}\n`);
      removeSpool(spool);
    };
    // On abort only tracing stops: the instance is removed by stop(), which the runner calls once
    // the workload's processes are gone. Removing it disables its functions and events, which
    // patches kernel text (ftrace call sites, tracepoint static keys) while fio may still run on
    // another CPU. In the lab under QEMU 7.2's multi-threaded TCG that oopsed a 7.2 guest (int3 at
    // the iommu:map tracepoint in iommu_map_nosync, on SIGINT mid-pass); QEMU's bug, which
    // lab/boot.ts avoids with thread=single, but the pass has no reason to patch under load.
    const onAbort = (): void => {
      try {
        pass.stop();
      } catch {
        // stop() and the exit handler still remove the instance
      }
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Last resort: the process exits (a second Ctrl-C) while the pass is set up. remove() is synchronous.
    process.on('exit', cleanUpNow);
    const detach = (): void => {
      ctx.signal.removeEventListener('abort', onAbort);
      process.off('exit', cleanUpNow);
    };

    const missingFunctions = [...pass.setup.missingFilterFunctions];
    const traced = (cfg.filterFunctions ?? []).filter((f) => !missingFunctions.includes(f));
    const setup: Record<string, unknown> = {
      tracefs: root,
      instance: pass.dir,
      tracer: cfg.tracer,
      traced,
      missingFunctions,
      events: cfg.events,
      missingEvents: pass.setup.missingEvents,
      eventFilters: cfg.eventFilters ?? {},
      refusedEventFilters: pass.setup.refusedEventFilters,
      bufferSizeKb: cfg.bufferSizeKb,
      options: pass.setup.options,
      spool: { dir: spool.dir, inMemory: spool.inMemory },
      target: target ?? null,
      ioCount: target ? `${REQUEST_ISSUE_EVENT} records of data requests to ${target.disk} (${target.diskDev}) in the window` : 'the workload\'s own count',
    };
    if (missingFunctions.length > 0) ctx.log(`ftrace: not in available_filter_functions (skipped): ${missingFunctions.join(' ')}`);
    if (pass.setup.missingEvents.length > 0) ctx.log(`ftrace: events refused: ${pass.setup.missingEvents.join(' ')}`);
    if (pass.setup.refusedEventFilters.length > 0) ctx.log(`ftrace: event filters refused (those events are not limited to the target): ${pass.setup.refusedEventFilters.join('; ')}`);
    const spoolFile = path.join(spool.dir, TRACE_FILE);
    const setupFile = path.join(ctx.rawDir, FTRACE_SETUP_FILE);
    const drain = new AbortController();
    let copying: Promise<void>;
    let disksBefore: ReturnType<typeof readDiskstats> | undefined;
    let disksAfter: ReturnType<typeof readDiskstats> | undefined;
    let state: 'armed' | 'on' | 'off' = 'armed';
    try {
      await writeFile(setupFile, JSON.stringify(setup, null, 2) + '\n');
      // Drained from now on: nothing arrives before on() switches tracing on.
      copying = pipeline(pass.readPipe(drain.signal), createWriteStream(spoolFile));
    } catch (err) {
      drain.abort();
      detach();
      cleanUpNow();
      throw err;
    }
    // An abort ends the drain too (its promise is awaited, or dropped, in stop()).
    copying.catch(() => undefined);
    const off = (): void => {
      if (state !== 'on') return;
      state = 'off';
      pass.stop();
      disksAfter = readDiskstats();
    };

    return {
      async on(): Promise<void> {
        if (state !== 'armed') return;
        disksBefore = readDiskstats();
        pass.start();
        state = 'on';
      },
      async off(): Promise<void> {
        off();
      },
      async stop({ ios: workloadIos, workloadOk, window }): Promise<Measurement[]> {
        try {
          off();
          const diskIo = disksBefore && disksAfter ? diskActivity(disksBefore, disksAfter) : [];
          // After tracing_on=0 nothing new arrives: the reader drains what is left, then ends.
          drain.abort();
          if (!workloadOk || ctx.signal.aborted) return [];
          await copying;
          const removeErrors = pass.remove();
          if (removeErrors.length > 0) throw new Error(`tracefs instance not removed: ${removeErrors.join('; ')}`);
          // Tracing is off: the trace may now go to the bundle's disk.
          const traceFile = path.join(ctx.rawDir, TRACE_FILE);
          await copyFile(spoolFile, traceFile);
          removeSpool(spool);
          const others = diskIo.filter((d) => !(target?.family.includes(d.name) ?? false));
          if (others.length > 0) {
            ctx.log(
              `ftrace: block devices other than the target did I/O during the pass, and their DMA is in the counts: ${others.map((d) => `${d.name} (${d.reads} reads, ${d.writes} writes)`).join(', ')}`,
            );
          }
          const summary = await summarizeTrace(createReadStream(traceFile), traceKind(opts));
          const counted = ioCount(summary.requests, target, pass.setup.missingEvents.includes(REQUEST_ISSUE_EVENT) ? undefined : REQUEST_ISSUE_EVENT, workloadIos);
          for (const line of counted.notes) ctx.log(`ftrace: ${line}`);
          if (window === 'workload') ctx.log('ftrace: the workload cannot mark its I/O phase: the trace covers its whole run (start-up and exit too)');
          await writeFile(
            setupFile,
            JSON.stringify({ ...setup, window: window ?? null, ios: counted.ios ?? null, workloadIos: workloadIos ?? null, requests: Object.fromEntries([...summary.requests].map(([dev, r]) => [dev, { data: r.data, noData: r.noData, byRwbs: Object.fromEntries(r.byRwbs) }])), diskIo, otherDevicesDidIo: others.map((d) => d.name) }, null, 2) + '\n',
          );
          const lost = lostEvents(summary.health);
          if (lost > 0) ctx.log(`ftrace: ${lost} events lost or overwritten: call counts are low (raise bufferSizeKb)`);
          const untimed = [...summary.nestedTimed.keys()].filter((f) => !summary.durations.has(f));
          if (untimed.length > 0) ctx.log(`ftrace: no duration for ${untimed.join(' ')}: traced functions ran within every call (trace one alone to time it)`);
          const iommuOn = iommuEventsOn(opts) && !iommuEvents.some((e) => pass.setup.missingEvents.includes(e));
          const measured = traceMeasurements(summary, { ios: counted.ios, traced, iommuEvents: iommuOn, absent: missingFunctions, ioEvents: addedIoEvent ? ['block_rq_issue'] : [] });
          if (counted.ios !== undefined) measured.push(measure('ftrace.ios', counted.ios, FTRACE_METRICS.ios));
          if (workloadIos !== undefined) measured.push(measure('ftrace.workload_ios', workloadIos, FTRACE_METRICS.workload_ios));
          return measured;
        } finally {
          drain.abort();
          detach();
          cleanUpNow();
        }
      },
    };
  },
};
