#!/usr/bin/env node
// Transfer-learning fixtures (issue 15), generated with TF.js 4.22 (tfjs-core, -layers and
// -backend-cpu, the package's devDependencies) in Node. Nothing is downloaded: the weights are
// random, drawn from a seeded PRNG, so the same run writes the same bytes.
//
//   node tests/transfer/make-fixtures.mjs [outDir]      (default: tests/transfer/out/)
//   npm run fixtures:transfer
//
// Fixtures (one directory each: model.json + weights.bin + expected.json):
//   mobilenet_v1_0.25_128   Keras MobileNet V1 (alpha 0.25, 128x128x3, include_top, 10 classes)
//   mobilenet_v2_0.35_96    Keras MobileNetV2 (alpha 0.35, 96x96x3, include_top, 10 classes)
//   tm_image_v2_0.35_96     a Teachable-Machine-shaped image export: Sequential[ Sequential[
//                           truncated MobileNetV2 (functional, cut at out_relu), GAP ],
//                           Sequential[ Dense 100 relu, Dense 3 softmax no bias ] ] + metadata.json
//   separable_dm2           SeparableConv2D with depth_multiplier 2, as TF.js saves it
//
// The layer names are Keras's (conv1, conv_dw_1, conv_pad_2, block_1_expand, out_relu, ...), so
// tests can cut at named layers. Every BatchNormalization gets random gamma/beta and moving
// statistics near (not equal to) the batch statistics of calibration images, so inference-mode
// BN is visible in the outputs and activations neither vanish nor saturate.
//
// expected.json holds the test images (already in MobileNet's [-1, 1] range) as base64 float32
// (little-endian), TF.js's model.predict outputs (base64, plus plain numbers when small), some
// intermediate layer outputs for cut tests, TF.js's parameter counts, and whether TF.js itself
// reloads the written files with the same predictions.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const outRoot = resolve(process.argv[2] ?? join(here, 'out'));

// tfjs-backend-cpu prints an "install tfjs-node for speed" notice on its first tensor.
const quiet = async (fn) => {
  const { warn, log } = console;
  console.warn = console.log = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.log = log;
  }
};
const tf = await quiet(async () => {
  const core = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const layers = require('@tensorflow/tfjs-layers');
  await core.setBackend('cpu');
  await core.ready();
  core.tensor([0]).dispose(); // the notice comes with the backend's first write
  return { ...core, ...layers, io: core.io, layers: layers.layers };
});
const L = tf.layers;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32: 32-bit state, same sequence everywhere).
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniform = (rand, n, lo, hi) => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
};

// Images in [-1, 1]: a smooth random colour gradient plus some noise, so neighbouring pixels
// are correlated as in photos (pure noise would average out in the pooling).
function images(rand, n, size) {
  const data = new Float32Array(n * size * size * 3);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const coef = Array.from({ length: 3 }, () => [rand() * 2 - 1, rand() * 2 - 1, rand() * 6, rand() * 6]);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          const [a, b, fx, fy] = coef[c];
          const u = x / size,
            v = y / size;
          const val = 0.5 * a * Math.sin(fx * u + b) + 0.4 * Math.cos(fy * v - a) + 0.3 * (rand() * 2 - 1);
          data[k++] = Math.max(-1, Math.min(1, val));
        }
      }
    }
  }
  return tf.tensor4d(data, [n, size, size, 3]);
}

// ---------------------------------------------------------------------------------------------
// Keras MobileNet V1 (keras.applications.MobileNet, include_top=True).
function mobilenetV1({ alpha, size, classes, dropout = 1e-3 }) {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const bn = (name) => L.batchNormalization({ axis: -1, name });
  let x = L.conv2d({
    filters: Math.trunc(32 * alpha),
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    useBias: false,
    name: 'conv1',
  }).apply(input);
  x = bn('conv1_bn').apply(x);
  x = L.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x);
  const block = (x, filters, id, stride = 1) => {
    if (stride !== 1)
      x = L.zeroPadding2d({
        padding: [
          [0, 1],
          [0, 1],
        ],
        name: `conv_pad_${id}`,
      }).apply(x);
    x = L.depthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 1,
      strides: stride,
      padding: stride === 1 ? 'same' : 'valid',
      useBias: false,
      name: `conv_dw_${id}`,
    }).apply(x);
    x = bn(`conv_dw_${id}_bn`).apply(x);
    x = L.reLU({ maxValue: 6, name: `conv_dw_${id}_relu` }).apply(x);
    x = L.conv2d({
      filters: Math.trunc(filters * alpha),
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      name: `conv_pw_${id}`,
    }).apply(x);
    x = bn(`conv_pw_${id}_bn`).apply(x);
    return L.reLU({ maxValue: 6, name: `conv_pw_${id}_relu` }).apply(x);
  };
  const plan = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [512, 2],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [1024, 2],
    [1024, 1],
  ];
  plan.forEach(([f, s], i) => {
    x = block(x, f, i + 1, s);
  });
  const channels = Math.trunc(1024 * alpha);
  x = L.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
  x = L.reshape({ targetShape: [1, 1, channels], name: 'reshape_1' }).apply(x);
  x = L.dropout({ rate: dropout, name: 'dropout' }).apply(x);
  x = L.conv2d({ filters: classes, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x);
  x = L.reshape({ targetShape: [classes], name: 'reshape_2' }).apply(x);
  x = L.activation({ activation: 'softmax', name: 'predictions' }).apply(x);
  return tf.model({ inputs: input, outputs: x, name: `mobilenet_${alpha.toFixed(2)}_${size}` });
}

// Keras's _make_divisible (channel rounding of MobileNetV2).
function makeDivisible(v, divisor = 8) {
  let n = Math.max(divisor, Math.trunc(v + divisor / 2) - (Math.trunc(v + divisor / 2) % divisor));
  if (n < 0.9 * v) n += divisor;
  return n;
}

// Keras MobileNetV2 (keras.applications.MobileNetV2); includeTop=false ends at out_relu.
function mobilenetV2({ alpha, size, classes, includeTop = true }) {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const bn = (name) => L.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name });
  // imagenet_utils.correct_pad for a 3x3 kernel
  const correctPad = (t) => {
    const [h, w] = t.shape.slice(1, 3);
    return [
      [1 - (1 - (h % 2)), 1],
      [1 - (1 - (w % 2)), 1],
    ];
  };
  let x = L.conv2d({
    filters: makeDivisible(32 * alpha),
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    useBias: false,
    name: 'Conv1',
  }).apply(input);
  x = bn('bn_Conv1').apply(x);
  x = L.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x);
  const block = (inputs, expansion, stride, filters, id) => {
    const inChannels = inputs.shape[3];
    const outChannels = makeDivisible(Math.trunc(filters * alpha));
    let prefix = `block_${id}_`;
    let x = inputs;
    if (id) {
      x = L.conv2d({
        filters: expansion * inChannels,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        name: `${prefix}expand`,
      }).apply(x);
      x = bn(`${prefix}expand_BN`).apply(x);
      x = L.reLU({ maxValue: 6, name: `${prefix}expand_relu` }).apply(x);
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) x = L.zeroPadding2d({ padding: correctPad(x), name: `${prefix}pad` }).apply(x);
    x = L.depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      useBias: false,
      padding: stride === 1 ? 'same' : 'valid',
      name: `${prefix}depthwise`,
    }).apply(x);
    x = bn(`${prefix}depthwise_BN`).apply(x);
    x = L.reLU({ maxValue: 6, name: `${prefix}depthwise_relu` }).apply(x);
    x = L.conv2d({
      filters: outChannels,
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      name: `${prefix}project`,
    }).apply(x);
    x = bn(`${prefix}project_BN`).apply(x);
    if (inChannels === outChannels && stride === 1) return L.add({ name: `${prefix}add` }).apply([inputs, x]);
    return x;
  };
  // [filters, stride, expansion] for block 0..16
  const plan = [
    [16, 1, 1],
    [24, 2, 6],
    [24, 1, 6],
    [32, 2, 6],
    [32, 1, 6],
    [32, 1, 6],
    [64, 2, 6],
    [64, 1, 6],
    [64, 1, 6],
    [64, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [160, 2, 6],
    [160, 1, 6],
    [160, 1, 6],
    [320, 1, 6],
  ];
  plan.forEach(([f, s, e], id) => {
    x = block(x, e, s, f, id);
  });
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = L.conv2d({ filters: last, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x);
  x = bn('Conv_1_bn').apply(x);
  x = L.reLU({ maxValue: 6, name: 'out_relu' }).apply(x);
  if (includeTop) {
    x = L.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
    x = L.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x);
  }
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${size}` });
}

// ---------------------------------------------------------------------------------------------
// Weights: every variable drawn from the PRNG (He-uniform kernels, small biases, BN gamma/beta
// around 1/0), then the BN moving statistics calibrated layer by layer (in topological order,
// so each BN sees its already-calibrated predecessors) from a calibration batch, perturbed.

/** All leaf (non-container) layers of a model, nested models flattened, in topological order. */
function leafLayers(model) {
  const out = [];
  for (const layer of model.layers) {
    if (layer.layers) out.push(...leafLayers(layer));
    else out.push(layer);
  }
  return out;
}

function randomizeWeights(model, rand) {
  for (const layer of leafLayers(model)) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const names = layer.weights.map((w) => w.originalName ?? w.name);
    const fresh = ws.map((w, i) => {
      const n = w.size,
        shape = w.shape,
        name = names[i];
      let data;
      if (/moving_mean$/.test(name)) data = new Float32Array(n);
      else if (/moving_variance$/.test(name)) data = new Float32Array(n).fill(1);
      else if (/gamma$/.test(name)) data = uniform(rand, n, 0.6, 1.4);
      else if (/beta$/.test(name)) data = uniform(rand, n, -0.3, 0.3);
      else if (/bias$/.test(name)) data = uniform(rand, n, -0.1, 0.1);
      else {
        // kernels: fan-in is every dimension but the last (depthwise: the kernel window only)
        const depthwise = /depthwise_kernel$/.test(name);
        const fanIn = depthwise ? shape[0] * shape[1] : shape.slice(0, -1).reduce((a, b) => a * b, 1);
        const lim = Math.sqrt(6 / fanIn);
        data = uniform(rand, n, -lim, lim);
      }
      return tf.tensor(data, shape);
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

/**
 * Sets each BatchNormalization's moving mean/variance near the statistics of its input on the
 * calibration batch. One forward pass, layer by layer in topological order (each BN sees its
 * already-calibrated predecessors); nested Sequentials are walked, functional models run
 * node by node.
 */
function calibrateBatchNorm(model, calib, rand) {
  const calibrateOne = (layer, feats) => {
    const { mean, variance } = tf.moments(feats, [0, 1, 2]);
    const mu = mean.dataSync(),
      va = variance.dataSync();
    const c = mu.length;
    const mm = new Float32Array(c),
      mv = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const sd = Math.sqrt(va[i]) + 1e-3;
      mm[i] = mu[i] + 0.2 * sd * (rand() * 2 - 1);
      mv[i] = Math.max(va[i], 1e-3) * (1 + rand());
    }
    const [gamma, beta] = layer.getWeights(); // the live variables: not disposed here
    const mmT = tf.tensor(mm, [c]),
      mvT = tf.tensor(mv, [c]);
    layer.setWeights([gamma, beta, mmT, mvT]);
    tf.dispose([mean, variance, mmT, mvT]);
  };
  const run = (m, x) => {
    if (m.getClassName() === 'Sequential') {
      let h = x;
      for (const layer of m.layers) {
        const next = layer.layers ? run(layer, h) : step(layer, h);
        if (h !== x) h.dispose();
        h = next;
      }
      return h;
    }
    // functional: every layer once, inputs looked up by symbolic tensor id
    const vals = new Map([[m.inputs[0].id, x]]);
    for (const layer of m.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const node = layer.inboundNodes[0];
      const ins = node.inputTensors.map((t) => vals.get(t.id));
      const out = layer.layers ? run(layer, ins[0]) : step(layer, ins.length === 1 ? ins[0] : ins);
      vals.set(node.outputTensors[0].id, out);
    }
    const result = vals.get(m.outputs[0].id);
    for (const t of vals.values()) if (t !== x && t !== result) t.dispose();
    return result;
  };
  const step = (layer, h) => {
    if (layer.getClassName() === 'BatchNormalization') calibrateOne(layer, h);
    return layer.apply(h, { training: false });
  };
  run(model, calib).dispose();
}

// ---------------------------------------------------------------------------------------------
// Output: model.json + weights.bin through a custom IOHandler, TF.js's layers format.

async function saveModel(model, dir) {
  let artifacts;
  await model.save({
    save: async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    },
  });
  const weightData = Array.isArray(artifacts.weightData)
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : artifacts.weightData;
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(modelJson);
  writeFileSync(join(dir, 'model.json'), text);
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weightData));
  return { modelJson, weightData, jsonBytes: text.length, weightBytes: weightData.byteLength };
}

const b64 = (f32) => Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
function blob(t, plainLimit = 200) {
  const data = Float32Array.from(t.dataSync());
  const out = { shape: t.shape, dtype: 'float32', encoding: 'base64-float32-le', base64: b64(data) };
  if (data.length <= plainLimit) out.values = Array.from(data);
  return out;
}
const sizeOf = (ws) => ws.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);

function maxRelErr(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-6));
  }
  return worst;
}

/** Reloads the written files with TF.js itself: does it load, and predict the same? */
async function tfjsReload(saved, x, want) {
  try {
    const m = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: saved.modelJson.modelTopology,
        weightSpecs: saved.modelJson.weightsManifest[0].weights,
        weightData: saved.weightData,
      }),
    );
    const y = m.predict(x);
    const err = maxRelErr(y.dataSync(), want);
    y.dispose();
    m.dispose();
    return { loads: true, maxRelErr: err };
  } catch (e) {
    return { loads: false, error: String(e?.message ?? e) };
  }
}

async function writeFixture(name, model, { seed, size, cuts = [], extra = {}, calibrate = true }) {
  const t0 = performance.now();
  const rand = prng(seed);
  randomizeWeights(model, rand);
  if (calibrate) {
    const calib = images(prng(seed + 1000), 4, size);
    calibrateBatchNorm(model, calib, rand);
    calib.dispose();
  }
  const dir = join(outRoot, name);
  const saved = await saveModel(model, dir);
  const x = images(prng(seed + 2000), 3, size);
  const y = model.predict(x);
  const want = Float32Array.from(y.dataSync());
  const intermediate = {};
  for (const cut of cuts) {
    const key = typeof cut === 'string' ? cut : cut.name;
    // a named layer's output through a sub-model; or cut.predict (a nested model's own predict)
    const out =
      typeof cut === 'string'
        ? tf.model({ inputs: model.inputs, outputs: model.getLayer(cut).output }).predict(x)
        : cut.predict(x);
    intermediate[key] = blob(out, 0);
    out.dispose();
  }
  const params = {
    total: model.countParams(),
    trainable: sizeOf(model.trainableWeights),
    nonTrainable: sizeOf(model.nonTrainableWeights),
  };
  const reload = await tfjsReload(saved, x, want);
  const expected = {
    fixture: name,
    generatedBy: `make-fixtures.mjs with TensorFlow.js ${tf.version_core} (tfjs-layers ${tf.version_layers}), cpu backend`,
    seed,
    inputRange: [-1, 1],
    input: blob(x, 0),
    output: blob(y),
    intermediate,
    params,
    tfjsReload: reload,
    ...extra,
  };
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected, null, 1));
  tf.dispose([x, y]);
  const ms = performance.now() - t0;
  console.log(
    `${name}: ${leafLayers(model).length} layers, params ${params.total} (trainable ${params.trainable}, ` +
      `non-trainable ${params.nonTrainable}), model.json ${saved.jsonBytes} B, weights.bin ${saved.weightBytes} B, ` +
      `TF.js reload: ${reload.loads ? `ok, max rel err ${reload.maxRelErr.toExponential(2)}` : `FAILS: ${reload.error}`}, ${ms.toFixed(0)} ms`,
  );
  return expected;
}

// ---------------------------------------------------------------------------------------------
const started = performance.now();
mkdirSync(outRoot, { recursive: true });

// a. MobileNet V1
{
  const m = mobilenetV1({ alpha: 0.25, size: 128, classes: 10 });
  await writeFixture('mobilenet_v1_0.25_128', m, {
    seed: 101,
    size: 128,
    cuts: ['conv_pw_13_relu', 'global_average_pooling2d'],
    extra: { classes: 10, cutForHead: 'conv_pw_13_relu' },
  });
  m.dispose();
}

// b. MobileNet V2
{
  const m = mobilenetV2({ alpha: 0.35, size: 96, classes: 10 });
  await writeFixture('mobilenet_v2_0.35_96', m, {
    seed: 202,
    size: 96,
    cuts: ['out_relu', 'block_13_expand_relu', 'block_16_project_BN'],
    extra: { classes: 10, cutForHead: 'out_relu' },
  });
  m.dispose();
}

// c. Teachable-Machine-shaped image export (TM's layout: the MobileNetV2 0.35 no-top checkpoint
// cut at out_relu, wrapped with GAP in a Sequential; a Sequential dense head; both inside a
// Sequential). TM uses 224 px; 96 px keeps the tests fast. Names follow TF.js's automatic ones.
{
  const size = 96,
    labels = ['Class 1', 'Class 2', 'Class 3'];
  const base = mobilenetV2({ alpha: 0.35, size, includeTop: false });
  const truncated = tf.model({ inputs: base.inputs, outputs: base.getLayer('out_relu').output, name: 'model1' });
  const backbone = tf.sequential({ name: 'sequential_1' });
  backbone.add(truncated);
  backbone.add(L.globalAveragePooling2d({ name: 'global_average_pooling2d_GlobalAveragePooling2D1' }));
  const features = backbone.outputs[0].shape[1];
  const head = tf.sequential({
    name: 'sequential_3',
    layers: [
      L.dense({ inputShape: [features], units: 100, activation: 'relu', useBias: true, name: 'dense_Dense1' }),
      L.dense({ units: labels.length, activation: 'softmax', useBias: false, name: 'dense_Dense2' }),
    ],
  });
  const joint = tf.sequential({ name: 'sequential_4' });
  joint.add(backbone);
  joint.add(head);
  const dir = join(outRoot, 'tm_image_v2_0.35_96');
  await writeFixture('tm_image_v2_0.35_96', joint, {
    seed: 303,
    size,
    cuts: [
      { name: 'model1', predict: (x) => truncated.predict(x) },
      { name: 'sequential_1', predict: (x) => backbone.predict(x) },
    ],
    extra: {
      classes: labels.length,
      labels,
      cutForHead: 'sequential_1',
      nested: ['sequential_1', 'model1', 'sequential_3'],
    },
  });
  const metadata = {
    tfjsVersion: tf.version_core,
    tmVersion: '2.4.10',
    packageVersion: '0.8.4-alpha2',
    packageName: '@teachablemachine/image',
    timeStamp: '2026-01-01T00:00:00.000Z',
    userMetadata: {},
    modelName: 'tm-my-image-model',
    labels,
    imageSize: size,
  };
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify(metadata));
  joint.dispose();
}

// d. SeparableConv2D with depth_multiplier 2, saved by TF.js. Records whether TF.js's own
// getConfig keeps depth_multiplier, and whether TF.js reloads what it wrote.
{
  const input = tf.input({ shape: [16, 16, 3], name: 'input_1' });
  let x = L.separableConv2d({ filters: 8, kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'sep_dm2' }).apply(
    input,
  );
  x = L.batchNormalization({ name: 'sep_dm2_bn' }).apply(x);
  x = L.reLU({ name: 'sep_dm2_relu' }).apply(x);
  x = L.globalAveragePooling2d({ name: 'gap' }).apply(x);
  x = L.dense({ units: 3, activation: 'softmax', name: 'predictions' }).apply(x);
  const m = tf.model({ inputs: input, outputs: x, name: 'separable_dm2' });
  const sep = m.getLayer('sep_dm2');
  const config = sep.getConfig();
  const finding = {
    layer: 'sep_dm2 (SeparableConv2D, depthMultiplier: 2)',
    depthwiseKernelShape: sep.depthwiseKernel.shape,
    pointwiseKernelShape: sep.pointwiseKernel.shape,
    getConfigHasDepthMultiplier: 'depthMultiplier' in config,
    getConfigKeys: Object.keys(config),
  };
  const ex = await writeFixture('separable_dm2', m, { seed: 404, size: 16, extra: { classes: 3 } });
  const savedCfg = JSON.parse(JSON.stringify(m.toJSON(null, false))).config.layers.find(
    (l) => l.name === 'sep_dm2',
  ).config;
  finding.savedConfigHasDepthMultiplier = 'depth_multiplier' in savedCfg;
  finding.tfjsReload = ex.tfjsReload;
  // rewrite expected.json with the finding
  const { readFileSync } = await import('node:fs');
  const file = join(outRoot, 'separable_dm2', 'expected.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.depthMultiplierFinding = finding;
  writeFileSync(file, JSON.stringify(doc, null, 1));
  console.log(
    `separable_dm2: getConfig has depthMultiplier: ${finding.getConfigHasDepthMultiplier}; ` +
      `model.json has depth_multiplier: ${finding.savedConfigHasDepthMultiplier}; depthwise kernel ${JSON.stringify(finding.depthwiseKernelShape)}; ` +
      `TF.js reloads its own save: ${finding.tfjsReload.loads ? 'yes' : `no (${finding.tfjsReload.error})`}`,
  );
  m.dispose();
}

console.log(`fixtures written to ${outRoot} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
