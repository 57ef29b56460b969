// The kernel functions of both DMA mapping paths of NVMe (ARCHITECTURE.md, "The question"): what
// the ftrace profiler traces by default and what `dmabench doctor` checks is traceable. One list,
// with the kernel release in which each path appeared or went away, so a report can tell "absent
// because this kernel predates it" from "absent because the compiler inlined it".
//
// Release facts: the link API (dma_iova_*) came in 6.16, the block layer iterator and the
// nvme-pci conversion in 6.17, dma_map_phys (and dma-iommu's map_page → map_phys rename) in 6.18.
// Names a kernel lacks are skipped by the profiler and recorded as absent, never as 0 calls.

export type DmaPath = 'nvme' | 'block-iter' | 'link' | 'phys' | 'sg' | 'dma-iommu' | 'iommu-core';

export interface DmaFunction {
  name: string;
  path: DmaPath;
  /** First release that has it; undefined: every kernel dmabench supports (6.12 on). */
  since?: string;
  /** First release that no longer has it (renamed or removed). */
  until?: string;
  /** Static, so the compiler may inline it and ftrace may not see it (seen absent in the lab). */
  mayBeInlined?: boolean;
  /**
   * A mapping call: what a driver or the block layer calls to map or unmap one I/O (the DMA API,
   * the block layer's iterator, and nvme's whole map and unmap of a request, which compare
   * across kernels whatever API lies below). Its function_graph duration is the latency of that
   * call, a primary figure; the functions it calls are parts of it, their durations descriptive.
   */
  root?: boolean;
  /**
   * Where one request's mapping enters the DMA API: every mapped request calls exactly one of
   * these once (the scatterlist call, the link API's IOVA allocation, or the single-range
   * mapping), so their calls add up to the requests mapped (`dma.map_entries`,
   * collectors/ftrace/map-entries.ts). Seen in the lab (ARCHITECTURE.md, "What the lab showed"):
   * NVMe reads on 6.12 enter through dma_map_sgtable or, when the buffer is one physical range,
   * dma_map_page_attrs (nvme_setup_prp_simple → dma_map_bvec); on 7.x through
   * dma_iova_try_alloc (blk_rq_dma_map_iter_start) or dma_map_page_attrs
   * (nvme_pci_setup_data_simple → dma_map_bvec, which on 6.18+ goes on to dma_map_phys: that one
   * is not an entry, or a single-range read would count twice).
   */
  mapEntry?: boolean;
}

export const dmaFunctionTable: readonly DmaFunction[] = [
  // nvme-pci: submission, the single-segment fast path, completion
  { name: 'nvme_queue_rq', path: 'nvme' },
  { name: 'nvme_prep_rq', path: 'nvme', mayBeInlined: true },
  { name: 'nvme_map_data', path: 'nvme', mayBeInlined: true, root: true },
  { name: 'nvme_pci_setup_data_simple', path: 'nvme', since: '6.17', mayBeInlined: true },
  { name: 'nvme_unmap_data', path: 'nvme', root: true },
  // block layer iterator
  { name: 'blk_rq_dma_map_iter_start', path: 'block-iter', since: '6.17', root: true },
  { name: 'blk_rq_dma_map_iter_next', path: 'block-iter', since: '6.17', root: true },
  // two-step API and the per-segment fallback
  { name: 'dma_iova_try_alloc', path: 'link', since: '6.16', root: true, mapEntry: true },
  { name: 'dma_iova_link', path: 'link', since: '6.16', root: true },
  { name: 'dma_iova_sync', path: 'link', since: '6.16', root: true },
  { name: 'dma_iova_destroy', path: 'link', since: '6.16', root: true },
  { name: 'dma_iova_unlink', path: 'link', since: '6.16', root: true },
  { name: 'dma_iova_free', path: 'link', since: '6.16', root: true },
  { name: 'dma_map_phys', path: 'phys', since: '6.18', root: true },
  { name: 'dma_unmap_phys', path: 'phys', since: '6.18', root: true },
  // the single-range mapping (dma_map_page / dma_map_bvec are macros around it): NVMe's path for a
  // request whose buffer is one physical range, on every kernel; a wrapper of dma_map_phys on 6.18+
  { name: 'dma_map_page_attrs', path: 'phys', root: true, mapEntry: true },
  { name: 'dma_unmap_page_attrs', path: 'phys', root: true },
  // classic scatterlist API
  { name: 'dma_map_sgtable', path: 'sg', root: true, mapEntry: true },
  // dma_map_sg: another driver's scatterlist entry (both call __dma_map_sg_attrs, never each other)
  { name: 'dma_map_sg_attrs', path: 'sg', root: true, mapEntry: true },
  { name: '__dma_map_sg_attrs', path: 'sg' },
  { name: 'dma_unmap_sg_attrs', path: 'sg', root: true },
  // dma-iommu and the IOMMU core underneath both paths
  { name: 'iommu_dma_map_sg', path: 'dma-iommu' },
  { name: 'iommu_dma_unmap_sg', path: 'dma-iommu' },
  { name: 'iommu_dma_map_phys', path: 'dma-iommu', since: '6.18' },
  { name: 'iommu_dma_unmap_phys', path: 'dma-iommu', since: '6.18' },
  { name: 'iommu_dma_map_page', path: 'dma-iommu', until: '6.18' },
  { name: 'iommu_dma_unmap_page', path: 'dma-iommu', until: '6.18' },
  { name: '__iommu_dma_map', path: 'dma-iommu' },
  { name: '__iommu_dma_unmap', path: 'dma-iommu' },
  { name: 'iommu_map', path: 'iommu-core' },
  { name: 'iommu_map_sg', path: 'iommu-core' },
  { name: '__iommu_map', path: 'iommu-core', mayBeInlined: true },
  { name: 'iommu_unmap_fast', path: 'iommu-core' },
  { name: '__iommu_unmap', path: 'iommu-core' },
];

/** The names, in table order: what the ftrace profiler filters on by default. */
export const dmaFunctions: readonly string[] = dmaFunctionTable.map((f) => f.name);

/** The functions where a request's mapping enters the DMA API (`mapEntry`), in table order. */
export const mapEntryFunctions: readonly string[] = dmaFunctionTable.filter((f) => f.mapEntry === true).map((f) => f.name);

/** The iommu tracepoints (include/trace/events/iommu.h) that show every IOMMU page-table change. */
export const iommuEvents = ['iommu:map', 'iommu:unmap'] as const;
