// The kernel functions the ftrace profiler traces by default: both DMA mapping paths of NVMe
// (DESIGN §1–2). Names a kernel does not have (dma_iova_* before 6.16, functions inlined by the
// compiler) are skipped and reported; which ones exist is itself part of the answer.
export const dmaFunctions = [
  // nvme-pci: submission, the single-segment fast path, completion
  'nvme_queue_rq',
  'nvme_prep_rq',
  'nvme_map_data',
  'nvme_pci_setup_data_simple',
  'nvme_unmap_data',
  // block layer iterator (6.17+)
  'blk_rq_dma_map_iter_start',
  'blk_rq_dma_map_iter_next',
  // two-step API (6.16+) and the per-segment fallback (6.18+)
  'dma_iova_try_alloc',
  'dma_iova_link',
  'dma_iova_sync',
  'dma_iova_destroy',
  'dma_iova_unlink',
  'dma_iova_free',
  'dma_map_phys',
  'dma_unmap_phys',
  // classic scatterlist API
  'dma_map_sgtable',
  'dma_map_sg_attrs',
  '__dma_map_sg_attrs',
  'dma_unmap_sg_attrs',
  // dma-iommu and the IOMMU core underneath both paths
  'iommu_dma_map_sg',
  'iommu_dma_unmap_sg',
  'iommu_dma_map_phys',
  'iommu_dma_unmap_phys',
  'iommu_dma_map_page',
  'iommu_dma_unmap_page',
  '__iommu_dma_map',
  '__iommu_dma_unmap',
  'iommu_map',
  'iommu_map_sg',
  '__iommu_map',
  'iommu_unmap_fast',
  '__iommu_unmap',
] as const;

/** The iommu tracepoints (include/trace/events/iommu.h) that show every IOMMU page-table change. */
export const iommuEvents = ['iommu:map', 'iommu:unmap'] as const;
