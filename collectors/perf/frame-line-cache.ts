// Frame lines of perf script already read, remembered by their bytes with the frame ids they gave.
// A 30 s system-wide capture has 1.6 million frame lines but only 50 000 distinct ones: a line
// found here costs a comparison of its bytes (four at a time) instead of cutting it out as text
// and parsing it. A line is found only when all its bytes and the `\n` after them match, so
// what the cache returns is what parsing the line would give.
//
// Where to look is chosen from the line's bytes 9 to 16 (perf prints `\t%16x`: the low digits of
// the frame's address) without knowing where the line ends; lines of one address in different
// processes (JIT maps, per-process DSOs) share a set of WAYS slots. Lookups land anywhere in
// megabytes of memory, so each touches as few cache lines as it can: a set's slots (offset and
// length of each line) are one 32-byte block, and a line's frame ids follow its bytes in the
// arena. Memory is bounded: the whole cache is emptied when the arena fills.

const SET_BITS = 15;
const WAYS = 4;
const ARENA_BYTES = 8 << 20;
/** The bytes the hash reads: lines shorter than this (never a perf frame line) are not cached. */
export const FRAME_LINE_HASHED = 17;

export class FrameLineCache {
  /** Per slot: the line's offset in the arena (-1: empty) and its length. */
  private readonly slots = new Int32Array((WAYS << SET_BITS) * 2).fill(-1);
  private readonly arena = Buffer.alloc(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
  /**
   * The arena as 32-bit words: after each line's bytes, at the next multiple of 4, the number of
   * its frame ids and the ids (leaf first).
   */
  readonly words = new Int32Array(this.arena.buffer, this.arena.byteOffset, ARENA_BYTES >> 2);
  private used = 0;
  /** The length of the line last found. */
  foundLength = 0;

  /**
   * Where the frame ids of the line that starts at `a` in `bytes` (the same bytes as `view`),
   * ended by a `\n` before `end`, are in `words` (count, then ids); -1 when it is not
   * remembered. Needs a + FRAME_LINE_HASHED <= end.
   */
  find(bytes: Uint8Array, view: DataView, a: number, end: number): number {
    const first = this.setOf(view, a) * WAYS * 2;
    const slots = this.slots;
    for (let s = first; s < first + WAYS * 2; s += 2) {
      const at = slots[s] ?? -1;
      if (at < 0) return -1;
      const n = slots[s + 1] ?? 0;
      if (a + n < end && bytes[a + n] === 10 && this.sameBytes(bytes, view, a, at, n)) {
        this.foundLength = n;
        return (at + n + 3) >> 2;
      }
    }
    return -1;
  }

  /** Remembers the line bytes[a, b) (b: its `\n`) and its frame ids. */
  remember(bytes: Uint8Array, view: DataView, a: number, b: number, ids: readonly number[]): void {
    const n = b - a;
    const size = ((n + 3) & ~3) + 4 * (1 + ids.length);
    if (size > ARENA_BYTES) return;
    if (this.used + size > ARENA_BYTES) this.clear();
    // The newest line goes first in its set; the set's last line is forgotten.
    const first = this.setOf(view, a) * WAYS * 2;
    this.slots.copyWithin(first + 2, first, first + (WAYS - 1) * 2);
    this.arena.set(bytes.subarray(a, b), this.used);
    let w = (this.used + n + 3) >> 2;
    this.words[w++] = ids.length;
    for (const id of ids) this.words[w++] = id;
    this.slots[first] = this.used;
    this.slots[first + 1] = n;
    this.used = w << 2;
  }

  private clear(): void {
    this.slots.fill(-1);
    this.used = 0;
  }

  private setOf(view: DataView, a: number): number {
    const h = Math.imul(view.getInt32(a + 9, true), 0x9e3779b1) ^ Math.imul(view.getInt32(a + 13, true), 0x85ebca77);
    return (h ^ (h >>> 15)) & ((1 << SET_BITS) - 1);
  }

  private sameBytes(bytes: Uint8Array, view: DataView, a: number, at: number, n: number): boolean {
    const arena = this.arenaView;
    let k = 0;
    for (; k + 4 <= n; k += 4) if (view.getInt32(a + k, true) !== arena.getInt32(at + k, true)) return false;
    for (; k < n; k++) if (bytes[a + k] !== this.arena[at + k]) return false;
    return true;
  }
}
