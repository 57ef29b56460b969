// ftrace attached to a profile pass: the function (call counts), function_graph (call counts and
// durations) or nop tracer over the DMA mapping functions, with the iommu map/unmap tracepoints.
// tracefs is driven through TracefsPass, which saves every file it changes and puts it back after
// the pass; an abort (SIGINT/SIGTERM/SIGHUP reach the runner, which aborts the pass) or the process
// exiting restores it too. While the workload runs, `trace_pipe` is drained into RAWDIR/trace.txt
// (a stream, never held in memory): a 64 KiB read in the lab's 7.2 guest makes ~30 events, 9000
// reads a second, and the `trace` snapshot read afterwards had wrapped its 16 MiB-per-CPU buffer
// (5 % of the events gone). Drained, the buffer only has to hold what arrives between two reads;
// what is still lost shows as `[LOST N EVENTS]` and in ftrace.lost_events. The text is parsed
// from the file afterwards, so `dmabench ingest trace.txt` gives the same numbers.
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { ActiveProfiler, Profiler, ProfilerContext } from '../../model/profiler.js';
import type { Measurement } from '../../model/measurement.js';
import { TracefsPass, type TracefsPassConfig } from './tracefs.js';
import { locateOrMountTracefs } from '../../core/system/tracefs.js';
import { summarizeTrace, traceMeasurements, lostEvents, type TraceTextKind } from './trace-summary.js';
import { dmaFunctions, iommuEvents } from '../../model/dma-functions.js';
import { parseProfilerOptions } from '../profiler-options.js';

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
    /** Enable the iommu:map and iommu:unmap tracepoints. */
    iommuEvents: z.boolean().default(true),
    /** More tracepoints (`system:event`). */
    events: z.array(eventName).default([]),
    /** Per-CPU ring buffer in KiB (default: defaultBufferSizeKb()). Lost events are reported. */
    bufferSizeKb: z.number().int().min(64).max(1 << 20).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const functions = o.functions.length > 0 || o.dmaFunctions;
    if (o.tracer !== 'events' && !functions) ctx.addIssue({ code: 'custom', message: `tracer ${o.tracer} needs functions (or dmaFunctions: true)` });
    if (o.tracer === 'events' && !o.iommuEvents && o.events.length === 0) ctx.addIssue({ code: 'custom', message: 'tracer events needs iommuEvents: true or events' });
  });

export type FtraceOptions = z.infer<typeof ftraceOptionsSchema>;

/**
 * 256 MiB over all CPUs, 2–16 MiB per CPU: enough that a short pass never wraps on the lab's two
 * vCPUs (16 MiB each), without taking gigabytes on a 128-CPU server.
 */
export function defaultBufferSizeKb(cpus = os.availableParallelism()): number {
  return Math.min(16384, Math.max(2048, Math.floor((256 * 1024) / Math.max(1, cpus))));
}

/** The tracefs configuration a pass with these options uses. */
export function ftracePassConfig(opts: FtraceOptions): TracefsPassConfig {
  const functions = [...new Set([...(opts.dmaFunctions ? dmaFunctions : []), ...opts.functions])];
  const events = [...(opts.iommuEvents ? iommuEvents : []), ...opts.events];
  const cfg: TracefsPassConfig = { tracer: opts.tracer === 'events' ? 'nop' : opts.tracer, events, bufferSizeKb: opts.bufferSizeKb ?? defaultBufferSizeKb() };
  if (opts.tracer !== 'events') cfg.filterFunctions = functions;
  return cfg;
}

function traceKind(opts: FtraceOptions): TraceTextKind {
  return opts.tracer === 'events' ? 'nop' : opts.tracer;
}

export const ftraceProfiler: Profiler = {
  kind: 'ftrace',
  async preflight(options) {
    parseProfilerOptions('ftrace', ftraceOptionsSchema, options);
    await locateOrMountTracefs();
  },
  async start(ctx: ProfilerContext): Promise<ActiveProfiler> {
    const opts = parseProfilerOptions('ftrace', ftraceOptionsSchema, ctx.options);
    const cfg = ftracePassConfig(opts);
    const root = await locateOrMountTracefs();
    // The runner owns SIGINT/SIGTERM/SIGHUP (it aborts the pass): restore on abort instead of re-raising.
    const pass = await TracefsPass.begin(cfg, { root, handleSignals: false });
    const restoreNow = (): void => {
      for (const e of pass.restore()) process.stderr.write(`dmabench: tracefs restore: ${e}\n`);
    };
    const onAbort = (): void => restoreNow();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Last resort: the process exits (a second Ctrl-C) while the pass is set up. restore() is synchronous.
    process.on('exit', restoreNow);
    const detach = (): void => {
      ctx.signal.removeEventListener('abort', onAbort);
      process.off('exit', restoreNow);
    };

    const missingFunctions = [...pass.setup.missingFilterFunctions];
    const traced = (cfg.filterFunctions ?? []).filter((f) => !missingFunctions.includes(f));
    const setup = { tracefs: root, tracer: cfg.tracer, traced, missingFunctions, events: cfg.events, missingEvents: pass.setup.missingEvents, bufferSizeKb: cfg.bufferSizeKb };
    if (missingFunctions.length > 0) ctx.log(`ftrace: not in available_filter_functions (skipped): ${missingFunctions.join(' ')}`);
    if (pass.setup.missingEvents.length > 0) ctx.log(`ftrace: events refused: ${pass.setup.missingEvents.join(' ')}`);
    const traceFile = path.join(ctx.rawDir, TRACE_FILE);
    const drain = new AbortController();
    let copying: Promise<void>;
    try {
      await writeFile(path.join(ctx.rawDir, FTRACE_SETUP_FILE), JSON.stringify(setup, null, 2) + '\n');
      pass.start();
      copying = pipeline(pass.readPipe(drain.signal), createWriteStream(traceFile));
    } catch (err) {
      drain.abort();
      detach();
      restoreNow();
      throw err;
    }
    // An abort ends the drain too (its promise is awaited, or dropped, in stop()).
    copying.catch(() => undefined);

    return {
      async stop({ ios, workloadOk }): Promise<Measurement[]> {
        try {
          pass.stop();
          // After tracing_on=0 nothing new arrives: the reader drains what is left, then ends.
          drain.abort();
          if (!workloadOk || ctx.signal.aborted) return [];
          await copying;
          const restoreErrors = pass.restore();
          if (restoreErrors.length > 0) throw new Error(`tracefs not restored: ${restoreErrors.join('; ')}`);
          const summary = await summarizeTrace(createReadStream(traceFile), traceKind(opts));
          const lost = lostEvents(summary.health);
          if (lost > 0) ctx.log(`ftrace: ${lost} events lost or overwritten: call counts are low (raise bufferSizeKb)`);
          const iommuOn = opts.iommuEvents && !iommuEvents.some((e) => pass.setup.missingEvents.includes(e));
          return traceMeasurements(summary, { ios, traced, iommuEvents: iommuOn, absent: missingFunctions });
        } finally {
          drain.abort();
          detach();
          restoreNow();
        }
      },
    };
  },
};
