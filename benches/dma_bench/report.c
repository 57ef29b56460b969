// SPDX-License-Identifier: GPL-2.0-only
/*
 * Formats a run as line-oriented records: each line is a record name then
 * space-separated key=value pairs, values never contain spaces, and the
 * text ends with "end" so a reader can tell a truncated copy. Format v1:
 *
 *   dma_bench version=1 kernel=REL clock=local_clock hist_max_rel_err_pct=0.4
 *   device bdf=BDF iommu_domain=DMA|DMA-FQ|identity|blocked|unmanaged|none
 *   request api=.. size=.. segs=.. seg_size=.. dir=.. threads=.. iters=.. warmup=.. layout=..
 *   result status=ok|unsupported|fallback|error path=.. errno=.. reason=.. wall_ns=..
 *   timer overhead_ns=P50 mean=.. min=..
 *   stats thread=N|all cpu=C phase=map|unmap|total|timer count=.. mean=.. stdev=.. min=.. max=.. p50=.. p90=.. p99=.. p99.9=..
 *   end
 *
 * Times are ns; mean and stdev carry three decimals.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include "dma_bench.h"

#define DB_FORMAT_VERSION 1

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
	}
	kvfree(sum);
	return 0;
}

/* Returns a kvmalloc'd NUL-terminated text, or NULL on allocation failure. */
char *db_format_result(const struct dma_bench_request *req, bool have_req,
		       const char *bdf, const char *domain_type,
		       const struct dma_bench_outcome *out, size_t *len)
{
	struct db_text t = { .size = 2048 + (size_t)(out->nr_threads + 1) * (DB_NR_PHASES + 1) * 320 };

	t.buf = kvmalloc(t.size, GFP_KERNEL);
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';

	db_put(&t, "dma_bench version=%d kernel=%s clock=local_clock hist_max_rel_err_pct=0.4\n",
	       DB_FORMAT_VERSION, init_utsname()->release);
	db_put(&t, "device bdf=%s iommu_domain=%s\n", bdf ? bdf : "none",
	       domain_type ? domain_type : "none");
	if (have_req)
		db_put(&t, "request api=%s size=%llu segs=%u seg_size=%llu dir=%s threads=%u iters=%u warmup=%u layout=%s\n",
		       db_api_name(req->api), req->size, req->segs, req->seg_size,
		       db_dir_name(req->dir), req->threads, req->iters, req->warmup,
		       db_layout_name(req->layout));
	db_put(&t, "result status=%s path=%s errno=%d reason=%s wall_ns=%llu\n",
	       db_status_name(out->status), db_path_name(out->path), out->err,
	       out->reason ? out->reason : "none", out->wall_ns);
	if (out->nr_threads && db_put_all_stats(&t, out)) {
		kvfree(t.buf);
		return NULL;
	}
	db_put(&t, "end\n");
	*len = t.len;
	return t.buf;
}
