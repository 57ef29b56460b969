// SPDX-License-Identifier: GPL-2.0-only
/*
 * Formats a run as line-oriented records: each line is a record name then
 * space-separated key=value pairs, values never contain spaces, and the
 * text ends with "end" so a reader can tell a truncated copy. Format v4:
 *
 *   dma_bench version=4 kernel=REL clock=local_clock hist_max_rel_err_pct=0.4 link_api=0|1 map_phys=0|1
 *   device bdf=BDF iommu_domain=DMA|DMA-FQ|identity|blocked|unmanaged|none
 *   request api=.. size=.. segs=.. seg_size=.. dir=.. threads=.. iters=.. warmup=.. layout=.. irqs=on|off batch=K|0 inflight=N sg_build=0|1 duration_ms=MS cpus=LIST
 *   result status=ok|unsupported|fallback|error path=sg|link|phys|page|none function=.. errno=.. reason=.. wall_ns=.. batch=K inflight=D max_seg_size=.. seg_boundary=0x..
 *   timer overhead_ns=P50 mean=.. min=..
 *   worker thread=N cpu=C ranges=.. calls=.. dma_segs_min=.. dma_segs_max=.. batches=.. disturbed=.. irq_hit=.. switched=.. requests=.. timed_ns=.. core_id=.. package_id=.. siblings=LIST node=..
 *   stats thread=N|all cpu=C phase=map|unmap|total|timer count=.. mean=.. stdev=.. min=.. max=.. p50=.. p90=.. p99=.. p99.9=..
 *   hist thread=all phase=map|unmap|total|timer count=.. buckets=LOW:WIDTH:COUNT,...
 *   end
 *
 * The first line says which APIs the module was built with (link_api: the
 * dma_iova_* link API, map_phys: dma_map_phys; found in the kernel's
 * headers). request echoes the request as parsed, defaults filled in
 * (batch=0: chosen by the module), also when its values were refused; it is
 * missing when a key could not be read. result: path is what ran (link falls
 * back to the per-segment path when dma_iova_try_alloc refuses), function its
 * mapping call, batch the requests per timed sample, inflight the requests
 * mapped before they were unmapped (the larger of the request's inflight and
 * the batch; 0 when nothing ran). duration_ms is 0 for a run of iters
 * requests per thread; a timed run echoes iters=0. cpus is the CPU list the
 * threads were placed on (thread i on its i-th CPU), printed as sysfs prints
 * CPU lists (0-3,8). worker, per thread: ranges the
 * request's physically contiguous ranges after merging, calls the mapping
 * calls per request, dma_segs the DMA segments a request came to (sg: what
 * dma_map_sgtable returned, 0 0 before any), batches the timed samples,
 * disturbed those during which the CPU took an interrupt or switched task
 * (irq_hit and switched: which; a batch can count in both), requests the
 * timed requests it mapped and unmapped, timed_ns the time from leaving the
 * start barrier to the end of its last timed round, and where its CPU sits:
 * core_id, package_id and siblings (its SMT siblings, itself included) as
 * /sys/devices/system/cpu/cpuC/topology names them, node its NUMA node.
 * Format v4 added duration_ms, cpus and the worker's fields from requests on.
 * stats of map, unmap and total are of per-request means of each batch (a
 * batch of one is one request); timer is of single pairs of clock reads.
 * hist is the all-threads histogram behind a stats line, its non-empty
 * buckets only, in rising order: each holds COUNT samples in [LOW, LOW+WIDTH)
 * ns (the last bucket also holds everything beyond).
 * Times are ns; mean and stdev carry three decimals.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include "dma_bench.h"

#define DB_FORMAT_VERSION 4

struct db_text {
	char *buf;
	size_t size;
	size_t len;
};

static __printf(2, 3) void db_put(struct db_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t->len += vscnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
}

static const char *db_status_name(enum db_status s)
{
	switch (s) {
	case DB_STATUS_OK:
		return "ok";
	case DB_STATUS_UNSUPPORTED:
		return "unsupported";
	case DB_STATUS_FALLBACK:
		return "fallback";
	default:
		return "error";
	}
}

static const char *db_path_name(enum db_path p)
{
	switch (p) {
	case DB_PATH_SG:
		return "sg";
	case DB_PATH_LINK:
		return "link";
	case DB_PATH_PHYS:
		return "phys";
	case DB_PATH_PAGE:
		return "page";
	default:
		return "none";
	}
}

/* The call that maps on this path. */
static const char *db_path_function(enum db_path p)
{
	switch (p) {
	case DB_PATH_SG:
		return "dma_map_sgtable";
	case DB_PATH_LINK:
		return "dma_iova_link";
	case DB_PATH_PHYS:
		return "dma_map_phys";
	case DB_PATH_PAGE:
		return "dma_map_page";
	default:
		return "none";
	}
}

static void db_put_worker(struct db_text *t, u32 i, const struct db_thread_result *r)
{
	bool seen = r->dma_segs_min <= r->dma_segs_max;

	db_put(t, "worker thread=%u cpu=%d ranges=%u calls=%u dma_segs_min=%u dma_segs_max=%u batches=%llu disturbed=%llu irq_hit=%llu switched=%llu requests=%llu timed_ns=%llu core_id=%d package_id=%d siblings=%*pbl node=%d\n",
	       i, r->cpu, r->ranges, r->calls, seen ? r->dma_segs_min : 0, seen ? r->dma_segs_max : 0,
	       r->batches, r->disturbed, r->irq_hit, r->switched, r->requests, r->timed_ns,
	       r->core_id, r->package_id, cpumask_pr_args(&r->siblings), r->node);
}

static void db_put_stats(struct db_text *t, const char *thread, int cpu,
			 enum db_phase phase, const struct db_stats_sum *s)
{
	u64 mean = db_moments_mean_milli(&s->m), sd = db_moments_stdev_milli(&s->m);

	db_put(t, "stats thread=%s cpu=%d phase=%s count=%llu mean=%llu.%03llu stdev=%llu.%03llu min=%llu max=%llu p50=%llu p90=%llu p99=%llu p99.9=%llu\n",
	       thread, cpu, db_phase_names[phase], s->m.count,
	       mean / 1000, mean % 1000, sd / 1000, sd % 1000,
	       s->m.count ? s->m.min : 0, s->m.max,
	       db_sum_percentile(s, 500), db_sum_percentile(s, 900),
	       db_sum_percentile(s, 990), db_sum_percentile(s, 999));
}

static void db_put_hist(struct db_text *t, enum db_phase phase, const struct db_stats_sum *s)
{
	const char *sep = "";
	u64 low, width;
	u32 i;

	db_put(t, "hist thread=all phase=%s count=%llu buckets=", db_phase_names[phase], s->m.count);
	for (i = 0; i < DB_HIST_BUCKETS; i++) {
		if (!s->hist[i])
			continue;
		db_bucket_range(i, &low, &width);
		db_put(t, "%s%llu:%llu:%llu", sep, low, width, s->hist[i]);
		sep = ",";
	}
	db_put(t, "\n");
}

/* Room for a CPU list: at most "NNNN," per CPU in it. */
static size_t db_cpulist_room(const struct cpumask *m)
{
	return 8 + 6 * (size_t)cpumask_weight(m);
}

/* Room for the CPU lists of the request and of each worker's siblings. */
static size_t db_cpus_room(const struct dma_bench_request *req, const struct dma_bench_outcome *out)
{
	size_t room = db_cpulist_room(&req->cpus);
	u32 i;

	for (i = 0; i < out->nr_threads; i++)
		room += db_cpulist_room(&out->thread[i].siblings);
	return room;
}

/* Room for the hist lines: at most one entry per bucket or per sample, ~60 bytes each. */
static size_t db_hist_room(const struct dma_bench_outcome *out)
{
	size_t room = 0;
	u64 samples;
	u32 i, ph;

	for (ph = 0; ph < DB_NR_PHASES; ph++) {
		for (i = 0, samples = 0; i < out->nr_threads; i++)
			samples += out->thread[i].phase[ph].m.count;
		room += 80 + 60 * (size_t)min_t(u64, samples, DB_HIST_BUCKETS);
	}
	return room;
}

static int db_put_all_stats(struct db_text *t, const struct dma_bench_outcome *out)
{
	struct db_stats_sum *sum;
	char name[12];
	u32 i, ph;

	/*
	 * One phase at a time, in u64 buckets (the merge of all threads can pass
	 * U32_MAX samples in one bucket); ~37 KiB, too big for the stack. A
	 * single thread goes through the same sum so one percentile code serves.
	 */
	sum = kvmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	for (i = 0; i < out->nr_threads; i++)
		db_put_worker(t, i, &out->thread[i]);
	for (i = 0; i < out->nr_threads; i++) {
		snprintf(name, sizeof(name), "%u", i);
		for (ph = 0; ph < DB_NR_PHASES; ph++) {
			db_sum_init(sum);
			db_sum_add(sum, &out->thread[i].phase[ph]);
			db_put_stats(t, name, out->thread[i].cpu, ph, sum);
		}
	}
	for (ph = 0; ph < DB_NR_PHASES; ph++) {
		db_sum_init(sum);
		for (i = 0; i < out->nr_threads; i++)
			db_sum_add(sum, &out->thread[i].phase[ph]);
		if (ph == DB_PHASE_TIMER) {
			u64 mean = db_moments_mean_milli(&sum->m);

			db_put(t, "timer overhead_ns=%llu mean=%llu.%03llu min=%llu\n",
			       db_sum_percentile(sum, 500), mean / 1000, mean % 1000,
			       sum->m.count ? sum->m.min : 0);
		}
		db_put_stats(t, "all", -1, ph, sum);
		db_put_hist(t, ph, sum);
	}
	kvfree(sum);
	return 0;
}

/* Returns a kvmalloc'd NUL-terminated text, or NULL on allocation failure. */
char *db_format_result(const struct dma_bench_request *req, bool have_req,
		       const char *bdf, const char *domain_type,
		       const struct dma_bench_outcome *out, size_t *len)
{
	struct db_text t = { .size = 2048 + (size_t)(out->nr_threads + 1) * (DB_NR_PHASES + 2) * 320 +
				     db_hist_room(out) + db_cpus_room(req, out) };

	t.buf = kvmalloc(t.size, GFP_KERNEL);
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';

	db_put(&t, "dma_bench version=%d kernel=%s clock=local_clock hist_max_rel_err_pct=0.4 link_api=%d map_phys=%d\n",
	       DB_FORMAT_VERSION, init_utsname()->release, DMA_BENCH_HAVE_LINK, DMA_BENCH_HAVE_MAP_PHYS);
	db_put(&t, "device bdf=%s iommu_domain=%s\n", bdf ? bdf : "none",
	       domain_type ? domain_type : "none");
	if (have_req)
		db_put(&t, "request api=%s size=%llu segs=%u seg_size=%llu dir=%s threads=%u iters=%u warmup=%u layout=%s irqs=%s batch=%u inflight=%u sg_build=%d duration_ms=%u cpus=%*pbl\n",
		       db_api_name(req->api), req->size, req->segs, req->seg_size,
		       db_dir_name(req->dir), req->threads, req->iters, req->warmup,
		       db_layout_name(req->layout), req->irqs_off ? "off" : "on", req->batch,
		       req->inflight, req->sg_build, req->duration_ms, cpumask_pr_args(&req->cpus));
	db_put(&t, "result status=%s path=%s function=%s errno=%d reason=%s wall_ns=%llu batch=%u inflight=%u max_seg_size=%u seg_boundary=0x%lx\n",
	       db_status_name(out->status), db_path_name(out->path), db_path_function(out->path),
	       out->err, out->reason ? out->reason : "none", out->wall_ns, out->batch,
	       out->inflight, out->max_seg, out->seg_boundary);
	if (out->nr_threads && db_put_all_stats(&t, out)) {
		kvfree(t.buf);
		return NULL;
	}
	db_put(&t, "end\n");
	*len = t.len;
	return t.buf;
}
