// The seeded generator lives in core/random/prng.ts, where the runner (which may not import
// reports/) shuffles interleaved rounds with it; reports keep importing it from here.
export { deriveSeed, mulberry32, randomIndex, type Random } from '../../core/random/prng.js';
