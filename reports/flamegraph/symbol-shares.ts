// Which functions' share of the samples changed most between two profiles (issue 13 item 4: "a
// table of the symbols whose share of samples changed most"). A symbol's share is inclusive: the
// percentage of a profile's samples whose stack holds it anywhere (once per stack, however deep it
// recurses), which is what its frames' widths add up to in a flame graph and what the report's
// search shows for a name. Shares, not counts: two profiles of different lengths compare directly.
// The first frame of a folded stack is the process name (stackcollapse-perf.pl's `comm`), not a
// symbol, and is left out.
import { total, type Folded } from '../../core/text/folded-stacks.js';

export interface SymbolShareChange {
  symbol: string;
  /** Samples whose stack holds the symbol, in the base and the candidate. */
  baseSamples: number;
  candidateSamples: number;
  /** Percent of each profile's samples (0 when the symbol is in none of its samples). */
  basePct: number;
  candidatePct: number;
  /** candidatePct − basePct, in percentage points. */
  deltaPp: number;
}

/** Samples per symbol, each stack counted once for every distinct symbol in it (the comm left out). */
export function inclusiveSamples(stacks: Folded): Map<string, number> {
  const out = new Map<string, number>();
  for (const [stack, count] of stacks) {
    const frames = new Set(stack.split(';').slice(1));
    for (const f of frames) out.set(f, (out.get(f) ?? 0) + count);
  }
  return out;
}

function pct(n: number, of: number): number {
  return of > 0 ? (100 * n) / of : 0;
}

/**
 * The `limit` symbols whose inclusive share changed most from `base` to `candidate`, by absolute
 * change in percentage points, largest first; ties by name, so the order is the same every time.
 * Symbols whose share did not change are left out.
 */
export function symbolShareChanges(base: Folded, candidate: Folded, limit = 20): SymbolShareChange[] {
  const [b, c] = [inclusiveSamples(base), inclusiveSamples(candidate)];
  const [bt, ct] = [total(base), total(candidate)];
  const rows: SymbolShareChange[] = [];
  for (const symbol of new Set([...b.keys(), ...c.keys()])) {
    const baseSamples = b.get(symbol) ?? 0;
    const candidateSamples = c.get(symbol) ?? 0;
    const basePct = pct(baseSamples, bt);
    const candidatePct = pct(candidateSamples, ct);
    const deltaPp = candidatePct - basePct;
    if (deltaPp !== 0) rows.push({ symbol, baseSamples, candidateSamples, basePct, candidatePct, deltaPp });
  }
  rows.sort((x, y) => Math.abs(y.deltaPp) - Math.abs(x.deltaPp) || (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0));
  return rows.slice(0, limit);
}
