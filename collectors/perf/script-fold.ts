// `perf script` text (from `perf record -g`) → FlameGraph folded stacks, exactly as FlameGraph's
// stackcollapse-perf.pl (commit 41fee1f, its master since October 2024) prints them with its
// default options: the process name first (spaces turned into `_`), then the frames root-first,
// symbol offsets `+0x..` stripped, an `[unknown]` symbol named after its DSO (`[libc.so.6]`),
// `;` in names turned into `:`, quotes removed, everything from the first `(` cut (except Go
// method names and `(anonymous namespace)`), C++ `<...>` kept, frames `a->b` of an inlined call
// split (the callee marked `_[i]`), each sample weighted by the period perf printed (1 when it
// printed none, or 0), and only samples of the first event type kept. The reference outputs
// and the commands that made them: test/fixtures/perf/folded-reference/README.md.
//
// How the script reads a line, and how this file does the same without its regular expressions
// (they backtrack: on damaged input, a long line costs quadratic or cubic time):
// - a blank line (empty: only `\n` is removed) ends a sample; lines starting with `#` are skipped;
// - a header is a line matching /^(\S.+?)\s+(\d+)\/*(\d+)*\s+/: the process name, its pid and tid
//   (see headerFields()), with the period and event from /:\s*(\d+)*\s+(\S+):\s*$/ (see eventOf());
// - anything else matching /^\s*(\w+)\s*(.+) \((.*)\)/ is a frame: symbol and DSO (see frameNames());
// - a sample's frames are kept only after a header of the kept event; a sample not ended by a
//   blank line runs on into the next one, and one still open at the end of the input is dropped.
// `\s` and `\w` are Perl's on bytes: ASCII whitespace (tab, LF, VT, FF, CR, space) and
// [A-Za-z0-9_]. The input is handled as bytes (latin1 text, one character per byte), so output
// bytes and sort order (Perl's `cmp`: byte order) are the script's whatever the encoding.
import { Readable } from 'node:stream';
import type { LineSource } from '../../core/text/lines.js';
import { periodValue, type WideSum } from './period-sum.js';
import { FRAME_LINE_HASHED, FrameLineCache } from './frame-line-cache.js';
import { StackTrie, copyString } from './stack-trie.js';

export interface FoldResult {
  /** Folded stack (`comm;root;…;leaf`) → weight (sum of periods, or samples with weight 'samples'). */
  stacks: Map<string, number>;
  /** Samples folded (those of the kept event, ended by a blank line). */
  samples: number;
  /** The event whose samples were kept (the first one met), when headers name one. */
  event?: string;
  /** Samples of other events, left out as stackcollapse-perf.pl leaves them out. */
  otherEventSamples: number;
  /** Lines that were neither a header, a frame, a comment nor blank. */
  unrecognized: number;
}

export interface FoldOptions {
  /** Append `-PID` to the process name (stackcollapse-perf.pl --pid). */
  pid?: boolean;
  /** Append `-PID/TID` to the process name (stackcollapse-perf.pl --tid). */
  tid?: boolean;
  /** 'period' (default, as stackcollapse-perf.pl): each sample counts its period; 'samples': one each. */
  weight?: 'period' | 'samples';
}

const SP = 32;
const HASH = 35;
const LPAREN = 40;
const RPAREN = 41;
const SLASH = 47;
const COLON = 58;

/** Perl's `\s` on bytes: tab, LF, VT, FF, CR, space. */
function isWs(c: number): boolean {
  return c === SP || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** Perl's `\w` on bytes. */
function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95;
}
function isLowerHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102);
}

/** Symbols remembered with their frame ids; the cache is cleared when full, so memory stays bounded. */
const SYMBOL_CACHE_MAX = 1 << 16;

/**
 * Incremental folder: feed bytes with pushBytes() (any chunking), end with end(). Memory grows
 * with distinct stacks only (plus bounded caches of frame lines and symbols already read).
 */
export class PerfScriptFolder {
  private readonly trie = new StackTrie();
  private samples = 0;
  private otherEventSamples = 0;
  private unrecognized = 0;
  private event: string | undefined;
  /** The open sample's process name (as a trie id), or -1: frames are then not kept. */
  private pname = -1;
  /** The script condenses Java names when the process name starts with `java`. */
  private java = false;
  private period: number | WideSum = 1;
  /** The period's digits as the last header printed them (headers mostly repeat it). */
  private periodText: string | undefined;
  /** Process names as headers print them (before `_` replaces blanks) → trie ids. */
  private readonly pnameIds = new Map<string, number>();
  /** The ids of process names starting with `java`. */
  private readonly javaPnames = new Set<number>();
  /**
   * The frame ids of the samples read but not yet added to the trie, then of the open sample;
   * each sample's leaf first (the script unshifts each line's frames onto its stack).
   */
  private frames = new Int32Array(1 << 16);
  private nFrames = 0;
  /** Samples read but not yet added: process name, weight, and where their frames end. */
  private readonly pending = new PendingSamples();
  /** `symbol (dso)` of a frame line → its frame ids (leaf first); Java processes have their own. */
  private readonly symbolCache = new Map<string, number[]>();
  private readonly javaCache = new Map<string, number[]>();
  /** Whole frame lines of processes not named java*, read before, with their frame ids. */
  private readonly lineCache = new FrameLineCache();
  /** The start of a line not ended in the bytes pushed so far (copies: the reader may reuse its buffer). */
  private carry: Buffer[] = [];
  private readonly byPeriod: boolean;

  constructor(private readonly opts: FoldOptions = {}) {
    this.byPeriod = (opts.weight ?? 'period') === 'period';
  }

  /** A chunk of input bytes, of any size; lines may span chunks. */
  pushBytes(chunk: Buffer): void {
    let start = 0;
    if (this.carry.length > 0) {
      // The line begun in an earlier chunk: joined on its own.
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry.push(Buffer.from(chunk));
        return;
      }
      const joined = Buffer.concat([...this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = [];
      this.read(joined, 0, joined.length);
      start = nl + 1;
    }
    const rest = this.read(chunk, start, chunk.length);
    if (rest < chunk.length) this.carry.push(Buffer.from(chunk.subarray(rest)));
    this.addPending();
  }

  /** The input ended: a last line without `\n` is read (the script reads it too). */
  end(): void {
    if (this.carry.length > 0) {
      const last = Buffer.concat(this.carry);
      this.carry = [];
      this.textLine(last.toString('latin1'));
    }
    this.addPending();
  }

  /**
   * Reads the lines of bytes[start, end) that a `\n` ends; returns where the first line not ended
   * starts. Blank lines and frame lines met before go through knownLines; any other line is cut
   * out as Latin-1 text (one character per byte) and read by textLine.
   */
  private read(bytes: Buffer, start: number, end: number): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let a = start;
    for (;;) {
      a = this.knownLines(bytes, view, a, end);
      if (a >= end) return a;
      const b = bytes.indexOf(10, a);
      if (b < 0 || b >= end) return a;
      const c = bytes[a] ?? 0;
      const ids = this.textLine(bytes.toString('latin1', a, b));
      if (ids !== undefined && isWs(c) && !this.java && b + 1 - a >= FRAME_LINE_HASHED) this.lineCache.remember(bytes, view, a, b, ids);
      a = b + 1;
    }
  }

  /**
   * From `a` on, the blank lines and the frame lines found in the line cache; returns where the
   * first other line starts (or end). The loop that nearly every line goes through, kept apart
   * from the rarer work (parsing, the trie) so that V8 optimizes it early and never has to
   * throw its code away when that work takes a path it had not taken before.
   */
  private knownLines(bytes: Buffer, view: DataView, a: number, end: number): number {
    const cache = this.lineCache;
    while (a < end) {
      const c = bytes[a] ?? 0;
      if (c === 10) {
        this.endSample();
        a++;
        continue;
      }
      if (!isWs(c) || this.java || a + FRAME_LINE_HASHED > end) return a;
      const w = cache.find(bytes, view, a, end);
      if (w < 0) return a;
      if (this.pname >= 0) this.pushIds(cache.words, w + 1, w + 1 + (cache.words[w] ?? 0));
      a += cache.foundLength + 1;
    }
    return a;
  }

  /** Appends ids[from, to) to the open sample's frames. */
  private pushIds(ids: Int32Array | readonly number[], from: number, to: number): void {
    if (this.nFrames + (to - from) > this.frames.length) {
      const bigger = new Int32Array(2 * (this.nFrames + (to - from)));
      bigger.set(this.frames.subarray(0, this.nFrames));
      this.frames = bigger;
    }
    const frames = this.frames;
    let n = this.nFrames;
    for (let k = from; k < to; k++) frames[n++] = ids[k] ?? 0;
    this.nFrames = n;
  }

  /** End of a sample (the script's remember_stack): its stack is added with the chunk's others. */
  private endSample(): void {
    if (this.pname < 0) return;
    this.pending.push(this.pname, this.byPeriod ? this.period : 1, this.nFrames);
    this.samples++;
    this.pname = -1;
  }

  /** Adds the samples read to the trie, in the order read (sums past 2^53 depend on it). */
  private addPending(): void {
    const p = this.pending;
    let from = 0;
    for (let k = 0; k < p.count; k++) {
      const to = p.frameEnds[k] ?? 0;
      this.trie.add(p.pnames[k] ?? 0, this.frames, from, to, p.weights[k] ?? 1);
      from = to;
    }
    // The open sample's frames move to the front.
    this.frames.copyWithin(0, from, this.nFrames);
    this.nFrames -= from;
    p.clear();
  }

  /** The stacks with their names decoded from UTF-8 (what the rest of dmabench handles). */
  result(): FoldResult {
    const stacks = new Map<string, number>();
    for (const [k, v] of this.trie.entries()) stacks.set(hasHighByte(k) ? Buffer.from(k, 'latin1').toString('utf8') : k, v);
    const r: FoldResult = { stacks, samples: this.samples, otherEventSamples: this.otherEventSamples, unrecognized: this.unrecognized };
    if (this.event !== undefined) r.event = Buffer.from(this.event, 'latin1').toString('utf8');
    return r;
  }

  /**
   * The folded text exactly as stackcollapse-perf.pl prints it (`stack weight` lines in byte
   * order), as byte chunks of about `chunkBytes`. With `reuse`, a chunk's memory is written again
   * once the next chunk has been asked for (two buffers in all: 23 MB of fresh chunks cost 6000
   * page faults, and grew the process by the chunks the garbage collector had not yet freed). Under glibc's mmap threshold (128 KiB) by
   * default: memory freed with the chunks already written is reused, where fresh 1 MiB chunks
   * each cost 256 page faults (a tenth of the time spent printing 23 MB).
   */
  *foldedChunks(chunkBytes = 64 * 1024, reuse = false): Generator<Buffer> {
    yield* this.trie.sortedChunks(chunkBytes, reuse);
  }

  /** One line (without its `\n`); returns its frame ids when it is a frame line. */
  private textLine(s: string): number[] | undefined {
    if (s.length === 0) {
      this.endSample();
      return undefined;
    }
    const c = s.charCodeAt(0);
    if (c === HASH) return undefined;
    if (!isWs(c) && this.header(s, 0, s.length)) return undefined;
    const ids = this.parseFrameIds(s, 0, s.length);
    if (ids === undefined) {
      this.unrecognized++;
      return undefined;
    }
    if (this.pname >= 0) this.pushIds(ids, 0, ids.length);
    return ids;
  }

  /**
   * A frame line not met lately (or of a java process), or undefined when it is not one. The usual one, `<blanks><address> <symbol> (<dso>)` with the symbol
   * starting after the address's blanks, is looked up by its text from the symbol on (addresses
   * differ where symbols do not); any other goes through frameNames, which has the whole rule.
   */
  private parseFrameIds(s: string, a: number, b: number): number[] | undefined {
    let i = a;
    while (i < b && isWs(s.charCodeAt(i))) i++;
    const s0 = i;
    while (i < b && isWord(s.charCodeAt(i))) i++;
    if (i === s0) return undefined; // no address: the regex needs a word character
    while (i < b && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(b - 1) !== RPAREN) return this.internAll(frameNames(s, a, b, this.java));
    const cache = this.java ? this.javaCache : this.symbolCache;
    const key = s.slice(i, b);
    let ids = cache.get(key);
    if (ids === undefined) {
      // The symbol starts at i when the last ` (` before the `)` leaves it a character.
      const p = key.lastIndexOf(' (', key.length - 3);
      if (p < 1) return this.internAll(frameNames(s, a, b, this.java));
      ids = this.internNames(tidyFrames(stripOffset(key.slice(0, p)), key.slice(p + 2, key.length - 1), this.java));
      if (cache.size >= SYMBOL_CACHE_MAX) cache.clear();
      cache.set(copyString(key), ids);
    }
    return ids;
  }

  private internAll(names: string[] | undefined): number[] | undefined {
    return names === undefined ? undefined : this.internNames(names);
  }

  private internNames(names: readonly string[]): number[] {
    const ids: number[] = [];
    for (const name of names) ids.push(this.trie.intern(name));
    return ids;
  }

  /** Returns false when the line is not a header (see headerFields). */
  private header(s: string, a: number, b: number): boolean {
    const h = headerFields(s, a, b);
    if (h === undefined) return false;
    this.onHeader(s, a, b, h.comm, h.first, h.second);
    return true;
  }

  private onHeader(s: string, a: number, b: number, comm: string, first: string, second: string | undefined): void {
    // Default perf script prints the tid alone; the script then calls it the tid and the pid `?`
    // (also when the tid reads 0: Perl's `not $tid`).
    let pid = first;
    let tid = second;
    if (tid === undefined || tid === '0') {
      tid = pid;
      pid = '?';
    }
    const ev = eventOf(s, a, b);
    let period: string | undefined;
    if (ev !== undefined) {
      period = ev.period;
      if (this.event === undefined) this.event = copyString(ev.event);
      else if (ev.event !== this.event) {
        this.otherEventSamples++;
        return;
      }
    }
    if (period !== this.periodText) {
      this.periodText = period;
      this.period = period === undefined || period === '' || period === '0' ? 1 : periodValue(period);
    }
    const raw = this.opts.tid ? `${comm}-${pid}/${tid}` : this.opts.pid ? `${comm}-${pid}` : comm;
    let id = this.pnameIds.get(raw);
    if (id === undefined) {
      const pname = raw.replace(/ /g, '_');
      id = this.trie.intern(pname);
      this.pnameIds.set(copyString(raw), id);
      if (pname.startsWith('java')) this.javaPnames.add(id);
    }
    this.pname = id;
    this.java = this.javaPnames.has(id);
  }
}

/** Samples read but not yet added to the trie (PerfScriptFolder.addPending). */
class PendingSamples {
  pnames: number[] = [];
  weights: (number | WideSum)[] = [];
  frameEnds: number[] = [];
  count = 0;

  push(pname: number, weight: number | WideSum, frameEnd: number): void {
    this.pnames[this.count] = pname;
    this.weights[this.count] = weight;
    this.frameEnds[this.count] = frameEnd;
    this.count++;
  }

  clear(): void {
    this.count = 0;
  }
}

/**
 * /^(\S.+?)\s+(\d+)\/*(\d+)*\s+/: the shortest name of two characters or more followed by
 * blanks, digits (pid, or tid when alone), optional `/` and digits (tid), and a blank. At a given
 * end of the name the rest either matches or not, and only the first blank of each run need be
 * tried, so this is linear. Undefined when the line is not a header.
 */
export function headerFields(s: string, a: number, b: number): { comm: string; first: string; second: string | undefined } | undefined {
  if (a >= b || isWs(s.charCodeAt(a))) return undefined;
  for (let c = a + 2; c < b; c++) {
    if (!isWs(s.charCodeAt(c)) || (c > a + 2 && isWs(s.charCodeAt(c - 1)))) continue;
    let i = c;
    while (i < b && isWs(s.charCodeAt(i))) i++;
    const d1 = i;
    while (i < b && isDigit(s.charCodeAt(i))) i++;
    if (i === d1) continue;
    const d1End = i;
    while (i < b && s.charCodeAt(i) === SLASH) i++;
    const d2 = i;
    while (i < b && isDigit(s.charCodeAt(i))) i++;
    const d2End = i;
    if (i >= b || !isWs(s.charCodeAt(i))) continue;
    return { comm: s.slice(a, c), first: s.slice(d1, d1End), second: d2End > d2 ? s.slice(d2, d2End) : undefined };
  }
  return undefined;
}

/**
 * The frames of a frame line, leaf first; [] for a frame the script skips, undefined when the
 * line is not a frame. /^\s*(\w+)\s*(.+) \((.*)\)/ without backtracking: the DSO ends at the
 * line's last `)`; the symbol ends at the last ` (` at least two characters before it (P). The
 * symbol starts after the address and its blanks when that leaves it a character; otherwise the
 * regex gives back blanks, then characters of the address, until the symbol is the one
 * character before P.
 */
export function frameNames(s: string, a: number, b: number, java: boolean): string[] | undefined {
  let i = a;
  while (i < b && isWs(s.charCodeAt(i))) i++;
  const s0 = i;
  while (i < b && isWord(s.charCodeAt(i))) i++;
  const wordEnd = i;
  while (i < b && isWs(s.charCodeAt(i))) i++;
  const s2 = i;
  let close = b - 1;
  while (close > s0 && s.charCodeAt(close) !== RPAREN) close--;
  let p = close - 2;
  while (p > s0 && !(s.charCodeAt(p) === SP && s.charCodeAt(p + 1) === LPAREN)) p--;
  if (wordEnd === s0 || p <= s0 || s.charCodeAt(close) !== RPAREN) return undefined;
  let q: number;
  if (p - 1 >= s2) q = s2;
  else if (p - 1 >= s0 + 1) q = p - 1;
  else return undefined;
  return tidyFrames(stripOffset(s.slice(q, p)), s.slice(p + 2, close), java);
}

/** The names the script makes of a symbol and its DSO, leaf first. */
function tidyFrames(rawfunc: string, mod: string, java: boolean): string[] {
  if (rawfunc.charCodeAt(0) === LPAREN) return []; // process names printed as frames
  if (!java && isPlain(rawfunc)) return [rawfunc];
  const parts = rawfunc.split('->');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // Perl's split drops trailing empty fields
  const names: string[] = [];
  for (const part of parts) {
    let f = part === '[unknown]' ? (mod !== '[unknown]' ? `[${mod.slice(mod.lastIndexOf('/') + 1)}]` : '[unknown]') : part;
    f = tidy(f);
    if (java && f.includes('/') && f.startsWith('L')) f = f.slice(1);
    if (names.length > 0 && !f.includes('_[i]')) f += '_[i]';
    names.push(f);
  }
  // The line's frames keep their order, nearer the root than the frames read before them.
  return names.reverse();
}

/** `s/\+0x[\da-f]+$//` */
function stripOffset(f: string): string {
  let j = f.length;
  while (j > 0 && isLowerHex(f.charCodeAt(j - 1))) j--;
  if (j === f.length || j < 3) return f;
  if (f.charCodeAt(j - 1) === 120 /* x */ && f.charCodeAt(j - 2) === 48 /* 0 */ && f.charCodeAt(j - 3) === 43 /* + */) return f.slice(0, j - 3);
  return f;
}

/** `;` `(` quotes, and the `->` of inlined frames: what the rules below act on. */
const NOT_PLAIN = /[;("']|->/;

/** A name that none of the rules changes: the usual case, checked in one pass. */
function isPlain(f: string): boolean {
  return f.length > 0 && f !== '[unknown]' && !NOT_PLAIN.test(f);
}

/** The script's $tidy_generic: `;` → `:`, cut at the first `(` (not Go, not anonymous namespace), no quotes. */
function tidy(name: string): string {
  let f = name.replace(/;/g, ':');
  if (!isGoMethod(f)) {
    const cut = f.search(/\((?!anonymous namespace\))/);
    if (cut >= 0) f = f.slice(0, cut);
  }
  return f.replace(/["']/g, '');
}

/** /\.\(.*\)\./ (`net/http.(*Client).Do`): a `.(` with a `).` after it. */
function isGoMethod(f: string): boolean {
  const open = f.indexOf('.(');
  return open >= 0 && f.lastIndexOf(').') >= open + 2;
}

/**
 * /:\s*(\d+)*\s+(\S+):\s*$/: the last word ends with `:` (the event, without it), and before it,
 * after blanks, digits (the period, possibly none) and blanks, a `:` (the timestamp's). Only the
 * last `:` before the event's blanks can start the match, so this is linear.
 */
export function eventOf(s: string, a: number, b: number): { period: string; event: string } | undefined {
  let t = b;
  while (t > a && isWs(s.charCodeAt(t - 1))) t--;
  if (t - a < 2 || s.charCodeAt(t - 1) !== COLON) return undefined;
  let w = t - 1;
  while (w > a && !isWs(s.charCodeAt(w - 1))) w--;
  if (w === t - 1 || w === a) return undefined; // an empty event name, or no blank before it
  let i = w;
  while (i > a && isWs(s.charCodeAt(i - 1))) i--;
  const digitsEnd = i;
  while (i > a && isDigit(s.charCodeAt(i - 1))) i--;
  const digitsStart = i;
  if (digitsStart < digitsEnd) while (i > a && isWs(s.charCodeAt(i - 1))) i--;
  if (i === a || s.charCodeAt(i - 1) !== COLON) return undefined;
  return { period: s.slice(digitsStart, digitsEnd), event: s.slice(w, t - 1) };
}

function hasHighByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return true;
  return false;
}

/** Folds a whole perf script output (text, bytes, stream of bytes, or lines) into stacks. */
export async function foldPerfScript(source: LineSource | Buffer, opts: FoldOptions = {}): Promise<FoldResult> {
  const folder = new PerfScriptFolder(opts);
  await feed(folder, source);
  return folder.result();
}

/** Pushes a whole source through the folder and ends it. */
export async function feed(folder: PerfScriptFolder, source: LineSource | Buffer): Promise<void> {
  if (Buffer.isBuffer(source)) folder.pushBytes(source);
  else if (typeof source === 'string') folder.pushBytes(Buffer.from(source, 'utf8'));
  else if (source instanceof Readable) {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      folder.pushBytes(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    }
  } else if (Symbol.asyncIterator in source) {
    for await (const line of source) folder.pushBytes(Buffer.from(line + '\n', 'utf8'));
  } else {
    for (const line of source) folder.pushBytes(Buffer.from(line + '\n', 'utf8'));
  }
  folder.end();
}
