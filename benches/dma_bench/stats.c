// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-phase latency statistics: exact count/sum/sum of squares/min/max plus a
 * log-linear histogram for percentiles (see dma_bench.h for its precision).
 * The kernel has no floating point and no 128-bit division helper, so the
 * few 128-bit divisions and the square root are done by hand; they run once
 * per report, never in the timed loop.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/string.h>
#include "dma_bench.h"

const char *const db_phase_names[DB_NR_PHASES] = {
	[DB_PHASE_MAP] = "map",
	[DB_PHASE_UNMAP] = "unmap",
	[DB_PHASE_TOTAL] = "total",
	[DB_PHASE_TIMER] = "timer",
};

#define U128_MAX (~(u128)0)

static void db_moments_init(struct db_moments *m)
{
	memset(m, 0, sizeof(*m));
	m->min = U64_MAX;
}

void db_stats_init(struct db_stats *s)
{
	memset(s, 0, sizeof(*s));
	db_moments_init(&s->m);
}

void db_sum_init(struct db_stats_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	db_moments_init(&sum->m);
}

static u32 bucket_of(u64 v)
{
	u32 shift;

	if (v < DB_HIST_SUB)
		return v;
	shift = ilog2(v) - DB_HIST_SUB_BITS;
	if (shift > DB_HIST_MAX_SHIFT)
		return DB_HIST_BUCKETS - 1;
	return (shift + 1) * DB_HIST_SUB + (u32)((v >> shift) - DB_HIST_SUB);
}

/* A bucket's lowest value and width in ns: what a reader needs to redraw the histogram. */
void db_bucket_range(u32 idx, u64 *low, u64 *width)
{
	u32 shift;

	if (idx < DB_HIST_SUB) {
		*low = idx;
		*width = 1;
		return;
	}
	shift = idx / DB_HIST_SUB - 1;
	*low = (u64)(DB_HIST_SUB + idx % DB_HIST_SUB) << shift;
	*width = 1ULL << shift;
}

/* Middle of a bucket: within 0.4% of every value that falls into it. */
static u64 bucket_value(u32 idx)
{
	u32 shift, sub;
	u64 low;

	if (idx < DB_HIST_SUB)
		return idx;
	shift = idx / DB_HIST_SUB - 1;
	sub = idx % DB_HIST_SUB;
	low = (u64)(DB_HIST_SUB + sub) << shift;
	return low + ((1ULL << shift) >> 1);
}

void db_stats_add(struct db_stats *s, u64 ns)
{
	s->m.count++;
	s->m.sum += ns;
	s->m.sumsq += (u128)ns * ns;
	if (ns < s->m.min)
		s->m.min = ns;
	if (ns > s->m.max)
		s->m.max = ns;
	s->hist[bucket_of(ns)]++;
}

void db_sum_add(struct db_stats_sum *into, const struct db_stats *from)
{
	u32 i;

	if (!from->m.count)
		return;
	into->m.count += from->m.count;
	into->m.sum += from->m.sum;
	into->m.sumsq += from->m.sumsq;
	into->m.min = min(into->m.min, from->m.min);
	into->m.max = max(into->m.max, from->m.max);
	for (i = 0; i < DB_HIST_BUCKETS; i++)
		into->hist[i] += from->hist[i];
}

/* nearest-rank: the smallest value with at least p of the samples at or below it */
#define DB_PERCENTILE(s, per_mille)						\
({										\
	u64 __rank, __seen = 0, __v = (s)->m.max;				\
	u32 __i;								\
										\
	__rank = div_u64((s)->m.count * (per_mille) + 999, 1000);		\
	if (!__rank)								\
		__rank = 1;							\
	for (__i = 0; __i < DB_HIST_BUCKETS; __i++) {				\
		__seen += (s)->hist[__i];					\
		if (__seen >= __rank) {						\
			__v = clamp(bucket_value(__i), (s)->m.min, (s)->m.max);	\
			break;							\
		}								\
	}									\
	(s)->m.count ? __v : 0;							\
})

u64 db_sum_percentile(const struct db_stats_sum *sum, u32 per_mille)
{
	return DB_PERCENTILE(sum, per_mille);
}

/* One thread's percentile, for decisions taken before the report (the batch size). */
u64 db_stats_percentile(const struct db_stats *s, u32 per_mille)
{
	return DB_PERCENTILE(s, per_mille);
}

static u128 div128(u128 n, u128 d)
{
	u128 q = 0, r = 0;
	int i;

	for (i = 127; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (u128)1 << i;
		}
	}
	return q;
}

static u64 sqrt128(u128 x)
{
	u128 res = 0, bit = (u128)1 << 126;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= res + bit) {
			x -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	return (u64)res;
}

u64 db_moments_mean_milli(const struct db_moments *s)
{
	if (!s->count)
		return 0;
	return (u64)div128((u128)s->sum * 1000, s->count);
}

/*
 * Population standard deviation: sqrt((n*sumsq - sum^2) / n^2), computed in
 * thousandths of a ns. Exact unless n*sumsq would overflow 128 bits, which
 * needs samples near an hour; then precision drops but nothing wraps.
 */
u64 db_moments_stdev_milli(const struct db_moments *s)
{
	u128 n = s->count, num, n2;

	if (s->count < 2)
		return 0;
	n2 = n * n;
	if (s->sumsq <= div128(U128_MAX, n)) {
		num = n * s->sumsq - (u128)s->sum * s->sum;
		if (num <= div128(U128_MAX, 1000000))
			return sqrt128(div128(num * 1000000, n2));
		return sqrt128(div128(num, n2) * 1000000);
	}
	/* sumsq/n - mean^2, each term already divided */
	num = div128(s->sumsq, n);
	n2 = div128((u128)s->sum, n);
	n2 *= n2;
	return num > n2 ? sqrt128(num - n2) * 1000 : 0;
}
