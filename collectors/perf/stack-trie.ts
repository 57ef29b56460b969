// The stacks of a fold, kept as a trie of interned frame names: adding a sample walks one node per
// frame (an integer hash lookup) instead of building and hashing the whole `comm;…;leaf` string,
// which for deep stacks cost more than reading the input. Names are copied when first interned,
// so nothing holds on to the input chunk they were cut from.
import { addNarrow, addWide, formatWide, type WideSum } from './period-sum.js';

/** Open-addressing hash table (parent node, frame id) → child node, on typed arrays. */
class ChildTable {
  private parents = new Int32Array(1 << 12).fill(-1);
  private frames = new Int32Array(1 << 12);
  private children = new Int32Array(1 << 12);
  private size = 0;

  get(parent: number, frame: number): number {
    const mask = this.parents.length - 1;
    for (let i = hash(parent, frame) & mask; ; i = (i + 1) & mask) {
      const p = this.parents[i] ?? -1;
      if (p === -1) return -1;
      if (p === parent && this.frames[i] === frame) return this.children[i] ?? -1;
    }
  }

  set(parent: number, frame: number, child: number): void {
    if (2 * (this.size + 1) > this.parents.length) this.grow();
    this.insert(parent, frame, child);
    this.size++;
  }

  private insert(parent: number, frame: number, child: number): void {
    const mask = this.parents.length - 1;
    let i = hash(parent, frame) & mask;
    while (this.parents[i] !== -1) i = (i + 1) & mask;
    this.parents[i] = parent;
    this.frames[i] = frame;
    this.children[i] = child;
  }

  private grow(): void {
    const { parents, frames, children } = this;
    const n = parents.length * 2;
    this.parents = new Int32Array(n).fill(-1);
    this.frames = new Int32Array(n);
    this.children = new Int32Array(n);
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i] ?? -1;
      if (p !== -1) this.insert(p, frames[i] ?? 0, children[i] ?? 0);
    }
  }
}

function hash(parent: number, frame: number): number {
  return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(frame, 0x85ebca77)) >>> 0;
}

export class StackTrie {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly children = new ChildTable();
  /** Per node (0 is the root): its parent, its frame, and the sum of the stacks ending there (-1: none). */
  private parent = new Int32Array(1 << 12);
  private frame = new Int32Array(1 << 12);
  private sums = new Float64Array(1 << 12);
  private nodes = 1;
  /** Sums past 2^53 (see period-sum.ts); the node's entry in `sums` holds the nearest double. */
  private readonly wide = new Map<number, WideSum>();
  /** A name holds a `;` (only a process name can): the output is then sorted by whole texts. */
  private namesHaveSemicolon = false;

  /** The id of a frame name (or process name); `name` may be a slice of a large input chunk. */
  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      const own = copyString(name);
      id = this.names.length;
      this.names.push(own);
      if (own.includes(';')) this.namesHaveSemicolon = true;
      this.ids.set(own, id);
    }
    return id;
  }

  /** Adds `weight` to the stack `first`, frames[to - 1], …, frames[from] (the frames leaf first). */
  add(first: number, frames: Int32Array, from: number, to: number, weight: number | WideSum): void {
    let node = this.child(0, first);
    for (let i = to - 1; i >= from; i--) node = this.child(node, frames[i] ?? 0);
    const sum = this.sums[node] ?? -1;
    if (typeof weight === 'number' && this.wide.size === 0) {
      const next = Math.max(sum, 0) + weight;
      if (next <= Number.MAX_SAFE_INTEGER) {
        this.sums[node] = next;
        return;
      }
    }
    const wide = this.wide.get(node);
    let next: number | WideSum;
    if (wide !== undefined) next = addWide(wide, weight);
    else if (typeof weight !== 'number') next = addWide({ uv: BigInt(Math.max(sum, 0)) }, weight);
    else next = addNarrow(Math.max(sum, 0), weight);
    if (typeof next === 'number') this.sums[node] = next;
    else {
      this.wide.set(node, next);
      this.sums[node] = 'uv' in next ? Number(next.uv) : next.nv;
    }
  }

  /** Every stack (`a;b;c`) with its sum as a number, in no particular order. */
  *entries(): Generator<[string, number]> {
    for (let node = 1; node < this.nodes; node++) {
      const sum = this.sums[node] ?? -1;
      if (sum >= 0) yield [this.key(node), sum];
    }
  }

  /**
   * The folded text (`stack sum` lines, sorted by stack in code unit order, sums printed as Perl
   * does) as Latin-1 byte chunks of about `chunkBytes`. The trie is walked in that order instead
   * of sorting the stacks' full texts: on a real capture (20 000 stacks of 1 KB that share long
   * prefixes) the sort alone cost more than reading the input.
   */
  *sortedChunks(chunkBytes: number, reuse: boolean): Generator<Buffer> {
    const out = new ChunkWriter(chunkBytes, reuse);
    if (this.namesHaveSemicolon) {
      for (const line of this.sortedByText()) {
        const full = out.reserve(line.length);
        if (full !== undefined) yield full;
        out.latin1(line);
      }
    } else {
      // The walk is a plain method called once per chunk: V8 does not optimize a loop inside a
      // generator while it runs (no on-stack replacement), and the first walk is the only one.
      const walk = this.sortedWalk();
      for (let full = walk.fill(out); full !== undefined; full = walk.fill(out)) yield full;
    }
    const last = out.end();
    if (last !== undefined) yield last;
  }

  /**
   * Depth first through the trie, siblings in the order of their stacks' texts. Below a common
   * prefix P, the stack ending at child c reads `P;c` and those going through it `P;c;…`; a
   * sibling d falls between them when `c` < `d` < `c;` (d = `c.isra.0`: `.` sorts before `;`).
   * So each child is two entries, its name (its own stack) and its name followed by `;` (the
   * stacks below it), ordered by those keys, which needs the names free of `;` (the script turns
   * a frame's `;` into `:`; a process name may keep one: sortedByText then).
   */
  private sortedWalk(): SortedWalk {
    // Each child is an entry of its parent: 2 × child for its own stack, 2 × child + 1 for the
    // stacks below it. Two counting sorts (stable) group them by parent, each group in the order
    // of its keys: first all entries by key rank, then by parent. One small function per pass:
    // each runs once, mostly before V8 optimizes it, and compiling a small one costs less.
    const nodes = this.nodes;
    const rank = this.nameRanks();
    const hasChildren = parentsOf(this.parent, nodes);
    const ranked = entriesByRank(this.frame, this.sums, hasChildren, rank, nodes);
    const start = new Int32Array(nodes + 1);
    countByParent(ranked, this.parent, start);
    prefixSums(start);
    const entries = groupByParent(ranked, this.parent, start);
    const nameBytes = this.names.map((name) => Buffer.from(name, 'latin1'));
    return new SortedWalk(nameBytes, this.frame, start, entries, (node) => this.sumText(node));
  }


  /**
   * The place of each name's two keys among all of them, in code unit order: rank[2i] for name
   * i alone (its own stack), rank[2i + 1] for name i followed by `;` (the stacks below it). One
   * sort of the distinct names then orders every node's children by integer comparisons.
   */
  private nameRanks(): Int32Array {
    const count = this.names.length;
    const keys: string[] = new Array<string>(2 * count);
    for (let i = 0; i < count; i++) {
      keys[2 * i] = this.names[i] ?? '';
      keys[2 * i + 1] = `${this.names[i] ?? ''};`;
    }
    // Names are distinct and hold no `;`, so the keys are distinct. Array sort without a comparator
    // orders strings by code units, without a call per comparison.
    const sorted = [...keys].sort();
    const place = new Map<string, number>();
    for (let r = 0; r < sorted.length; r++) place.set(sorted[r] ?? '', r);
    const rank = new Int32Array(2 * count);
    for (let k = 0; k < keys.length; k++) rank[k] = place.get(keys[k] ?? '') ?? 0;
    return rank;
  }

  /** Every stack's full text, sorted (when a name holds a `;`, which the walk cannot order). */
  private *sortedByText(): Generator<string> {
    const nodes: number[] = [];
    const keys: string[] = [];
    for (let node = 1; node < this.nodes; node++) {
      if ((this.sums[node] ?? -1) >= 0) {
        nodes.push(node);
        keys.push(this.key(node));
      }
    }
    const order = keys.map((_, i) => i).sort((x, y) => {
      const a = keys[x] ?? '';
      const b = keys[y] ?? '';
      return a < b ? -1 : a > b ? 1 : 0;
    });
    for (const i of order) yield `${keys[i]} ${this.sumText(nodes[i] ?? 0)}\n`;
  }

  private sumText(node: number): string {
    const wide = this.wide.get(node);
    return wide === undefined ? String(this.sums[node]) : formatWide(wide);
  }

  private child(node: number, frame: number): number {
    let c = this.children.get(node, frame);
    if (c < 0) {
      if (this.nodes === this.sums.length) this.growNodes();
      c = this.nodes++;
      this.parent[c] = node;
      this.frame[c] = frame;
      this.sums[c] = -1;
      this.children.set(node, frame, c);
    }
    return c;
  }

  private growNodes(): void {
    const n = 2 * this.sums.length;
    const parent = new Int32Array(n);
    parent.set(this.parent);
    this.parent = parent;
    const frame = new Int32Array(n);
    frame.set(this.frame);
    this.frame = frame;
    const sums = new Float64Array(n);
    sums.set(this.sums);
    this.sums = sums;
  }

  private key(node: number): string {
    const parts: string[] = [];
    for (let n = node; n > 0; n = this.parent[n] ?? 0) parts.push(this.names[this.frame[n] ?? 0] ?? '');
    return parts.reverse().join(';');
  }
}

const SEMICOLON = 59;
const SPACE = 32;
const NEWLINE = 10;
const EMPTY = new Uint8Array(0);

/** 1 for the nodes that have children. */
function parentsOf(parent: Int32Array, nodes: number): Uint8Array {
  const has = new Uint8Array(nodes);
  for (let n = 1; n < nodes; n++) has[parent[n] ?? 0] = 1;
  return has;
}

/** The entries of all nodes (but the root), ordered by the rank of their key (counting sort). */
function entriesByRank(frame: Int32Array, sums: Float64Array, hasChildren: Uint8Array, rank: Int32Array, nodes: number): Int32Array {
  const next = new Int32Array(rank.length + 1);
  for (let n = 1; n < nodes; n++) {
    const r = 2 * (frame[n] ?? 0);
    if ((sums[n] ?? -1) >= 0) next[(rank[r] ?? 0) + 1]!++;
    if (hasChildren[n] === 1) next[(rank[r + 1] ?? 0) + 1]!++;
  }
  prefixSums(next);
  const ranked = new Int32Array(next[rank.length] ?? 0);
  for (let n = 1; n < nodes; n++) {
    const r = 2 * (frame[n] ?? 0);
    if ((sums[n] ?? -1) >= 0) ranked[next[rank[r] ?? 0]!++] = 2 * n;
    if (hasChildren[n] === 1) ranked[next[rank[r + 1] ?? 0]!++] = 2 * n + 1;
  }
  return ranked;
}

/** counts[p + 1] = the number of entries of node p. */
function countByParent(ranked: Int32Array, parent: Int32Array, counts: Int32Array): void {
  for (let k = 0; k < ranked.length; k++) counts[(parent[(ranked[k] ?? 0) >> 1] ?? 0) + 1]!++;
}

function prefixSums(a: Int32Array): void {
  for (let k = 1; k < a.length; k++) a[k] = (a[k] ?? 0) + (a[k - 1] ?? 0);
}

/** The entries grouped by parent (node p's from start[p]), keeping their order within a group. */
function groupByParent(ranked: Int32Array, parent: Int32Array, start: Int32Array): Int32Array {
  const entries = new Int32Array(ranked.length);
  const fill = start.slice(0, start.length - 1);
  for (let k = 0; k < ranked.length; k++) {
    const e = ranked[k] ?? 0;
    entries[fill[parent[e >> 1] ?? 0]!++] = e;
  }
  return entries;
}

/**
 * The walk of StackTrie.sortedWalk: a stack of (node, next entry), and the text of the path to
 * the node being read in `path` (Latin-1 bytes), which ends at pathEnd[d] for level d.
 */
class SortedWalk {
  /**
   * Grown on first use, like ChunkWriter.buf: V8 compiles `fill` while the walk runs, and a
   * field first reassigned then throws that work away ("dependency change", 30 ms).
   */
  private path = new Uint8Array(0);
  private readonly nodeAt: number[] = [0];
  private readonly nextAt: number[];
  private readonly pathEnd: number[] = [0];

  constructor(
    /** Each name's Latin-1 bytes. */
    private readonly nameBytes: readonly Uint8Array[],
    private readonly frame: Int32Array,
    /** The entries of node n are entries[start[n], start[n + 1]). */
    private readonly start: Int32Array,
    private readonly entries: Int32Array,
    private readonly sumText: (node: number) => string,
  ) {
    this.nextAt = [start[0] ?? 0];
  }

  /** Writes lines to `out` until it starts a new chunk (returns the full one) or the walk ends. */
  fill(out: ChunkWriter): Buffer | undefined {
    const { nodeAt, nextAt, pathEnd, start, entries } = this;
    while (nodeAt.length > 0) {
      const d = nodeAt.length - 1;
      const node = nodeAt[d] ?? 0;
      const i = nextAt[d] ?? 0;
      if (i >= (start[node + 1] ?? 0)) {
        nodeAt.pop();
        nextAt.pop();
        pathEnd.pop();
        continue;
      }
      nextAt[d] = i + 1;
      const e = entries[i] ?? 0;
      const child = e >> 1;
      const name = this.nameBytes[this.frame[child] ?? 0] ?? EMPTY;
      const at = d === 0 ? 0 : (pathEnd[d] ?? 0) + 1;
      const len = at + name.length;
      if (len > this.path.length) {
        const bigger = new Uint8Array(2 * len);
        bigger.set(this.path);
        this.path = bigger;
      }
      const path = this.path;
      if (d > 0) path[at - 1] = SEMICOLON;
      path.set(name, at);
      if ((e & 1) === 1) {
        nodeAt.push(child);
        nextAt.push(start[child] ?? 0);
        pathEnd.push(len);
        continue;
      }
      const sum = this.sumText(child);
      const full = out.reserve(len + sum.length + 2);
      out.bytes(path, len);
      out.byte(SPACE);
      out.latin1(sum);
      out.byte(NEWLINE);
      if (full !== undefined) return full;
    }
    return undefined;
  }
}

/**
 * Output bytes in chunks of about `size`. Each chunk is a new buffer; with `reuse`, the buffer of
 * the chunk before last is written again (its reader has asked for the next chunk since).
 */
class ChunkWriter {
  /** Empty until the first reserve(), which so replaces it before V8 optimizes the writer's users. */
  private buf: Buffer = Buffer.alloc(0);
  private used = 0;
  /** With reuse: the buffer handed out last, free by the time the next chunk is full. */
  private handedOut: Buffer | undefined;

  constructor(
    private readonly size: number,
    private readonly reuse: boolean,
  ) {}

  /** Makes room for `n` bytes; returns the chunk filled before, when a new one had to start. */
  reserve(n: number): Buffer | undefined {
    if (this.used + n <= this.buf.length) return undefined;
    const full = this.used > 0 ? this.buf.subarray(0, this.used) : undefined;
    const free = this.handedOut;
    this.handedOut = this.reuse && full !== undefined ? this.buf : undefined;
    this.buf = free !== undefined && free.length >= n ? free : Buffer.allocUnsafe(Math.max(this.size, n));
    this.used = 0;
    return full;
  }

  // Typed array methods and plain loops rather than Buffer's copy() and write(): the output is
  // written once, mostly before V8 has optimized this code, and those cost far more to compile.

  /** Appends bytes[0, n), for which room was reserved. */
  bytes(bytes: Uint8Array, n: number): void {
    this.buf.set(bytes.subarray(0, n), this.used);
    this.used += n;
  }

  byte(b: number): void {
    this.buf[this.used++] = b;
  }

  /** Appends Latin-1 text (one byte per character), for which room was reserved. */
  latin1(text: string): void {
    const buf = this.buf;
    let used = this.used;
    for (let k = 0; k < text.length; k++) buf[used++] = text.charCodeAt(k);
    this.used = used;
  }

  end(): Buffer | undefined {
    return this.used > 0 ? this.buf.subarray(0, this.used) : undefined;
  }
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 flattens a joined
 * string into a new one before slicing it, so the slice refers to that copy (a third of the
 * cost of a round trip through a Buffer); strings under 13 characters are never slices.
 */
export function copyString(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}
