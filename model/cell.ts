// A cell is one point of a campaign's matrix: a workload with one value per parameter.

/** Parameter values a matrix can take. */
export type ParamValue = string | number | boolean;
export type CellParams = Record<string, ParamValue>;
