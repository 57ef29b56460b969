// Bounded-memory duration histogram: exact below 256 ns, then 128 sub-buckets per power of two
// (relative error under 0.8 %). A trace can hold millions of calls of one function; keeping every
// duration would make memory grow with the file, this keeps at most a few thousand buckets.
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const EXACT_LIMIT = SUB * 2; // below 256 every value has its own bucket

export interface DurationSummary {
  count: number;
  totalNs: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
}

export class DurationHistogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  totalNs = 0;
  minNs = Infinity;
  maxNs = -Infinity;

  record(ns: number): void {
    const v = ns < 0 ? 0 : Math.round(ns);
    this.count++;
    this.totalNs += v;
    if (v < this.minNs) this.minNs = v;
    if (v > this.maxNs) this.maxNs = v;
    const key = bucketKey(v);
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + 1);
  }

  /** Value at quantile q (0..1): the bucket's midpoint, clipped to the observed min and max. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.buckets.get(key) ?? 0;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(key);
        return Math.min(this.maxNs, Math.max(this.minNs, (lo + hi) / 2));
      }
    }
    return this.maxNs;
  }

  summary(): DurationSummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      totalNs: this.totalNs,
      minNs: empty ? NaN : this.minNs,
      maxNs: empty ? NaN : this.maxNs,
      meanNs: empty ? NaN : this.totalNs / this.count,
      p50Ns: this.quantile(0.5),
      p90Ns: this.quantile(0.9),
      p99Ns: this.quantile(0.99),
    };
  }

  /** Number of distinct buckets in use (what the memory bound is about). */
  get bucketCount(): number {
    return this.buckets.size;
  }
}

function bucketKey(v: number): number {
  if (v < EXACT_LIMIT) return v;
  if (v < 2 ** 31) {
    const shift = 31 - Math.clz32(v) - SUB_BITS;
    return shift * EXACT_LIMIT + (v >>> shift);
  }
  const shift = Math.floor(Math.log2(v)) - SUB_BITS;
  let sub = Math.floor(v / 2 ** shift);
  // log2 rounding near powers of two can put sub just outside [128, 256).
  if (sub >= 2 * SUB) return bucketKey2(v, shift + 1);
  if (sub < SUB) return bucketKey2(v, shift - 1);
  return shift * EXACT_LIMIT + sub;
  function bucketKey2(value: number, s: number): number {
    sub = Math.floor(value / 2 ** s);
    return s * EXACT_LIMIT + sub;
  }
}

function bucketRange(key: number): [number, number] {
  const shift = Math.floor(key / EXACT_LIMIT);
  const sub = key % EXACT_LIMIT;
  if (shift === 0) return [sub, sub];
  const lo = sub * 2 ** shift;
  return [lo, lo + 2 ** shift - 1];
}
