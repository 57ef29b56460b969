// A tile's sparkline: the series' medians as an SVG polyline, the fitted levels dashed over it.
// Computed here, drawn by the index's script (index-script.ts) from the index's data shards
// (index-data.ts): 100 tiles of 100-run series are most of an index's bytes otherwise.
export const SPARK_WIDTH = 240;
export const SPARK_HEIGHT = 36;

function scaled(values: readonly (number | null)[], lo: number, hi: number): string {
  const n = values.length;
  const span = hi - lo || 1;
  return values
    .map((v, i) => (v === null ? null : `${((i / Math.max(1, n - 1)) * SPARK_WIDTH).toFixed(1)},${(SPARK_HEIGHT - 2 - ((v - lo) / span) * (SPARK_HEIGHT - 4)).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
}

/** The `points` of the two polylines (medians, levels), or undefined when fewer than two points. */
export function sparklinePoints(medians: readonly number[], levels: readonly (number | null)[]): { medians: string; levels: string } | undefined {
  if (medians.length < 2) return undefined;
  const all = [...medians, ...levels.filter((v): v is number => v !== null)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return { medians: scaled(medians, lo, hi), levels: scaled(levels, lo, hi) };
}
