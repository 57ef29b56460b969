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
 * Lines of an aligned table: a header line, a dashed rule, then the rows. If the full table
 * is wider than maxWidth, "stacked" mode prints each row's first cell alone and the other cells
 * indented by two spaces on the next line, which keeps long metric names from widening the table.
 */
export function layoutTable(headers: string[], rows: string[][], align: Align[], options: TableOptions = {}): string[] {
  const gap = ' '.repeat(options.gap ?? 2);
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fullWidth = widths.reduce((a, b) => a + b, 0) + gap.length * (widths.length - 1);
  const stacked = options.maxWidth !== undefined && fullWidth > options.maxWidth;
  const decorate = options.decorate ?? ((_r: number, _c: number, padded: string) => padded);

  const line = (cells: string[], row: number, from: number): string =>
    cells
      .slice(from)
      .map((cell, i) => {
        const column = i + from;
        const padded = pad(cell, widths[column]!, align[column] ?? 'left');
        return row < 0 ? padded : decorate(row, column, padded);
      })
      .join(gap)
      .trimEnd();

  const out: string[] = [];
  if (!stacked) {
    out.push(line(headers, -1, 0));
    out.push('-'.repeat(fullWidth));
    rows.forEach((r, i) => out.push(line(r, i, 0)));
    return out;
  }
  const restWidth = widths.slice(1).reduce((a, b) => a + b, 0) + gap.length * (widths.length - 2) + 2;
  out.push(headers[0] ?? '');
  out.push(`  ${line(headers, -1, 1)}`);
  out.push('-'.repeat(restWidth));
  rows.forEach((r, i) => {
    out.push(decorate(i, 0, r[0] ?? ''));
    out.push(`  ${line(r, i, 1)}`);
  });
  return out;
}
