// Matrix expansion (every list-valued parameter multiplies the cells, in the order the keys are
// written) and the cell key compare matches cells by.
import { MACHINE_SPECIFIC_PARAMS, type CellParams, type ParamValue } from '../../model/cell.js';

export function expandMatrix(matrix: Record<string, ParamValue | ParamValue[]>): CellParams[] {
  let cells: CellParams[] = [{}];
  for (const [key, value] of Object.entries(matrix)) {
    const values = Array.isArray(value) ? value : [value];
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [key]: v })));
  }
  return cells;
}

/**
 * The cell key compare matches across bundles: the workload name, then the parameters sorted by
 * name (code-point order), without the tool's machine-specific ones (model/cell.ts
 * MACHINE_SPECIFIC_PARAMS). Two campaigns that list the parameters in another order, or run on
 * another box with another spare device, give the same keys. Values are written as given
 * (`64k` and `65536` are two keys).
 */
export function cellKey(workload: string, params: Readonly<Record<string, unknown>>, tool: string): string {
  const left = new Set(MACHINE_SPECIFIC_PARAMS[tool] ?? []);
  const parts = Object.keys(params)
    .filter((k) => !left.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${String(params[k])}`);
  return parts.length > 0 ? `${workload}:${parts.join(',')}` : workload;
}

/** A directory name for a cell key: readable, and safe on any filesystem. */
export function cellDirName(key: string): string {
  return key.replace(/[^A-Za-z0-9._=,-]/g, '_');
}
