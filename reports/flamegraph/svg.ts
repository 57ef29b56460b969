// Flame graph SVG from folded stacks: a pure function, no scripts in the output, so the SVG is
// safe to embed in HTML reports and mail. Each frame is a <rect> with a <title> tooltip and a
// <text> label cut to fit. Classic layout grows upwards from the root; icicle hangs down.
// Differential mode takes difffolded pairs: widths follow the second profile (as flamegraph.pl
// does) and colour shows the change of each frame's samples: grown red, shrunk blue.
import type { Folded, FoldedDiff } from '../../core/text/folded-stacks.js';

export interface FlameGraphOptions {
  title?: string;
  /** 'flame' (root at the bottom, default) or 'icicle' (root at the top). */
  layout?: 'flame' | 'icicle';
  width?: number;
  frameHeight?: number;
  fontSize?: number;
  /** Frames narrower than this many pixels are not drawn (their samples still count). */
  minWidthPx?: number;
  /** Unit of the counts in tooltips. */
  countName?: string;
  /**
   * Differential mode: scale the first profile's counts to the second's total when drawing (as
   * difffolded.pl -n does, unrounded), so widths and colours show a change of share, while the
   * frames' data-before attributes keep the recorded counts. For pairs that are not normalized yet.
   */
  scaleFirst?: boolean;
  /** Start with the `<?xml …?>` declaration (default true); false for an `<svg>` element inlined in HTML. */
  xmlDeclaration?: boolean;
}

interface Node {
  name: string;
  /** Samples of this frame (second profile in diff mode). */
  value: number;
  /** Samples of this frame in the first profile (diff mode only). */
  before: number;
  children: Map<string, Node>;
}

/** Renders a normal flame graph from folded stacks. */
export function flameGraphSvg(stacks: Folded, opts: FlameGraphOptions = {}): string {
  const root = newNode('all');
  for (const [stack, count] of stacks) addStack(root, stack, count, 0);
  return render(root, opts, false);
}

/** Renders a differential flame graph from `stack count1 count2` pairs. */
export function diffFlameGraphSvg(diff: FoldedDiff, opts: FlameGraphOptions = {}): string {
  const root = newNode('all');
  for (const [stack, e] of diff) addStack(root, stack, e.count2, e.count1);
  return render(root, opts, true);
}

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c).replace(XML_FORBIDDEN, '');
}
// Control characters other than tab, newline and carriage return are not allowed in XML 1.0.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function newNode(name: string): Node {
  return { name, value: 0, before: 0, children: new Map() };
}

function addStack(root: Node, stack: string, value: number, before: number): void {
  root.value += value;
  root.before += before;
  let node = root;
  for (const frame of stack.split(';')) {
    let child = node.children.get(frame);
    if (!child) {
      child = newNode(frame);
      node.children.set(frame, child);
    }
    child.value += value;
    child.before += before;
    node = child;
  }
}

interface Placed {
  node: Node;
  depth: number;
  x: number;
  w: number;
  /** Index of the parent frame in `placed` (-1 for the root): frames are placed parents first. */
  parent: number;
}

function render(root: Node, opts: FlameGraphOptions, differential: boolean): string {
  const width = opts.width ?? 1200;
  const frameHeight = opts.frameHeight ?? 16;
  const fontSize = opts.fontSize ?? 12;
  const minWidth = opts.minWidthPx ?? 0.1;
  const countName = opts.countName ?? 'samples';
  const title = opts.title ?? (differential ? 'Differential Flame Graph' : 'Flame Graph');
  const pad = 10;
  const titleHeight = fontSize * 2 + 8;
  const plotWidth = width - 2 * pad;
  // The first profile's counts as drawn (scaled to the second's total when asked).
  const beforeScale = differential && opts.scaleFirst === true && root.before > 0 ? root.value / root.before : 1;
  const drawnBefore = (node: Node): number => node.before * beforeScale;
  const total = differential ? Math.max(root.value, drawnBefore(root)) : root.value;
  const scale = total > 0 ? plotWidth / total : 0;

  // Lay frames out left to right in name order, as flamegraph.pl does, so graphs are comparable.
  const placed: Placed[] = [];
  let maxDepth = 0;
  const walk = (node: Node, depth: number, x: number, parent: number): void => {
    const w = (differential ? Math.max(node.value, drawnBefore(node)) : node.value) * scale;
    if (w < minWidth) return;
    const index = placed.length;
    placed.push({ node, depth, x, w, parent });
    if (depth > maxDepth) maxDepth = depth;
    let cx = x;
    for (const child of [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      walk(child, depth + 1, cx, index);
      cx += (differential ? Math.max(child.value, drawnBefore(child)) : child.value) * scale;
    }
  };
  if (total > 0) walk(root, 0, pad, -1);

  const height = titleHeight + (maxDepth + 1) * frameHeight + pad * 2;
  const maxDelta = differential ? maxAbsDelta(placed, drawnBefore) : 0;
  const yOf = (depth: number): number =>
    opts.layout === 'icicle' ? titleHeight + depth * frameHeight : height - pad - (depth + 1) * frameHeight;

  const parts: string[] = [];
  parts.push(
    `${opts.xmlDeclaration === false ? '' : '<?xml version="1.0" standalone="no"?>\n'}<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f8f8f8"/>`,
    `<text x="${width / 2}" y="${fontSize + 6}" font-family="Verdana" font-size="${fontSize + 4}" text-anchor="middle">${escapeXml(title)}</text>`,
  );
  if (total === 0) {
    parts.push(`<text x="${width / 2}" y="${titleHeight + fontSize}" font-family="Verdana" font-size="${fontSize}" text-anchor="middle">no samples</text>`);
  }
  const charWidth = fontSize * 0.59;
  for (const p of placed) {
    const { node } = p;
    const y = yOf(p.depth);
    const fill = differential ? diffColour(node.value - drawnBefore(node), maxDelta) : hotColour(node.name);
    const pct = total > 0 ? ((node.value / total) * 100).toFixed(2) : '0.00';
    const tip = differential
      ? `${node.name} (${Math.round(drawnBefore(node))} → ${node.value} ${countName}, ${signed(node.value - Math.round(drawnBefore(node)))})`
      : `${node.name} (${node.value} ${countName}, ${pct}%)`;
    const fits = Math.floor((p.w - 6) / charWidth);
    const label = fits < 3 ? '' : node.name.length <= fits ? node.name : `${node.name.slice(0, fits - 2)}..`;
    // What a search needs, for a page's script to read (reports/html/flame-script.ts): the frame's
    // name, its samples (and, in a diff, the first profile's) and its parent, so nested matches
    // are counted once. Inert in a standalone SVG.
    const data =
      ` class="frame" data-name="${escapeXml(node.name)}" data-samples="${node.value}"` +
      (differential ? ` data-before="${node.before}"` : '') +
      ` data-parent="${p.parent}"`;
    parts.push(
      `<g${data}><title>${escapeXml(tip)}</title><rect x="${fmt(p.x)}" y="${y}" width="${fmt(p.w)}" height="${frameHeight - 1}" fill="${fill}" rx="2" ry="2"/>` +
        (label ? `<text x="${fmt(p.x + 3)}" y="${y + frameHeight - 4}" font-family="Verdana" font-size="${fontSize}">${escapeXml(label)}</text>` : '') +
        '</g>',
    );
  }
  parts.push('</svg>\n');
  return parts.join('\n');
}

function maxAbsDelta(placed: Placed[], drawnBefore: (node: Node) => number): number {
  let m = 0;
  for (const p of placed) m = Math.max(m, Math.abs(p.node.value - drawnBefore(p.node)));
  return m;
}

/** Red for frames that grew, blue for frames that shrank, white for unchanged. */
function diffColour(delta: number, maxDelta: number): string {
  if (delta === 0 || maxDelta === 0) return 'rgb(255,255,255)';
  const strength = Math.round(210 * (Math.abs(delta) / maxDelta));
  const other = 255 - strength;
  return delta > 0 ? `rgb(255,${other},${other})` : `rgb(${other},${other},255)`;
}

/** flamegraph.pl's "hot" palette, seeded by the name so a frame keeps its colour across graphs. */
function hotColour(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const v1 = ((h >>> 0) % 1000) / 1000;
  const v2 = ((h >>> 10) % 1000) / 1000;
  const v3 = ((h >>> 20) % 1000) / 1000;
  const r = 205 + Math.round(50 * v3);
  const g = Math.round(230 * v1);
  const b = Math.round(55 * v2);
  return `rgb(${r},${g},${b})`;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
