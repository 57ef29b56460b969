// `compare BUNDLE --across PARAM=VALUE`: the question within one kernel (issue 11 item 10). The
// cells of one bundle whose parameter PARAM is VALUE are the base; the cells identical to them
// but for PARAM are the candidates, one per other value of PARAM. Same boot, same run, so the
// comparison of, say, api=link against api=sg is free of everything that differs between kernels
// and boots. Any matrix parameter works (api, bs, segs, threads, dir). Rows are matched on the
// workload and the cell's other parameters; the statistics are compare's own (compare.ts).
// Comparing paths is the point here, so a cell whose run took another path than it asked for
// (`fallback.map.p50`: link fell back to per-range mapping) is matched under the plain name, with
// a note on the row; everywhere else the prefix keeps the two apart.
import type { LoadedBundle } from '../../model/bundle.js';
import { cellKey } from '../../core/campaign/matrix.js';
import { FALLBACK_METRIC_PREFIX, type Sample } from '../../model/measurement.js';
import { measurementCaveats } from './caveats.js';
import { compareSides, groupSamples, resolveOptions, sideInfo, type Side } from './compare.js';
import type { Comparison, ComparisonOptions } from './types.js';

/** The selection names nothing in the bundle (a parameter or value it does not have): bad input. */
export class SelectionError extends Error {
  override name = 'SelectionError';
}

/** `api=sg` -> { param: 'api', value: 'sg' }. */
export function parseAcross(text: string): { param: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new SelectionError(`--across takes PARAM=VALUE (api=sg), got '${text}'`);
  return { param: text.slice(0, at), value: text.slice(at + 1) };
}

/**
 * The cell key without one parameter, by the rule every cell key follows (core/campaign/matrix.ts:
 * parameters by name, machine-specific ones left out): `map-64k:dir=to_device,layout=...`.
 */
export function cellKeyWithout(workload: string, params: Readonly<Record<string, unknown>>, param: string, tool: string): string {
  const rest = Object.fromEntries(Object.entries(params).filter(([k]) => k !== param));
  return cellKey(workload, rest, tool);
}

/** The metric's name without the fallback mark (model/measurement.ts FALLBACK_METRIC_PREFIX). */
function withoutFallbackMark(s: Sample): string {
  return s.metric.startsWith(FALLBACK_METRIC_PREFIX) ? s.metric.slice(FALLBACK_METRIC_PREFIX.length) : s.metric;
}

export function compareAcross(bundle: LoadedBundle, across: { param: string; value: string }, opts: Partial<ComparisonOptions> = {}): Comparison {
  const options = resolveOptions({ ...opts, across, vsPass: undefined });
  const { param, value } = across;
  const cells = bundle.manifest.cells;
  /** Per cell key: its value of PARAM (as text) and its key without PARAM. */
  const byCell = new Map<string, { value: string; reduced: string }>();
  const values: string[] = [];
  const cellOrder = new Map<string, number>();
  cells.forEach((c, index) => {
    if (!(param in c.params)) return;
    const v = String(c.params[param]);
    const reduced = cellKeyWithout(c.workload, c.params, param, c.tool);
    byCell.set(c.cell, { value: v, reduced });
    if (!values.includes(v)) values.push(v);
    if (!cellOrder.has(reduced)) cellOrder.set(reduced, index);
  });
  if (values.length === 0) {
    const known = [...new Set(cells.flatMap((c) => Object.keys(c.params)))].sort();
    throw new SelectionError(`no cell of ${bundle.dir} has a parameter '${param}' (its cells have: ${known.join(', ') || 'none'})`);
  }
  if (!values.includes(value)) throw new SelectionError(`no cell of ${bundle.dir} has ${param}=${value} (it has ${values.map((v) => `${param}=${v}`).join(', ')})`);
  const others = values.filter((v) => v !== value);
  if (others.length === 0) throw new SelectionError(`every cell of ${bundle.dir} has ${param}=${value}: there is nothing to compare it with`);

  const side = (v: string): Side => {
    const select = (s: Sample): boolean => s.pass === options.pass && byCell.get(s.cell)?.value === v;
    const { groups, selected } = groupSamples(bundle.samples, select, (s) => byCell.get(s.cell)!.reduced, withoutFallbackMark);
    return { info: sideInfo(bundle, `${param}=${v}`, selected, `${param}=${v}, pass ${options.pass}`), groups };
  };
  return compareSides([side(value), ...others.map(side)], options, cellOrder, [], measurementCaveats([bundle]));
}
