/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma_bench: times DMA mapping APIs (dma_map_sgtable, the two-step
 * dma_iova_* API, per-segment dma_map_phys/dma_map_page) through the IOMMU
 * domain of a PCI device bound to this driver. It performs no DMA.
 */
#ifndef DMA_BENCH_H
#define DMA_BENCH_H

#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/dma-mapping.h>

/*
 * The link API (dma_iova_try_alloc & co., 6.16) and dma_map_phys (6.18) are
 * found in the kernel's headers by the Kbuild, which defines these to 1 when
 * dma-mapping.h declares them: backports count, the version number does not.
 */
#ifndef DMA_BENCH_HAVE_LINK
#define DMA_BENCH_HAVE_LINK 0
#endif
#ifndef DMA_BENCH_HAVE_MAP_PHYS
#define DMA_BENCH_HAVE_MAP_PHYS 0
#endif

#ifndef CONFIG_ARCH_SUPPORTS_INT128
#error "dma_bench needs 128-bit integer support for exact variance sums (x86_64, arm64)"
#endif

/* Limits: a request outside them is rejected with -EINVAL. */
#define DMA_BENCH_MAX_SIZE	(64UL << 20)
#define DMA_BENCH_MAX_SEGS	16384U
#define DMA_BENCH_MAX_THREADS	64U
#define DMA_BENCH_MAX_ITERS	100000000U
#define DMA_BENCH_REQ_MAX	512	/* bytes in one request line */
/*
 * duration_ms=N (instead of iters): each thread runs timed rounds until N ms
 * have passed since it left the start barrier, checked between rounds, or
 * until DMA_BENCH_MAX_ITERS requests, whichever comes first.
 */
#define DMA_BENCH_MAX_DURATION_MS	600000U
/*
 * Batches: requests mapped back to back between two clock reads, then
 * unmapped likewise. In flight: requests mapped before the first of them is
 * unmapped (a queue depth). Each at most 256, and times segs at most
 * DMA_BENCH_MAX_BATCH_SEGS (every request in flight needs its own sg table
 * or DMA addresses).
 */
#define DMA_BENCH_MAX_BATCH	256U
#define DMA_BENCH_MAX_INFLIGHT	256U
#define DMA_BENCH_MAX_BATCH_SEGS	16384U
/*
 * batch=0 (auto) sizes batches so one clock read is at most 1/DB_BATCH_TARGET
 * of the fastest warm-up request: 0.25%, a quarter of the 1% every timed sample
 * must keep, because timed samples (more of them, and batched requests) come
 * out faster than the warm-up's fastest single request: at 0.5% a lab run saw
 * one sample at 1.006% (a repetition about twice as fast as its warm-up).
 */
#define DB_BATCH_TARGET		400U
/* auto batch estimates an operation's cost from the warm-up: it needs this many */
#define DB_AUTO_BATCH_MIN_WARMUP	10U

enum dma_bench_api { DB_API_SG, DB_API_LINK, DB_API_PHYS };
enum dma_bench_layout { DB_LAYOUT_CONTIGUOUS, DB_LAYOUT_SCATTERED };

/*
 * Defaults of a request's optional keys. The collector's are the same
 * (collectors/microbench/params.ts; test/unit/microbench-request.test.ts
 * reads them here), so a request means the same written by hand or planned
 * by a campaign.
 */
#define DMA_BENCH_DEFAULT_DIR		DMA_TO_DEVICE
#define DMA_BENCH_DEFAULT_LAYOUT	DB_LAYOUT_SCATTERED
#define DMA_BENCH_DEFAULT_THREADS	1U
#define DMA_BENCH_DEFAULT_ITERS		1000U
#define DMA_BENCH_DEFAULT_WARMUP	100U
#define DMA_BENCH_DEFAULT_IRQS_OFF	false
#define DMA_BENCH_DEFAULT_BATCH		0U
#define DMA_BENCH_DEFAULT_INFLIGHT	1U
#define DMA_BENCH_DEFAULT_SG_BUILD	false
/* 0: iters requests per thread; N: for N ms (the request may name iters or duration_ms, not both) */
#define DMA_BENCH_DEFAULT_DURATION_MS	0U
/* cpus: every online CPU (thread i on the i-th of them) */

struct dma_bench_request {
	enum dma_bench_api api;
	u64 size;
	u32 segs;
	u64 seg_size;		/* size / segs, a multiple of PAGE_SIZE */
	enum dma_data_direction dir;
	u32 threads;
	u32 iters;
	u32 warmup;
	enum dma_bench_layout layout;
	bool irqs_off;		/* local_irq_save around each timed batch; preemption is always off */
	u32 batch;		/* requests per timed batch; 0: chosen from the timer overhead */
	u32 inflight;		/* requests mapped before they are unmapped (at least the batch) */
	bool sg_build;		/* sg: allocate, fill and free the sg table inside map/unmap */
	u32 duration_ms;	/* 0: iters requests per thread; else run for this long (iters is 0) */
	struct cpumask cpus;	/* thread i runs on the i-th CPU of it; default: the online CPUs */
};

/*
 * Log-linear histogram: values below 2^SUB_BITS ns get one bucket each;
 * above, every power of two is split into 2^SUB_BITS buckets, so a bucket is
 * at most 1/128 (0.78%) of its lower bound wide and its midpoint is within
 * 0.4% of any value in it. Values above 2^(SUB_BITS + MAX_SHIFT + 1) ns
 * (about 75 min) land in the last bucket.
 */
#define DB_HIST_SUB_BITS	7
#define DB_HIST_SUB		(1U << DB_HIST_SUB_BITS)
#define DB_HIST_MAX_SHIFT	34
#define DB_HIST_BUCKETS		((DB_HIST_MAX_SHIFT + 2) * DB_HIST_SUB)

/* Exact moments of a set of samples (ns). */
struct db_moments {
	u64 count;
	u64 sum;
	u128 sumsq;	/* ns^2, exact */
	u64 min;
	u64 max;
};

/*
 * One thread's samples of one phase, filled in the timed loop. u32 buckets
 * keep it small (the run allocates one per thread and phase): a thread
 * records at most DMA_BENCH_MAX_ITERS samples, so no bucket can overflow.
 */
struct db_stats {
	struct db_moments m;
	u32 hist[DB_HIST_BUCKETS];
};

/*
 * Threads merged for the report. threads x iters reaches 64 x 10^8, past
 * U32_MAX, so these buckets are u64; a report needs only one at a time.
 */
struct db_stats_sum {
	struct db_moments m;
	u64 hist[DB_HIST_BUCKETS];
};

static_assert(DMA_BENCH_MAX_ITERS <= U32_MAX, "a thread's samples must fit a u32 bucket");

/* Phases reported for every thread; timer is the empty timed loop. */
enum db_phase { DB_PHASE_MAP, DB_PHASE_UNMAP, DB_PHASE_TOTAL, DB_PHASE_TIMER, DB_NR_PHASES };

extern const char *const db_phase_names[DB_NR_PHASES];

/* What actually ran: the path can differ from the requested api. */
enum db_path {
	DB_PATH_NONE,
	DB_PATH_SG,
	DB_PATH_LINK,
	DB_PATH_PHYS,		/* dma_map_phys per segment */
	DB_PATH_PAGE,		/* dma_map_page per segment (kernels < 6.18) */
};

enum db_status { DB_STATUS_OK, DB_STATUS_UNSUPPORTED, DB_STATUS_FALLBACK, DB_STATUS_ERROR };

/*
 * One thread's run. Its buffer is one request's pages; ranges is what the
 * block layer would make of them (physically contiguous segments merged), and
 * every path maps exactly those ranges.
 */
struct db_thread_result {
	int cpu;
	/* the CPU's place, read when the thread was bound, as sysfs topology/ shows it */
	int core_id;		/* topology/core_id */
	int package_id;		/* topology/physical_package_id */
	int node;		/* its NUMA node */
	struct cpumask siblings;	/* topology/thread_siblings_list: its SMT siblings, itself included */
	u64 requests;		/* timed requests mapped and unmapped (iters, or what duration_ms allowed) */
	u64 timed_ns;		/* from leaving the start barrier to the end of the last timed round */
	u32 ranges;		/* physically contiguous ranges of the request */
	u32 calls;		/* mapping calls per request: dma_iova_link or dma_map_phys/page calls, 1 for sg */
	u32 dma_segs_min;	/* DMA segments handed out: sg's mapped nents, 1 for link, ranges for phys */
	u32 dma_segs_max;
	u64 batches;		/* timed samples: batches of the run's batch size */
	u64 disturbed;		/* timed batches during which the CPU took an interrupt or switched task */
	u64 irq_hit;		/* ... took an interrupt */
	u64 switched;		/* ... switched task (never while preemption is off) */
	struct db_stats phase[DB_NR_PHASES];
};

struct dma_bench_outcome {
	enum db_status status;
	enum db_path path;
	int err;		/* negative errno when status is error */
	const char *reason;	/* one token, no spaces */
	u64 wall_ns;
	u32 batch;		/* requests per timed batch, the same for every thread */
	u32 inflight;		/* requests mapped before unmapping: max(inflight, batch) */
	u32 max_seg;		/* the device's max segment size and segment boundary: */
	unsigned long seg_boundary;	/* what ranges were merged within */
	u32 nr_threads;		/* entries in thread[] that hold data */
	struct db_thread_result *thread;	/* kvmalloc'd, nr_threads entries */
};

/* request.c */
int db_parse_request(char *line, struct dma_bench_request *req, const char **reason, bool *parsed);
const char *db_api_name(enum dma_bench_api api);
const char *db_dir_name(enum dma_data_direction dir);
const char *db_layout_name(enum dma_bench_layout layout);

/* stats.c */
void db_stats_init(struct db_stats *s);
void db_stats_add(struct db_stats *s, u64 ns);
void db_sum_init(struct db_stats_sum *sum);
void db_sum_add(struct db_stats_sum *into, const struct db_stats *from);
u64 db_sum_percentile(const struct db_stats_sum *sum, u32 per_mille);
u64 db_stats_percentile(const struct db_stats *s, u32 per_mille);
void db_bucket_range(u32 idx, u64 *low, u64 *width);
/* mean and population standard deviation in thousandths of a ns */
u64 db_moments_mean_milli(const struct db_moments *m);
u64 db_moments_stdev_milli(const struct db_moments *m);

/* run.c */
int db_run(struct device *dev, const struct dma_bench_request *req,
	   atomic_t *abort, wait_queue_head_t *wq, struct dma_bench_outcome *out);

/* report.c */
char *db_format_result(const struct dma_bench_request *req, bool have_req,
		       const char *bdf, const char *domain_type,
		       const struct dma_bench_outcome *out, size_t *len);

#endif /* DMA_BENCH_H */
