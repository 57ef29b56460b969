// PNG charts for mail: reports/png/render.ts draws ChartSpecs (reports/charts/) to files.
export { PNG_BACKGROUND, PNG_HEIGHT, PNG_WIDTH, PngUnavailableError, writePngCharts } from './render.js';
