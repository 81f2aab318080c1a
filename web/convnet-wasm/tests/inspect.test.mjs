// Inspection for the web app: Grad-CAM heat maps (Model and worker Trainer) and augmentation
// previews (cw.augment), with their errors. The engine's doctest suite checks Grad-CAM against
// a closed form; here: shapes, ranges, that the map follows the evidence, and the JS surface.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';

const { layers } = cw;

before(async () => {
  await cw.init();
});

// Class 1 images are bright in their left half only, class 0 images are dark: after training, the
// class-1 Grad-CAM of the last conv layer should weigh the left half more than the right.
function halfBrightData(n, size) {
  const x = new Float32Array(n * size * size),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) x[(i * size + r) * size + c] = y[i] && c < size / 2 ? 1 : 0;
  }
  return { x: cw.tensor(x, [n, size, size, 1]), y };
}

function camModel() {
  const inputs = cw.input({ shape: [8, 8, 1] });
  let x = layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a' })
    .apply(inputs);
  x = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_b' }).apply(x);
  x = layers.globalAveragePooling2d().apply(x);
  const outputs = layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(x);
  return cw.model({ inputs, outputs, seed: 3 });
}

test('gradCam: [n, H, W] maps in [0, 1] that follow the evidence', async () => {
  const m = camModel();
  try {
    m.compile({
      optimizer: { name: 'adam', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const { x, y } = halfBrightData(32, 8);
    await m.fit(x, y, { epochs: 30, batchSize: 16, shuffle: false });
    assert.ok(m.evaluate(x, y).accuracy > 0.95);
    const cam = m.gradCam('conv_b', x, 1);
    assert.deepEqual(cam.shape, [32, 8, 8]);
    let left = 0,
      right = 0;
    for (let i = 1; i < 32; i += 2) {
      // class-1 images
      const map = cam.data.subarray(i * 64, (i + 1) * 64);
      assert.ok(
        map.every((v) => v >= 0 && v <= 1),
        'values in [0, 1]',
      );
      assert.equal(Math.max(...map), 1, 'each map is scaled to a peak of 1');
      for (let r = 0; r < 8; r++)
        for (let c = 0; c < 8; c++) c < 4 ? (left += map[r * 8 + c]) : (right += map[r * 8 + c]);
    }
    assert.ok(
      left > 2 * right,
      `class-1 evidence is on the left: left ${left.toFixed(2)} vs right ${right.toFixed(2)}`,
    );
    // Inspection leaves training where it was: another epoch still trains.
    const h = await m.fit(x, y, { epochs: 1, batchSize: 16 });
    assert.ok(Number.isFinite(h.history.loss[0]));
  } finally {
    m.dispose();
  }
});

test('gradCam: clear errors for a non-spatial layer, a bad class and a wrong input', () => {
  const m = camModel();
  try {
    const { x } = halfBrightData(2, 8);
    assert.throws(
      () => m.gradCam('out', x, 0),
      /Grad-CAM needs a layer with an HxWxC output, but Dense 'out' outputs 2/,
    );
    assert.throws(() => m.gradCam('conv_b', x, 2), /class index 2 is out of range: the model has 2 classes/);
    assert.throws(() => m.gradCam('conv_b', x, 0.5), /classIndex must be an integer/);
    assert.throws(() => m.gradCam('nope', x, 0), /has no layer named 'nope'/);
    assert.throws(() => m.gradCam('conv_b', cw.tensor(new Float32Array(16), [1, 4, 4, 1]), 0), /takes \[N, 8, 8, 1\]/);
  } finally {
    m.dispose();
  }
});

test('Trainer.gradCam runs in the worker', async () => {
  const trainer = await cw.Trainer.create();
  try {
    const m = camModel();
    const spec = m.toJSON();
    m.dispose();
    await trainer.build(spec, { seed: 3 });
    const { x } = halfBrightData(4, 8);
    const cam = await trainer.gradCam('conv_b', x, 1);
    assert.deepEqual(cam.shape, [4, 8, 8]);
    assert.ok(cam.data.every((v) => v >= 0 && v <= 1));
  } finally {
    trainer.dispose();
  }
});

test('augment: flips flip, each call draws anew, the seed repeats, inputs untouched', () => {
  const n = 16,
    h = 3,
    w = 4;
  const data = Float32Array.from({ length: n * h * w }, (_, i) => i);
  const x = cw.tensor(data.slice(), [n, h, w, 1]);
  const out = cw.augment(x, [layers.randomFlip({ mode: 'horizontal' })], { seed: 5, repeats: 3 });
  assert.deepEqual(out.shape, [3 * n, h, w, 1]);
  let flipped = 0,
    same = 0;
  for (let k = 0; k < 3 * n; k++) {
    const i = k % n;
    const img = out.data.subarray(k * h * w, (k + 1) * h * w);
    const isSame = img.every((v, p) => v === data[i * h * w + p]);
    const isFlip = img.every((v, p) => v === data[i * h * w + Math.floor(p / w) * w + (w - 1 - (p % w))]);
    assert.ok(isSame || isFlip, `image ${k} is the input or its mirror`);
    same += isSame;
    flipped += isFlip;
  }
  assert.ok(same > 0 && flipped > 0, `both outcomes occur (same ${same}, flipped ${flipped})`);
  assert.deepEqual(x.data, data, 'the input is not modified');
  const again = cw.augment(x, [layers.randomFlip({ mode: 'horizontal' })], { seed: 5, repeats: 3 });
  assert.deepEqual(again.data, out.data, 'same seed, same previews');
  const contrast = cw.augment(x, [layers.randomContrast({ factor: 0.5 })], { seed: 1 });
  assert.notDeepEqual(contrast.data, data, 'contrast changes values in training mode');
});

test('augment: clear errors', () => {
  const x = cw.tensor(new Float32Array(2 * 4 * 4 * 3), [2, 4, 4, 3]);
  assert.throws(() => cw.augment(x, []), /non-empty list of augmentation layers/);
  assert.throws(
    () => cw.augment(x, [layers.conv2d({ filters: 2, kernelSize: 1 })]),
    /made only of augmentation layers, but model 'augment' has Conv2D/,
  );
  assert.throws(() => cw.augment(x, [{}]), /item 0 is not a layer/);
  assert.throws(
    () => cw.augment(cw.tensor(new Float32Array(4), [4]), [layers.randomFlip()]),
    /must be a Tensor \[N, H, W, C\]/,
  );
});
