// The mutations the parser fuzz test applies to copies of the real fixtures (issue 10, item 9):
// truncation, flipped bytes, dropped, shuffled and duplicated lines, CRLF, huge, negative, zero,
// NaN and infinite numbers, random bytes, very long lines and long runs of blanks. Every mutator is a pure function of
// its input and the random source, so a seed reproduces a case exactly.
import { randomIndex, type Random } from '../../../reports/stats/prng.js';

export interface Mutation {
  text: string;
  /** Offset in `text` near the change, for the excerpt printed with a finding. */
  at: number;
}

export interface Mutator {
  name: string;
  /** Relative frequency among the mutators. */
  weight: number;
  apply(text: string, random: Random): Mutation;
}

const pick = <T>(random: Random, xs: readonly T[]): T => xs[randomIndex(random, xs.length)]!;
/** Integer in [lo, hi]. */
const between = (random: Random, lo: number, hi: number): number => lo + randomIndex(random, hi - lo + 1);

function lines(text: string): string[] {
  return text.split('\n');
}

/** Offset of the first character of line `i` of `ls`. */
function offsetOfLine(ls: string[], i: number): number {
  let at = 0;
  for (let k = 0; k < i && k < ls.length; k++) at += ls[k]!.length + 1;
  return at;
}

// A number as the tools print it: integers, decimals, exponents, an optional sign. Tokens glued to
// letters (hex addresses, `p99.9`, `x86_64`) are numbers to a parser too, so they are fair game.
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Finds the number token at or after a random offset (wrapping around); undefined when none. */
function randomNumberToken(text: string, random: Random): { start: number; end: number } | undefined {
  if (text.length === 0) return undefined;
  const from = randomIndex(random, text.length);
  for (const start of [from, 0]) {
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(text);
    if (m) return { start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

/** Replaces 1-3 number tokens (or, one time in ten, every number of one line) using `make`. */
function replaceNumbers(text: string, random: Random, make: (token: string) => string): Mutation {
  if (random() < 0.1) {
    const ls = lines(text);
    const withDigits = ls.map((l, i) => (/\d/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (withDigits.length > 0) {
      const i = pick(random, withDigits);
      ls[i] = ls[i]!.replace(NUMBER, (t) => make(t));
      return { text: ls.join('\n'), at: offsetOfLine(ls, i) };
    }
  }
  let out = text;
  let at = 0;
  for (let n = between(random, 1, 3); n > 0; n--) {
    const tok = randomNumberToken(out, random);
    if (!tok) break;
    const replacement = make(out.slice(tok.start, tok.end));
    out = out.slice(0, tok.start) + replacement + out.slice(tok.end);
    at = tok.start;
  }
  return { text: out, at };
}

function randomBytes(random: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = randomIndex(random, 256);
  return b;
}

const HUGE = ['1e308', '1.7976931348623157e308', '18446744073709551615', '18446744073709551616', '99999999999999999999', '9007199254740993', '9'.repeat(400), '1' + '0'.repeat(330) + '.5'];
const NAN = ['NaN', 'nan', '-nan', 'NAN', '-NaN'];
const INFINITE = ['inf', '-inf', 'Infinity', '-Infinity', 'INF', '1e999', '-1e999', '1.8e308'];

export const mutators: readonly Mutator[] = [
  {
    name: 'truncate',
    weight: 3,
    apply: (text, random) => {
      const at = randomIndex(random, text.length + 1);
      return { text: text.slice(0, at), at };
    },
  },
  {
    name: 'truncate-at-line',
    weight: 2,
    apply: (text, random) => {
      const ls = lines(text);
      const keep = randomIndex(random, ls.length + 1);
      const out = ls.slice(0, keep).join('\n') + (keep > 0 && random() < 0.5 ? '\n' : '');
      return { text: out, at: out.length };
    },
  },
  {
    name: 'flip-bits',
    weight: 4,
    apply: (text, random) => {
      const b = Buffer.from(text, 'utf8');
      if (b.length === 0) return { text, at: 0 };
      let at = 0;
      for (let n = between(random, 1, 8); n > 0; n--) {
        at = randomIndex(random, b.length);
        b[at] = b[at]! ^ (1 << randomIndex(random, 8));
      }
      // Decoding may turn a broken UTF-8 sequence into U+FFFD, as reading the file would.
      return { text: b.toString('utf8'), at: Math.min(at, text.length) };
    },
  },
  {
    name: 'random-bytes',
    weight: 3,
    apply: (text, random) => {
      const at = randomIndex(random, text.length + 1);
      const junk = randomBytes(random, between(random, 1, 64)).toString('utf8');
      return { text: text.slice(0, at) + junk + text.slice(at), at };
    },
  },
  {
    name: 'random-file',
    weight: 1,
    apply: (_text, random) => ({ text: randomBytes(random, between(random, 0, 4096)).toString('utf8'), at: 0 }),
  },
  {
    name: 'drop-lines',
    weight: 3,
    apply: (text, random) => {
      const ls = lines(text);
      let at = 0;
      for (let n = between(random, 1, Math.max(1, Math.ceil(ls.length / 20))); n > 0 && ls.length > 0; n--) {
        const i = randomIndex(random, ls.length);
        ls.splice(i, 1);
        at = i;
      }
      return { text: ls.join('\n'), at: offsetOfLine(ls, at) };
    },
  },
  {
    name: 'shuffle-lines',
    weight: 3,
    apply: (text, random) => {
      const ls = lines(text);
      const start = randomIndex(random, ls.length);
      const end = Math.min(ls.length, start + between(random, 2, 50));
      for (let i = end - 1; i > start; i--) {
        const j = start + randomIndex(random, i - start + 1);
        [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      }
      return { text: ls.join('\n'), at: offsetOfLine(ls, start) };
    },
  },
  {
    name: 'duplicate-lines',
    weight: 2,
    apply: (text, random) => {
      const ls = lines(text);
      const start = randomIndex(random, ls.length);
      const block = ls.slice(start, start + between(random, 1, 20));
      const copies: string[] = [];
      for (let n = random() < 0.2 ? between(random, 10, 200) : 1; n > 0; n--) copies.push(...block);
      ls.splice(start, 0, ...copies);
      return { text: ls.join('\n'), at: offsetOfLine(ls, start) };
    },
  },
  {
    name: 'crlf',
    weight: 2,
    apply: (text, random) => {
      const r = random();
      // Every line ending CRLF (a file through a Windows editor), some of them, or bare CRs.
      if (r < 0.5) return { text: text.replace(/\n/g, '\r\n'), at: text.indexOf('\n') };
      if (r < 0.8) return { text: text.replace(/\n/g, () => (random() < 0.3 ? '\r\n' : '\n')), at: text.indexOf('\n') };
      return { text: text.replace(/\n/g, () => (random() < 0.3 ? '\r' : '\n')), at: text.indexOf('\n') };
    },
  },
  {
    name: 'long-line',
    weight: 1,
    apply: (text, random) => {
      // A line of 10k-200k characters made of the fixture's own text without its newlines:
      // what a regex that backtracks badly would choke on.
      const ls = lines(text);
      const at = randomIndex(random, ls.length);
      const piece = (ls.slice(at, at + 8).join(' ') || 'x').slice(0, 400);
      const long = piece.repeat(Math.ceil(between(random, 10_000, 200_000) / piece.length));
      ls.splice(at, 0, long);
      return { text: ls.join('\n'), at: offsetOfLine(ls, at) };
    },
  },
  {
    name: 'blank-run',
    weight: 1,
    apply: (text, random) => {
      // 10k-100k blanks inside a line: where a regex whose groups can each take blanks
      // (`(.*?)\s+`) backtracks quadratically.
      const at = randomIndex(random, text.length + 1);
      const blanks = pick(random, [' ', '\t', ' \t']).repeat(between(random, 10_000, 100_000));
      return { text: text.slice(0, at) + blanks + text.slice(at), at };
    },
  },
  { name: 'number-huge', weight: 3, apply: (text, random) => replaceNumbers(text, random, () => pick(random, HUGE)) },
  {
    name: 'number-negative',
    weight: 3,
    apply: (text, random) => replaceNumbers(text, random, (t) => (t.startsWith('-') ? pick(random, ['-1', '-0.5', '-9223372036854775808']) : `-${t}`)),
  },
  { name: 'number-zero', weight: 2, apply: (text, random) => replaceNumbers(text, random, () => pick(random, ['0', '0.0', '-0', '0e0'])) },
  { name: 'number-nan', weight: 3, apply: (text, random) => replaceNumbers(text, random, () => pick(random, NAN)) },
  { name: 'number-infinite', weight: 3, apply: (text, random) => replaceNumbers(text, random, () => pick(random, INFINITE)) },
  { name: 'empty', weight: 0.2, apply: (_text, random) => ({ text: pick(random, ['', '\n', '\r\n', ' ', '\n\n\n']), at: 0 }) },
];

const totalWeight = mutators.reduce((a, m) => a + m.weight, 0);

/** A mutator drawn by weight. */
export function pickMutator(random: Random): Mutator {
  let r = random() * totalWeight;
  for (const m of mutators) {
    r -= m.weight;
    if (r < 0) return m;
  }
  return mutators[mutators.length - 1]!;
}

export function mutatorByName(name: string): Mutator {
  const m = mutators.find((x) => x.name === name);
  if (!m) throw new Error(`no mutator ${name}`);
  return m;
}
