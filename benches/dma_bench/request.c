// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parses and validates one request line: space-separated key=value pairs.
 * Every rejection names its reason as one token so the result file can
 * carry it (reason=size_not_divisible and so on).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include "dma_bench.h"

static const char *const api_names[] = {
	[DB_API_SG] = "sg", [DB_API_LINK] = "link", [DB_API_PHYS] = "phys",
};

static const char *const layout_names[] = {
	[DB_LAYOUT_CONTIGUOUS] = "contiguous", [DB_LAYOUT_SCATTERED] = "scattered",
};

const char *db_api_name(enum dma_bench_api api)
{
	return api_names[api];
}

const char *db_layout_name(enum dma_bench_layout layout)
{
	return layout_names[layout];
}

const char *db_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return "to_device";
	case DMA_FROM_DEVICE:
		return "from_device";
	default:
		return "bidirectional";
	}
}

static int parse_dir(const char *v, enum dma_data_direction *dir)
{
	if (!strcmp(v, "to_device"))
		*dir = DMA_TO_DEVICE;
	else if (!strcmp(v, "from_device"))
		*dir = DMA_FROM_DEVICE;
	else if (!strcmp(v, "bidirectional"))
		*dir = DMA_BIDIRECTIONAL;
	else
		return -EINVAL;
	return 0;
}

/* Which of the keys that constrain each other a request named. */
struct db_seen {
	bool api;
	bool iters;
	bool duration;
	bool cpus;
};

static int parse_one(struct dma_bench_request *req, const char *key,
		     const char *val, const char **reason, struct db_seen *seen)
{
	int i;

	if (!strcmp(key, "api")) {
		i = match_string(api_names, ARRAY_SIZE(api_names), val);
		if (i < 0) {
			*reason = "unknown_api";
			return -EINVAL;
		}
		req->api = i;
		seen->api = true;
		return 0;
	}
	if (!strcmp(key, "layout")) {
		i = match_string(layout_names, ARRAY_SIZE(layout_names), val);
		if (i < 0) {
			*reason = "unknown_layout";
			return -EINVAL;
		}
		req->layout = i;
		return 0;
	}
	if (!strcmp(key, "dir")) {
		if (parse_dir(val, &req->dir)) {
			*reason = "unknown_dir";
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "irqs")) {
		if (!strcmp(val, "on"))
			req->irqs_off = false;
		else if (!strcmp(val, "off"))
			req->irqs_off = true;
		else {
			*reason = "unknown_irqs";
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "size")) {
		if (kstrtou64(val, 0, &req->size)) {
			*reason = "bad_size";
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "cpus")) {
		/* a CPU list as sysfs prints one: 0,2 or 0-3 or 0-1,4 */
		if (cpulist_parse(val, &req->cpus) || cpumask_empty(&req->cpus)) {
			*reason = "bad_cpus";
			return -EINVAL;
		}
		seen->cpus = true;
		return 0;
	}
	if (!strcmp(key, "sg_build")) {
		if (!strcmp(val, "0"))
			req->sg_build = false;
		else if (!strcmp(val, "1"))
			req->sg_build = true;
		else {
			*reason = "bad_sg_build";
			return -EINVAL;
		}
		return 0;
	}
	{
		static const char *const keys[] = { "segs", "threads", "iters", "warmup", "batch", "inflight",
						    "duration_ms" };
		u32 *const fields[] = { &req->segs, &req->threads, &req->iters, &req->warmup,
					&req->batch, &req->inflight, &req->duration_ms };

		static_assert(ARRAY_SIZE(keys) == ARRAY_SIZE(fields));
		i = match_string(keys, ARRAY_SIZE(keys), key);
		if (i >= 0) {
			if (kstrtou32(val, 0, fields[i])) {
				*reason = "bad_number";
				return -EINVAL;
			}
			seen->iters |= fields[i] == &req->iters;
			seen->duration |= fields[i] == &req->duration_ms;
			return 0;
		}
	}
	*reason = "unknown_key";
	return -EINVAL;
}

static int validate(struct dma_bench_request *req, const struct db_seen *seen, const char **reason)
{
	if (req->size == 0) {
		*reason = "size_zero";
		return -EINVAL;
	}
	if (req->size > DMA_BENCH_MAX_SIZE) {
		*reason = "size_too_large";
		return -EINVAL;
	}
	if (req->segs == 0 || req->segs > DMA_BENCH_MAX_SEGS) {
		*reason = "bad_segs";
		return -EINVAL;
	}
	if (req->size % req->segs) {
		*reason = "size_not_divisible";
		return -EINVAL;
	}
	req->seg_size = req->size / req->segs;
	/* IOVA linking needs granule-aligned segments; pages keep every API comparable. */
	if (req->seg_size % PAGE_SIZE) {
		*reason = "segment_not_page_multiple";
		return -EINVAL;
	}
	if (req->layout == DB_LAYOUT_CONTIGUOUS &&
	    get_order(req->size) > MAX_PAGE_ORDER) {
		*reason = "contiguous_size_above_max_order";
		return -EINVAL;
	}
	if (req->layout == DB_LAYOUT_SCATTERED &&
	    get_order(req->seg_size) > MAX_PAGE_ORDER) {
		*reason = "segment_above_max_order";
		return -EINVAL;
	}
	if (req->threads == 0 || req->threads > DMA_BENCH_MAX_THREADS ||
	    req->threads > num_online_cpus()) {
		*reason = "bad_threads";
		return -EINVAL;
	}
	/* the CPUs asked for: each online now (db_run checks again when it binds), one per thread */
	if (!cpumask_subset(&req->cpus, cpu_online_mask)) {
		*reason = "cpu_not_online";
		return -EINVAL;
	}
	if (req->threads > cpumask_weight(&req->cpus)) {
		*reason = "threads_exceed_cpus";
		return -EINVAL;
	}
	/* a run is either so many requests or so long: never both */
	if (seen->iters && seen->duration) {
		*reason = "iters_and_duration_ms_exclusive";
		return -EINVAL;
	}
	if (seen->duration && (req->duration_ms == 0 || req->duration_ms > DMA_BENCH_MAX_DURATION_MS)) {
		*reason = "bad_duration_ms";
		return -EINVAL;
	}
	if ((!seen->duration && (req->iters == 0 || req->iters > DMA_BENCH_MAX_ITERS)) ||
	    req->warmup > DMA_BENCH_MAX_ITERS) {
		*reason = "bad_iters";
		return -EINVAL;
	}
	if (req->batch > DMA_BENCH_MAX_BATCH ||
	    (u64)req->batch * req->segs > DMA_BENCH_MAX_BATCH_SEGS) {
		*reason = "batch_too_large";
		return -EINVAL;
	}
	if (req->inflight == 0 || req->inflight > DMA_BENCH_MAX_INFLIGHT ||
	    (u64)req->inflight * req->segs > DMA_BENCH_MAX_BATCH_SEGS) {
		*reason = "bad_inflight";
		return -EINVAL;
	}
	/* only sg has a table to build; link and phys map the ranges themselves */
	if (req->sg_build && req->api != DB_API_SG) {
		*reason = "sg_build_needs_api_sg";
		return -EINVAL;
	}
	/* the automatic batch size is taken from warm-up iterations */
	static_assert(DB_AUTO_BATCH_MIN_WARMUP == 10, "the reason below names it");
	if (!req->batch && req->warmup < DB_AUTO_BATCH_MIN_WARMUP) {
		*reason = "auto_batch_needs_warmup_10";
		return -EINVAL;
	}
	return 0;
}

/*
 * @line is modified in place. *@parsed says whether every key was read (the
 * request can be echoed) even when the values are then refused.
 */
int db_parse_request(char *line, struct dma_bench_request *req, const char **reason, bool *parsed)
{
	struct db_seen seen = {};
	char *tok, *eq;
	int ret;

	*parsed = false;
	memset(req, 0, sizeof(*req));
	req->dir = DMA_BENCH_DEFAULT_DIR;
	req->threads = DMA_BENCH_DEFAULT_THREADS;
	req->iters = DMA_BENCH_DEFAULT_ITERS;
	req->warmup = DMA_BENCH_DEFAULT_WARMUP;
	req->layout = DMA_BENCH_DEFAULT_LAYOUT;
	req->irqs_off = DMA_BENCH_DEFAULT_IRQS_OFF;
	req->batch = DMA_BENCH_DEFAULT_BATCH;
	req->inflight = DMA_BENCH_DEFAULT_INFLIGHT;
	req->sg_build = DMA_BENCH_DEFAULT_SG_BUILD;
	req->duration_ms = DMA_BENCH_DEFAULT_DURATION_MS;
	cpumask_copy(&req->cpus, cpu_online_mask);

	line = strim(line);
	while ((tok = strsep(&line, " \t")) != NULL) {
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1]) {
			*reason = "expected_key_equals_value";
			return -EINVAL;
		}
		*eq = '\0';
		ret = parse_one(req, tok, eq + 1, reason, &seen);
		if (ret)
			return ret;
	}
	if (!seen.api) {
		*reason = "missing_api";
		return -EINVAL;
	}
	/* a timed run has no iteration count: the echo says iters=0 */
	if (seen.duration && !seen.iters)
		req->iters = 0;
	*parsed = true;
	return validate(req, &seen, reason);
}
