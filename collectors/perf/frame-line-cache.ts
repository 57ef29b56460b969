// Frame lines of perf script already read, remembered by their bytes with the frame ids they gave.
// A 30 s system-wide capture has 1.6 million frame lines but only 50 000 distinct ones: a line
// found here costs a comparison of its bytes (four at a time) instead of cutting it out as text
// and parsing it. A line is found only when all its bytes and the `\n` after them match, so
// what the cache returns is what parsing the line would give.
//
// Where to look is chosen from the line's bytes 9 to 16 (perf prints `\t%16x`: the low digits of
// the frame's address) without knowing where the line ends; lines of one address in different
// processes (JIT maps, per-process DSOs) share a set of WAYS slots. Memory is bounded: the
// bytes live in one arena, and the whole cache is emptied when it fills.

const SET_BITS = 15;
const WAYS = 4;
const ARENA_BYTES = 8 << 20;
/** The bytes the hash reads: lines shorter than this (never a perf frame line) are not cached. */
export const FRAME_LINE_HASHED = 17;

export class FrameLineCache {
  private readonly offsets = new Int32Array(WAYS << SET_BITS).fill(-1);
  private readonly lengths = new Int32Array(WAYS << SET_BITS);
  private readonly ids: number[][] = new Array<number[]>(WAYS << SET_BITS).fill([]);
  private readonly arena = Buffer.allocUnsafe(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
  private used = 0;
  /** The length of the line last found. */
  foundLength = 0;

  /**
   * The frame ids of the line that starts at `a` in `bytes` (the same bytes as `view`), ended by
   * a `\n` before `end`; undefined when it is not remembered. Needs a + FRAME_LINE_HASHED <= end.
   */
  find(bytes: Uint8Array, view: DataView, a: number, end: number): number[] | undefined {
    const first = this.setOf(view, a) * WAYS;
    for (let slot = first; slot < first + WAYS; slot++) {
      const at = this.offsets[slot] ?? -1;
      if (at < 0) return undefined;
      const n = this.lengths[slot] ?? 0;
      if (a + n < end && bytes[a + n] === 10 && this.sameBytes(bytes, view, a, at, n)) {
        this.foundLength = n;
        return this.ids[slot];
      }
    }
    return undefined;
  }

  /** Remembers the line bytes[a, b) (b: its `\n`) and its frame ids. */
  remember(bytes: Uint8Array, view: DataView, a: number, b: number, ids: number[]): void {
    const n = b - a;
    if (n > ARENA_BYTES) return;
    if (this.used + n > ARENA_BYTES) this.clear();
    // The newest line goes first in its set; the set's last line is forgotten.
    const first = this.setOf(view, a) * WAYS;
    for (let slot = first + WAYS - 1; slot > first; slot--) {
      this.offsets[slot] = this.offsets[slot - 1] ?? -1;
      this.lengths[slot] = this.lengths[slot - 1] ?? 0;
      this.ids[slot] = this.ids[slot - 1] ?? [];
    }
    this.arena.set(bytes.subarray(a, b), this.used);
    this.offsets[first] = this.used;
    this.lengths[first] = n;
    this.ids[first] = ids;
    this.used += n;
  }

  private clear(): void {
    this.offsets.fill(-1);
    this.ids.fill([]);
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
