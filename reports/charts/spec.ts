// The one shape every chart of the report takes, whether drawn by chart.js in the browser
// (reports/html/) or to PNG without one (reports/png/). A chart builder in this folder turns
// bundles into ChartSpecs; it knows nothing of HTML, canvas or files.

/** One series: a kernel, a bundle or a DMA path. `color` is fixed per series across every chart. */
export interface ChartSeries {
  label: string;
  color: string;
  /**
   * Line dash pattern (canvas setLineDash: dash and gap lengths in px); absent or [] is solid. Tells
   * apart series of one bundle, which share its colour (the DMA paths of a microbenchmark chart).
   */
  dash?: number[];
  /** x (a number, or a category label) and y; whiskers are the interval when known. */
  points: ChartPoint[];
}

export interface ChartPoint {
  x: number | string;
  /** null where the series has no value at this x (a function a kernel lacks): drawn as absent, never as 0. */
  y: number | null;
  yMin?: number;
  yMax?: number;
  /** Shown on hover: the run, the cell, n. */
  note?: string;
}

export interface ChartSpec {
  /** Stable, unique within a report, safe in a file name and an HTML id: [a-z0-9-]+. */
  id: string;
  /** What, which cell and which IOMMU mode. */
  title: string;
  kind: 'line' | 'bar' | 'scatter';
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: ChartSeries[];
  /** The same data as CSV (header row first), offered as a download beside the chart. */
  csv: string;
}
