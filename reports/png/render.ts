// Charts as PNG files for mail, drawn without a browser by chartjs-node-canvas (chart.js on
// node-canvas, cairo and pango underneath). Both are optional dependencies: a collection box
// without cairo's development packages still installs dmabench, and only asking for PNGs there
// fails, with what to install.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChartSpec } from '../charts/spec.js';
import { chartConfiguration } from './config.js';

/** Every PNG's size in pixels: wide enough for a title of two lines and a legend of a few bundles × paths. */
export const PNG_WIDTH = 1000;
export const PNG_HEIGHT = 560;
export const PNG_BACKGROUND = '#ffffff';

export class PngUnavailableError extends Error {
  override name = 'PngUnavailableError';
}

/** What we use of chartjs-node-canvas (typed here: its own types exist only where it installed). */
interface NodeCanvasRenderer {
  renderToBuffer(configuration: unknown, mimeType?: 'image/png'): Promise<Buffer>;
}
type RendererClass = new (options: { width: number; height: number; backgroundColour?: string }) => NodeCanvasRenderer;

const INSTALL_HINT =
  'PNG charts need the optional npm packages chartjs-node-canvas and canvas; canvas builds against cairo and pango: ' +
  'apt-get install build-essential libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev (scripts/setup-host.sh installs them), then npm install';

async function loadRenderer(): Promise<RendererClass> {
  // A name in a variable: the compiler does not resolve it, so dmabench builds without the package.
  const name = 'chartjs-node-canvas';
  try {
    const mod = (await import(name)) as { ChartJSNodeCanvas?: RendererClass; default?: { ChartJSNodeCanvas?: RendererClass } };
    const cls = mod.ChartJSNodeCanvas ?? mod.default?.ChartJSNodeCanvas;
    if (!cls) throw new Error('the module has no ChartJSNodeCanvas');
    return cls;
  } catch (err) {
    throw new PngUnavailableError(`${INSTALL_HINT} (loading ${name} failed: ${(err as Error).message.split('\n')[0]})`);
  }
}

/** Renders each chart to `<dir>/<id>.png` (the directory made if needed), in order; returns the files written. */
export async function writePngCharts(charts: readonly ChartSpec[], dir: string): Promise<string[]> {
  for (const c of charts) {
    // Ids are file names here: nothing but [a-z0-9-] may reach the path.
    if (!/^[a-z0-9-]+$/.test(c.id)) throw new Error(`chart id ${JSON.stringify(c.id)} is not [a-z0-9-]+`);
  }
  const Renderer = await loadRenderer();
  const renderer = new Renderer({ width: PNG_WIDTH, height: PNG_HEIGHT, backgroundColour: PNG_BACKGROUND });
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const c of charts) {
    const file = path.join(dir, `${c.id}.png`);
    await writeFile(file, await renderer.renderToBuffer(chartConfiguration(c), 'image/png'));
    written.push(file);
  }
  return written;
}
