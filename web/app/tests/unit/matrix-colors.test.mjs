// Confusion-matrix counts, the colour map and the heat-map overlay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadViz } from './load-viz.mjs';

const viz = await loadViz();

// Small deterministic generator so failures reproduce.
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('confusion matrix: counts every (true, predicted) pair once', () => {
  const rand = lcg(7);
  const k = 4,
    n = 500;
  const t = Int32Array.from({ length: n }, () => Math.floor(rand() * k));
  const p = t.map((v) => (rand() < 0.7 ? v : Math.floor(rand() * k)));
  const m = viz.confusionMatrix(t, p, k);
  assert.equal(m.length, k);
  let total = 0,
    diag = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let expect = 0;
      for (let s = 0; s < n; s++) if (t[s] === i && p[s] === j) expect++;
      assert.equal(m[i][j], expect, `cell ${i},${j}`);
      total += m[i][j];
      if (i === j) diag += m[i][j];
    }
  assert.equal(total, n);
  assert.equal(diag, t.filter((v, s) => v === p[s]).length);
  assert.deepEqual(viz.confusionMatrix([0, 1, 1, 2], [0, 2, 1, 2], 3), [
    [1, 0, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]);
});

test('confusion matrix: bad input is rejected with a clear message', () => {
  assert.throws(() => viz.confusionMatrix([0, 1], [0], 2), /2 true labels but 1 predictions/);
  assert.throws(() => viz.confusionMatrix([0, 3], [0, 1], 3), /sample 1 has true label 3/);
  assert.throws(() => viz.confusionMatrix([0], [0.5], 3), /integers in \[0, 3\)/);
  assert.throws(() => viz.confusionMatrix([], [], 0), /positive integer/);
});

test('row normalization: rows sum to 1, empty rows stay 0', () => {
  const r = viz.rowNormalize([
    [1, 3],
    [0, 0],
  ]);
  assert.deepEqual(r, [
    [0.25, 0.75],
    [0, 0],
  ]);
});

test('colour map: dark to bright, strictly increasing luminance, clamped', () => {
  for (const [steps, strict] of [
    [10000, true],
    [64, true],
  ]) {
    let prev = -1;
    for (let i = 0; i <= steps; i++) {
      const rgb = viz.colormap(i / steps);
      for (const c of rgb) assert.ok(c >= 0 && c <= 255);
      const y = viz.luminance(rgb);
      assert.ok(strict ? y > prev : y >= prev, `luminance decreases at t=${i / steps}: ${y} after ${prev}`);
      prev = y;
    }
  }
  assert.ok(viz.luminance(viz.colormap(0)) < 0.02, 'starts dark');
  assert.ok(viz.luminance(viz.colormap(1)) > 0.75, 'ends bright');
  assert.deepEqual(viz.colormap(-3), viz.colormap(0));
  assert.deepEqual(viz.colormap(7), viz.colormap(1));
  assert.deepEqual(viz.colormap(NaN), viz.colormap(0));
});

test('bilinear resize: constant stays constant, values stay in range, symmetric input gives symmetric output', () => {
  const c = viz.bilinearResize(new Float32Array(6).fill(3), 2, 3, 7, 9);
  assert.ok(c.every((v) => Math.abs(v - 3) < 1e-6));
  const src = new Float32Array([0, 1, 1, 0]); // 2x2, anti-diagonal
  const up = viz.bilinearResize(src, 2, 2, 4, 4);
  assert.ok(up.every((v) => v >= 0 && v <= 1));
  assert.equal(up[0], 0); // corners keep the corner values
  assert.equal(up[3], 1);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.ok(Math.abs(up[y * 4 + x] - up[x * 4 + y]) < 1e-6);
  // A 1x2 ramp upsampled to 1x4: pixel centres at 1/4 and 3/4 of a source cell.
  assert.deepEqual([...viz.bilinearResize(new Float32Array([0, 4]), 1, 2, 1, 4)], [0, 1, 3, 4]);
});

test('heat-map overlay: alpha 0 leaves the image, heat colours the hot side', () => {
  const w = 8,
    h = 4;
  const image = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(100) };
  const heat = new Float32Array([0, 1, 0, 1]); // 2x2: right column hot
  const none = viz.heatmapOverlayPixels(image, heat, [2, 2], 0);
  assert.ok(none.every((v, i) => v === (i % 4 === 3 ? 255 : 100)));
  const px = viz.heatmapOverlayPixels(image, heat, [2, 2], 0.8);
  const lum = (x, y) => viz.luminance([px[(y * w + x) * 4], px[(y * w + x) * 4 + 1], px[(y * w + x) * 4 + 2]]);
  assert.ok(lum(w - 1, 1) > lum(0, 1) + 0.1, 'hot side brighter');
  const flat = viz.heatmapOverlayPixels(image, new Float32Array(4).fill(2), [2, 2], 0.5);
  assert.equal(flat[0], flat[(w - 1) * 4], 'constant heat is uniform');
});
