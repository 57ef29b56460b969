// Matrix expansion: every list-valued parameter multiplies the cells, in the order the keys are written.
import type { CellParams, ParamValue } from '../../model/cell.js';

export function expandMatrix(matrix: Record<string, ParamValue | ParamValue[]>): CellParams[] {
  let cells: CellParams[] = [{}];
  for (const [key, value] of Object.entries(matrix)) {
    const values = Array.isArray(value) ? value : [value];
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [key]: v })));
  }
  return cells;
}

/**
 * The cell key that compare matches across bundles: workload name plus the parameters, in matrix
 * order. It must not depend on the machine (paths, devices), so two kernels' runs line up.
 */
export function cellKey(workload: string, params: CellParams): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? `${workload}:${parts.join(',')}` : workload;
}

/** A directory name for a cell key: readable, and safe on any filesystem. */
export function cellDirName(key: string): string {
  return key.replace(/[^A-Za-z0-9._=,-]/g, '_');
}
