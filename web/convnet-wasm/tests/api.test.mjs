// API shape and argument checks that need no engine: builders, configs, tensors, topology.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cw from 'convnet-wasm';

const { layers } = cw;

test('the package exports the Keras-shaped API', () => {
  for (const f of [
    'init',
    'engineInfo',
    'memory',
    'tensor',
    'stack',
    'imageToInput',
    'input',
    'model',
    'sequential',
    'modelFromJson',
    'loadTfjs',
    'loadTfjsModel',
    'loadTfjsModelFromFile',
    'toTopology',
    'resetLayerNames',
  ]) {
    assert.equal(typeof cw[f], 'function', f);
  }
  for (const c of ['Model', 'Trainer', 'Tensor', 'Layer', 'SymbolicTensor', 'ConvnetError'])
    assert.equal(typeof cw[c], 'function', c);
  // Which builders exist is the engine's layer registry's business: layer-classes.test.mjs
  // checks them against it, so a new layer needs no line here.
  assert.ok(Object.keys(layers).length >= 24);
  for (const [name, builder] of Object.entries(layers)) assert.equal(typeof builder, 'function', name);
  for (const b of ['conv2d', 'dense', 'flatten', 'reshape', 'reLU', 'randomFlip']) assert.ok(b in layers, b);
  for (const m of [
    'compile',
    'fit',
    'evaluate',
    'predict',
    'summary',
    'summaryData',
    'countParams',
    'getWeights',
    'setWeights',
    'layerOutput',
    'dispose',
    'trainOnBatch',
    'setLearningRate',
    'saveTfjs',
    'saveTfjsToDir',
    'loadTfjsWeights',
    'saveCheckpoint',
    'loadCheckpoint',
  ]) {
    assert.equal(typeof cw.Model.prototype[m], 'function', m);
  }
  assert.equal(cw.engineInfo(), null, 'no engine before init()');
});

test('builders emit Keras configs with snake_case keys and Keras-style unique names', () => {
  cw.resetLayerNames();
  const c = layers.conv2d({
    filters: 16,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    useBias: false,
  });
  assert.equal(c.name, 'conv2d');
  assert.equal(layers.conv2d({ filters: 1, kernelSize: [1, 3] }).name, 'conv2d_1');
  assert.deepEqual(c.toJSON(), {
    class_name: 'Conv2D',
    config: {
      name: 'conv2d',
      trainable: true,
      filters: 16,
      kernel_size: [3, 3],
      strides: [2, 2],
      padding: 'same',
      activation: 'relu',
      use_bias: false,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
    },
  });
  assert.equal(layers.reLU().name, 're_lu');
  assert.equal(layers.leakyReLU({ alpha: 0.1 }).config.alpha, 0.1);
  assert.deepEqual(layers.maxPooling2d({ poolSize: 3 }).config.strides, [3, 3], 'strides default to the pool size');
  assert.deepEqual(layers.zeroPadding2d({ padding: [1, 2] }).config.padding, [
    [1, 1],
    [2, 2],
  ]);
  assert.deepEqual(layers.randomFlip({ mode: 'horizontal', seed: 4 }).toJSON().config, {
    name: 'random_flip',
    trainable: true,
    mode: 'horizontal',
    seed: 4,
  });
  assert.deepEqual(layers.randomRotation({ factor: 0.1 }).config, {
    fill_mode: 'reflect',
    interpolation: 'bilinear',
    fill_value: 0,
    factor: 0.1,
    seed: null,
  });
  assert.deepEqual(layers.randomZoom({ heightFactor: [-0.2, 0.1] }).config.width_factor, null);
  assert.deepEqual(
    layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.2, fillMode: 'constant' }).config.fill_mode,
    'constant',
  );
  assert.equal(layers.randomContrast({ factor: 0.2 }).className, 'RandomContrast');
  assert.equal(layers.dense({ units: 3, name: 'logits' }).name, 'logits');
});

test('unknown or mistyped layer options are errors that name the option', () => {
  assert.throws(
    () => layers.conv2d({ filters: 4, kernelSize: 3, filter: 8 }),
    /layers\.conv2d: unknown option 'filter'; known options: filters, kernelSize/,
  );
  assert.throws(() => layers.conv2d({ kernelSize: 3 }), /option 'filters' is required/);
  assert.throws(
    () => layers.conv2d({ filters: 4, kernelSize: 'big' }),
    /option 'kernelSize' must be an integer or \[height, width\]/,
  );
  assert.throws(() => layers.dense({ units: 2.5 }), /option 'units' must be an integer/);
  assert.throws(() => layers.maxPooling2d({ padding: 'full' }), /option 'padding' must be one of 'valid', 'same'/);
  assert.throws(() => layers.dropout({ rate: 0.5, noiseShape: [1] }), /unknown option 'noiseShape'/);
  assert.throws(() => cw.input({ shape: [8, -1, 3] }), /input: shape must be a list of positive integers/);
  assert.throws(() => cw.input({ shape: [8, 8, 3], batchSize: 4 }), /input: unknown option 'batchSize'/);
});

test('apply() builds a symbolic graph; misuse is caught early', () => {
  const x0 = cw.input({ shape: [4, 4, 1] });
  assert.deepEqual(x0.shape, [null, 4, 4, 1]);
  const conv = layers.conv2d({ filters: 2, kernelSize: 1 });
  const a = conv.apply(x0);
  assert.ok(a instanceof cw.SymbolicTensor);
  assert.equal(a.shape, null, 'shapes come from the engine at model()');
  assert.throws(() => conv.apply(x0), /already applied; convnet-wasm does not support shared layers/);
  assert.throws(() => layers.add().apply(a), /needs a list of at least 2 tensors/);
  assert.throws(() => layers.flatten().apply([a, a]), /takes one tensor, got 2/);
  assert.throws(() => layers.flatten().apply(new Float32Array(4)), /apply\(\) takes symbolic tensors/);
  const b = layers.flatten().apply(a);
  assert.throws(() => cw.toTopology({ inputs: a, outputs: b }), /inputs must come from input/);
  assert.throws(() => cw.toTopology({ inputs: [x0, x0], outputs: b }), /exactly one input, got 2/);
  const other = cw.input({ shape: [4, 4, 1] });
  assert.throws(
    () => cw.toTopology({ inputs: other, outputs: b }),
    /depends on input 'input(_\d+)?', which is not the model's input/,
  );
  const t = cw.toTopology({ inputs: x0, outputs: b, name: 'tiny' });
  const j = JSON.parse(t.json);
  assert.equal(j.format, 'layers-model');
  assert.equal(j.modelTopology.class_name, 'Model');
  assert.deepEqual(
    j.modelTopology.config.layers.map((l) => l.class_name),
    ['InputLayer', 'Conv2D', 'Flatten'],
  );
  assert.deepEqual(j.modelTopology.config.layers[2].inbound_nodes, [[[conv.name, 0, 0, {}]]]);
  const s = JSON.parse(cw.toTopology({ layers: [layers.dense({ units: 1, inputShape: [3] })] }).json);
  assert.equal(s.modelTopology.class_name, 'Sequential');
  assert.deepEqual(s.modelTopology.config.layers[0].config.batch_input_shape, [null, 3]);
  assert.throws(
    () => cw.toTopology({ layers: [layers.dense({ units: 1 })] }),
    /first layer 'dense(_\d+)?' needs inputShape/,
  );
  assert.throws(
    () => cw.toTopology({ layers: [cw.input({ shape: [3] }), layers.add()] }),
    /merges tensors and needs the functional API/,
  );
});

test('tensors are float32 (or uint8 pixels) with a checked shape', () => {
  const t = cw.tensor(new Float32Array(6), [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.slice(1).shape, [1, 3]);
  assert.equal(cw.tensor([1, 2, 3]).data.constructor, Float32Array);
  assert.equal(cw.tensor(new Uint8Array(4), [4]).dtype, 'uint8');
  assert.throws(
    () => cw.tensor(new Float64Array(6), [2, 3]),
    /data must be a Float32Array .* got Float64Array: convert it with Float32Array\.from/,
  );
  assert.throws(() => cw.tensor(new Int32Array(6), [6]), /got Int32Array/);
  assert.throws(() => cw.tensor(new Float32Array(5), [2, 3]), /shape \[2, 3\] needs 6 values but the data has 5/);
  const s = cw.stack([
    cw.tensor(new Float32Array(4).fill(1), [1, 2, 2, 1]),
    cw.tensor(new Float32Array(4).fill(2), [1, 2, 2, 1]),
  ]);
  assert.deepEqual(s.shape, [2, 2, 2, 1]);
  assert.deepEqual([...s.data], [1, 1, 1, 1, 2, 2, 2, 2]);
});

test('imageToInput: RGBA bytes to float32 HWC, bilinear resize with half-pixel centers', () => {
  // 2x2 RGBA: red, green / blue, white.
  const data = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
  const same = cw.imageToInput({ data, width: 2, height: 2 });
  assert.deepEqual(same.shape, [1, 2, 2, 3]);
  assert.deepEqual([...same.data], [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const up = cw.imageToInput({ data, width: 2, height: 2 }, { size: [4, 4] });
  assert.deepEqual(up.shape, [1, 4, 4, 3]);
  // tf.image.resize (bilinear, half_pixel_centers): corners keep their colors, row 0 col 1 = 0.75 red + 0.25 green.
  assert.deepEqual([...up.data.subarray(0, 3)], [255, 0, 0]);
  assert.deepEqual([...up.data.subarray(3, 6)], [191.25, 63.75, 0]);
  const gray = cw.imageToInput({ data, width: 2, height: 2 }, { size: [1, 1], channels: 1 });
  assert.ok(Math.abs(gray.data[0] - (0.299 * 127.5 + 0.587 * 127.5 + 0.114 * 127.5)) < 1e-3);
  const out = new Float32Array(2 * 12);
  cw.imageToInput({ data, width: 2, height: 2 }, { out, offset: 12 });
  assert.equal(out[12], 255);
  assert.throws(
    () => cw.imageToInput({ data: data.subarray(1), width: 2, height: 2 }),
    /2x2 RGBA needs 16 bytes, got 15/,
  );
  assert.throws(() => cw.imageToInput(new Float32Array(4)), /expected ImageData, ImageBitmap or/);
});

test('engine calls before init() say so', () => {
  const x0 = cw.input({ shape: [2] });
  assert.throws(
    () => cw.model({ inputs: x0, outputs: layers.dense({ units: 1 }).apply(x0) }),
    /not initialized: call `await init\(\)`/,
  );
});
