// compareBundles with its answers kept: `dmabench report` asks for the same comparison twice, for
// the page's table and for the summary's across-kernels finding (reports/summary/findings.ts),
// and on a 146-cell microbenchmark pair each took half a second (scripts/bench/report-speed.ts).
// Two calls get one Comparison when they name the same bundle objects in the same order and
// their options resolve to the same values. The Comparison is shared: its readers must not
// change it (none does; it is plain data to render).
import type { LoadedBundle } from '../../model/bundle.js';
import { compareBundles, resolveOptions } from './compare.js';
import type { Comparison, ComparisonOptions } from './types.js';

export type CompareBundles = (bundles: readonly LoadedBundle[], opts?: Partial<ComparisonOptions>) => Comparison;

export function memoizedCompare(compare: CompareBundles = compareBundles): CompareBundles {
  const ids = new WeakMap<LoadedBundle, number>();
  const kept = new Map<string, Comparison>();
  let nextId = 0;
  const idOf = (b: LoadedBundle): number => {
    let id = ids.get(b);
    if (id === undefined) {
      id = nextId++;
      ids.set(b, id);
    }
    return id;
  };
  return (bundles, opts = {}) => {
    const options = resolveOptions(opts);
    const key = JSON.stringify([bundles.map(idOf), Object.keys(options).sort().map((k) => [k, options[k as keyof ComparisonOptions]])]);
    let c = kept.get(key);
    if (c === undefined) {
      c = compare(bundles, opts);
      kept.set(key, c);
    }
    return c;
  };
}
