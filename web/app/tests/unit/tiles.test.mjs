// Feature-map normalization, filter tiles, image-grid pixels and the tile-grid layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadViz } from './load-viz.mjs';

const viz = await loadViz();
const { tileGridLayout } = await loadViz('tile-grid.js');

test('feature maps: per-channel min/max to 0..255, constant channel mid-grey', () => {
  const [h, w, c] = [2, 3, 3];
  const data = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    data[i * c + 0] = i - 2; // ramp -2..3
    data[i * c + 1] = 7; // constant
    data[i * c + 2] = i === 4 ? NaN : i * i; // squares with a NaN
  }
  const fm = viz.featureMapTiles(data, [h, w, c]);
  assert.equal(fm.count, 3);
  assert.equal(fm.h, 2);
  assert.equal(fm.w, 3);
  assert.deepEqual(fm.ranges, [
    [-2, 3],
    [7, 7],
    [0, 25],
  ]);
  assert.deepEqual([...fm.tiles[0]], [0, 51, 102, 153, 204, 255]);
  assert.deepEqual([...fm.tiles[1]], [128, 128, 128, 128, 128, 128]);
  assert.deepEqual([...fm.tiles[2]], [0, 10, 41, 92, 0, 255]);
  for (const t of fm.tiles) assert.equal(t.length, h * w);
});

test('feature maps: maxMaps limits the channels, bad shapes throw', () => {
  const data = new Float32Array(4 * 4 * 16).map((_, i) => Math.sin(i));
  const fm = viz.featureMapTiles(data, [4, 4, 16], 5);
  assert.equal(fm.count, 5);
  assert.equal(fm.tiles.length, 5);
  // Channel 3 of the limited call equals channel 3 of the full call (channels-last indexing).
  assert.deepEqual([...fm.tiles[3]], [...viz.featureMapTiles(data, [4, 4, 16]).tiles[3]]);
  assert.deepEqual(fm.ranges[3], [
    Math.min(...[...Array(16).keys()].map((p) => data[p * 16 + 3])),
    Math.max(...[...Array(16).keys()].map((p) => data[p * 16 + 3])),
  ]);
  assert.throws(() => viz.featureMapTiles(new Float32Array(10), [4, 4, 1]), /needs 16 values, got 10/);
  assert.throws(() => viz.featureMapTiles(new Float32Array(10), [0, 4, 1]), /positive integers/);
});

test('filters: RGB tiles for 3 input channels, symmetric around zero', () => {
  // kh=1, kw=2, cin=3, cout=2: index ((y*kw + x)*cin + ci)*cout + o
  const k = new Float32Array(1 * 2 * 3 * 2);
  const set = (x, ci, o, v) => {
    k[(x * 3 + ci) * 2 + o] = v;
  };
  set(0, 0, 0, 2);
  set(0, 1, 0, -2);
  set(0, 2, 0, 0);
  set(1, 0, 0, 1);
  set(0, 0, 1, 0.5);
  const ft = viz.filterTiles(k, [1, 2, 3, 2]);
  assert.equal(ft.rgb, true);
  assert.equal(ft.count, 2);
  assert.deepEqual([...ft.tiles[0]], [255, 0, 128, 255, 191, 128, 128, 255]);
  assert.deepEqual([...ft.tiles[1].slice(0, 4)], [255, 128, 128, 255]); // per-filter scale: 0.5 is its max
  const layer = viz.filterTiles(k, [1, 2, 3, 2], { normalize: 'layer' });
  assert.equal(layer.tiles[1][0], 159); // 0.5 of a layer max of 2
});

test('filters: one grey tile per (filter, input channel) otherwise, limited by maxFilters', () => {
  const k = new Float32Array(3 * 3 * 2 * 4).map((_, i) => (i % 7) - 3);
  const ft = viz.filterTiles(k, [3, 3, 2, 4]);
  assert.equal(ft.rgb, false);
  assert.equal(ft.count, 8);
  assert.equal(ft.cols, 2);
  for (const t of ft.tiles)
    for (let p = 0; p < 9; p++) assert.ok(t[p * 4] === t[p * 4 + 1] && t[p * 4] === t[p * 4 + 2]);
  assert.equal(viz.filterTiles(k, [3, 3, 2, 4], { maxFilters: 5 }).count, 5);
  assert.throws(() => viz.filterTiles(k, [3, 3, 2, 5]), /needs 90 weights, got 72/);
});

test('image grid: float values clamped from the value range, grey replicated to RGB', () => {
  const imgs = new Float32Array([-5, 0, 127.5, 300]); // 2 images of 1x2 grey
  const px = viz.imageGridPixels(imgs, 2, 1, 2, 1);
  assert.deepEqual([...px[0]], [0, 0, 0, 255, 0, 0, 0, 255]);
  assert.deepEqual([...px[1]], [128, 128, 128, 255, 255, 255, 255, 255]);
  const unit = viz.imageGridPixels(new Float32Array([0.5, 1, 0]), 1, 1, 1, 3, [0, 1]);
  assert.deepEqual([...unit[0]], [128, 255, 0, 255]);
  const bytes = viz.imageGridPixels(new Uint8Array([10, 20, 30]), 1, 1, 1, 3);
  assert.deepEqual([...bytes[0]], [10, 20, 30, 255]);
  assert.throws(() => viz.imageGridPixels(new Float32Array(3), 2, 1, 1, 3), /need 6 values/);
});

test('tile grid layout: enough cells, aspect kept', () => {
  const l = tileGridLayout(10, 8, 4, { cellPx: 40, gap: 2 });
  assert.ok(l.cols * l.rows >= 10 && (l.cols - 1) * l.rows < 10 + l.rows);
  assert.equal(l.cellW, 40);
  assert.equal(l.cellH, 20);
  assert.equal(l.width, l.cols * 40 + (l.cols - 1) * 2);
  const one = tileGridLayout(1, 5, 5, { cellPx: 10, gap: 3, captionH: 12 });
  assert.deepEqual([one.cols, one.rows, one.width, one.height], [1, 1, 10, 22]);
});
