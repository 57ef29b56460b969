// tracefs: where it is mounted, which tracers the kernel offers, and whether the DMA mapping
// functions DESIGN.md traces can be filtered on. Read-only: writing current_tracer would clear
// the trace buffer of whoever is tracing.
import { parseMountinfo } from './mountinfo.js';
import { readError, readText, readTrimmed } from './sysfs.js';

/** The functions whose call counts and durations dmabench reports (DESIGN.md §1 and §2). */
export const DMA_TRACE_FUNCTIONS: readonly string[] = [
  'dma_iova_try_alloc',
  'dma_iova_link',
  'dma_iova_sync',
  'dma_iova_unlink',
  'dma_iova_destroy',
  'dma_iova_free',
  'dma_map_phys',
  'dma_unmap_phys',
  'dma_map_sg_attrs',
  'dma_map_sgtable',
  'dma_unmap_sg_attrs',
  'iommu_dma_map_sg',
  'iommu_dma_unmap_sg',
  '__iommu_dma_map',
  '__iommu_dma_unmap',
  '__iommu_map',
  'iommu_map',
  'iommu_unmap_fast',
  '__iommu_unmap',
  'blk_rq_dma_map_iter_start',
  'blk_rq_dma_map_iter_next',
  'nvme_prep_rq',
  'nvme_unmap_data',
];

export interface TracefsInfo {
  mounted: boolean;
  /** Where tracefs is mounted; the preferred one first (/sys/kernel/tracing, then debugfs' tracing). */
  mountPoints: string[];
  /** The path used for the reads below. */
  path?: string;
  tracers: string[];
  functionTracer: boolean;
  functionGraphTracer: boolean;
  /** The iommu map/unmap tracepoints (events/iommu/map). */
  iommuEvents: boolean;
  /** Whether available_filter_functions could be read, and why not. */
  filterFunctionsReadable: boolean;
  filterFunctionsError?: string;
  /** DMA_TRACE_FUNCTIONS found / missing in available_filter_functions (empty when unreadable). */
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
  info.iommuEvents = (await readTrimmed(root, `${info.path}/events/iommu/map/format`)) !== undefined;
  const functions = await readText(root, `${info.path}/available_filter_functions`);
  if (functions === undefined) {
    info.filterFunctionsError = await readError(root, `${info.path}/available_filter_functions`);
    return info;
  }
  info.filterFunctionsReadable = true;
  const present = filterFunctionsPresent(functions, DMA_TRACE_FUNCTIONS);
  info.dmaFunctionsAvailable = DMA_TRACE_FUNCTIONS.filter((f) => present.has(f));
  info.dmaFunctionsMissing = DMA_TRACE_FUNCTIONS.filter((f) => !present.has(f));
  return info;
}
