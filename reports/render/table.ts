// Fixed-width table layout for the plain-text and terminal renderers.

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Widest line wanted; when a row would be wider, the first column goes on a line of its own. */
  maxWidth?: number;
  /** Colours a padded cell (padding happens on the plain text, so widths stay right). */
  decorate?: (row: number, column: number, padded: string) => string;
  /** Spaces between columns; 2 by default. */
  gap?: number;
}

function pad(text: string, width: number, align: Align): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/**
 * Lines of an aligned table: a header line, a dashed rule, then the rows. When the table would
 * be wider than maxWidth, the first column is narrowed to what is left and any first cell longer
 * than that (a long metric name) is printed alone on its own line, the row's other cells on the
 * next line; if even that cannot fit, every first cell goes on its own line.
 */
export function layoutTable(headers: string[], rows: string[][], align: Align[], options: TableOptions = {}): string[] {
  const gap = ' '.repeat(options.gap ?? 2);
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const totalWidth = (): number => widths.reduce((a, b) => a + b, 0) + gap.length * (widths.length - 1);
  const decorate = options.decorate ?? ((_r: number, _c: number, padded: string) => padded);

  // Which rows print their first cell alone on a line (only when too wide).
  const alone = new Set<number>();
  if (options.maxWidth !== undefined && totalWidth() > options.maxWidth) {
    const room = options.maxWidth - (totalWidth() - widths[0]!);
    const minimum = Math.max(headers[0]?.length ?? 0, 8);
    const firstWidth = room >= minimum ? room : minimum;
    rows.forEach((r, i) => {
      if ((r[0] ?? '').length > firstWidth || room < minimum) alone.add(i);
    });
    widths[0] = Math.max(headers[0]?.length ?? 0, ...rows.filter((_r, i) => !alone.has(i)).map((r) => (r[0] ?? '').length));
  }

  const line = (cells: string[], row: number): string =>
    cells
      .map((cell, column) => {
        const last = column === cells.length - 1;
        // A left-aligned last cell needs no padding: trailing blanks inside colour codes would survive trimEnd.
        const padded = last && (align[column] ?? 'left') === 'left' ? cell : pad(cell, widths[column]!, align[column] ?? 'left');
        return row < 0 ? padded : decorate(row, column, padded);
      })
      .join(gap)
      .trimEnd();

  const out: string[] = [line(headers, -1), '-'.repeat(totalWidth())];
  rows.forEach((r, i) => {
    if (alone.has(i)) {
      out.push(decorate(i, 0, r[0] ?? ''));
      out.push(line(['', ...r.slice(1)], i));
    } else {
      out.push(line(r, i));
    }
  });
  return out;
}
