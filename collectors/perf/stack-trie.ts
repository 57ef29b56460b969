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

  /** The id of a frame name (or process name); `name` may be a slice of a large input chunk. */
  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      const own = copyString(name);
      id = this.names.length;
      this.names.push(own);
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

  /** Folded lines (`stack sum`), sorted by stack in code unit order, sums printed as Perl does. */
  *sortedLines(): Generator<string> {
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
    for (const i of order) {
      const node = nodes[i] ?? 0;
      const wide = this.wide.get(node);
      yield `${keys[i]} ${wide === undefined ? String(this.sums[node]) : formatWide(wide)}\n`;
    }
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

/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 flattens a joined
 * string into a new one before slicing it, so the slice refers to that copy (a third of the
 * cost of a round trip through a Buffer); strings under 13 characters are never slices.
 */
export function copyString(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}
