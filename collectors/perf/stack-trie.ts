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
  /** Per node: its parent (-1 for the root), its frame, and the sum of the stacks ending there (-1: none). */
  private readonly parent: number[] = [-1];
  private readonly frame: number[] = [-1];
  private readonly sums: number[] = [-1];
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

  /** Adds `weight` to the stack root → … of `frames` read from index `from` down to 0, under `first`. */
  add(first: number, frames: readonly number[], from: number, weight: number | WideSum): void {
    let node = this.child(0, first);
    for (let i = from; i >= 0; i--) node = this.child(node, frames[i] ?? 0);
    const sum = this.sums[node] ?? -1;
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
    for (let node = 1; node < this.sums.length; node++) {
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
  *sortedChunks(chunkBytes: number): Generator<Buffer> {
    const out = new ChunkWriter(chunkBytes);
    for (const line of this.namesHaveSemicolon ? this.sortedByText() : this.sortedByWalk()) {
      const full = out.write(line);
      if (full !== undefined) yield full;
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
  private *sortedByWalk(): Generator<string> {
    const nodes = this.sums.length;
    const rank = this.nameRanks();
    // The entries of each node's children, grouped by parent: 2 × child for its own stack,
    // 2 × child + 1 for those below it; sorted by the rank of their key.
    const hasChildren = new Uint8Array(nodes);
    for (let n = 1; n < nodes; n++) hasChildren[this.parent[n] ?? 0] = 1;
    const start = new Int32Array(nodes + 1);
    for (let n = 1; n < nodes; n++) {
      const p = this.parent[n] ?? 0;
      start[p + 1] = (start[p + 1] ?? 0) + ((this.sums[n] ?? -1) >= 0 ? 1 : 0) + (hasChildren[n] ?? 0);
    }
    for (let n = 0; n < nodes; n++) start[n + 1] = (start[n + 1] ?? 0) + (start[n] ?? 0);
    const entries = new Int32Array(start[nodes] ?? 0);
    const fill = start.slice(0, nodes);
    for (let n = 1; n < nodes; n++) {
      const p = this.parent[n] ?? 0;
      if ((this.sums[n] ?? -1) >= 0) entries[fill[p]!++] = 2 * n;
      if (hasChildren[n]) entries[fill[p]!++] = 2 * n + 1;
    }
    const keyRank = (e: number): number => rank[2 * (this.frame[e >> 1] ?? 0) + (e & 1)] ?? 0;
    for (let n = 0; n < nodes; n++) {
      const a = start[n] ?? 0;
      const b = start[n + 1] ?? 0;
      if (b - a > 1) entries.subarray(a, b).sort((x, y) => keyRank(x) - keyRank(y));
    }
    // The walk: a stack of (node, next entry) with each level's prefix text.
    const nodeAt: number[] = [0];
    const nextAt: number[] = [start[0] ?? 0];
    const prefixAt: string[] = [''];
    while (nodeAt.length > 0) {
      const d = nodeAt.length - 1;
      const node = nodeAt[d] ?? 0;
      const i = nextAt[d] ?? 0;
      if (i >= (start[node + 1] ?? 0)) {
        nodeAt.pop();
        nextAt.pop();
        prefixAt.pop();
        continue;
      }
      nextAt[d] = i + 1;
      const e = entries[i] ?? 0;
      const child = e >> 1;
      const name = this.names[this.frame[child] ?? 0] ?? '';
      const text = d === 0 ? name : `${prefixAt[d]};${name}`;
      if ((e & 1) === 0) yield `${text} ${this.sumText(child)}\n`;
      else {
        nodeAt.push(child);
        nextAt.push(start[child] ?? 0);
        prefixAt.push(text);
      }
    }
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
    const order = Array.from({ length: 2 * count }, (_, i) => i).sort((x, y) => {
      const a = keys[x] ?? '';
      const b = keys[y] ?? '';
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const rank = new Int32Array(2 * count);
    for (let r = 0; r < order.length; r++) rank[order[r] ?? 0] = r;
    return rank;
  }

  /** Every stack's full text, sorted (when a name holds a `;`, which the walk cannot order). */
  private *sortedByText(): Generator<string> {
    const nodes: number[] = [];
    const keys: string[] = [];
    for (let node = 1; node < this.sums.length; node++) {
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
      c = this.sums.length;
      this.parent.push(node);
      this.frame.push(frame);
      this.sums.push(-1);
      this.children.set(node, frame, c);
    }
    return c;
  }

  private key(node: number): string {
    const parts: string[] = [];
    for (let n = node; n > 0; n = this.parent[n] ?? 0) parts.push(this.names[this.frame[n] ?? 0] ?? '');
    return parts.reverse().join(';');
  }
}

/** Latin-1 text into byte chunks of about `size`, each new (the writer may still hold the last). */
class ChunkWriter {
  private buf: Buffer;
  private used = 0;

  constructor(private readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Adds `text`; returns the chunk it filled, if it did. */
  write(text: string): Buffer | undefined {
    let full: Buffer | undefined;
    if (this.used + text.length > this.buf.length) {
      full = this.used > 0 ? this.buf.subarray(0, this.used) : undefined;
      this.buf = Buffer.allocUnsafe(Math.max(this.size, text.length));
      this.used = 0;
    }
    this.used += this.buf.write(text, this.used, 'latin1');
    return full;
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
