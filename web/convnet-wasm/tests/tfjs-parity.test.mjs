// Parity with TF.js itself: our saveTfjs() output loads in tfjs-layers 4.22 through
// tf.io.fromMemory, and TF.js (CPU backend) predicts what we predict. Skipped when the
// @tensorflow devDependencies are not installed (e.g. npm ci --omit=dev).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { modelA, twoClassData } from './helpers.mjs';

const require = createRequire(import.meta.url);
let tf = null;
const warn = console.warn,
  log = console.log;
console.warn = console.log = () => {}; // tfjs-core's "install tfjs-node for speed" notice
try {
  const core = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const tfl = require('@tensorflow/tfjs-layers');
  tf = { ...core, ...tfl, io: core.io };
} catch {
  tf = null;
} finally {
  console.warn = warn;
  console.log = log;
}
const skip = tf ? false : '@tensorflow/tfjs-core, -layers and -backend-cpu 4.22.0 are not installed';

before(async () => {
  await cw.init();
  if (tf) {
    const warn = console.warn;
    console.warn = () => {}; // tfjs-core's "install tfjs-node for speed" notice
    try {
      await tf.setBackend('cpu');
      await tf.ready();
    } finally {
      console.warn = warn;
    }
  }
});

function assertClose(actual, want, rel, what) {
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = rel * Math.max(Math.abs(want[i]), 1e-6);
    assert.ok(Math.abs(actual[i] - want[i]) <= tol, `${what} ${i}: ours ${actual[i]} vs TF.js ${want[i]}`);
  }
}

async function tfjsPredict(artifacts, x) {
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts)); // saveTfjs()'s result as it is
  const input = tf.tensor(x.data, x.shape, 'float32');
  const out = loaded.predict(input);
  const data = await out.data();
  tf.dispose([input, out]);
  loaded.dispose();
  return Float32Array.from(data);
}

test('TF.js loads saveTfjs() of seed model A (tf.io.fromMemory) and predicts the same', { skip }, async () => {
  const m = modelA(32);
  // Pixels 0..255 in [4, 32, 32, 3]; train a little so the weights are not just the initializers.
  const n = 4 * 32 * 32 * 3;
  const px = new Float32Array(n);
  for (let i = 0; i < n; i++) px[i] = (i * 37) % 255;
  const x = cw.tensor(px, [4, 32, 32, 3]);
  m.compile({ optimizer: { name: 'adam', learningRate: 1e-3 }, loss: 'binaryCrossentropy' });
  m.trainOnBatch(x, [0, 1, 0, 1]);
  const ours = m.predict(x).data;
  const theirs = await tfjsPredict(await m.saveTfjs(), x);
  assertClose(ours, theirs, 1e-4, 'prediction');
  m.dispose();
});

test('TF.js parity with BatchNormalization, separable and depthwise convs, pooling, softmax', { skip }, async () => {
  const { layers } = cw;
  const x0 = cw.input({ shape: [12, 12, 3] });
  let x = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x0);
  x = layers.batchNormalization().apply(x);
  x = layers.activation({ activation: 'relu' }).apply(x);
  const y = layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = layers.add().apply([x, y]);
  x = layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid' }).apply(x);
  x = layers.averagePooling2d({ poolSize: 2 }).apply(x);
  x = layers.flatten().apply(x);
  const out = layers.dense({ units: 3, activation: 'softmax' }).apply(x);
  const m = cw.model({ inputs: x0, outputs: out, seed: 5 });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const { x: data } = twoClassData(6, [12, 12, 3], 9);
  await m.fit(data, [0, 1, 2, 0, 1, 2], { epochs: 2, batchSize: 3 }); // BN moving statistics change
  const theirs = await tfjsPredict(await m.saveTfjs(), data);
  assertClose(m.predict(data).data, theirs, 1e-4, 'prediction');
  m.dispose();
});
