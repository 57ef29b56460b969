// chart.js, inlined whole into every report so the page needs no network and opens from file://.
// Its UMD build (which defines window.Chart) is not in the package's exports map, so it is found
// from the directory of the module the package does export.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { assertInlineScript } from './escape.js';

export interface ChartJsSource {
  version: string;
  /** The UMD build's text, without its source-map comment (a file the page does not carry). */
  source: string;
}

let cached: Promise<ChartJsSource> | undefined;

async function load(): Promise<ChartJsSource> {
  const require = createRequire(import.meta.url);
  // resolve('chart.js') gives .../chart.js/dist/chart.cjs (the "require" export).
  const distDir = path.dirname(require.resolve('chart.js'));
  const packageDir = path.dirname(distDir);
  const [umd, pkg] = await Promise.all([readFile(path.join(distDir, 'chart.umd.min.js'), 'utf8'), readFile(path.join(packageDir, 'package.json'), 'utf8')]);
  const version = String((JSON.parse(pkg) as { version?: unknown }).version);
  const source = umd.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return { version, source: assertInlineScript(`chart.js ${version}`, source) };
}

/** chart.js's UMD build, read once per process. */
export function loadChartJs(): Promise<ChartJsSource> {
  cached ??= load();
  return cached;
}
