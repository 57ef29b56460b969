// PNG charts (reports/png/) of real bundles: each file a PNG of the size asked for, with its data
// drawn. The files are decoded with node-canvas's own loadImage (the optional dependency the
// renderer needs: this test fails, never skips, where it is not installed) and their pixels
// counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import { buildCharts, type ChartSpec } from '../../reports/charts/index.js';
import { PALETTE } from '../../reports/charts/bundles.js';
import { PNG_HEIGHT, PNG_WIDTH, writePngCharts } from '../../reports/png/index.js';
import { microbenchBundle } from '../helpers/microbench-bundles.js';
import { fixture, repoRoot } from '../helpers/paths.js';

const execFileAsync = promisify(execFile);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What the test uses of node-canvas, loaded as the renderer loads its packages (by a name the compiler does not resolve). */
interface NodeCanvas {
  loadImage(src: Buffer): Promise<{ width: number; height: number }>;
  createCanvas(w: number, h: number): { getContext(kind: '2d'): { drawImage(img: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
}

async function nodeCanvas(): Promise<NodeCanvas> {
  const name = 'canvas';
  const mod = (await import(name)) as NodeCanvas & { default?: NodeCanvas };
  return mod.default ?? mod;
}

interface PixelCount {
  /** Pixels other than the white background. */
  drawn: number;
  /** Pixels within a small distance of a colour. */
  near: (hex: string) => number;
}

async function pixels(file: string): Promise<PixelCount> {
  const { loadImage, createCanvas } = await nodeCanvas();
  const img = await loadImage(await readFile(file));
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  let drawn = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) drawn++;
  return {
    drawn,
    near(hex) {
      const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) as [number, number, number];
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 40) n++;
      return n;
    },
  };
}

test('writePngCharts: one PNG per chart of real bundles, id.png, of the size asked for, with its series drawn', async () => {
  const bundles = [
    await readBundle(fixture('bundles', 'lab-profile-schema2-6.12')),
    await readBundle(fixture('bundles', 'lab-profile-schema2-7.2')),
    await readBundle(fixture('bundles', 'lab-rxe-7.2')),
    await microbenchBundle('6.12'),
    await microbenchBundle('7.2'),
  ];
  const charts = buildCharts(bundles);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-png-'));
  try {
    const out = path.join(dir, 'charts'); // made by writePngCharts
    const files = await writePngCharts(charts, out);
    assert.deepEqual(files, charts.map((c) => path.join(out, `${c.id}.png`)));
    assert.deepEqual((await readdir(out)).sort(), charts.map((c) => `${c.id}.png`).sort());
    for (const [i, file] of files.entries()) {
      const bytes = await readFile(file);
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${file}: PNG signature`);
      // IHDR is the first chunk: width and height, big-endian, at bytes 16 and 20.
      assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
      assert.equal(bytes.readUInt32BE(16), PNG_WIDTH);
      assert.equal(bytes.readUInt32BE(20), PNG_HEIGHT);
      const px = await pixels(file);
      assert.ok(px.drawn > 0.02 * PNG_WIDTH * PNG_HEIGHT, `${file}: ${px.drawn} pixels drawn, not blank`);
      // Every series with a value shows its colour (its legend box at least; the bars are checked below).
      const c: ChartSpec = charts[i]!;
      for (const s of c.series.filter((x) => x.points.some((p) => p.y !== null))) {
        assert.ok(px.near(s.color) > 50, `${c.id}: series ${s.label} (${s.color}) drawn`);
      }
    }
    // A bar chart's bars fill far more than their legend box: the data is drawn, not only the frame.
    const iopsIndex = charts.findIndex((c) => c.title.startsWith('fio read IOPS: nvme-randread-64k ('));
    assert.ok(iopsIndex >= 0);
    const iops = await pixels(files[iopsIndex]!);
    assert.ok(iops.near(PALETTE[0]) > 5000 && iops.near(PALETTE[1]) > 5000, 'both bundles’ bars');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writePngCharts refuses an id that is not [a-z0-9-]+ before writing anything', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-png-'));
  try {
    const bad: ChartSpec = { id: '../escape', title: 't', kind: 'bar', xLabel: 'x', yLabel: 'y', series: [], csv: '' };
    await assert.rejects(writePngCharts([bad], path.join(dir, 'out')), /not \[a-z0-9-\]\+/);
    await assert.rejects(readdir(path.join(dir, 'out')), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('without chartjs-node-canvas installed, writePngCharts fails saying what to install', async () => {
  // A child whose module resolution reports the package missing, as on a box where canvas did not build.
  const script = `
    import { writePngCharts } from ${JSON.stringify(path.join(repoRoot, 'reports/png/index.ts'))};
    try {
      await writePngCharts([], ${JSON.stringify(path.join(os.tmpdir(), 'dmabench-png-never'))});
      console.log('no error');
    } catch (err) {
      console.log(err.name + ': ' + err.message);
    }`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--import', path.join(repoRoot, 'test/helpers/hide-package.mjs'), '--input-type=module', '--eval', script], {
    cwd: repoRoot,
    env: { ...process.env, DMABENCH_HIDE_PACKAGES: 'chartjs-node-canvas' },
  });
  assert.match(stdout, /^PngUnavailableError: PNG charts need the optional npm packages chartjs-node-canvas and canvas/);
  assert.match(stdout, /libcairo2-dev libpango1\.0-dev/);
  assert.match(stdout, /scripts\/setup-host\.sh/);
  assert.match(stdout, /Cannot find package 'chartjs-node-canvas'/);
});
