// Model graph: a layer DAG laid out top to bottom, with residual blocks found in the DAG
// and drawn as framed groups whose skip path runs beside the main path. The layout is
// pure data (testable in Node); renderModelGraph turns it into clickable, focusable SVG.
// Nodes are as wide as their text needs (within limits); longer text is shortened with an
// ellipsis at render time and stays whole in the tooltip and the accessible label.

import { ellipsize, estimateTextWidth } from './text-fit.js';

export interface GraphLayerInput {
  name: string;
  className: string;
  outputShape: ReadonlyArray<number | null>;
  params: number;
  inbound: readonly string[];
}

export interface ResidualBlock {
  fork: string; // the layer whose output feeds both paths (outside the block)
  add: string; // the Add that joins them (inside the block)
  mainPath: string[]; // layers on the longer path, fork to add exclusive, in order
  skipPath: string[]; // layers on the other path: [] for an identity skip, e.g. [conv] for a projection
}

export interface GraphNode {
  name: string;
  className: string;
  shapeText: string; // "32×32×16"; empty when the summary has no shape
  params: number;
  x: number;
  y: number;
  w: number;
  h: number; // top-left corner and size, SVG units
  column: number; // 0 = main column; skip paths to the right
  block: number; // index into blocks, or -1
}

export interface GraphEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[]; // polyline, source to target
}

export interface GraphBlock extends ResidualBlock {
  index: number;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number; // the frame
}

export interface GraphLayout {
  nodes: GraphNode[]; // in topological order
  edges: GraphEdge[];
  blocks: GraphBlock[];
  width: number;
  height: number;
  nodeWidth: number; // every node's width (one column width keeps the columns aligned)
}

// Text inside a node: name (bold) on top; class, shape and params below.
export const NODE_FONT = {
  family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  namePx: 12,
  detailPx: 11,
  padX: 10,
};
export const MIN_NODE_W = 224,
  MAX_NODE_W = 400;

export function nodeText(n: { name: string; className: string; shapeText: string; params: number }): [string, string] {
  const params = n.params > 0 ? `${n.params.toLocaleString('en-US')} params` : '';
  return [n.name, [n.className, n.shapeText, params].filter(Boolean).join('  ·  ')];
}

/** Width of text in pixels at a font size, bold or not. */
export type TextMeasure = (text: string, px: number, bold: boolean) => number;

/**
 * Node width for these layers: the widest text plus padding, within [MIN_NODE_W, MAX_NODE_W].
 * Text is measured with `measure` (on a page: canvasTextMeasure()), else estimated.
 */
export function nodeWidthFor(
  layers: ReadonlyArray<{ name: string; className: string; outputShape: ReadonlyArray<number | null>; params: number }>,
  measure: TextMeasure = estimateTextWidth,
): number {
  let need = 0;
  for (const l of layers) {
    const [a, b] = nodeText({ ...l, shapeText: shapeText(l.outputShape) });
    need = Math.max(need, measure(a, NODE_FONT.namePx, true), measure(b, NODE_FONT.detailPx, false));
  }
  return Math.min(MAX_NODE_W, Math.max(MIN_NODE_W, Math.ceil(need + 2 * NODE_FONT.padX)));
}

const NODE_H = 44,
  ROW_GAP = 16,
  COL_GAP = 44;
const MARGIN = 12,
  LEFT_LANE = 24,
  BLOCK_HEADER = 22,
  BLOCK_PAD = 8;

function indexLayers(layers: readonly GraphLayerInput[]): Map<string, number> {
  const byName = new Map<string, number>();
  layers.forEach((l, i) => {
    if (byName.has(l.name)) throw new Error(`model graph: two layers are named '${l.name}'`);
    byName.set(l.name, i);
  });
  for (const l of layers) {
    for (const src of l.inbound) {
      if (!byName.has(src))
        throw new Error(`model graph: layer '${l.name}' has input '${src}', which is not a layer of the model`);
    }
  }
  return byName;
}

// Kahn's algorithm, taking ready layers in their summary order so a valid order is kept as is.
function topoOrder(layers: readonly GraphLayerInput[], byName: Map<string, number>): number[] {
  const indeg = layers.map((l) => l.inbound.length);
  const out: number[][] = layers.map(() => []);
  layers.forEach((l, i) => l.inbound.forEach((s) => out[byName.get(s)!]!.push(i)));
  const order: number[] = [];
  const ready = indeg.map((d, i) => (d === 0 ? i : -1)).filter((i) => i >= 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const j of out[i]!) if (--indeg[j]! === 0) ready.push(j);
  }
  if (order.length !== layers.length) {
    const stuck = layers.filter((_, i) => indeg[i]! > 0).map((l) => l.name);
    throw new Error(`model graph: the layers form a cycle (involving ${stuck.slice(0, 5).join(', ')})`);
  }
  return order;
}

// Ancestor sets, each including the layer itself; fine for models of a few hundred layers.
function ancestorSets(layers: readonly GraphLayerInput[], byName: Map<string, number>, order: number[]): Set<number>[] {
  const anc: Set<number>[] = layers.map(() => new Set<number>());
  for (const i of order) {
    const s = anc[i]!;
    s.add(i);
    for (const src of layers[i]!.inbound) for (const a of anc[byName.get(src)!]!) s.add(a);
  }
  return anc;
}

// An Add with two inputs whose paths diverge at a common ancestor is a residual block:
// the fork is the latest common ancestor (in topological order) of the two inputs.
export function findResidualBlocks(layers: readonly GraphLayerInput[]): ResidualBlock[] {
  const byName = indexLayers(layers);
  const order = topoOrder(layers, byName);
  const rank = new Map<number, number>(order.map((i, r) => [i, r]));
  const anc = ancestorSets(layers, byName, order);
  const blocks: ResidualBlock[] = [];
  for (const i of order) {
    const l = layers[i]!;
    if (l.className !== 'Add' || l.inbound.length !== 2) continue;
    const a = byName.get(l.inbound[0]!)!,
      b = byName.get(l.inbound[1]!)!;
    let fork = -1;
    for (const x of anc[a]!) if (anc[b]!.has(x) && (fork < 0 || rank.get(x)! > rank.get(fork)!)) fork = x;
    if (fork < 0) continue; // two independent inputs: a merge, not a residual block
    const pathTo = (end: number) =>
      order.filter((n) => n !== fork && anc[end]!.has(n) && anc[n]!.has(fork)).map((n) => layers[n]!.name);
    const pa = pathTo(a),
      pb = pathTo(b);
    const [mainPath, skipPath] = pb.length > pa.length ? [pb, pa] : [pa, pb];
    blocks.push({ fork: layers[fork]!.name, add: l.name, mainPath, skipPath });
  }
  return blocks;
}

export function shapeText(shape: ReadonlyArray<number | null>): string {
  const dims = shape.length > 0 && shape[0] === null ? shape.slice(1) : shape;
  return dims.map((d) => (d === null ? '?' : String(d))).join('×');
}

export function layoutModelGraph(
  summary: { layers: readonly GraphLayerInput[] },
  opts: { measure?: TextMeasure } = {},
): GraphLayout {
  const layers = summary.layers;
  const byName = indexLayers(layers);
  const order = topoOrder(layers, byName);
  const found = findResidualBlocks(layers);
  const NODE_W = nodeWidthFor(layers, opts.measure);

  // Columns: skip-path layers go right of the main column; everything else stays in 0.
  const column = new Map<string, number>();
  const blockOf = new Map<string, number>();
  found.forEach((b, k) => {
    for (const n of b.mainPath) if (!blockOf.has(n)) blockOf.set(n, k);
    for (const n of b.skipPath) {
      column.set(n, 1);
      blockOf.set(n, k);
    }
    blockOf.set(b.add, k);
  });

  // Rows: main-column layers one per row, in topological order.
  const row = new Map<string, number>();
  let rows = 0;
  for (const i of order) {
    const name = layers[i]!.name;
    if ((column.get(name) ?? 0) === 0) row.set(name, rows++);
  }
  // Skip layers sit beside the middle of their block's main path.
  const occupied = new Set<string>();
  for (const r of row.values()) occupied.add(`0:${r}`);
  const blockStartRow: number[] = [];
  const blockEndRow: number[] = [];
  found.forEach((b, k) => {
    const mainRows = b.mainPath.map((n) => row.get(n)).filter((r): r is number => r !== undefined);
    const first = mainRows.length > 0 ? Math.min(...mainRows) : row.get(b.add)!;
    const span = mainRows.length > 0 ? Math.max(...mainRows) - first + 1 : 1;
    blockStartRow[k] = first;
    blockEndRow[k] = row.get(b.add) ?? first;
    const start = first + Math.floor(Math.max(0, span - b.skipPath.length) / 2);
    b.skipPath.forEach((n, j) => {
      let col = 1;
      // Nested or unusual DAGs could put two skip layers in one cell: move right instead.
      while (occupied.has(`${col}:${start + j}`)) col++;
      column.set(n, col);
      row.set(n, start + j);
      occupied.add(`${col}:${start + j}`);
    });
  });
  const maxCol = Math.max(found.length > 0 ? 1 : 0, ...[...column.values()]);

  // Row y positions: extra room above a block for its label and below it for its frame.
  const startsBlock = new Set(blockStartRow);
  const endsBlock = new Set(blockEndRow);
  const rowY: number[] = [];
  let y = MARGIN;
  for (let r = 0; r < rows; r++) {
    if (startsBlock.has(r)) y += BLOCK_HEADER;
    rowY.push(y);
    y += NODE_H + ROW_GAP;
    if (endsBlock.has(r)) y += BLOCK_PAD;
  }
  const height = Math.max(y - ROW_GAP + MARGIN, 2 * MARGIN);
  const colX = (c: number) => MARGIN + LEFT_LANE + c * (NODE_W + COL_GAP);
  const width = colX(maxCol) + NODE_W + MARGIN;

  const nodes: GraphNode[] = order.map((i) => {
    const l = layers[i]!;
    const c = column.get(l.name) ?? 0;
    return {
      name: l.name,
      className: l.className,
      shapeText: shapeText(l.outputShape),
      params: l.params,
      x: colX(c),
      y: rowY[row.get(l.name)!]!,
      w: NODE_W,
      h: NODE_H,
      column: c,
      block: blockOf.get(l.name) ?? -1,
    };
  });
  const node = new Map(nodes.map((n) => [n.name, n]));

  const blocks: GraphBlock[] = found.map((b, k) => {
    const members = [...b.mainPath, ...b.skipPath, b.add].map((n) => node.get(n)!);
    const x0 = Math.min(...members.map((n) => n.x)) - BLOCK_PAD;
    const y0 = Math.min(...members.map((n) => n.y)) - BLOCK_HEADER + 2;
    // Identity skips draw their line in column 1, so the frame reaches over it.
    const x1 = Math.max(colX(1) + NODE_W / 2 + BLOCK_PAD, ...members.map((n) => n.x + n.w + BLOCK_PAD));
    const y1 = Math.max(...members.map((n) => n.y + n.h)) + BLOCK_PAD - 2;
    const skip = b.skipPath.length === 0 ? 'identity skip' : `skip: ${b.skipPath.join(', ')}`;
    return { ...b, index: k, label: `Residual block ${k + 1} (${skip})`, x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  });

  const identitySkips = new Set(found.filter((b) => b.skipPath.length === 0).map((b) => `${b.fork}->${b.add}`));
  const edges: GraphEdge[] = [];
  for (const dst of nodes) {
    for (const srcName of layers[byName.get(dst.name)!]!.inbound) {
      const src = node.get(srcName)!;
      edges.push({
        from: src.name,
        to: dst.name,
        points: routeEdge(src, dst, nodes, identitySkips.has(`${src.name}->${dst.name}`), colX(1) + NODE_W / 2),
      });
    }
  }
  return { nodes, edges, blocks, width, height, nodeWidth: NODE_W };
}

function routeEdge(
  u: GraphNode,
  v: GraphNode,
  nodes: GraphNode[],
  identitySkip: boolean,
  skipLaneX: number,
): { x: number; y: number }[] {
  const ucx = u.x + u.w / 2,
    vcx = v.x + v.w / 2,
    ucy = u.y + u.h / 2,
    vcy = v.y + v.h / 2;
  if (identitySkip) {
    // Beside the main path, where a projection would have been.
    return [
      { x: u.x + u.w, y: ucy },
      { x: skipLaneX, y: ucy },
      { x: skipLaneX, y: vcy },
      { x: v.x + v.w, y: vcy },
    ];
  }
  if (u.column === v.column) {
    const blocked = nodes.some((n) => n.column === u.column && n.y > u.y && n.y < v.y);
    if (!blocked)
      return [
        { x: ucx, y: u.y + u.h },
        { x: vcx, y: v.y },
      ];
    // Around the nodes in between, through the lane left of the column.
    const lane = u.x - LEFT_LANE / 2;
    return [
      { x: u.x, y: ucy },
      { x: lane, y: ucy },
      { x: lane, y: vcy },
      { x: v.x, y: vcy },
    ];
  }
  if (v.column > u.column)
    return [
      { x: u.x + u.w, y: ucy },
      { x: vcx, y: ucy },
      { x: vcx, y: v.y },
    ];
  return [
    { x: ucx, y: u.y + u.h },
    { x: ucx, y: vcy },
    { x: v.x + v.w, y: vcy },
  ];
}

// Summary data from a TF.js/Keras model.json (for previews before the engine builds the
// model, and for tests). Shapes are known only for input layers; params are unknown (0).
export function summaryFromModelJson(json: unknown): { layers: GraphLayerInput[] } {
  const j = json as { modelTopology?: unknown };
  const topo = (j && typeof j === 'object' && 'modelTopology' in j ? j.modelTopology : json) as Record<string, unknown>;
  const model = (topo && 'model_config' in topo ? topo['model_config'] : topo) as {
    class_name?: string;
    config?: unknown;
  };
  if (!model || typeof model !== 'object' || !model.config)
    throw new Error('summaryFromModelJson: no model config found (expected modelTopology.config.layers)');
  const cfg = model.config as { layers?: unknown[] } | unknown[];
  const raw = (Array.isArray(cfg) ? cfg : cfg.layers) as
    Array<{ class_name: string; config: Record<string, unknown>; inbound_nodes?: unknown }> | undefined;
  if (!Array.isArray(raw)) throw new Error('summaryFromModelJson: the model config has no layers list');
  const sequential = model.class_name === 'Sequential';
  const out: GraphLayerInput[] = [];
  for (const l of raw) {
    const name = String(l.config['name']);
    const batchShape = (l.config['batch_input_shape'] ?? l.config['batch_shape']) as (number | null)[] | undefined;
    let inbound: string[] = [];
    if (sequential) inbound = out.length > 0 ? [out[out.length - 1]!.name] : [];
    else inbound = inboundNames(l.inbound_nodes);
    // A Sequential model whose first layer carries batch_input_shape has an implicit input.
    if (sequential && out.length === 0 && batchShape && l.class_name !== 'InputLayer') {
      out.push({ name: 'input', className: 'InputLayer', outputShape: batchShape, params: 0, inbound: [] });
      inbound = ['input'];
    }
    out.push({
      name,
      className: l.class_name,
      outputShape: l.class_name === 'InputLayer' && batchShape ? batchShape : [],
      params: 0,
      inbound,
    });
  }
  return { layers: out };
}

// Keras 2 stores [[["name", nodeIndex, tensorIndex, kwargs], ...]]; Keras 3 stores
// [{args: [{config: {keras_history: ["name", 0, 0]}}]}]. Collect names from either.
function inboundNames(nodes: unknown): string[] {
  const names: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number') {
        names.push(v[0]);
        return;
      }
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o['keras_history'])) {
        visit(o['keras_history']);
        return;
      }
      Object.values(o).forEach(visit);
    }
  };
  visit(nodes);
  return [...new Set(names)];
}

// ---- SVG rendering (DOM only) ----

export interface RenderGraphOptions {
  onSelect?: (layerName: string) => void;
  selected?: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
let markerCounter = 0;

function nodeColors(className: string): [string, string] {
  if (/Conv/.test(className)) return ['#dbe8fb', '#3a67a8'];
  if (/Normalization/.test(className)) return ['#e2f3e3', '#3a8340'];
  if (/^(Activation|ReLU|LeakyReLU|Softmax)$/.test(className)) return ['#fdf1d2', '#a87a10'];
  if (/Pool|Flatten/.test(className)) return ['#efe3fb', '#7048a8'];
  if (/^(Add|Concatenate)$/.test(className)) return ['#fbe0e0', '#aa3a3a'];
  if (/^(Dense|Dropout)$/.test(className)) return ['#dcf3f2', '#2a807e'];
  return ['#ececec', '#6b6b6b']; // input, rescaling, augmentation
}

// Measured with a canvas in the SVG's font: works while the graph is hidden (another tab),
// where SVG text has no computed length.
let measureCtx: CanvasRenderingContext2D | null | undefined;

/** The page's real text widths in the graph's font, or null without a DOM. */
export function canvasTextMeasure(): TextMeasure | null {
  if (measureCtx === undefined)
    measureCtx = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d') : null;
  const ctx = measureCtx;
  if (!ctx) return null;
  return (text, px, bold) => {
    ctx.font = `${bold ? 600 : 400} ${px}px ${NODE_FONT.family}`;
    return ctx.measureText(text).width;
  };
}

function fitText(text: string, maxWidth: number, px: number, bold: boolean): string {
  const measure = canvasTextMeasure() ?? estimateTextWidth;
  return ellipsize(text, maxWidth, (s) => measure(s, px, bold));
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function renderModelGraph(
  container: HTMLElement,
  layout: GraphLayout,
  opts: RenderGraphOptions = {},
): SVGSVGElement {
  const svg = el('svg', {
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    width: layout.width,
    height: layout.height,
    role: 'group',
    class: 'model-graph',
    'aria-label': `Model graph: ${layout.nodes.length} layers, ${layout.blocks.length} residual blocks`,
  });
  // Shrinks to fit its box, but not below 80% so text stays readable (the box scrolls instead).
  svg.style.maxWidth = '100%';
  svg.style.minWidth = `${Math.round(layout.width * 0.8)}px`;
  svg.style.height = 'auto';
  svg.style.fontFamily = NODE_FONT.family;
  const nodeW = layout.nodeWidth ?? layout.nodes[0]?.w ?? MIN_NODE_W;
  const markerId = `model-graph-arrow-${++markerCounter}`;
  const defs = el('defs', {});
  const marker = el('marker', {
    id: markerId,
    viewBox: '0 0 8 8',
    refX: 7,
    refY: 4,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.appendChild(el('path', { d: 'M0,0 L8,4 L0,8 z', fill: 'currentColor' }));
  defs.appendChild(marker);
  svg.appendChild(defs);

  for (const b of layout.blocks) {
    const g = el('g', { class: 'model-graph-block', 'data-block': b.index });
    g.appendChild(
      el('rect', {
        x: b.x,
        y: b.y,
        width: b.w,
        height: b.h,
        rx: 8,
        fill: 'none',
        stroke: 'currentColor',
        'stroke-opacity': 0.45,
        'stroke-dasharray': '6 4',
      }),
    );
    // Right of the main column's centre line, which the incoming edge runs along.
    const tx = b.x + BLOCK_PAD + nodeW / 2 + 8;
    const t = el('text', { x: tx, y: b.y + 14, 'font-size': 11, fill: 'currentColor', 'fill-opacity': 0.8 });
    t.textContent = fitText(b.label, b.x + b.w - tx - 6, 11, false);
    const tip = el('title', {});
    tip.textContent = b.label;
    t.appendChild(tip);
    g.appendChild(t);
    svg.appendChild(g);
  }

  const edgeGroup = el('g', {
    class: 'model-graph-edges',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-opacity': 0.6,
    'stroke-width': 1.4,
  });
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    edgeGroup.appendChild(el('path', { d, 'marker-end': `url(#${markerId})`, 'data-from': e.from, 'data-to': e.to }));
  }
  svg.appendChild(edgeGroup);

  const groups: SVGGElement[] = [];
  const select = (name: string) => {
    for (const g of groups) {
      const on = g.dataset['name'] === name;
      g.setAttribute('aria-pressed', String(on));
      g.querySelector('rect')!.setAttribute('stroke-width', on ? '3' : '1.2');
    }
    opts.onSelect?.(name);
  };
  layout.nodes.forEach((n, idx) => {
    const [fill, stroke] = nodeColors(n.className);
    const params = n.params > 0 ? `${n.params.toLocaleString('en-US')} params` : '';
    const [text1, text2] = nodeText(n);
    const g = el('g', {
      class: 'model-graph-node',
      tabindex: 0,
      role: 'button',
      'data-name': n.name,
      'aria-pressed': String(opts.selected === n.name),
      'aria-label': `${n.name}, ${n.className}${n.shapeText ? `, output ${n.shapeText}` : ''}${params ? `, ${params}` : ''}`,
    });
    g.style.cursor = 'pointer';
    const title = el('title', {});
    title.textContent = `${n.name} (${n.className})${n.shapeText ? ` → ${n.shapeText}` : ''}${params ? `, ${params}` : ''}`;
    g.appendChild(title);
    g.appendChild(
      el('rect', {
        x: n.x,
        y: n.y,
        width: n.w,
        height: n.h,
        rx: 6,
        fill,
        stroke,
        'stroke-width': opts.selected === n.name ? 3 : 1.2,
      }),
    );
    // Name on top; class, shape and params below; shortened only past MAX_NODE_W (the
    // title above keeps the whole text).
    const room = n.w - 2 * NODE_FONT.padX;
    const line1 = el('text', {
      x: n.x + NODE_FONT.padX,
      y: n.y + 18,
      'font-size': NODE_FONT.namePx,
      'font-weight': 600,
      fill: '#111',
    });
    line1.textContent = fitText(text1, room, NODE_FONT.namePx, true);
    const line2 = el('text', { x: n.x + NODE_FONT.padX, y: n.y + 35, 'font-size': NODE_FONT.detailPx, fill: '#333' });
    line2.textContent = fitText(text2, room, NODE_FONT.detailPx, false);
    g.append(line1, line2);
    g.addEventListener('click', () => select(n.name));
    g.addEventListener('keydown', (ev: KeyboardEvent) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        select(n.name);
      }
      // Arrow keys walk the layers in order, so a keyboard user need not tab through all.
      else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        groups[Math.max(0, Math.min(groups.length - 1, idx + (ev.key === 'ArrowDown' ? 1 : -1)))]!.focus();
      }
    });
    groups.push(g);
    svg.appendChild(g);
  });
  container.replaceChildren(svg);
  return svg;
}
