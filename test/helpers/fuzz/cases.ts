// Turning (seed, target, case number) into one mutated input, deterministically: the same three
// always give the same bytes, so a finding printed with its seed and case number reproduces with
// DMABENCH_FUZZ_SEED=<seed> DMABENCH_FUZZ_ONLY=<target>#<case>.
import { randomInt } from 'node:crypto';
import { deriveSeed, mulberry32, randomIndex, type Random } from '../../../reports/stats/prng.js';
import { pickMutator } from './mutators.js';
import { gzip, type Seed } from './targets.js';

export interface FuzzConfig {
  seed: number;
  /** Cases per in-memory parser (file-level targets run a tenth, at least 50). */
  cases: number;
  /** A case running longer than this is a finding; one that never ends is stopped after it. */
  watchdogMs: number;
  /** Only this target, or only one case of it (`name#case`). */
  only?: { target: string; index?: number };
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return n;
}

/**
 * DMABENCH_FUZZ_SEED (default: a fresh random seed, printed), DMABENCH_FUZZ_CASES (default 1000),
 * DMABENCH_FUZZ_WATCHDOG_MS (default 5000), DMABENCH_FUZZ_ONLY (`target` or `target#case`).
 */
export function fuzzConfigFromEnv(): FuzzConfig {
  const seed = envInt('DMABENCH_FUZZ_SEED', randomInt(2 ** 32), 0) >>> 0;
  const cases = envInt('DMABENCH_FUZZ_CASES', 1000, 1);
  const watchdogMs = envInt('DMABENCH_FUZZ_WATCHDOG_MS', 5000, 100);
  const onlyRaw = process.env.DMABENCH_FUZZ_ONLY;
  let only: FuzzConfig['only'];
  if (onlyRaw) {
    const [target, index] = onlyRaw.split('#');
    only = { target: target!, ...(index !== undefined ? { index: Number(index) } : {}) };
  }
  return { seed, cases, watchdogMs, ...(only ? { only } : {}) };
}

export function casesFor(share: number, cases: number): number {
  return share >= 1 ? Math.round(cases * share) : Math.max(50, Math.round(cases * share));
}

export interface FuzzCase {
  index: number;
  seedName: string;
  mutators: string[];
  text: string;
  bytes?: Buffer;
  /** Where the last mutation was, for the excerpt. */
  at: number;
}

/** Large captures are cut to this before mutating (one case in ten keeps the whole file). */
const WINDOW_CHARS = 48 * 1024;
/** Lines kept from the top of a cut capture: trace headers, fio's banner, perf's comment. */
const HEAD_LINES = 12;

/** The header plus a random run of whole lines, about WINDOW_CHARS long. */
function window(seed: Seed, random: Random): { text: string; cut: boolean } {
  if (seed.text.length <= WINDOW_CHARS || random() < 0.1) return { text: seed.text, cut: false };
  const ls = seed.text.split('\n');
  const head = ls.slice(0, HEAD_LINES);
  const start = HEAD_LINES + randomIndex(random, Math.max(1, ls.length - HEAD_LINES));
  const body: string[] = [];
  let size = 0;
  for (let i = start; i < ls.length && size < WINDOW_CHARS; i++) {
    body.push(ls[i]!);
    size += ls[i]!.length + 1;
  }
  return { text: [...head, ...body].join('\n') + '\n', cut: true };
}

/** Damage to the compressed bytes of a file-level case (a gzip cut short or corrupted in transit). */
function gzipDamage(bytes: Buffer, random: Random): { bytes: Buffer; name: string } {
  if (random() < 0.5) return { bytes: bytes.subarray(0, randomIndex(random, bytes.length)), name: 'gzip-truncate' };
  const b = Buffer.from(bytes);
  for (let n = 1 + randomIndex(random, 4); n > 0; n--) {
    const at = randomIndex(random, b.length);
    b[at] = b[at]! ^ (1 << randomIndex(random, 8));
  }
  return { bytes: b, name: 'gzip-flip' };
}

export function generateCase(targetName: string, seeds: Seed[], fileLevel: boolean, seed: number, index: number): FuzzCase {
  // The first cases are the real captures themselves, unmutated.
  if (index < seeds.length) {
    const s = seeds[index]!;
    const c: FuzzCase = { index, seedName: s.name, mutators: [], text: s.text, at: 0 };
    if (fileLevel && s.gzip) {
      c.bytes = gzip(s.text);
      c.mutators.push('gzip');
    }
    return c;
  }
  const random = mulberry32(deriveSeed(seed, `${targetName}#${index}`));
  const source = seeds[randomIndex(random, seeds.length)]!;
  const w = window(source, random);
  const c: FuzzCase = { index, seedName: source.name, mutators: w.cut ? ['window'] : [], text: w.text, at: 0 };
  // One to three mutations on top of each other.
  for (let n = 1 + randomIndex(random, 3); n > 0; n--) {
    const m = pickMutator(random);
    const r = m.apply(c.text, random);
    c.text = r.text;
    c.at = r.at;
    c.mutators.push(m.name);
  }
  if (fileLevel && (source.gzip || random() < 0.15)) {
    c.bytes = gzip(c.text);
    c.mutators.push('gzip');
    if (random() < 0.5) {
      const d = gzipDamage(c.bytes, random);
      c.bytes = d.bytes;
      c.mutators.push(d.name);
    }
  }
  return c;
}

/** A short, printable piece of the input around the mutation. */
export function excerpt(c: FuzzCase, width = 160): string {
  const from = Math.max(0, Math.min(c.at, c.text.length) - width / 2);
  const piece = c.text.slice(from, from + width);
  return `${from > 0 ? '…' : ''}${JSON.stringify(piece)}${from + width < c.text.length ? '…' : ''} (at char ${c.at} of ${c.text.length})`;
}
