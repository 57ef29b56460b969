// tracefs: where it is mounted, which tracers the kernel offers, and whether the DMA mapping
// functions the ftrace profiler traces (model/dma-functions.ts) can be filtered on. Read-only: writing current_tracer would clear
// the trace buffer of whoever is tracing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { dmaFunctions } from '../../model/dma-functions.js';
import { parseMountinfo } from './mountinfo.js';
import { readError, readText, readTrimmed } from './sysfs.js';

export interface TracefsInfo {
  mounted: boolean;
  /** Where tracefs is mounted; the preferred one first (/sys/kernel/tracing, then debugfs' tracing). */
  mountPoints: string[];
  /** The path used for the reads below. */
  path?: string;
  tracers: string[];
  functionTracer: boolean;
  functionGraphTracer: boolean;
  /**
   * Whether tracefs has an instances directory: the ftrace profiler traces only in an instance of
   * its own (which tracers an instance offers is known only once one is made: the profiler's
   * preflight makes one and says).
   */
  instances: boolean;
  /** The iommu map/unmap tracepoints (events/iommu/map). */
  iommuEvents: boolean;
  /** Whether available_filter_functions could be read, and why not. */
  filterFunctionsReadable: boolean;
  filterFunctionsError?: string;
  /** dmaFunctions (model/dma-functions.ts) found / missing in available_filter_functions (empty when unreadable). */
  dmaFunctionsAvailable: string[];
  dmaFunctionsMissing: string[];
}

/** Mount points of tracefs from mountinfo text, plus debugfs' tracing directory when debugfs is mounted. */
export function tracefsMountPoints(mountinfoText: string): string[] {
  const entries = parseMountinfo(mountinfoText);
  const points = entries.filter((e) => e.fsType === 'tracefs').map((e) => e.mountPoint);
  // With debugfs mounted, the kernel auto-mounts tracefs at debugfs/tracing on first access.
  for (const e of entries) if (e.fsType === 'debugfs') points.push(`${e.mountPoint}/tracing`);
  const rank = (p: string): number => (p === '/sys/kernel/tracing' ? 0 : p === '/sys/kernel/debug/tracing' ? 1 : 2);
  return [...new Set(points)].sort((a, b) => rank(a) - rank(b));
}

/** Which of `wanted` appear in available_filter_functions text (lines "name" or "name [module]"). */
export function filterFunctionsPresent(text: string, wanted: readonly string[]): Set<string> {
  const want = new Set(wanted);
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.split(' ', 1)[0] ?? '';
    if (want.has(name)) found.add(name);
  }
  return found;
}

export async function probeTracefs(root: string): Promise<TracefsInfo> {
  const mountinfo = (await readText(root, '/proc/self/mountinfo')) ?? '';
  const mountPoints = tracefsMountPoints(mountinfo);
  const info: TracefsInfo = {
    mounted: mountPoints.length > 0,
    mountPoints,
    tracers: [],
    functionTracer: false,
    functionGraphTracer: false,
    instances: false,
    iommuEvents: false,
    filterFunctionsReadable: false,
    dmaFunctionsAvailable: [],
    dmaFunctionsMissing: [],
  };
  // The first mount point whose available_tracers reads is the one to use.
  for (const point of mountPoints) {
    const tracers = await readTrimmed(root, `${point}/available_tracers`);
    if (tracers === undefined) continue;
    info.path = point;
    info.tracers = tracers.split(/\s+/).filter(Boolean);
    break;
  }
  if (info.path === undefined) return info;
  info.functionTracer = info.tracers.includes('function');
  info.functionGraphTracer = info.tracers.includes('function_graph');
  info.instances = existsSync(path.join(root, info.path, 'instances'));
  info.iommuEvents = (await readTrimmed(root, `${info.path}/events/iommu/map/format`)) !== undefined;
  const functions = await readText(root, `${info.path}/available_filter_functions`);
  if (functions === undefined) {
    info.filterFunctionsError = await readError(root, `${info.path}/available_filter_functions`);
    return info;
  }
  info.filterFunctionsReadable = true;
  const present = filterFunctionsPresent(functions, dmaFunctions);
  info.dmaFunctionsAvailable = dmaFunctions.filter((f) => present.has(f));
  info.dmaFunctionsMissing = dmaFunctions.filter((f) => !present.has(f));
  return info;
}

export class TracefsError extends Error {
  override name = 'TracefsError';
}

/**
 * The tracefs directory to use on this machine: the first of tracefsMountPoints() (the preferred
 * /sys/kernel/tracing, then debugfs' tracing, then any other tracefs mount) that has a
 * current_tracer file. The one locator for doctor and the ftrace profiler.
 */
export function locateTracefs(): string {
  let mountinfo = '';
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    // fall through: only the fixed candidates are tried
  }
  const candidates = tracefsMountPoints(mountinfo);
  for (const fixed of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) if (!candidates.includes(fixed)) candidates.push(fixed);
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'current_tracer'))) return dir;
  }
  throw new TracefsError('tracefs is not mounted (try: mount -t tracefs nodev /sys/kernel/tracing)');
}

/** locateTracefs(), mounting tracefs at /sys/kernel/tracing first when nothing is mounted (needs root). */
export async function locateOrMountTracefs(): Promise<string> {
  try {
    return locateTracefs();
  } catch (e) {
    const r = await execa('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { reject: false });
    if (r.exitCode !== 0) throw new TracefsError(`${(e as Error).message}; mount failed: ${r.stderr.trim()}`);
    return locateTracefs();
  }
}
