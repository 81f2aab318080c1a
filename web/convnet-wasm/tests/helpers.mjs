// Shared test helpers: synthetic data and the seed models built through the public API.
import * as cw from 'convnet-wasm';

const { layers } = cw;

/** N samples of HxWxC whose class (0/1) is the sign of the pixels, plus a little noise. */
export function twoClassData(n, shape, seed = 1) {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const per = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < per; j++) x[i * per + j] = (y[i] ? 0.5 : -0.5) + (rand() - 0.5);
  }
  return { x: cw.tensor(x, [n, ...shape]), y };
}

/** Seed model A (small residual net), as wasm-tests/fixtures/model-a.json, built with the JS API. */
export function modelA(size = 32, options = {}) {
  const x0 = cw.input({ shape: [size, size, 3] });
  const r = layers.rescaling({ scale: 1 / 255 }).apply(x0);
  let x = layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(r);
  x = layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
  let skip = layers.conv2d({ filters: 32, kernelSize: 1, strides: 2 }).apply(r);
  let prev = layers.add().apply([x, skip]);
  x = layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(prev);
  x = layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
  skip = layers.conv2d({ filters: 64, kernelSize: 1, strides: 2 }).apply(prev);
  prev = layers.add().apply([x, skip]);
  x = layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(prev);
  x = layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  skip = layers.conv2d({ filters: 128, kernelSize: 1 }).apply(prev);
  x = layers.add().apply([x, skip]);
  x = layers.globalAveragePooling2d().apply(x);
  const out = layers.dense({ units: 1, activation: 'sigmoid' }).apply(x);
  return cw.model({ inputs: x0, outputs: out, name: 'model_a', seed: 7, ...options });
}

/** A tiny functional convnet with a residual Add, BN and a separable conv. */
export function tinyFunctional(seed = 3) {
  const x0 = cw.input({ shape: [8, 8, 3] });
  let x = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x0);
  x = layers.batchNormalization().apply(x);
  x = layers.reLU().apply(x);
  const y = layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = layers.add().apply([x, y]);
  x = layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
  x = layers.dropout({ rate: 0.1 }).apply(x);
  const out = layers.dense({ units: 1, activation: 'sigmoid' }).apply(x);
  return cw.model({ inputs: x0, outputs: out, seed });
}

export const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
