// Models on the default engine under Node (the threaded build): building, training, summary,
// errors, weights, feature maps, cancellation and memory. One engine per process (init once).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { mean, modelA, tinyFunctional, twoClassData } from './helpers.mjs';

const { layers } = cw;
let info;

before(async () => {
  info = await cw.init();
});

test('Node loads the threaded build and says why', async () => {
  assert.equal(info.variant, 'mt');
  assert.equal(info.platform, 'node');
  assert.equal(info.simd, true);
  assert.ok(info.threads >= 1);
  assert.match(info.reason, /Node\.js: worker_threads and SharedArrayBuffer/);
  assert.deepEqual(await cw.init(), info, 'init() is idempotent');
  await assert.rejects(cw.init({ variant: 'st' }), /already loaded \(mt, \d+ threads\); it cannot be reloaded/);
});

test('seed model A through the JS API: 297,697 params, Keras-style summary, shapes on the symbolic tensors', () => {
  const m = modelA();
  try {
    assert.equal(m.countParams(), 297697);
    assert.deepEqual(m.inputShape, [32, 32, 3]);
    assert.deepEqual(m.outputShape, [1]);
    const d = m.summaryData();
    assert.equal(d.totalParams, 297697);
    assert.equal(d.trainableParams, 297697);
    assert.equal(d.layers.length, 18);
    assert.deepEqual(d.layers.map((l) => l.className).slice(0, 3), ['InputLayer', 'Rescaling', 'Conv2D']);
    const add = d.layers.find((l) => l.className === 'Add');
    assert.deepEqual(add.outputShape, [null, 16, 16, 32]);
    assert.equal(add.inbound.length, 2);
    const text = m.summary();
    assert.match(text, /^Model: "model_a"/);
    assert.match(text, /Layer \(type\)\s+Output Shape\s+Param #\s+Connected to/);
    assert.match(text, /conv2d(_\d+)? \(Conv2D\)\s+\(None, 32, 32, 32\)\s+896 /);
    assert.match(text, /Total params: 297,697\nTrainable params: 297,697\nNon-trainable params: 0/);
    const lines = [];
    m.summary((l) => lines.push(l));
    assert.equal(lines.join('\n'), text);
    assert.ok(m.threads >= 1 && m.threads <= info.threads);
  } finally {
    m.dispose();
  }
});

test('a functional model (BN, separable conv, residual add, dropout) trains: loss falls', async () => {
  const m = tinyFunctional();
  const { x, y } = twoClassData(128, [8, 8, 3]);
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const batches = [];
  const epochs = [];
  const h = await m.fit(x, y, {
    epochs: 4,
    batchSize: 16,
    validationSplit: 0.25,
    callbacks: { onBatchEnd: (b, logs) => batches.push(logs), onEpochEnd: (e, logs) => epochs.push([e, logs]) },
  });
  assert.equal(batches.length, 4 * 6, '96 training samples in batches of 16, 4 epochs');
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.ok(h.history.loss[3] < h.history.loss[0] * 0.7, `loss ${h.history.loss}`);
  assert.ok(h.history.val_loss.length === 4 && h.history.val_accuracy[3] >= 0.9, JSON.stringify(h.history));
  assert.ok(epochs[0][1].seconds > 0);
  const ev = m.evaluate(x, y);
  assert.ok(ev.accuracy >= 0.9 && ev.loss < h.history.loss[0], JSON.stringify(ev));
  const p = m.predict(x.slice(0, 4));
  assert.deepEqual(p.shape, [4, 1]);
  assert.ok(p.data[0] < 0.5 && p.data[1] > 0.5, `${p.data}`);
  m.dispose();
});

test('a sequential model with sparse labels trains, with a learning-rate change and uint8 pixels', async () => {
  const m = cw.sequential(
    [
      cw.input({ shape: [6, 6, 1] }),
      layers.rescaling({ scale: 1 / 255 }),
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d(),
      layers.flatten(),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
    { seed: 5 },
  );
  assert.doesNotMatch(m.summary(), /Connected to/, 'sequential summaries have no Connected-to column');
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  const n = 90,
    px = new Uint8Array(n * 36),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 36; j++) px[i * 36 + j] = y[i] === 0 ? 20 : y[i] === 1 ? 120 : 230;
  }
  const x = cw.tensor(px, [n, 6, 6, 1]);
  const first = await m.fit(x, y, { epochs: 1, batchSize: 10 });
  m.setLearningRate(0.02);
  const h = await m.fit(x, y, { epochs: 8, batchSize: 10, shuffle: true });
  assert.ok(h.history.loss.at(-1) < first.history.loss[0], `${first.history.loss} -> ${h.history.loss}`);
  m.dispose();
});

test('errors: wrong shape, wrong dtype, uncompiled, bad labels, engine config errors, unknown options', async () => {
  const m = tinyFunctional();
  const { x, y } = twoClassData(8, [8, 8, 3]);
  await assert.rejects(m.fit(x, y), /fit: model '.*' must be compiled first/);
  m.compile({ optimizer: 'sgd', loss: 'binary_crossentropy' });
  const wrong = twoClassData(4, [8, 8, 1]).x;
  await assert.rejects(
    m.fit(wrong, y.subarray(0, 4)),
    /fit: x has shape \[4, 8, 8, 1\] but model '.*' takes \[N, 8, 8, 3\] \(NHWC\)/,
  );
  assert.throws(
    () => m.predict(cw.tensor(new Float32Array(8 * 8 * 3), [8, 8, 3])),
    /predict: x has shape \[8, 8, 3\] but model .* takes \[N, 8, 8, 3\]/,
  );
  assert.throws(() => m.predict(new Float32Array(192)), /predict: x must be a Tensor .* got Float32Array/);
  await assert.rejects(m.fit(x, new Float64Array(8)), /fit: y must be float32 .* got Float64Array: convert it/);
  await assert.rejects(m.fit(x, new Float32Array(7)), /fit: y has 7 samples but x has 8/);
  await assert.rejects(m.fit(x, y, { epoch: 3 }), /fit: unknown option 'epoch'/);
  await assert.rejects(m.fit(x, y, { batchSize: 0 }), /batchSize must be a positive integer/);
  await assert.rejects(
    m.fit(x, new Float32Array(8).fill(2)),
    (e) => e instanceof cw.ConvnetError && /batch 1: .*label/.test(e.message),
  );
  assert.throws(() => m.compile({ loss: 'hinge' }), /loss 'hinge' is not supported/);
  assert.throws(() => m.compile({ loss: 'mse', optimizer: 'adamw' }), /optimizer 'adamw' is not supported/);
  assert.throws(
    () => m.compile({ loss: 'mse', optimizer: { name: 'adam', lr: 0.1 } }),
    /unknown optimizer option 'lr'/,
  );
  assert.throws(() => m.compile({ loss: 'mse', metrics: ['auc'] }), /metric 'auc' is not supported/);
  assert.throws(() => m.layerOutput('nope', x.slice(0, 1)), /layerOutput: model '.*' has no layer named 'nope'/);
  m.dispose();
  // Shape errors surface from the engine when the model is created, naming the layer.
  const x0 = cw.input({ shape: [8, 8, 3] });
  const a = layers.conv2d({ filters: 4, kernelSize: 3, name: 'left' }).apply(x0);
  const b = layers.conv2d({ filters: 5, kernelSize: 3, name: 'right' }).apply(x0);
  const s = layers.add({ name: 'join' }).apply([a, b]);
  assert.throws(
    () => cw.model({ inputs: x0, outputs: s }),
    /Add 'join': input 1 has shape 6x6x5 but input 0 has shape 6x6x4/,
  );
  assert.throws(
    () => cw.sequential([layers.conv2d({ filters: 0, kernelSize: 3, inputShape: [8, 8, 3] })]),
    /filters is 0: filters must be positive/,
  );
  assert.throws(
    () => cw.sequential([layers.dense({ units: 2, activation: 'gelu', inputShape: [4] })]),
    /activation 'gelu' is not supported/,
  );
});

test('NaN data stops training with an error naming the epoch, batch and step', async () => {
  const m = tinyFunctional();
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(16, [8, 8, 3]);
  x.data.fill(3e38, 5 * 192, 6 * 192); // sample 5 is in batch 2 without shuffling; finite, but it overflows
  let batches = 0;
  await assert.rejects(
    m.fit(x, y, {
      batchSize: 4,
      shuffle: false,
      callbacks: {
        onBatchEnd: () => {
          batches++;
        },
      },
    }),
    (e) =>
      e.code === 'numeric_error' &&
      /fit: epoch 1, batch 2: loss is -?nan at training step 2: training stopped before the update/.test(e.message),
  );
  assert.equal(batches, 1);
  x.data.fill(0.5, 5 * 192, 6 * 192);
  x.data[5 * 192 + 7] = NaN; // a NaN input is rejected before the step
  await assert.rejects(
    m.fit(x, y, { batchSize: 4, shuffle: false }),
    /fit: epoch 1, batch 2: input sample 1 of the batch has nan at element 7: inputs must be finite numbers/,
  );
  m.dispose();
});

test('a disposed model throws a clear error; dispose twice is fine', async () => {
  const m = tinyFunctional();
  m.dispose();
  m.dispose();
  assert.equal(m.isDisposed, true);
  const { x, y } = twoClassData(4, [8, 8, 3]);
  assert.throws(() => m.predict(x), /predict: model '.*' has been disposed/);
  assert.throws(() => m.countParams(), /has been disposed/);
  assert.throws(() => m.compile({ loss: 'mse' }), /compile: model '.*' has been disposed/);
  await assert.rejects(m.fit(x, y), /fit: model '.*' has been disposed/);
  await assert.rejects(m.saveCheckpoint(), /has been disposed/);
});

test('getWeights/setWeights round trip (Keras order, TF.js names) and size checks', () => {
  const a = tinyFunctional(11),
    b = tinyFunctional(12);
  const { x } = twoClassData(4, [8, 8, 3]);
  const w = a.getWeights();
  assert.deepEqual(
    w.slice(0, 2).map((v) => v.name),
    ['stem/kernel', 'stem/bias'],
  );
  const bn = w.filter((v) => v.layer.startsWith('batch_normalization')).map((v) => [v.name.split('/')[1], v.trainable]);
  assert.deepEqual(bn, [
    ['gamma', true],
    ['beta', true],
    ['moving_mean', false],
    ['moving_variance', false],
  ]);
  assert.deepEqual(w[0].shape, [3, 3, 3, 8]);
  assert.equal(
    w.reduce((s, v) => s + v.data.length, 0),
    a.countParams(),
  );
  assert.notDeepEqual([...a.predict(x).data], [...b.predict(x).data]);
  b.setWeights(w);
  assert.deepEqual([...b.predict(x).data], [...a.predict(x).data]);
  w[0].data[0] += 1; // copies: changing them does not touch the model
  assert.notEqual(a.getWeights()[0].data[0], w[0].data[0]);
  assert.throws(() => b.setWeights(w.slice(1)), /has \d+ weights, got \d+/);
  assert.throws(
    () => b.setWeights(w.map((v, i) => (i === 1 ? new Float32Array(3) : v))),
    /weight 1 \(stem\/bias, shape \[8\]\) needs 8 values, got 3/,
  );
  assert.throws(
    () => b.setWeights(w.map((v, i) => (i === 0 ? { data: v.data, shape: [9, 3, 8] } : v))),
    /was given shape \[9, 3, 8\]/,
  );
  assert.throws(
    () => b.setWeights(w.map((v, i) => (i === 0 ? Array.from(v.data) : v))),
    /must be a Float32Array, got Array/,
  );
  a.dispose();
  b.dispose();
});

test("layerOutput returns any layer's activations (feature maps)", () => {
  const m = modelA(16);
  const { x } = twoClassData(3, [16, 16, 3]);
  const conv = m.layers.find((l) => l.className === 'Conv2D');
  const f = m.layerOutput(conv.name, x);
  assert.deepEqual(f.shape, [3, 16, 16, 32]);
  const add = m.layers.find((l) => l.className === 'Add');
  assert.deepEqual(m.layerOutput(add.name, x.slice(0, 1)).shape, [1, 8, 8, 32]);
  assert.ok(f.data.some((v) => v !== 0));
  // Training after inspection still works (the engine re-plans).
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  assert.ok(Number.isFinite(m.trainOnBatch(x, new Float32Array([0, 1, 0])).loss));
  m.dispose();
});

test('an AbortSignal cancels fit after the current batch; stopTraining ends it quietly', async () => {
  const m = tinyFunctional();
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(64, [8, 8, 3]);
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(
    m.fit(x, y, {
      epochs: 5,
      batchSize: 4,
      signal: ac.signal,
      callbacks: {
        onBatchEnd: (b) => {
          seen++;
          if (b === 2) ac.abort();
        },
      },
    }),
    { name: 'AbortError' },
  );
  assert.equal(seen, 3);
  // Abort from outside, while fit yields to the event loop between batches.
  const ac2 = new AbortController();
  let batches = 0;
  const p = m.fit(x, y, {
    epochs: 50,
    batchSize: 4,
    signal: ac2.signal,
    callbacks: {
      onBatchEnd: () => {
        batches++;
      },
    },
  });
  setTimeout(() => ac2.abort(new Error('user pressed stop')), 5);
  await assert.rejects(p, /user pressed stop/);
  assert.ok(batches < 50 * 16, `${batches} batches ran`);
  const h = await m.fit(x, y, {
    epochs: 3,
    batchSize: 4,
    callbacks: {
      onBatchEnd: (b) => {
        if (b === 1) m.stopTraining = true;
      },
    },
  });
  assert.equal(h.stopped, true);
  assert.deepEqual(h.epoch, [0]);
  await assert.rejects(m.fit(x, y, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  m.dispose();
});

test('fit runs one at a time per model and yields to the event loop between batches', async () => {
  const m = tinyFunctional();
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(32, [8, 8, 3]);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const p = m.fit(x, y, { epochs: 3, batchSize: 2 });
  await assert.rejects(m.fit(x, y), /already training/);
  await p;
  clearInterval(timer);
  assert.ok(ticks > 0, 'timers ran during fit');
  m.dispose();
});

test('create/train/dispose cycles leave no engine memory behind', async () => {
  const { x, y } = twoClassData(8, [16, 16, 3]);
  const cycle = async () => {
    const m = modelA(16, { seed: 1 });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await m.fit(x, y, { batchSize: 4 });
    m.predict(x);
    m.layerOutput(m.layers[2].name, x.slice(0, 1));
    m.dispose();
  };
  await cycle();
  const start = cw.memory();
  for (let i = 0; i < 15; i++) await cycle();
  const end = cw.memory();
  assert.ok(end.mallocBytes <= start.mallocBytes, `mallocBytes ${start.mallocBytes} -> ${end.mallocBytes}`);
  assert.equal(end.heapBytes, start.heapBytes);
});

test('several live models share the thread pool without deadlock', () => {
  const models = Array.from({ length: 6 }, (_, i) => tinyFunctional(i));
  const { x, y } = twoClassData(4, [8, 8, 3]);
  for (const m of models) {
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    assert.ok(Number.isFinite(m.trainOnBatch(x, y).loss));
  }
  assert.ok(models.every((m) => m.threads >= 1));
  for (const m of models) m.dispose();
  assert.equal(tinyFunctional().threads, info.threads, 'threads come back after dispose');
});

test('modelFromJson builds from a TF.js model.json topology', async () => {
  const { readFile } = await import('node:fs/promises');
  const json = JSON.parse(
    await readFile(new URL('../../../wasm-tests/fixtures/model-a.json', import.meta.url), 'utf8'),
  );
  const m = cw.modelFromJson(json, { seed: 1 });
  assert.equal(m.countParams(), 297697);
  assert.equal(m.name, 'model_a');
  assert.equal(mean([1, 2, 3]), 2);
  m.dispose();
});

test('fit in two calls (initialEpoch) sees the same batches as one call: losses match', async () => {
  const { x, y } = twoClassData(48, [8, 8, 3]);
  const run = async (split) => {
    const m = tinyFunctional(21);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const losses = [];
    const cb = { onBatchEnd: (b, logs) => losses.push(logs.loss) };
    if (split) {
      await m.fit(x, y, { epochs: 1, batchSize: 8, callbacks: cb });
      await m.fit(x, y, { epochs: 1, batchSize: 8, initialEpoch: 1, callbacks: cb });
    } else {
      await m.fit(x, y, { epochs: 2, batchSize: 8, callbacks: cb });
    }
    m.dispose();
    return losses;
  };
  const a = await run(false),
    b = await run(true);
  assert.equal(a.length, 12);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-6 * Math.abs(v), `batch ${i}: ${v} vs ${b[i]}`));
});

test('augmentation layers build and train when the engine has them', async (t) => {
  const make = () =>
    cw.sequential(
      [
        cw.input({ shape: [8, 8, 3] }),
        layers.randomFlip({ mode: 'horizontal', seed: 1 }),
        layers.randomRotation({ factor: 0.05, seed: 2 }),
        layers.randomZoom({ heightFactor: 0.1, seed: 3 }),
        layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, seed: 4 }),
        layers.randomContrast({ factor: 0.2, seed: 5 }),
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
        layers.globalAveragePooling2d(),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
      { seed: 9 },
    );
  let m;
  try {
    m = make();
  } catch (e) {
    if (/does not support/.test(e.message)) return t.skip('this engine build has no augmentation layers yet');
    throw e;
  }
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(32, [8, 8, 3]);
  const h = await m.fit(x, y, { epochs: 2, batchSize: 8 });
  assert.ok(h.history.loss.every(Number.isFinite));
  const p1 = m.predict(x.slice(0, 2)),
    p2 = m.predict(x.slice(0, 2));
  assert.deepEqual([...p1.data], [...p2.data], 'augmentation is off at inference');
  m.dispose();
});
