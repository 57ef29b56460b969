// Seeded pseudo-random numbers: the bootstrap (a report made twice from the same bundles prints
// the same confidence intervals) and the runner's shuffled rounds (a resumed run continues the
// order it started). Math.random cannot be seeded.

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a 32-bit state generator (Tommy Ettinger's public-domain design). Its period
 * (2^32) and quality are ample for resampling a few dozen values ten thousand times, and it
 * needs no BigInt, which keeps the bootstrap fast.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randomIndex(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/**
 * Derive a per-item seed from a base seed and a string key (FNV-1a over the key's UTF-16
 * code units, mixed with the seed). Comparison rows seed their bootstrap this way so a row's
 * interval does not change when other rows or bundles are added to the comparison.
 */
export function deriveSeed(seed: number, key: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A copy of `items` in a uniformly random order (Fisher-Yates, drawing from `random`). */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
