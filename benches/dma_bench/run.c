// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs one request: allocates each thread's pages once, starts one kthread
 * per CPU, and times mapping then unmapping the whole I/O with the requested
 * API, map and unmap separately. Nothing is ever handed to the device: the
 * mappings exist only to be torn down again.
 *
 * Same work on every path. A request's segments are first merged the way the
 * block layer merges a request's bvecs before NVMe maps them
 * (blk_map_iter_next() in block/blk-mq-dma.c: a segment that starts where the
 * previous range ends joins it while the range stays within the device's max
 * segment size and segment boundary), and every path maps those ranges: sg
 * gets one scatterlist entry per range, link one dma_iova_link() per range,
 * phys one dma_map_phys()/dma_map_page() per range. layout=scattered allocates
 * one block per segment and orders them so that no segment starts where the
 * previous one ends: no merge is left to chance.
 *
 * Threads. Thread i runs on the i-th CPU of the request's cpus (every online
 * CPU unless it names some), its pages on that CPU's node; the result records
 * each CPU's core, package, SMT siblings and node.
 *
 * Timing. Each thread measures its clock (the timer phase), runs the warm-up
 * one request at a time (in rounds of inflight) and waits at a start barrier; when every thread is
 * there the runner picks the batch size and releases them together, so they
 * contend from the first timed call. Requests go in rounds: a round maps
 * max(inflight, K) requests, then unmaps them in the same order (inflight is a
 * queue depth: that many mappings exist at once, as on a busy NVMe queue), with
 * preemption disabled (interrupts too with irqs=off) from before its first
 * clock read to after its last. Within a round, K requests mapped back to back
 * between two clock reads are a batch, unmapped likewise; a timed sample is a
 * batch's mean per request, map and unmap of the same requests. K is 1 unless
 * one request takes less than DB_BATCH_TARGET clock reads (batch=0), so a
 * clock read stays below 1% of every sample. A batch during which the CPU took
 * an interrupt or switched task is counted as disturbed. A run is iters
 * requests per thread, or (duration_ms) rounds until that time has passed,
 * read between rounds with preemption on; each thread counts its requests.
 *
 * sg_build=1 (sg only) allocates each request's sg table, fills it and frees
 * it inside the timed map and unmap, as a driver that builds the table per
 * request pays (6.12's nvme-pci: a table from a mempool, GFP_ATOMIC, filled by
 * blk_rq_map_sg, freed on completion); by default the tables are built once,
 * before the run, and only dma_map_sgtable/dma_unmap_sgtable are timed.
 */
#include <linux/kernel.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/kernel_stat.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/topology.h>
#include <linux/wait.h>
#include "dma_bench.h"

/* The empty timed loop runs this many times per thread, bounded by iters. */
#define DB_TIMER_LOOPS_MIN	1000U
#define DB_TIMER_LOOPS_MAX	100000U

/* A random order of scattered blocks with no physical neighbours in a row, tries before giving up. */
#define DB_SHUFFLE_TRIES	64U

/* Fail allocations instead of invoking the OOM killer: a benchmark must not take a box down. */
#define DB_GFP (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

struct db_ctx {
	struct device *dev;
	const struct dma_bench_request *req;
	enum db_path path;
	atomic_t *abort;
	wait_queue_head_t *wq;	/* the runner waits here for arrivals and finished workers */
	atomic_t running;	/* workers that have not finished their loop */
	atomic_t arrived;	/* workers at the start barrier */
	wait_queue_head_t start_wq;
	bool go;		/* the barrier is lifted; batch and inflight are set */
	u32 batch;
	u32 inflight;		/* requests per timed round: max(req->inflight, batch) */
	u32 max_seg;		/* dma_get_max_seg_size() */
	unsigned long seg_boundary;	/* dma_get_seg_boundary() */
};

/* A physically contiguous range the paths map. */
struct db_range {
	phys_addr_t phys;
	u32 len;
};

/* One timed batch of a round. */
struct db_sample {
	u64 map_ns;
	u64 unmap_ns;
	u32 n;			/* requests in the batch */
	unsigned int hit;	/* DB_HIT_* seen while mapping or unmapping it */
};

/* One thread's buffer: pages allocated once per request, reused by every iteration. */
struct db_buf {
	struct page **blocks;	/* contiguous: 1 block of the whole size; scattered: 1 per segment */
	unsigned int nr_blocks;
	unsigned int order;
	struct page **seg_page;	/* first page of each segment, in I/O order */
	struct db_range *range;	/* the segments merged as the block layer merges them */
	u32 nr_ranges;
	u32 slots;		/* requests a round can hold in flight */
	struct sg_table *sgt;	/* sg: one table per slot, one entry per range */
	u32 nr_sgt;		/* tables built before the run (0 with sg_build: built per request) */
	struct db_sample *sample;	/* one round's batches: slots entries */
#if DMA_BENCH_HAVE_LINK
	struct dma_iova_state *state;	/* link: one per slot */
#endif
	dma_addr_t *dma;	/* phys (and link's fallback): slots x nr_ranges */
};

struct db_worker {
	struct db_ctx *ctx;
	struct task_struct *task;
	int cpu;
	struct db_buf buf;
	struct db_thread_result *res;
	u32 want_batch;		/* the batch size this thread's warm-up asks for */
	int err;
	const char *reason;
};

/* What says a CPU was disturbed: its interrupt counts and the task's context switches. */
struct db_irq_snap {
	unsigned long irqs;	/* interrupts that went through genirq */
	unsigned long switches;
#ifdef CONFIG_X86
	irq_cpustat_t arch;	/* the local APIC timer, IPIs, NMIs: counted here, not by genirq */
#endif
};

static u64 db_now(void)
{
	/* sched_clock based: cheap and monotonic on the CPU the thread is pinned to */
	return local_clock();
}

/* Called with preemption disabled. */
static void db_snap(struct db_irq_snap *s)
{
	s->irqs = kstat_cpu_irqs_sum(smp_processor_id());
	s->switches = current->nvcsw + current->nivcsw;
#ifdef CONFIG_X86
	memcpy(&s->arch, this_cpu_ptr(&irq_stat), sizeof(s->arch));
#endif
}

/* What disturbed a batch: DB_HIT_IRQ and DB_HIT_SWITCH, or 0. */
#define DB_HIT_IRQ	1U
#define DB_HIT_SWITCH	2U

static unsigned int db_snap_diff(const struct db_irq_snap *a, const struct db_irq_snap *b)
{
	unsigned int hit = 0;

	if (a->irqs != b->irqs)
		hit |= DB_HIT_IRQ;
#ifdef CONFIG_X86
	/* any counter moved: which one does not matter */
	if (memcmp(&a->arch, &b->arch, sizeof(a->arch)))
		hit |= DB_HIT_IRQ;
#endif
	if (a->switches != b->switches)
		hit |= DB_HIT_SWITCH;
	return hit;
}

/* The largest batch: batch=K, or for batch=0 as many as the limits allow. */
static u32 db_batch_cap(const struct dma_bench_request *req)
{
	if (req->batch)
		return req->batch;
	return clamp(DMA_BENCH_MAX_BATCH_SEGS / req->segs, 1U, DMA_BENCH_MAX_BATCH);
}

/* Requests one round can hold in flight: max(inflight, the largest batch). */
static u32 db_slots(const struct dma_bench_request *req)
{
	return max(req->inflight, db_batch_cap(req));
}

/*
 * Ranges a request can come to: one per segment, more where a segment is
 * longer than the max segment size or crosses a segment boundary.
 */
static u32 db_ranges_cap(const struct dma_bench_request *req, u32 max_seg)
{
	return req->segs * (u32)(DIV_ROUND_UP_ULL(req->seg_size, max_seg) + 1);
}

static void db_buf_free(struct db_buf *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_sgt; i++)
		sg_free_table(&b->sgt[i]);
	kvfree(b->sgt);
	if (b->blocks)
		for (i = 0; i < b->nr_blocks; i++)
			if (b->blocks[i])
				__free_pages(b->blocks[i], b->order);
	kvfree(b->blocks);
	kvfree(b->seg_page);
	kvfree(b->range);
#if DMA_BENCH_HAVE_LINK
	kvfree(b->state);
#endif
	kvfree(b->dma);
	kvfree(b->sample);
	memset(b, 0, sizeof(*b));
}

/* The longest range starting at @start: as the block layer's get_max_segment_size(). */
static u64 db_max_len(const struct db_ctx *ctx, phys_addr_t start)
{
	unsigned long mask = ctx->seg_boundary;

	/* the minimum first, then + 1: mask - 0 + 1 would overflow for ULONG_MAX */
	return (u64)min_t(unsigned long, mask - (start & mask), (unsigned long)ctx->max_seg - 1) + 1;
}

/*
 * Merges the segments into ranges as blk_map_iter_next() merges bvecs: a range
 * starts at a segment (or the rest of one split at the max length) and takes
 * in whole following segments while each starts where the range ends and the
 * range stays within the max length from its start.
 */
static u32 db_coalesce(const struct db_ctx *ctx, struct db_buf *b)
{
	const u64 seg = ctx->req->seg_size;
	u32 i = 0, n = 0;
	u64 done = 0;

	while (i < ctx->req->segs) {
		phys_addr_t start = page_to_phys(b->seg_page[i]) + done;
		u64 max = db_max_len(ctx, start);
		u64 len = min(seg - done, max);

		done += len;
		if (done == seg) {
			i++;
			done = 0;
			while (i < ctx->req->segs && len + seg <= max &&
			       page_to_phys(b->seg_page[i]) == start + len) {
				len += seg;
				i++;
			}
		}
		b->range[n].phys = start;
		b->range[n].len = len;
		n++;
	}
	return n;
}

/* True when no segment starts where the previous one ends. */
static bool db_no_neighbours(const struct db_buf *b, u32 segs, u64 seg_size)
{
	u32 i;

	for (i = 1; i < segs; i++)
		if (page_to_phys(b->seg_page[i - 1]) + seg_size == page_to_phys(b->seg_page[i]))
			return false;
	return true;
}

/*
 * Consecutive allocations often come back physically adjacent. A uniform
 * shuffle still leaves about one adjacent pair per request, which the block
 * layer and iommu_map_sg() would merge, so draw again until none is left.
 * Even when every block is adjacent to the next, a draw succeeds with
 * probability about 1/e (1/2 for two segments): 64 draws all fail with
 * probability below 10^-12.
 */
static int db_order_scattered(struct db_buf *b, const struct dma_bench_request *req)
{
	u32 i, t;

	for (i = 0; i < req->segs; i++)
		b->seg_page[i] = b->blocks[i];
	for (t = 0; t < DB_SHUFFLE_TRIES; t++) {
		for (i = req->segs - 1; i > 0; i--)
			swap(b->seg_page[i], b->seg_page[get_random_u32_below(i + 1)]);
		if (db_no_neighbours(b, req->segs, req->seg_size))
			return 0;
	}
	return -EAGAIN;
}

/* One sg entry per range, as blk_rq_map_sg() fills a request's table. */
static void db_fill_sg(const struct db_buf *b, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i)
		sg_set_page(sg, pfn_to_page(PHYS_PFN(b->range[i].phys)), b->range[i].len,
			    offset_in_page(b->range[i].phys));
}

static int db_buf_alloc(struct db_worker *w, int node)
{
	const struct dma_bench_request *req = w->ctx->req;
	struct db_buf *b = &w->buf;
	unsigned int i, k, pages_per_seg = req->seg_size >> PAGE_SHIFT;
	u32 cap = db_ranges_cap(req, w->ctx->max_seg);

	if (req->layout == DB_LAYOUT_CONTIGUOUS) {
		b->nr_blocks = 1;
		b->order = get_order(req->size);
	} else {
		b->nr_blocks = req->segs;
		b->order = get_order(req->seg_size);
	}
	b->slots = db_slots(req);
	/* up to 16384 pointers: 128 KiB, past what kmalloc should be asked for with NORETRY */
	b->blocks = kvcalloc(b->nr_blocks, sizeof(*b->blocks), DB_GFP);
	b->seg_page = kvcalloc(req->segs, sizeof(*b->seg_page), DB_GFP);
	b->range = kvcalloc(cap, sizeof(*b->range), DB_GFP);
	b->sample = kvcalloc(b->slots, sizeof(*b->sample), DB_GFP);
	if (!b->blocks || !b->seg_page || !b->range || !b->sample)
		goto nomem;
	for (i = 0; i < b->nr_blocks; i++) {
		b->blocks[i] = alloc_pages_node(node, DB_GFP, b->order);
		if (!b->blocks[i])
			goto nomem;
	}
	if (req->layout == DB_LAYOUT_CONTIGUOUS) {
		for (i = 0; i < req->segs; i++)
			b->seg_page[i] = b->blocks[0] + (size_t)i * pages_per_seg;
	} else if (db_order_scattered(b, req)) {
		w->reason = "no_scattered_order_found";
		return -EAGAIN;
	}
	b->nr_ranges = db_coalesce(w->ctx, b);

	if (req->api == DB_API_SG) {
		b->sgt = kvcalloc(b->slots, sizeof(*b->sgt), DB_GFP);
		if (!b->sgt)
			goto nomem;
		/* sg_build: the timed map builds each table, the timed unmap frees it */
		for (k = 0; !req->sg_build && k < b->slots; k++) {
			if (sg_alloc_table(&b->sgt[k], b->nr_ranges, DB_GFP))
				goto nomem;
			b->nr_sgt++;
			db_fill_sg(b, &b->sgt[k]);
		}
	} else {
		/* phys, and link, which falls back to the per-segment path */
		b->dma = kvcalloc((size_t)b->slots * b->nr_ranges, sizeof(*b->dma), DB_GFP);
		if (!b->dma)
			goto nomem;
	}
#if DMA_BENCH_HAVE_LINK
	if (req->api == DB_API_LINK) {
		b->state = kvcalloc(b->slots, sizeof(*b->state), DB_GFP);
		if (!b->state)
			goto nomem;
	}
#endif
	return 0;
nomem:
	w->reason = "page_alloc_failed";
	return -ENOMEM;
}

static int db_map_sg(struct db_worker *w, u32 k)
{
	struct sg_table *sgt = &w->buf.sgt[k];
	bool build = w->ctx->req->sg_build;
	int ret;

	/* In the timed region with preemption off: the allocation must not sleep. */
	if (build) {
		ret = sg_alloc_table(sgt, w->buf.nr_ranges, GFP_ATOMIC | __GFP_NOWARN);
		if (unlikely(ret)) {
			w->reason = "sg_alloc_table_failed";
			return ret;
		}
		db_fill_sg(&w->buf, sgt);
	}
	ret = dma_map_sgtable(w->ctx->dev, sgt, w->ctx->req->dir, 0);
	if (unlikely(ret)) {
		w->reason = "dma_map_sgtable_failed";
		if (build)
			sg_free_table(sgt);
	}
	return ret;
}

static void db_unmap_sg(struct db_worker *w, u32 k)
{
	dma_unmap_sgtable(w->ctx->dev, &w->buf.sgt[k], w->ctx->req->dir, 0);
	if (w->ctx->req->sg_build)
		sg_free_table(&w->buf.sgt[k]);
}

static dma_addr_t db_map_one(struct device *dev, phys_addr_t phys, size_t size,
			     enum dma_data_direction dir)
{
#if DMA_BENCH_HAVE_MAP_PHYS
	return dma_map_phys(dev, phys, size, dir, 0);
#else
	return dma_map_page(dev, pfn_to_page(PHYS_PFN(phys)), offset_in_page(phys), size, dir);
#endif
}

static void db_unmap_one(struct device *dev, dma_addr_t addr, size_t size,
			 enum dma_data_direction dir)
{
#if DMA_BENCH_HAVE_MAP_PHYS
	dma_unmap_phys(dev, addr, size, dir, 0);
#else
	dma_unmap_page(dev, addr, size, dir);
#endif
}

/* Range by range, as the block layer maps a request when the IOVA path is unavailable. */
static int db_map_phys(struct db_worker *w, u32 k)
{
	struct device *dev = w->ctx->dev;
	enum dma_data_direction dir = w->ctx->req->dir;
	const struct db_range *r = w->buf.range;
	dma_addr_t *dma = w->buf.dma + (size_t)k * w->buf.nr_ranges;
	u32 i, j;

	for (i = 0; i < w->buf.nr_ranges; i++) {
		dma[i] = db_map_one(dev, r[i].phys, r[i].len, dir);
		if (unlikely(dma_mapping_error(dev, dma[i]))) {
			for (j = 0; j < i; j++)
				db_unmap_one(dev, dma[j], r[j].len, dir);
			w->reason = DMA_BENCH_HAVE_MAP_PHYS ? "dma_map_phys_failed" : "dma_map_page_failed";
			return -ENOMEM;
		}
	}
	return 0;
}

static void db_unmap_phys(struct db_worker *w, u32 k)
{
	const struct db_range *r = w->buf.range;
	dma_addr_t *dma = w->buf.dma + (size_t)k * w->buf.nr_ranges;
	u32 i;

	for (i = 0; i < w->buf.nr_ranges; i++)
		db_unmap_one(w->ctx->dev, dma[i], r[i].len, w->ctx->req->dir);
}

#if DMA_BENCH_HAVE_LINK
/* As blk_rq_dma_map_iova(): one IOVA range, one link per range, one sync. */
static int db_map_link(struct db_worker *w, u32 k)
{
	struct device *dev = w->ctx->dev;
	const struct dma_bench_request *req = w->ctx->req;
	const struct db_range *r = w->buf.range;
	struct dma_iova_state *state = &w->buf.state[k];
	size_t off = 0;
	u32 i;
	int ret;

	memset(state, 0, sizeof(*state));
	if (!dma_iova_try_alloc(dev, state, r[0].phys, req->size)) {
		/* it succeeded before the run started: this is IOVA space exhaustion */
		w->reason = "dma_iova_try_alloc_failed";
		return -ENOMEM;
	}
	for (i = 0; i < w->buf.nr_ranges; i++) {
		ret = dma_iova_link(dev, state, r[i].phys, off, r[i].len, req->dir, 0);
		if (unlikely(ret)) {
			dma_iova_destroy(dev, state, off, req->dir, 0);
			w->reason = "dma_iova_link_failed";
			return ret;
		}
		off += r[i].len;
	}
	ret = dma_iova_sync(dev, state, 0, req->size);
	if (unlikely(ret)) {
		dma_iova_destroy(dev, state, req->size, req->dir, 0);
		w->reason = "dma_iova_sync_failed";
	}
	return ret;
}

static void db_unmap_link(struct db_worker *w, u32 k)
{
	dma_iova_destroy(w->ctx->dev, &w->buf.state[k], w->ctx->req->size, w->ctx->req->dir, 0);
}

/* dma_iova_try_alloc fails for dma-direct and identity domains: decide once per run. */
static bool db_link_available(struct device *dev, phys_addr_t phys, size_t size)
{
	struct dma_iova_state state = {};

	if (!dma_iova_try_alloc(dev, &state, phys, size))
		return false;
	dma_iova_free(dev, &state);
	return true;
}
#endif

static int db_map(struct db_worker *w, u32 k)
{
	switch (w->ctx->path) {
	case DB_PATH_SG:
		return db_map_sg(w, k);
#if DMA_BENCH_HAVE_LINK
	case DB_PATH_LINK:
		return db_map_link(w, k);
#endif
	default:
		return db_map_phys(w, k);
	}
}

static void db_unmap(struct db_worker *w, u32 k)
{
	switch (w->ctx->path) {
	case DB_PATH_SG:
		db_unmap_sg(w, k);
		break;
#if DMA_BENCH_HAVE_LINK
	case DB_PATH_LINK:
		db_unmap_link(w, k);
		break;
#endif
	default:
		db_unmap_phys(w, k);
	}
}

/* The DMA segments dma_map_sgtable() handed out (its merged nents); read outside the timed calls. */
static void db_note_dma_segs(struct db_worker *w, u32 n)
{
	u32 k, nents;

	if (w->ctx->path != DB_PATH_SG)
		return;
	for (k = 0; k < n; k++) {
		nents = w->buf.sgt[k].nents;
		w->res->dma_segs_min = min(w->res->dma_segs_min, nents);
		w->res->dma_segs_max = max(w->res->dma_segs_max, nents);
	}
}

/*
 * One round: @n requests (slots 0..n-1) mapped in batches of @batch, each
 * between two clock reads, then unmapped in the same batches and order, with
 * preemption off (and interrupts, irqs=off) from the first batch to the last.
 * The interrupt and switch counts are read around each batch's map and unmap,
 * outside the clock reads. Fills w->buf.sample[0..*nr-1]; on a failure the
 * requests mapped so far are unmapped and the error returned.
 */
static int db_round(struct db_worker *w, u32 n, u32 batch, u32 *nr)
{
	struct db_sample *s = w->buf.sample;
	struct db_irq_snap before, after;
	bool irqs_off = w->ctx->req->irqs_off;
	unsigned long flags = 0;
	u32 k = 0, j, b, end;
	u64 t0, t1;
	int ret = 0;

	preempt_disable();
	if (irqs_off)
		local_irq_save(flags);
	for (b = 0; k < n; b++) {
		end = min(k + batch, n);
		s[b].n = end - k;
		db_snap(&before);
		t0 = db_now();
		for (; k < end; k++) {
			ret = db_map(w, k);
			if (unlikely(ret))
				break;
		}
		t1 = db_now();
		db_snap(&after);
		if (unlikely(ret)) {
			for (j = 0; j < k; j++)
				db_unmap(w, j);
			goto out;
		}
		s[b].map_ns = t1 - t0;
		s[b].hit = db_snap_diff(&before, &after);
	}
	*nr = b;
	db_note_dma_segs(w, n);
	for (b = 0, k = 0; b < *nr; b++) {
		end = k + s[b].n;
		db_snap(&before);
		t0 = db_now();
		for (; k < end; k++)
			db_unmap(w, k);
		t1 = db_now();
		db_snap(&after);
		s[b].unmap_ns = t1 - t0;
		s[b].hit |= db_snap_diff(&before, &after);
	}
out:
	if (irqs_off)
		local_irq_restore(flags);
	preempt_enable();
	return ret;
}

static bool db_should_stop(struct db_worker *w)
{
	return kthread_should_stop() || atomic_read(w->ctx->abort);
}

/* A pair of clock reads, under the same discipline as a batch. */
static void db_measure_timer(struct db_worker *w)
{
	u32 i, loops = clamp(w->ctx->req->iters, DB_TIMER_LOOPS_MIN, DB_TIMER_LOOPS_MAX);
	bool irqs_off = w->ctx->req->irqs_off;
	unsigned long flags = 0;
	u64 t0, t1;

	for (i = 0; i < loops; i++) {
		preempt_disable();
		if (irqs_off)
			local_irq_save(flags);
		t0 = db_now();
		t1 = db_now();
		if (irqs_off)
			local_irq_restore(flags);
		preempt_enable();
		db_stats_add(&w->res->phase[DB_PHASE_TIMER], t1 - t0);
	}
}

/*
 * The batch size this thread needs: batch=K as asked, else the fewest requests
 * whose time is at least DB_BATCH_TARGET clock reads (the median pair of reads
 * against the fastest warm-up map or unmap, a bound from below), within the
 * slots allocated.
 */
static u32 db_wanted_batch(struct db_worker *w, u64 fastest)
{
	u64 timer = db_stats_percentile(&w->res->phase[DB_PHASE_TIMER], 500);

	if (w->ctx->req->batch)
		return w->ctx->req->batch;
	fastest = max_t(u64, fastest, 1);
	return clamp_t(u64, DIV64_U64_ROUND_UP(timer * DB_BATCH_TARGET, fastest), 1,
		       db_batch_cap(w->ctx->req));
}

/*
 * Warm-up requests one at a time (batches of one), in rounds of inflight as
 * the timed loop will run them, so the IOVA caches see the same depth.
 */
static void db_warm_up(struct db_worker *w)
{
	const struct db_sample *s = w->buf.sample;
	u64 left = w->ctx->req->warmup, fastest = U64_MAX;
	u32 n, nr, b;
	int ret;

	while (left) {
		if (db_should_stop(w))
			break;
		n = min_t(u64, left, w->ctx->req->inflight);
		ret = db_round(w, n, 1, &nr);
		if (ret) {
			w->err = ret;
			return;
		}
		for (b = 0; b < nr; b++)
			fastest = min3(fastest, s[b].map_ns, s[b].unmap_ns);
		left -= n;
		/* TCG guests and big requests take long: never hog the CPU or stall RCU */
		cond_resched();
	}
	w->want_batch = db_wanted_batch(w, fastest);
}

/*
 * Rounds of max(inflight, batch) requests, each batch a sample of its mean per
 * request: iters requests (the last round holds what is left), or with
 * duration_ms rounds until that long has passed since the thread left the
 * start barrier. The clock is read between rounds, where preemption is on and
 * outside every timed read, so a timed run overruns by at most one round; it
 * also stops at DMA_BENCH_MAX_ITERS requests, which keeps every histogram
 * bucket within its u32.
 */
static void db_timed_loop(struct db_worker *w)
{
	const u32 batch = w->ctx->batch, round = w->ctx->inflight;
	const struct db_sample *s = w->buf.sample;
	const u64 duration_ns = (u64)w->ctx->req->duration_ms * NSEC_PER_MSEC;
	struct db_stats *st = w->res->phase;
	u64 left = duration_ns ? DMA_BENCH_MAX_ITERS : w->ctx->req->iters, map_ns, unmap_ns;
	u64 start = ktime_get_ns();
	u32 n, nr, b;
	int ret;

	while (left) {
		if (db_should_stop(w))
			break;
		if (duration_ns && ktime_get_ns() - start >= duration_ns)
			break;
		n = min_t(u64, left, round);
		ret = db_round(w, n, batch, &nr);
		if (ret) {
			w->err = ret;
			break;
		}
		for (b = 0; b < nr; b++) {
			/* the batch's mean per request */
			map_ns = DIV_ROUND_CLOSEST_ULL(s[b].map_ns, s[b].n);
			unmap_ns = DIV_ROUND_CLOSEST_ULL(s[b].unmap_ns, s[b].n);
			db_stats_add(&st[DB_PHASE_MAP], map_ns);
			db_stats_add(&st[DB_PHASE_UNMAP], unmap_ns);
			db_stats_add(&st[DB_PHASE_TOTAL], map_ns + unmap_ns);
			w->res->batches++;
			w->res->disturbed += !!s[b].hit;
			w->res->irq_hit += !!(s[b].hit & DB_HIT_IRQ);
			w->res->switched += !!(s[b].hit & DB_HIT_SWITCH);
		}
		left -= n;
		w->res->requests += n;
		cond_resched();
	}
	w->res->timed_ns = ktime_get_ns() - start;
}

static int db_worker_fn(void *data)
{
	struct db_worker *w = data;
	struct db_ctx *ctx = w->ctx;

	db_measure_timer(w);
	db_warm_up(w);

	/* The start barrier: the runner lifts it once every thread is here. */
	smp_mb__before_atomic();	/* the runner reads w->err and want_batch after our arrival */
	atomic_inc(&ctx->arrived);
	wake_up_all(ctx->wq);
	while (!smp_load_acquire(&ctx->go) && !kthread_should_stop())
		wait_event_interruptible(ctx->start_wq,
					 smp_load_acquire(&ctx->go) || kthread_should_stop());
	if (!w->err && smp_load_acquire(&ctx->go))
		db_timed_loop(w);

	if (atomic_dec_and_test(&ctx->running))
		wake_up_all(ctx->wq);

	/* Stay until kthread_stop() so the runner never races with our exit. */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Thread i runs on the i-th CPU of the request's cpus (the online CPUs unless it names some). */
static int db_nth_cpu(const struct cpumask *cpus, u32 n)
{
	int cpu;

	for_each_cpu(cpu, cpus)
		if (n-- == 0)
			return cpu_online(cpu) ? cpu : -1;
	return -1;
}

/*
 * Where the CPU sits, from the same kernel data sysfs shows under
 * /sys/devices/system/cpu/cpuN/topology (core_id, physical_package_id,
 * thread_siblings_list) and the cpuN/nodeM link, read as the thread is bound.
 */
static void db_note_topology(struct db_thread_result *r, int cpu)
{
	r->core_id = topology_core_id(cpu);
	r->package_id = topology_physical_package_id(cpu);
	r->node = cpu_to_node(cpu);
	cpumask_copy(&r->siblings, topology_sibling_cpumask(cpu));
}

static void db_fail(struct dma_bench_outcome *out, int err, const char *reason)
{
	out->status = DB_STATUS_ERROR;
	out->err = err;
	out->reason = reason;
}

static int db_prepare_workers(struct db_ctx *ctx, struct db_worker *w, u32 n,
			      struct dma_bench_outcome *out)
{
	u32 i, ph;
	int ret;

	for (i = 0; i < n; i++) {
		w[i].ctx = ctx;
		w[i].cpu = db_nth_cpu(&ctx->req->cpus, i);
		if (w[i].cpu < 0) {
			db_fail(out, -EINVAL, "cpu_went_offline");
			return -EINVAL;
		}
		w[i].res = &out->thread[i];
		w[i].res->cpu = w[i].cpu;
		db_note_topology(w[i].res, w[i].cpu);
		for (ph = 0; ph < DB_NR_PHASES; ph++)
			db_stats_init(&w[i].res->phase[ph]);
		ret = db_buf_alloc(&w[i], cpu_to_node(w[i].cpu));
		if (ret) {
			db_fail(out, ret, w[i].reason);
			return ret;
		}
	}
	return 0;
}

/* db_run has already answered unsupported when the link API is missing. */
static void db_choose_path(struct db_ctx *ctx, struct db_worker *w, u32 n,
			   struct dma_bench_outcome *out)
{
	const enum db_path per_segment = DMA_BENCH_HAVE_MAP_PHYS ? DB_PATH_PHYS : DB_PATH_PAGE;
	u32 i;

	switch (ctx->req->api) {
	case DB_API_SG:
		ctx->path = DB_PATH_SG;
		break;
	case DB_API_PHYS:
		ctx->path = per_segment;
		break;
	case DB_API_LINK:
		ctx->path = per_segment;
#if DMA_BENCH_HAVE_LINK
		if (db_link_available(ctx->dev, w[0].buf.range[0].phys, ctx->req->size)) {
			ctx->path = DB_PATH_LINK;
			break;
		}
#endif
		out->status = DB_STATUS_FALLBACK;
		out->reason = "dma_iova_try_alloc_false";
		break;
	}
	out->path = ctx->path;
	/* What each request issues; sg's DMA segments are counted as they are mapped. */
	for (i = 0; i < n; i++) {
		struct db_thread_result *r = w[i].res;

		r->ranges = w[i].buf.nr_ranges;
		r->calls = ctx->path == DB_PATH_SG ? 1 : r->ranges;
		r->dma_segs_min = ctx->path == DB_PATH_SG ? U32_MAX : ctx->path == DB_PATH_LINK ? 1 : r->ranges;
		r->dma_segs_max = ctx->path == DB_PATH_SG ? 0 : r->dma_segs_min;
	}
}

/*
 * Pages one thread's buffer takes: each block is rounded up to a power of two
 * pages (get_order), and the page pointers, ranges, and per slot the sg table
 * (built before the run or, sg_build, per request) or DMA addresses and a
 * batch's sample come on top.
 */
static u64 db_pages_per_thread(const struct dma_bench_request *req, u32 max_seg)
{
	u64 blocks = req->layout == DB_LAYOUT_CONTIGUOUS ? 1 : req->segs;
	unsigned int order = get_order(req->layout == DB_LAYOUT_CONTIGUOUS ? req->size : req->seg_size);
	u64 ranges = db_ranges_cap(req, max_seg);
	u64 meta = (u64)req->segs * sizeof(struct page *) * 2 + ranges * sizeof(struct db_range) +
		   (u64)db_slots(req) * (ranges *
		   (req->api == DB_API_SG ? sizeof(struct scatterlist) : sizeof(dma_addr_t)) +
		   sizeof(struct db_sample));

	return (blocks << order) + DIV_ROUND_UP(meta, PAGE_SIZE);
}

/* The batch every thread times with: the largest any thread's warm-up asks for. */
static u32 db_pick_batch(const struct db_worker *w, u32 n)
{
	u32 i, batch = 1;

	for (i = 0; i < n; i++)
		batch = max(batch, w[i].want_batch);
	return batch;
}

/*
 * Returns 0 when the request ran (status ok or fallback) or is unsupported by
 * this kernel, else a negative errno; @out says which in every case. The
 * caller owns out->thread afterwards (kvfree).
 */
int db_run(struct device *dev, const struct dma_bench_request *req,
	   atomic_t *abort, wait_queue_head_t *wq, struct dma_bench_outcome *out)
{
	struct db_ctx ctx = { .dev = dev, .req = req, .abort = abort, .wq = wq };
	struct db_worker *w;
	u32 i, started = 0;
	u64 need_pages, t0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->status = DB_STATUS_OK;
	out->reason = "none";
	init_waitqueue_head(&ctx.start_wq);
	ctx.max_seg = dma_get_max_seg_size(dev);
	ctx.seg_boundary = dma_get_seg_boundary(dev);
	out->max_seg = ctx.max_seg;
	out->seg_boundary = ctx.seg_boundary;

	if (req->api == DB_API_LINK && !DMA_BENCH_HAVE_LINK) {
		out->status = DB_STATUS_UNSUPPORTED;
		out->reason = "no_link_api_in_kernel_headers";
		return 0;
	}

	/* Refuse what would squeeze the box rather than rely on allocation failure alone. */
	need_pages = db_pages_per_thread(req, ctx.max_seg) * req->threads;
	if (need_pages > (u64)si_mem_available() / 2) {
		db_fail(out, -ENOMEM, "not_enough_memory");
		return -ENOMEM;
	}

	out->thread = kvcalloc(req->threads, sizeof(*out->thread), DB_GFP);
	w = kvcalloc(req->threads, sizeof(*w), DB_GFP);
	if (!out->thread || !w) {
		db_fail(out, -ENOMEM, "alloc_failed");
		ret = -ENOMEM;
		goto out_free;
	}

	ret = db_prepare_workers(&ctx, w, req->threads, out);
	if (ret)
		goto out_free;
	db_choose_path(&ctx, w, req->threads, out);

	for (i = 0; i < req->threads; i++) {
		w[i].task = kthread_create_on_node(db_worker_fn, &w[i], cpu_to_node(w[i].cpu),
						   "dma_bench/%u", i);
		if (IS_ERR(w[i].task)) {
			ret = PTR_ERR(w[i].task);
			w[i].task = NULL;
			db_fail(out, ret, "kthread_create_failed");
			goto out_stop;
		}
		kthread_bind(w[i].task, w[i].cpu);
		started++;
	}

	atomic_set(&ctx.running, started);
	for (i = 0; i < started; i++)
		wake_up_process(w[i].task);

	/*
	 * Interruptible: a signal ends the run with -EINTR. A device removal sets
	 * *abort, which the threads also watch between iterations. First the
	 * start barrier: every thread has measured its clock and warmed up.
	 */
	if (wait_event_interruptible(*wq, atomic_read(&ctx.arrived) == started || atomic_read(abort))) {
		db_fail(out, -EINTR, "interrupted");
		ret = -EINTR;
		goto out_stop;
	}
	smp_rmb();	/* pairs with the workers' barrier before arriving */
	for (i = 0; i < started; i++)
		if (w[i].err || atomic_read(abort))
			goto out_stop;	/* reported below */
	ctx.batch = db_pick_batch(w, started);
	ctx.inflight = max(req->inflight, ctx.batch);
	out->batch = ctx.batch;
	out->inflight = ctx.inflight;
	t0 = ktime_get_ns();
	smp_store_release(&ctx.go, true);
	wake_up_all(&ctx.start_wq);

	if (wait_event_interruptible(*wq, !atomic_read(&ctx.running) || atomic_read(abort))) {
		db_fail(out, -EINTR, "interrupted");
		ret = -EINTR;
	}
	/* from lifting the barrier to the last thread's end (or the signal or removal) */
	out->wall_ns = ktime_get_ns() - t0;

out_stop:
	/* threads created but never woken just exit: their function never ran */
	for (i = 0; i < started; i++)
		kthread_stop(w[i].task);
	if (!ret && atomic_read(abort)) {
		db_fail(out, -ENODEV, "device_removed");
		ret = -ENODEV;
	}
	for (i = 0; !ret && i < started; i++) {
		if (w[i].err) {
			db_fail(out, w[i].err, w[i].reason ? w[i].reason : "map_failed");
			ret = w[i].err;
		}
	}
	if (!ret)
		out->nr_threads = req->threads;

out_free:
	if (w)
		for (i = 0; i < req->threads; i++)
			db_buf_free(&w[i].buf);
	kvfree(w);
	return ret;
}
