// Runs requests through the dma_bench module on one PCI device: insmod, take the device from
// its driver (driver_override + bind, the sysfs flow of the kernel's dma_map_benchmark), write
// each request to debugfs `run`, read `result`, then give the device back and rmmod. Root only.
//
// A request is written by a `tee` child rather than from Node: the write blocks for the whole
// run, and a child can be killed, which the module turns into -EINTR and an "interrupted" result.
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parseMicrobenchResult } from './parse.js';
import { formatMicrobenchRequest, requestMismatches } from './request.js';
import type { MicrobenchRequest, MicrobenchResult } from './types.js';
import { isPciAddress } from '../../model/pci-address.js';

export const moduleName = 'dma_bench';

export interface RunMicrobenchOptions extends MicrobenchSessionOptions {
  requests: MicrobenchRequest[];
  signal?: AbortSignal;
}

export interface MicrobenchRun {
  request: MicrobenchRequest;
  /** The line written to `run`. */
  line: string;
  /** The text read from `result`, as the module wrote it. */
  raw: string;
  result: MicrobenchResult;
  /** The write's error (the module rejected the request or the run failed); result says why if it answers this request. */
  writeError?: string;
  /**
   * How the module's echo differs from `request` (request.ts requestMismatches): non-empty when
   * `result` answers some other request, such as the previous one after a write that failed
   * before the module stored anything. Such a result is never a measurement of this request.
   */
  mismatches: string[];
}

/** Why a run's result must not be taken as this request's outcome; undefined when it may. */
export function microbenchRunProblem(run: MicrobenchRun): string | undefined {
  const wrote = run.writeError ? ` (the write failed: ${run.writeError})` : '';
  if (run.mismatches.length > 0) return `dma_bench's result does not answer "${run.line}"${wrote}: ${run.mismatches.join('; ')}`;
  if (run.writeError) return `dma_bench failed "${run.line}": ${run.writeError} (result: ${run.result.status}, ${run.result.reason ?? 'no reason given'}, errno ${run.result.errno})`;
  return undefined;
}


async function originalDriver(deviceDir: string): Promise<string | undefined> {
  try {
    const name = path.basename(await fs.readlink(path.join(deviceDir, 'driver')));
    return name === moduleName ? undefined : name;
  } catch {
    return undefined; // no driver bound
  }
}

async function runOne(req: MicrobenchRequest, dir: string, signal?: AbortSignal): Promise<MicrobenchRun> {
  const line = formatMicrobenchRequest(req);
  const w = await execa('tee', [path.join(dir, 'run')], {
    input: `${line}\n`,
    stdout: 'ignore',
    reject: false,
    cancelSignal: signal,
  });
  const raw = await fs.readFile(path.join(dir, 'result'), 'utf8');
  const result = parseMicrobenchResult(raw);
  const run: MicrobenchRun = { request: req, line, raw, result, mismatches: requestMismatches(req, result.request) };
  if (w.failed) run.writeError = w.stderr.trim() || w.shortMessage;
  return run;
}

export interface MicrobenchSessionOptions {
  /** PCI address of a device to borrow, e.g. 0000:00:03.0. Its driver is unbound until close(). */
  bdf: string;
  /** The built dma_bench.ko (buildModule). */
  modulePath: string;
  /** Overridable for tests; defaults are the real locations and commands. */
  sysfsRoot?: string;
  debugfsDir?: string;
  insmod?: string;
  rmmod?: string;
}

/** The module loaded and the device bound: run requests, then close() to give everything back. */
export interface MicrobenchSession {
  readonly bdf: string;
  run(req: MicrobenchRequest, signal?: AbortSignal): Promise<MicrobenchRun>;
  /** Unbind, clear driver_override, rmmod, re-probe the original driver; throws what failed. Idempotent. */
  close(): Promise<void>;
}

/** insmod and bind the device; on a bind failure everything done so far is undone before throwing. */
export async function openMicrobenchSession(opts: MicrobenchSessionOptions): Promise<MicrobenchSession> {
  if (!isPciAddress(opts.bdf)) throw new Error(`"${opts.bdf}" is not a PCI address like 0000:00:03.0`);
  const sys = opts.sysfsRoot ?? '/sys';
  const dbg = opts.debugfsDir ?? `/sys/kernel/debug/${moduleName}`;
  const deviceDir = path.join(sys, 'bus/pci/devices', opts.bdf);
  const drivers = path.join(sys, 'bus/pci/drivers');
  if (!existsSync(deviceDir)) throw new Error(`no PCI device ${opts.bdf} (${deviceDir} is missing)`);

  const load = await execa(opts.insmod ?? 'insmod', [opts.modulePath], { reject: false });
  if (load.failed) {
    const hint = /File exists/.test(load.stderr) ? ` (${moduleName} is already loaded: rmmod it first)` : '';
    throw new Error(`insmod ${opts.modulePath} failed${hint}: ${load.stderr.trim() || load.shortMessage}`);
  }

  const previous = await originalDriver(deviceDir);
  let bound = false;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Give the device back whatever happened; each step on its own so one failure does not skip the rest.
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['unbind from dma_bench', () => (bound ? fs.writeFile(path.join(drivers, moduleName, 'unbind'), opts.bdf) : Promise.resolve())],
      ['clear driver_override', () => fs.writeFile(path.join(deviceDir, 'driver_override'), '\n')],
      ['rmmod', () => execa(opts.rmmod ?? 'rmmod', [moduleName])],
      ['re-probe the original driver', () => (previous ? fs.writeFile(path.join(sys, 'bus/pci/drivers_probe'), opts.bdf) : Promise.resolve())],
    ];
    const problems: string[] = [];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    }
    if (problems.length) throw new Error(`dma_bench clean-up failed: ${problems.join('; ')}`);
  };

  try {
    if (previous) await fs.writeFile(path.join(drivers, previous, 'unbind'), opts.bdf);
    await fs.writeFile(path.join(deviceDir, 'driver_override'), moduleName);
    await fs.writeFile(path.join(drivers, moduleName, 'bind'), opts.bdf);
    bound = true;
  } catch (e) {
    await close().catch((c: unknown) => {
      if (e instanceof Error) e.message += ` (${(c as Error).message})`;
    });
    throw e;
  }
  return { bdf: opts.bdf, run: (req, signal) => runOne(req, dbg, signal), close };
}

export async function runMicrobench(opts: RunMicrobenchOptions): Promise<MicrobenchRun[]> {
  const session = await openMicrobenchSession(opts);
  const runs: MicrobenchRun[] = [];
  let failure: unknown;
  try {
    for (const req of opts.requests) {
      if (opts.signal?.aborted) break;
      runs.push(await session.run(req, opts.signal));
    }
  } catch (e) {
    failure = e;
  }
  let cleanup: Error | undefined;
  await session.close().catch((e: unknown) => (cleanup = e as Error));
  // The run's own error matters more than clean-up trouble, but neither is dropped silently.
  if (failure) {
    if (cleanup && failure instanceof Error) failure.message += ` (clean-up also failed: ${cleanup.message})`;
    throw failure;
  }
  if (cleanup) throw new Error(`dma_bench ran but ${cleanup.message}`);
  return runs;
}
