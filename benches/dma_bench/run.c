// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs one request: allocates each thread's pages once, starts one kthread
 * per CPU, and in each iteration maps then unmaps the whole I/O with the
 * requested API, timing map and unmap separately. Nothing is ever handed to
 * the device: the mappings exist only to be torn down again.
 */
#include <linux/kernel.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include "dma_bench.h"

/* The empty timed loop runs this many times per thread, bounded by iters. */
#define DB_TIMER_LOOPS_MIN	1000U
#define DB_TIMER_LOOPS_MAX	100000U

/* Fail allocations instead of invoking the OOM killer: a benchmark must not take a box down. */
#define DB_GFP (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

struct db_ctx {
	struct device *dev;
	const struct dma_bench_request *req;
	enum db_path path;
	atomic_t *abort;
	wait_queue_head_t *wq;
	atomic_t running;	/* workers that have not finished their loop */
};

/* One thread's buffer: pages allocated once per request, reused by every iteration. */
struct db_buf {
	struct page **blocks;	/* contiguous: 1 block of the whole size; scattered: 1 per segment */
	unsigned int nr_blocks;
	unsigned int order;
	struct page **seg_page;	/* first page of each segment */
	dma_addr_t *seg_dma;	/* per-segment addresses for the phys/page path */
	struct sg_table sgt;
	bool have_sgt;
};

struct db_worker {
	struct db_ctx *ctx;
	struct task_struct *task;
	int cpu;
	struct db_buf buf;
	struct db_thread_result *res;
	int err;
	const char *reason;
};

static u64 db_now(void)
{
	/* sched_clock based: cheap and monotonic on the CPU the thread is pinned to */
	return local_clock();
}

static void db_buf_free(struct db_buf *b)
{
	unsigned int i;

	if (b->have_sgt)
		sg_free_table(&b->sgt);
	if (b->blocks)
		for (i = 0; i < b->nr_blocks; i++)
			if (b->blocks[i])
				__free_pages(b->blocks[i], b->order);
	kvfree(b->blocks);
	kvfree(b->seg_page);
	kvfree(b->seg_dma);
	memset(b, 0, sizeof(*b));
}

static int db_buf_alloc(struct db_buf *b, const struct dma_bench_request *req, int node)
{
	unsigned int i, pages_per_seg = req->seg_size >> PAGE_SHIFT;
	struct scatterlist *sg;

	if (req->layout == DB_LAYOUT_CONTIGUOUS) {
		b->nr_blocks = 1;
		b->order = get_order(req->size);
	} else {
		b->nr_blocks = req->segs;
		b->order = get_order(req->seg_size);
	}
	/* up to 16384 pointers: 128 KiB, past what kmalloc should be asked for with NORETRY */
	b->blocks = kvcalloc(b->nr_blocks, sizeof(*b->blocks), DB_GFP);
	b->seg_page = kvcalloc(req->segs, sizeof(*b->seg_page), DB_GFP);
	b->seg_dma = kvcalloc(req->segs, sizeof(*b->seg_dma), DB_GFP);
	if (!b->blocks || !b->seg_page || !b->seg_dma)
		return -ENOMEM;
	for (i = 0; i < b->nr_blocks; i++) {
		b->blocks[i] = alloc_pages_node(node, DB_GFP, b->order);
		if (!b->blocks[i])
			return -ENOMEM;
	}
	if (req->layout == DB_LAYOUT_CONTIGUOUS) {
		for (i = 0; i < req->segs; i++)
			b->seg_page[i] = b->blocks[0] + (size_t)i * pages_per_seg;
	} else {
		/*
		 * Consecutive allocations often come back physically adjacent:
		 * shuffle so that neighbouring segments are not.
		 */
		for (i = 0; i < req->segs; i++)
			b->seg_page[i] = b->blocks[i];
		for (i = req->segs - 1; i > 0; i--)
			swap(b->seg_page[i], b->seg_page[get_random_u32_below(i + 1)]);
	}
	if (req->api == DB_API_SG) {
		if (sg_alloc_table(&b->sgt, req->segs, DB_GFP))
			return -ENOMEM;
		b->have_sgt = true;
		for_each_sgtable_sg(&b->sgt, sg, i)
			sg_set_page(sg, b->seg_page[i], req->seg_size, 0);
	}
	return 0;
}

static int db_iter_sg(struct db_worker *w, u64 *map_ns, u64 *unmap_ns)
{
	struct device *dev = w->ctx->dev;
	enum dma_data_direction dir = w->ctx->req->dir;
	u64 t0, t1, t2, t3;
	int ret;

	t0 = db_now();
	ret = dma_map_sgtable(dev, &w->buf.sgt, dir, 0);
	t1 = db_now();
	if (ret) {
		w->reason = "dma_map_sgtable_failed";
		return ret;
	}
	t2 = db_now();
	dma_unmap_sgtable(dev, &w->buf.sgt, dir, 0);
	t3 = db_now();
	*map_ns = t1 - t0;
	*unmap_ns = t3 - t2;
	return 0;
}

static dma_addr_t db_map_one(struct device *dev, struct page *page, size_t size,
			     enum dma_data_direction dir)
{
#if DMA_BENCH_HAVE_MAP_PHYS
	return dma_map_phys(dev, page_to_phys(page), size, dir, 0);
#else
	return dma_map_page(dev, page, 0, size, dir);
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

/* Per-segment mapping, as drivers do when the IOVA path is unavailable. */
static int db_iter_phys(struct db_worker *w, u64 *map_ns, u64 *unmap_ns)
{
	struct device *dev = w->ctx->dev;
	const struct dma_bench_request *req = w->ctx->req;
	dma_addr_t *dma = w->buf.seg_dma;
	u64 t0, t1, t2, t3;
	u32 i, j;

	t0 = db_now();
	for (i = 0; i < req->segs; i++) {
		dma[i] = db_map_one(dev, w->buf.seg_page[i], req->seg_size, req->dir);
		if (unlikely(dma_mapping_error(dev, dma[i]))) {
			for (j = 0; j < i; j++)
				db_unmap_one(dev, dma[j], req->seg_size, req->dir);
			w->reason = DMA_BENCH_HAVE_MAP_PHYS ? "dma_map_phys_failed" : "dma_map_page_failed";
			return -ENOMEM;
		}
	}
	t1 = db_now();
	t2 = db_now();
	for (i = 0; i < req->segs; i++)
		db_unmap_one(dev, dma[i], req->seg_size, req->dir);
	t3 = db_now();
	*map_ns = t1 - t0;
	*unmap_ns = t3 - t2;
	return 0;
}

#if DMA_BENCH_HAVE_LINK
static int db_iter_link(struct db_worker *w, u64 *map_ns, u64 *unmap_ns)
{
	struct device *dev = w->ctx->dev;
	const struct dma_bench_request *req = w->ctx->req;
	struct dma_iova_state state = {};
	u64 t0, t1, t2, t3;
	size_t off;
	u32 i;
	int ret;

	t0 = db_now();
	if (!dma_iova_try_alloc(dev, &state, page_to_phys(w->buf.seg_page[0]), req->size)) {
		/* it succeeded before the run started: this is IOVA space exhaustion */
		w->reason = "dma_iova_try_alloc_failed";
		return -ENOMEM;
	}
	for (i = 0, off = 0; i < req->segs; i++, off += req->seg_size) {
		ret = dma_iova_link(dev, &state, page_to_phys(w->buf.seg_page[i]), off,
				    req->seg_size, req->dir, 0);
		if (unlikely(ret)) {
			dma_iova_destroy(dev, &state, off, req->dir, 0);
			w->reason = "dma_iova_link_failed";
			return ret;
		}
	}
	ret = dma_iova_sync(dev, &state, 0, req->size);
	t1 = db_now();
	if (unlikely(ret)) {
		dma_iova_destroy(dev, &state, req->size, req->dir, 0);
		w->reason = "dma_iova_sync_failed";
		return ret;
	}
	t2 = db_now();
	dma_iova_destroy(dev, &state, req->size, req->dir, 0);
	t3 = db_now();
	*map_ns = t1 - t0;
	*unmap_ns = t3 - t2;
	return 0;
}

/* dma_iova_try_alloc fails for dma-direct and identity domains: decide once per run. */
static bool db_link_available(struct device *dev, struct page *page, size_t size)
{
	struct dma_iova_state state = {};

	if (!dma_iova_try_alloc(dev, &state, page_to_phys(page), size))
		return false;
	dma_iova_free(dev, &state);
	return true;
}
#endif

static int db_iter(struct db_worker *w, u64 *map_ns, u64 *unmap_ns)
{
	switch (w->ctx->path) {
	case DB_PATH_SG:
		return db_iter_sg(w, map_ns, unmap_ns);
#if DMA_BENCH_HAVE_LINK
	case DB_PATH_LINK:
		return db_iter_link(w, map_ns, unmap_ns);
#endif
	default:
		return db_iter_phys(w, map_ns, unmap_ns);
	}
}

static bool db_should_stop(struct db_worker *w)
{
	return kthread_should_stop() || atomic_read(w->ctx->abort);
}

static void db_measure_timer(struct db_worker *w)
{
	u32 i, loops = clamp(w->ctx->req->iters, DB_TIMER_LOOPS_MIN, DB_TIMER_LOOPS_MAX);
	u64 t0, t1;

	for (i = 0; i < loops; i++) {
		t0 = db_now();
		t1 = db_now();
		db_stats_add(&w->res->phase[DB_PHASE_TIMER], t1 - t0);
	}
}

static int db_worker_fn(void *data)
{
	struct db_worker *w = data;
	const struct dma_bench_request *req = w->ctx->req;
	struct db_stats *st = w->res->phase;
	u64 map_ns, unmap_ns;
	u64 i, total = (u64)req->warmup + req->iters;
	int ret;

	db_measure_timer(w);
	for (i = 0; i < total; i++) {
		if (db_should_stop(w))
			break;
		ret = db_iter(w, &map_ns, &unmap_ns);
		if (ret) {
			w->err = ret;
			break;
		}
		if (i >= req->warmup) {
			db_stats_add(&st[DB_PHASE_MAP], map_ns);
			db_stats_add(&st[DB_PHASE_UNMAP], unmap_ns);
			db_stats_add(&st[DB_PHASE_TOTAL], map_ns + unmap_ns);
		}
		/* TCG guests and big requests take long: never hog the CPU or stall RCU */
		cond_resched();
	}
	if (atomic_dec_and_test(&w->ctx->running))
		wake_up_all(w->ctx->wq);

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

/* Thread i runs on the i-th online CPU. */
static int db_nth_online_cpu(u32 n)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (n-- == 0)
			return cpu;
	return -1;
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
		w[i].cpu = db_nth_online_cpu(i);
		if (w[i].cpu < 0) {
			db_fail(out, -EINVAL, "cpu_went_offline");
			return -EINVAL;
		}
		w[i].res = &out->thread[i];
		w[i].res->cpu = w[i].cpu;
		for (ph = 0; ph < DB_NR_PHASES; ph++)
			db_stats_init(&w[i].res->phase[ph]);
		ret = db_buf_alloc(&w[i].buf, ctx->req, cpu_to_node(w[i].cpu));
		if (ret) {
			db_fail(out, ret, "page_alloc_failed");
			return ret;
		}
	}
	return 0;
}

/* db_run has already answered unsupported when the link API is missing. */
static void db_choose_path(struct db_ctx *ctx, struct db_worker *w0, struct dma_bench_outcome *out)
{
	const enum db_path per_segment = DMA_BENCH_HAVE_MAP_PHYS ? DB_PATH_PHYS : DB_PATH_PAGE;

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
		if (db_link_available(ctx->dev, w0->buf.seg_page[0], ctx->req->size)) {
			ctx->path = DB_PATH_LINK;
			break;
		}
#endif
		out->status = DB_STATUS_FALLBACK;
		out->reason = "dma_iova_try_alloc_false";
		break;
	}
	out->path = ctx->path;
}

/*
 * Pages one thread's buffer takes: each block is rounded up to a power of two
 * pages (get_order), and the page pointers, per-segment addresses and sg
 * table come on top.
 */
static u64 db_pages_per_thread(const struct dma_bench_request *req)
{
	u64 blocks = req->layout == DB_LAYOUT_CONTIGUOUS ? 1 : req->segs;
	unsigned int order = get_order(req->layout == DB_LAYOUT_CONTIGUOUS ? req->size : req->seg_size);
	u64 meta = (u64)req->segs * (sizeof(struct page *) * 2 + sizeof(dma_addr_t) +
				     (req->api == DB_API_SG ? sizeof(struct scatterlist) : 0));

	return (blocks << order) + DIV_ROUND_UP(meta, PAGE_SIZE);
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

	if (req->api == DB_API_LINK && !DMA_BENCH_HAVE_LINK) {
		out->status = DB_STATUS_UNSUPPORTED;
		out->reason = "link_api_needs_6.16";
		return 0;
	}

	/* Refuse what would squeeze the box rather than rely on allocation failure alone. */
	need_pages = db_pages_per_thread(req) * req->threads;
	if (need_pages > (u64)si_mem_available() / 2) {
		db_fail(out, -ENOMEM, "not_enough_memory");
		return -ENOMEM;
	}

	out->thread = kvcalloc(req->threads, sizeof(*out->thread), DB_GFP);
	w = kcalloc(req->threads, sizeof(*w), DB_GFP);
	if (!out->thread || !w) {
		db_fail(out, -ENOMEM, "alloc_failed");
		ret = -ENOMEM;
		goto out_free;
	}

	ret = db_prepare_workers(&ctx, w, req->threads, out);
	if (ret)
		goto out_free;
	db_choose_path(&ctx, &w[0], out);

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
	t0 = ktime_get_ns();
	for (i = 0; i < started; i++)
		wake_up_process(w[i].task);

	/*
	 * Interruptible: a signal ends the run with -EINTR. A device removal sets
	 * *abort, which the threads also watch between iterations.
	 */
	if (wait_event_interruptible(*wq, !atomic_read(&ctx.running) || atomic_read(abort))) {
		db_fail(out, -EINTR, "interrupted");
		ret = -EINTR;
	}
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
	kfree(w);
	return ret;
}
