// Flame graph SVG rendering from folded stacks of real perf captures (perf 6.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { foldPerfScript } from '../../collectors/perf/script-fold.js';
import { diffFolded, total } from '../../core/text/folded-stacks.js';
import { diffFlameGraphSvg, escapeXml, flameGraphSvg } from '../../reports/flamegraph/svg.js';

const fold = async (name: string) => (await foldPerfScript(fs.createReadStream(fixture('perf', name)))).stacks;

/** Distinct tree nodes (stack prefixes) of a folded profile, plus the root. */
function nodeCount(stacks: Map<string, number>): number {
  const prefixes = new Set<string>();
  for (const s of stacks.keys()) {
    const parts = s.split(';');
    for (let i = 1; i <= parts.length; i++) prefixes.add(parts.slice(0, i).join(';'));
  }
  return prefixes.size + 1;
}

test('svg: one rect per frame (plus the background), root spans the whole width', async () => {
  const stacks = await fold('script-system.txt');
  const svg = flameGraphSvg(stacks, { minWidthPx: 0 });
  const rects = svg.match(/<rect /g)?.length ?? 0;
  assert.equal(rects, nodeCount(stacks) + 1);
  assert.match(svg, new RegExp(`<title>all \\(${total(stacks)} samples, 100\\.00%\\)</title><rect x="10" y="\\d+" width="1180"`));
  assert.ok(svg.startsWith('<?xml'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});

test('svg: names are XML-escaped everywhere (no raw markup from frame names)', async () => {
  const stacks = await fold('script-comm-space.txt');
  const nasty = new Map(stacks);
  nasty.set('dma_bench;a<b>&"c\'', 5);
  const svg = flameGraphSvg(nasty, { minWidthPx: 0 });
  assert.ok(svg.includes('a&lt;b&gt;&amp;&quot;c&apos;'));
  assert.ok(!svg.includes('a<b>'));
  // Text content between tags never contains a bare < or &.
  for (const m of svg.matchAll(/>([^<]*)</g)) assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[1] ?? ''), m[1]);
  assert.equal(escapeXml('<&>'), '&lt;&amp;&gt;');
});

test('svg: icicle layout puts the root on top, flame layout at the bottom', async () => {
  const stacks = await fold('script-dd.txt');
  const rootY = (svg: string): number => Number(/<title>all [^<]*<\/title><rect x="[\d.]+" y="(\d+)"/.exec(svg)?.[1]);
  const flame = flameGraphSvg(stacks);
  const icicle = flameGraphSvg(stacks, { layout: 'icicle' });
  const ys = (svg: string): number[] => [...svg.matchAll(/<\/title><rect x="[\d.]+" y="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(rootY(flame), Math.max(...ys(flame)));
  assert.equal(rootY(icicle), Math.min(...ys(icicle)));
});

test('svg diff: grown frames red, shrunk frames blue, unchanged white', async () => {
  const a = await fold('script-dd.txt');
  const b = await fold('script-system.txt');
  const svg = diffFlameGraphSvg(diffFolded(a, b), { minWidthPx: 0 });
  const fills = [...svg.matchAll(/<title>([^<]*)<\/title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"/g)];
  assert.ok(fills.length > 0);
  let red = 0;
  let blue = 0;
  for (const m of fills) {
    const tip = /\((\d+) → (\d+) /.exec(m[1] ?? '');
    assert.ok(tip, m[1]);
    const delta = Number(tip[2]) - Number(tip[1]);
    const [r, g, bl] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (delta > 0) {
      red++;
      assert.ok(r === 255 && bl <= 255 && g === bl, `grown frame is red: ${m[0]}`);
    } else if (delta < 0) {
      blue++;
      assert.ok(bl === 255 && r === g, `shrunk frame is blue: ${m[0]}`);
    } else assert.deepEqual([r, g, bl], [255, 255, 255]);
  }
  assert.ok(red > 0 && blue > 0, `both colours present (${red} red, ${blue} blue)`);
});

test('svg: an empty profile still renders a valid document', () => {
  const svg = flameGraphSvg(new Map());
  assert.ok(svg.includes('no samples'));
});

test('svg diff scaleFirst: drawn as difffolded -n draws it, while the frames keep the first profile\'s recorded counts', async () => {
  const a = await fold('script-dd.txt');
  const b = await fold('script-system.txt');
  const scaled = diffFlameGraphSvg(diffFolded(a, b), { scaleFirst: true, minWidthPx: 0 });
  const normalized = diffFlameGraphSvg(diffFolded(a, b, { normalize: true }), { minWidthPx: 0 });
  const root = (svg: string) => /<g class="frame" data-name="all" data-samples="(\d+)" data-before="(\d+)" data-parent="-1"><title>all \((\d+) → (\d+) [^)]*\)<\/title><rect x="[\d.]+" y="\d+" width="([\d.]+)"/.exec(svg);
  const [s, n] = [root(scaled), root(normalized)];
  assert.ok(s && n);
  assert.equal(Number(s[2]), total(a), 'data-before: the recorded counts');
  assert.equal(Number(s[1]), total(b));
  assert.equal(Number(s[3]), total(b), 'the tooltip shows the first profile scaled to the second\'s total');
  assert.ok(Math.abs(Number(s[3]) - Number(n[3])) <= a.size, 'as a normalized diff does, but for its rounding per stack');
  assert.equal(s[5], n[5], 'the root spans the same width');
  const fills = (svg: string) => [...svg.matchAll(/<rect [^>]*fill="(rgb\([^)]*\))"/g)].length;
  assert.equal(fills(scaled), fills(normalized), 'the same frames drawn');
});
