// `perf record -a -g` attached to a profile pass. After the workload, `perf script` is streamed
// through the folder (collectors/perf/script-fold.ts) into RAWDIR/stacks.folded; the perf.data file
// stays in RAWDIR for anyone who wants perf report. Flame graphs are drawn from stacks.folded by
// reports/flamegraph (`dmabench flamegraph`), never here: collectors do not import reports.
// Both perf processes have deadlines: perf record ends by itself (collectors/perf/control.ts),
// perf script is killed when folding takes longer than the pass may.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import { DEFAULT_PROFILER_DEADLINE_SEC, type ActiveProfiler, type Profiler, type ProfilerContext } from '../../model/profiler.js';
import type { Measurement } from '../../model/measurement.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';
import { lastLine } from '../../core/text/lines.js';
import { PerfScriptFolder, feed, type FoldResult } from './script-fold.js';
import { serializeFolded } from '../../core/text/folded-stacks.js';
import { writeFileAtomic } from '../../core/bundle/atomic.js';
import { STACKS_FOLDED_FILE } from '../../core/bundle/layout.js';
import { TreeKiller } from '../../core/proc/tree.js';
import { perfExitedCleanly, perfFailure, startControlledPerf } from './control.js';
import { parseProfilerOptions } from '../profiler-options.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';

export const PERF_DATA_FILE = 'perf.data';
export const PERF_RECORD_STDERR_FILE = 'perf-record-stderr.txt';

export const perfRecordOptionsSchema = z
  .object({
    /** Samples per second per CPU (-F). A modest default: the lab's vCPUs are emulated. */
    frequency: z.number().int().min(1).max(100_000).default(999),
    /**
     * How user stacks are unwound: frame pointers (cheap; a program built without them, such as
     * Debian's fio, shows only its leaf frame), dwarf (big files) or lbr (real Intel only). Kernel
     * stacks, where the DMA mapping cost lives, are unwound by the kernel itself (ORC on x86)
     * whatever this says.
     */
    callGraph: z.enum(['fp', 'dwarf', 'lbr']).default('fp'),
    /** Sampling event (-e); default: perf's (cycles, or cpu-clock where there is no PMU). */
    event: z.string().regex(/^[A-Za-z0-9_.:/=,-]+$/).optional(),
  })
  .strict();

export type PerfRecordOptions = z.infer<typeof perfRecordOptionsSchema>;

export function perfRecordArgs(opts: PerfRecordOptions, dataFile: string): string[] {
  const args = ['-a', '--call-graph', opts.callGraph, '-F', String(opts.frequency), '-o', dataFile];
  if (opts.event !== undefined) args.push('-e', opts.event);
  return args;
}

/**
 * Streams `perf script -i DATA` into the folder; the text is never held whole in memory. perf
 * script (and everything it started) is killed on abort or when `deadlineMs` passes.
 */
export async function foldPerfData(dataFile: string, signal: AbortSignal, deadlineMs: number): Promise<FoldResult & { stderr: string }> {
  const child = execa('perf', ['script', '-i', dataFile], { stdin: 'ignore', buffer: false, reject: false });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const tree = new TreeKiller(child.pid);
  const onAbort = (): void => tree.kill();
  signal.addEventListener('abort', onAbort, { once: true });
  let pastDeadline = false;
  const deadline = setTimeout(() => {
    pastDeadline = true;
    tree.kill();
  }, deadlineMs);
  try {
    // stacks.folded counts samples (ARCHITECTURE.md, "The run bundle"): flame graphs and their
    // differences across bundles of every version are in samples.
    const folder = new PerfScriptFolder({ weight: 'samples' });
    if (!child.stdout) throw new Error('perf script: no stdout');
    await feed(folder, child.stdout);
    const r = await child;
    signal.throwIfAborted();
    if (pastDeadline) throw new Error(`perf script -i ${dataFile} did not finish within its ${deadlineMs / 1000} s deadline and was killed`);
    if (r.exitCode !== 0) throw new Error(`perf script -i ${dataFile} failed (exit ${r.exitCode ?? r.signal}): ${lastLine(stderr) || r.message}`);
    return { ...folder.result(), stderr };
  } finally {
    clearTimeout(deadline);
    tree.release();
    signal.removeEventListener('abort', onAbort);
  }
}

export const perfRecordProfiler: Profiler = {
  kind: 'perf-record',
  async preflight(options) {
    parseProfilerOptions('perf-record', perfRecordOptionsSchema, options);
    await assertToolInstalled('perf', ['version'], 'linux-perf');
  },
  async start(ctx: ProfilerContext): Promise<ActiveProfiler> {
    const opts = parseProfilerOptions('perf-record', perfRecordOptionsSchema, ctx.options);
    const dataFile = path.join(ctx.rawDir, PERF_DATA_FILE);
    const deadlineSec = ctx.deadlineSec ?? DEFAULT_PROFILER_DEADLINE_SEC;
    const started = Date.now();
    const perf = await startControlledPerf('record', perfRecordArgs(opts, dataFile), { signal: ctx.signal, deadlineSec });
    return {
      on: () => perf.enable(),
      off: () => perf.disable(),
      async stop({ workloadOk }): Promise<Measurement[]> {
        const exit = await perf.stop();
        await writeFile(path.join(ctx.rawDir, PERF_RECORD_STDERR_FILE), exit.stderr);
        if (!workloadOk) return [];
        if (!perfExitedCleanly(exit)) throw new Error(perfFailure('record', exit, deadlineSec));
        // Folding gets what is left of the pass's deadline (at least a few seconds).
        const folded = await foldPerfData(dataFile, ctx.signal, Math.max(5000, deadlineSec * 1000 - (Date.now() - started)));
        if (folded.unrecognized > 0) ctx.log(`perf-record: ${folded.unrecognized} perf script lines not understood`);
        await writeFileAtomic(path.join(ctx.rawDir, STACKS_FOLDED_FILE), serializeFolded(folded.stacks));
        return [measure('perf.samples', folded.samples, PERF_METRICS.samples)];
      },
    };
  },
};
