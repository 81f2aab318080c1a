// The one training loop: fitDataset over batch sources (sync and async, uint8 and float32), the
// same batches as fit() on tensors, TrainingControl pause/resume/stop, option validation, the
// inference export (no augmentation layers, metadata) and the worker Trainer keeping control of
// a running fit when a second fit is refused.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { tinyFunctional, twoClassData } from './helpers.mjs';

before(async () => {
  await cw.init();
});

function arraySource(x, y, { async = false, uint8 = false } = {}) {
  const per = x.data.length / x.shape[0];
  const data = uint8 ? Uint8Array.from(x.data, (v) => Math.round(v * 255)) : x.data;
  const calls = [];
  const source = {
    length: x.shape[0],
    batch(idx) {
      calls.push(Array.from(idx));
      const bx = new data.constructor(idx.length * per),
        by = new Float32Array(idx.length);
      idx.forEach((k, i) => {
        bx.set(data.subarray(k * per, (k + 1) * per), i * per);
        by[i] = y[k];
      });
      return async ? new Promise((r) => setTimeout(() => r({ x: bx, y: by }), 1)) : { x: bx, y: by };
    },
  };
  return { source, calls };
}

test('fitDataset on a batch source trains bit-identically to fit on the same tensors (sync and async sources)', async () => {
  const { x, y } = twoClassData(40, [8, 8, 3]);
  const losses = async (run) => {
    const m = tinyFunctional(5);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const seen = [];
    await run(m, { onBatchEnd: (_, l) => seen.push(l.loss) });
    m.dispose();
    return seen;
  };
  const a = await losses((m, callbacks) => m.fit(x, y, { epochs: 3, batchSize: 8, callbacks }));
  const b = await losses((m, callbacks) =>
    m.fitDataset(arraySource(x, y).source, { epochs: 3, batchSize: 8, callbacks }),
  );
  const c = await losses((m, callbacks) =>
    m.fitDataset(arraySource(x, y, { async: true }).source, { epochs: 3, batchSize: 8, callbacks }),
  );
  assert.equal(a.length, 15);
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test('the loop owns a seeded shuffle: each epoch is a permutation fixed by (seed, epoch); uint8 sources work', async () => {
  const { x, y } = twoClassData(20, [8, 8, 3]);
  const m = tinyFunctional(5);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { source, calls } = arraySource(x, y, { uint8: true });
  await m.fitDataset(source, { epochs: 2, batchSize: 6 });
  const e0 = calls.slice(0, 4).flat(),
    e1 = calls.slice(4, 8).flat();
  assert.deepEqual(
    [...e0].sort((p, q) => p - q),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.notDeepEqual(e0, e1);
  assert.deepEqual(e0, Array.from(cw.epochOrder(m.seed, 0, 20)));
  assert.deepEqual(e1, Array.from(cw.epochOrder(m.seed, 1, 20)));
  m.dispose();
});

test('a source that returns the wrong size or type is named in the error', async () => {
  const m = tinyFunctional(5);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const bad = {
    length: 8,
    batch: (idx) => ({ x: new Float32Array(idx.length * 10), y: new Float32Array(idx.length) }),
  };
  await assert.rejects(
    m.fitDataset(bad, { batchSize: 4 }),
    /fit: epoch 1, batch 1: batch x has 40 values; 4 samples of 192 need 768/,
  );
  await assert.rejects(m.fitDataset({ length: 0, batch: () => null }), /training data has no samples/);
  await assert.rejects(m.fitDataset([1, 2, 3]), /source must be a batch source/);
  m.dispose();
});

test('TrainingControl: pause holds the loop, paused time is left out of the epoch time, stop ends it after the batch', async () => {
  const { x, y } = twoClassData(64, [8, 8, 3]);
  const m = tinyFunctional(5);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const control = new cw.TrainingControl();
  const states = [];
  control.onChange((s) => states.push(s));
  let batches = 0;
  const epochs = [];
  const run = m.fit(x, y, {
    epochs: 3,
    batchSize: 8,
    control,
    callbacks: {
      onBatchEnd: (b, logs) => {
        batches++;
        if (logs.epoch === 0 && b === 2) control.pause();
        if (logs.epoch === 1 && b === 3) control.stop();
      },
      onEpochEnd: (e, logs) => epochs.push(logs),
    },
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(control.state, 'paused');
  assert.equal(batches, 3, 'no batch runs while paused');
  control.resume();
  const h = await run;
  assert.ok(epochs[0].seconds < 0.25, `epoch 1 took ${epochs[0].seconds} s though it was paused for 0.3 s`);
  assert.equal(batches, 8 + 4);
  assert.equal(h.stopped, true);
  assert.equal(epochs[1].stopped, true);
  assert.equal(m.epochsTrained, 1, 'a stopped epoch does not count as trained');
  assert.deepEqual(states, ['training', 'paused', 'training', 'stopping', 'idle']);
  assert.equal(control.state, 'idle');
  m.dispose();
});

test('fit options are validated: initialEpoch, epochs, batchSize; compile rejects NaN, negative and infinite rates', async () => {
  const { x, y } = twoClassData(8, [8, 8, 3]);
  const m = tinyFunctional(5);
  for (const lr of [NaN, -0.01, Infinity, 0]) {
    assert.throws(
      () => m.compile({ optimizer: { name: 'adam', learningRate: lr }, loss: 'binaryCrossentropy' }),
      /compile: optimizer learningRate must be a finite number in \(0, Infinity\)/,
    );
  }
  assert.throws(
    () => m.compile({ optimizer: { name: 'sgd', momentum: NaN }, loss: 'binaryCrossentropy' }),
    /optimizer momentum must be a finite number in \[0, 1\), got NaN/,
  );
  m.compile({ optimizer: { name: 'sgd', learningRate: 0.01 }, loss: 'binaryCrossentropy' });
  await assert.rejects(
    m.fit(x, y, { initialEpoch: NaN }),
    /fit: initialEpoch must be a non-negative integer .* got NaN/,
  );
  await assert.rejects(
    m.fit(x, y, { initialEpoch: '3' }),
    /fit: initialEpoch must be a non-negative integer .* got '3'/,
  );
  await assert.rejects(m.fit(x, y, { epochs: 1.5 }), /fit: epochs must be a non-negative integer/);
  await assert.rejects(m.fit(x, y, { batchSize: 0 }), /fit: batchSize must be a positive integer/);
  m.dispose();
});

test('new Tensor(data, shape) checks that the data fills the shape', () => {
  assert.throws(
    () => new cw.Tensor(new Float32Array(10), [1, 8, 8, 3]),
    /Tensor: shape \[1, 8, 8, 3\] needs 192 values, got 10/,
  );
  assert.throws(() => new cw.Tensor([1, 2], [2]), /Tensor: data must be a Float32Array/);
  assert.equal(new cw.Tensor(new Uint8Array(6), [2, 3]).dtype, 'uint8');
});

test('saveTfjs exports an inference model TF.js 4.22 loads: augmentation left out, metadata carried both ways', async () => {
  const { layers } = cw;
  cw.resetLayerNames();
  const inp = cw.input({ shape: [8, 8, 3] });
  let t = layers.randomFlip({ mode: 'horizontal', seed: 1 }).apply(inp);
  t = layers.randomRotation({ factor: 0.1, seed: 2 }).apply(t);
  t = layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(t);
  const skip = layers.randomZoom({ heightFactor: 0.1, seed: 3 }).apply(t);
  t = layers.add().apply([t, skip]);
  t = layers.globalAveragePooling2d().apply(t);
  const out = layers.dense({ units: 3, activation: 'softmax' }).apply(t);
  const m = cw.model({ inputs: inp, outputs: out, seed: 4 });
  m.metadata = { labels: ['a', 'b', 'c'] };
  const a = await m.saveTfjs({ metadata: { imageSize: 8 } });
  const classes = a.modelJson.modelTopology.config.layers.map((l) => l.class_name);
  assert.ok(!classes.some((c) => /^Random/.test(c)), classes.join(','));
  assert.deepEqual(a.modelJson.userDefinedMetadata, { labels: ['a', 'b', 'c'], imageSize: 8 });
  const full = await m.saveTfjs({ includeAugmentation: true });
  assert.equal(full.modelJson.modelTopology.config.layers.filter((l) => /^Random/.test(l.class_name)).length, 3);
  const back = await cw.loadTfjsModel(a);
  assert.deepEqual(back.metadata, { labels: ['a', 'b', 'c'], imageSize: 8 });
  const { x } = twoClassData(5, [8, 8, 3]);
  const ours = m.predict(x).data;
  assert.deepEqual(Array.from(back.predict(x).data), Array.from(ours));
  // TF.js itself loads the export (it knows no Random* layer) and predicts the same.
  const require = createRequire(import.meta.url);
  const quiet = [console.warn, console.log];
  console.warn = console.log = () => {};
  let tf;
  try {
    const core = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    tf = { ...core, ...require('@tensorflow/tfjs-layers'), io: core.io };
  } finally {
    [console.warn, console.log] = quiet;
  }
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(a));
  const theirs = loaded.predict(tf.tensor4d(x.data, x.shape)).dataSync();
  for (let i = 0; i < ours.length; i++)
    assert.ok(
      Math.abs(theirs[i] - ours[i]) <= 1e-5 * Math.max(1, Math.abs(ours[i])),
      `output ${i}: ${theirs[i]} vs ${ours[i]}`,
    );
  m.dispose();
  back.dispose();
});

test('worker Trainer: a refused second fit leaves the running fit under control (stop still works)', async () => {
  const trainer = await cw.Trainer.create();
  try {
    cw.resetLayerNames();
    await trainer.build(tinyFunctional(5).toJSON());
    await trainer.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const { x, y } = twoClassData(64, [8, 8, 3]);
    let batches = 0;
    const first = trainer.fit(x, y, {
      epochs: 200,
      batchSize: 4,
      callbacks: {
        onBatchEnd: () => {
          batches++;
        },
      },
    });
    while (batches < 2) await new Promise((r) => setTimeout(r, 10));
    await assert.rejects(trainer.fit(x, y, { epochs: 1 }), /a fit is already running/);
    assert.equal(trainer.state, 'training');
    await trainer.stop();
    const h = await first;
    assert.equal(h.stopped, true);
    assert.ok(h.epoch.length < 200, `${h.epoch.length} epochs ran after stop()`);
  } finally {
    trainer.dispose();
  }
});
