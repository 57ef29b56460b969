// FlameGraph folded files (`comm;frame;…;leaf count`) and their two-profile diff in the format
// of FlameGraph's difffolded.pl (`stack count1 count2`), which flamegraph renderers colour by
// the change between the two counts.
import { ParseError } from '../../model/parse-error.js';
import { eachLine, type LineSource } from './lines.js';

export type Folded = Map<string, number>;

/** One stack of a differential profile: samples before (count1) and after (count2). */
export interface FoldedDiffEntry {
  count1: number;
  count2: number;
}
export type FoldedDiff = Map<string, FoldedDiffEntry>;

/** Parses a folded file; repeated stacks are summed. Blank lines are ignored. */
export async function parseFolded(source: LineSource): Promise<Folded> {
  const out: Folded = new Map();
  const all = new SampleTotal('folded');
  let lineNo = 0;
  await eachLine(source, (line) => {
    lineNo++;
    if (line.trim() === '') return;
    const sp = line.lastIndexOf(' ');
    const count = sp > 0 ? sampleCount(line.slice(sp + 1)) : undefined;
    if (count === undefined) throw new ParseError(`folded: line ${lineNo} has no count: ${JSON.stringify(line.slice(0, 120))}`);
    const stack = line.slice(0, sp);
    out.set(stack, all.add(out.get(stack) ?? 0, count, lineNo));
  });
  return out;
}

/**
 * A sample count as stackcollapse writes it: a whole number of samples. Anything else (a sign,
 * a fraction, an exponent, hex, NaN) is not a count; neither is a number too large to be held
 * exactly, which no profile reaches.
 */
function sampleCount(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Keeps the sums a folded file adds up (per stack and over the file) exact. */
class SampleTotal {
  private total = 0;
  constructor(private readonly what: string) {}

  /** `sum + count`, after checking that neither it nor the file's total leave the exact range. */
  add(sum: number, count: number, lineNo: number): number {
    this.total += count;
    if (!Number.isSafeInteger(this.total)) throw new ParseError(`${this.what}: the counts add up past 2^53 at line ${lineNo}`);
    return sum + count;
  }
}

/** Folded text, stacks sorted as stackcollapse-perf.pl sorts them (plain string order). */
export function serializeFolded(stacks: Folded): string {
  const keys = [...stacks.keys()].sort(byCodeUnit);
  let out = '';
  for (const k of keys) out += `${k} ${stacks.get(k)}\n`;
  return out;
}

export interface DiffOptions {
  /** Scale the first profile so both have the same total (difffolded.pl -n). */
  normalize?: boolean;
}

/** Pairs two profiles stack by stack; a stack missing from one side counts 0 there. */
export function diffFolded(before: Folded, after: Folded, opts: DiffOptions = {}): FoldedDiff {
  let scale = 1;
  if (opts.normalize) {
    const t1 = total(before);
    const t2 = total(after);
    if (t1 > 0) scale = t2 / t1;
  }
  const out: FoldedDiff = new Map();
  for (const [stack, c] of before) out.set(stack, { count1: opts.normalize ? Math.round(c * scale) : c, count2: 0 });
  for (const [stack, c] of after) {
    const e = out.get(stack);
    if (e) e.count2 = c;
    else out.set(stack, { count1: 0, count2: c });
  }
  return out;
}

/** `stack count1 count2` lines, sorted by stack. */
export function serializeFoldedDiff(diff: FoldedDiff): string {
  const keys = [...diff.keys()].sort(byCodeUnit);
  let out = '';
  for (const k of keys) {
    const e = diff.get(k);
    if (e) out += `${k} ${e.count1} ${e.count2}\n`;
  }
  return out;
}

/** Parses difffolded.pl output (`stack count1 count2`). */
export async function parseFoldedDiff(source: LineSource): Promise<FoldedDiff> {
  const out: FoldedDiff = new Map();
  const all1 = new SampleTotal('folded diff');
  const all2 = new SampleTotal('folded diff');
  let lineNo = 0;
  await eachLine(source, (line) => {
    lineNo++;
    if (line.trim() === '') return;
    const sp2 = line.lastIndexOf(' ');
    const sp1 = sp2 > 0 ? line.lastIndexOf(' ', sp2 - 1) : -1;
    const c1 = sp1 > 0 ? sampleCount(line.slice(sp1 + 1, sp2)) : undefined;
    const c2 = sampleCount(line.slice(sp2 + 1));
    if (c1 === undefined || c2 === undefined) {
      throw new ParseError(`folded diff: line ${lineNo} needs two counts: ${JSON.stringify(line.slice(0, 120))}`);
    }
    const stack = line.slice(0, sp1);
    const e = out.get(stack);
    out.set(stack, { count1: all1.add(e?.count1 ?? 0, c1, lineNo), count2: all2.add(e?.count2 ?? 0, c2, lineNo) });
  });
  return out;
}

export function total(stacks: Folded): number {
  let t = 0;
  for (const c of stacks.values()) t += c;
  return t;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
