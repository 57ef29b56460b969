// A tile's sparkline: the series' medians as an inline SVG polyline (no script, no data shard: the
// index reads without JavaScript), the fitted levels dashed over it.
const WIDTH = 240;
const HEIGHT = 36;

function scaled(values: readonly (number | null)[], lo: number, hi: number): string {
  const n = values.length;
  const span = hi - lo || 1;
  return values
    .map((v, i) => (v === null ? null : `${((i / Math.max(1, n - 1)) * WIDTH).toFixed(1)},${(HEIGHT - 2 - ((v - lo) / span) * (HEIGHT - 4)).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
}

/** The SVG of a series of medians and fitted levels (empty when fewer than two points). */
export function sparkline(medians: readonly number[], levels: readonly (number | null)[]): string {
  if (medians.length < 2) return '';
  const all = [...medians, ...levels.filter((v): v is number => v !== null)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return (
    `<svg class="spark" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" aria-hidden="true">` +
    `<polyline fill="none" stroke="#1565c0" stroke-width="1.2" points="${scaled(medians, lo, hi)}"/>` +
    `<polyline fill="none" stroke="#e65100" stroke-width="1.2" stroke-dasharray="4 2" points="${scaled(levels, lo, hi)}"/></svg>`
  );
}
