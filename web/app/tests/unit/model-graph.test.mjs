// Residual-block detection and graph layout on the seed models A and B.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadViz } from './load-viz.mjs';

const viz = await loadViz();
const fixtures = fileURLToPath(new URL('../../../../wasm-tests/fixtures/', import.meta.url));
const modelJson = (file) => JSON.parse(readFileSync(fixtures + file, 'utf8'));

// Builds a summary with our own helper from the model.json's inbound_nodes.
const summaryA = viz.summaryFromModelJson(modelJson('model-a.json'));
const summaryB = viz.summaryFromModelJson(modelJson('model-b-64.json'));

function checkLayout(summary) {
  const layout = viz.layoutModelGraph(summary);
  const names = new Set(layout.nodes.map((n) => n.name));
  assert.equal(layout.nodes.length, summary.layers.length, 'one node per layer');
  assert.equal(names.size, summary.layers.length);

  // No two nodes overlap, and every node lies inside the drawing.
  for (let i = 0; i < layout.nodes.length; i++) {
    const a = layout.nodes[i];
    assert.ok(
      a.x >= 0 && a.y >= 0 && a.x + a.w <= layout.width && a.y + a.h <= layout.height,
      `${a.name} inside the drawing`,
    );
    for (let j = i + 1; j < layout.nodes.length; j++) {
      const b = layout.nodes[j];
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      assert.ok(!overlap, `nodes ${a.name} and ${b.name} overlap`);
    }
  }

  // One edge per inbound connection; each starts on its source's border and ends on its target's.
  const inboundCount = summary.layers.reduce((s, l) => s + l.inbound.length, 0);
  assert.equal(layout.edges.length, inboundCount);
  const byName = new Map(layout.nodes.map((n) => [n.name, n]));
  const onBorder = (n, p) =>
    p.x >= n.x - 1e-6 &&
    p.x <= n.x + n.w + 1e-6 &&
    p.y >= n.y - 1e-6 &&
    p.y <= n.y + n.h + 1e-6 &&
    (Math.abs(p.x - n.x) < 1e-6 ||
      Math.abs(p.x - n.x - n.w) < 1e-6 ||
      Math.abs(p.y - n.y) < 1e-6 ||
      Math.abs(p.y - n.y - n.h) < 1e-6);
  for (const e of layout.edges) {
    assert.ok(names.has(e.from) && names.has(e.to), `edge ${e.from} -> ${e.to} connects existing nodes`);
    const layer = summary.layers.find((l) => l.name === e.to);
    assert.ok(layer.inbound.includes(e.from), `edge ${e.from} -> ${e.to} is a real connection`);
    assert.ok(e.points.length >= 2);
    assert.ok(onBorder(byName.get(e.from), e.points[0]), `edge ${e.from} -> ${e.to} starts on its source`);
    assert.ok(onBorder(byName.get(e.to), e.points.at(-1)), `edge ${e.from} -> ${e.to} ends on its target`);
  }

  // Edges are axis-aligned polylines that never cross a node other than their own two.
  for (const e of layout.edges) {
    for (let i = 1; i < e.points.length; i++) {
      const p = e.points[i - 1],
        q = e.points[i];
      assert.ok(p.x === q.x || p.y === q.y, `edge ${e.from} -> ${e.to} has a diagonal segment`);
      const [x0, x1, y0, y1] = [Math.min(p.x, q.x), Math.max(p.x, q.x), Math.min(p.y, q.y), Math.max(p.y, q.y)];
      for (const n of layout.nodes) {
        if (n.name === e.from || n.name === e.to) continue;
        const hits = x0 < n.x + n.w - 1 && x1 > n.x + 1 && y0 < n.y + n.h - 1 && y1 > n.y + 1;
        assert.ok(!hits, `edge ${e.from} -> ${e.to} crosses node ${n.name}`);
      }
    }
  }

  // Sequential chains run top to bottom: every edge goes downward or sideways, never up.
  for (const e of layout.edges) assert.ok(byName.get(e.to).y >= byName.get(e.from).y, `${e.from} -> ${e.to} goes down`);

  // Block frames hold their layers, not the fork, and do not overlap each other.
  const inside = (f, n) => n.x >= f.x && n.y >= f.y && n.x + n.w <= f.x + f.w && n.y + n.h <= f.y + f.h;
  for (const b of layout.blocks) {
    for (const m of [...b.mainPath, ...b.skipPath, b.add])
      assert.ok(inside(b, byName.get(m)), `${m} inside block ${b.index}`);
    assert.ok(!inside(b, byName.get(b.fork)), `fork ${b.fork} outside block ${b.index}`);
    // The skip path is drawn beside (right of) the main path.
    const mainX = Math.max(...b.mainPath.map((m) => byName.get(m).x));
    for (const s of b.skipPath) assert.ok(byName.get(s).x > mainX, `skip layer ${s} right of the main path`);
  }
  for (let i = 0; i < layout.blocks.length; i++) {
    for (let j = i + 1; j < layout.blocks.length; j++) {
      const a = layout.blocks[i],
        b = layout.blocks[j];
      assert.ok(!(a.y < b.y + b.h && b.y < a.y + a.h), `block frames ${i} and ${j} overlap`);
    }
  }
  return layout;
}

test('model A: three residual blocks with 1x1 conv projections', () => {
  const blocks = viz.findResidualBlocks(summaryA.layers);
  assert.deepEqual(blocks, [
    { fork: 'rescaling', add: 'add', mainPath: ['conv2d', 'conv2d_1', 'max_pooling2d'], skipPath: ['conv2d_2'] },
    { fork: 'add', add: 'add_1', mainPath: ['conv2d_3', 'conv2d_4', 'max_pooling2d_1'], skipPath: ['conv2d_5'] },
    { fork: 'add_1', add: 'add_2', mainPath: ['conv2d_6', 'conv2d_7'], skipPath: ['conv2d_8'] },
  ]);
  const layout = checkLayout(summaryA);
  assert.equal(layout.blocks.length, 3);
  assert.match(layout.blocks[0].label, /conv2d_2/);
});

test('model B (Xception-like): five blocks, separable main paths, strided 1x1 conv skips', () => {
  const blocks = viz.findResidualBlocks(summaryB.layers);
  assert.equal(blocks.length, 5);
  const sfx = (k) => (k === 0 ? '' : `_${k}`);
  blocks.forEach((b, k) => {
    assert.equal(b.fork, k === 0 ? 'conv2d' : `add${sfx(k - 1)}`);
    assert.equal(b.add, `add${sfx(k)}`);
    assert.deepEqual(b.mainPath, [
      `batch_normalization${sfx(2 * k)}`,
      `activation${sfx(2 * k)}`,
      `separable_conv2d${sfx(2 * k)}`,
      `batch_normalization_${2 * k + 1}`,
      `activation_${2 * k + 1}`,
      `separable_conv2d_${2 * k + 1}`,
      `max_pooling2d${sfx(k)}`,
    ]);
    assert.deepEqual(b.skipPath, [`conv2d_${k + 1}`]);
  });
  checkLayout(summaryB);
});

test('summaries from the package (real shapes and params) lay out the same blocks', async () => {
  const entry = new URL('../../../convnet-wasm/dist/node.js', import.meta.url);
  if (!existsSync(entry))
    throw new Error('web/convnet-wasm/dist is missing: build the package first (cd web/convnet-wasm && npm run build)');
  const cw = await import(entry.href);
  await cw.init({ variant: 'st' });
  for (const [file, count] of [
    ['model-a.json', 3],
    ['model-b-64.json', 5],
  ]) {
    const model = cw.modelFromJson(modelJson(file));
    const summary = model.summaryData();
    const layout = checkLayout(summary);
    assert.equal(layout.blocks.length, count, file);
    if (file === 'model-a.json') {
      const conv = layout.nodes.find((n) => n.name === 'conv2d');
      assert.equal(conv.shapeText, '32×32×32');
      assert.equal(conv.params, 896);
    }
    model.dispose();
  }
});

test('identity skip: empty skip path, drawn beside the main path', () => {
  const layers = [
    { name: 'in', className: 'InputLayer', outputShape: [null, 8, 8, 4], params: 0, inbound: [] },
    { name: 'c1', className: 'Conv2D', outputShape: [null, 8, 8, 4], params: 148, inbound: ['in'] },
    { name: 'c2', className: 'Conv2D', outputShape: [null, 8, 8, 4], params: 148, inbound: ['c1'] },
    { name: 'sum', className: 'Add', outputShape: [null, 8, 8, 4], params: 0, inbound: ['in', 'c2'] }, // skip listed first
    { name: 'gap', className: 'GlobalAveragePooling2D', outputShape: [null, 4], params: 0, inbound: ['sum'] },
  ];
  assert.deepEqual(viz.findResidualBlocks(layers), [{ fork: 'in', add: 'sum', mainPath: ['c1', 'c2'], skipPath: [] }]);
  const layout = checkLayout({ layers });
  const skip = layout.edges.find((e) => e.from === 'in' && e.to === 'sum');
  const main = layout.nodes.find((n) => n.name === 'c1');
  assert.ok(Math.max(...skip.points.map((p) => p.x)) > main.x + main.w, 'identity skip runs right of the main path');
  assert.match(layout.blocks[0].label, /identity/);
});

test('a merge of two independent inputs is not a residual block; sequential chains stack', () => {
  const layers = [
    { name: 'a', className: 'InputLayer', outputShape: [null, 4], params: 0, inbound: [] },
    { name: 'b', className: 'InputLayer', outputShape: [null, 4], params: 0, inbound: [] },
    { name: 'sum', className: 'Add', outputShape: [null, 4], params: 0, inbound: ['a', 'b'] },
    { name: 'd', className: 'Dense', outputShape: [null, 2], params: 10, inbound: ['sum'] },
  ];
  assert.deepEqual(viz.findResidualBlocks(layers), []);
  const layout = checkLayout({ layers });
  const ys = layout.nodes.map((n) => n.y);
  assert.deepEqual(
    [...ys].sort((p, q) => p - q),
    ys,
    'top to bottom in order',
  );
  assert.equal(new Set(layout.nodes.map((n) => n.x)).size, 1, 'one column');
});

test('a long edge past other layers (a non-residual branch) is routed around them', () => {
  const layers = [
    { name: 'in', className: 'InputLayer', outputShape: [null, 8, 8, 4], params: 0, inbound: [] },
    { name: 'c1', className: 'Conv2D', outputShape: [null, 8, 8, 4], params: 148, inbound: ['in'] },
    { name: 'c2', className: 'Conv2D', outputShape: [null, 8, 8, 4], params: 148, inbound: ['c1'] },
    { name: 'cat', className: 'Concatenate', outputShape: [null, 8, 8, 8], params: 0, inbound: ['in', 'c2'] },
  ];
  const layout = checkLayout({ layers });
  assert.equal(layout.blocks.length, 0);
  assert.ok(layout.edges.find((e) => e.from === 'in' && e.to === 'cat').points.length > 2);
});

test('bad summaries are rejected with the layer named', () => {
  assert.throws(
    () =>
      viz.layoutModelGraph({
        layers: [{ name: 'x', className: 'Dense', outputShape: [], params: 0, inbound: ['nope'] }],
      }),
    /layer 'x' has input 'nope'/,
  );
  assert.throws(
    () =>
      viz.layoutModelGraph({
        layers: [
          { name: 'p', className: 'Dense', outputShape: [], params: 0, inbound: ['q'] },
          { name: 'q', className: 'Dense', outputShape: [], params: 0, inbound: ['p'] },
        ],
      }),
    /cycle/,
  );
});
