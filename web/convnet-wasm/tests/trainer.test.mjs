// Worker mode: Trainer runs the engine in a worker_threads Worker (the same message protocol as
// the browser's Web Worker), and the worker's handler is also driven directly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { createWorkerHandler } from '../dist/worker/handler.js';
import { twoClassData } from './helpers.mjs';

const { layers } = cw;
const spec = () => ({
  layers: [
    cw.input({ shape: [8, 8, 3] }),
    layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }),
    layers.flatten(),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ],
});

let trainer;
before(async () => {
  trainer = await cw.Trainer.create();
});
after(() => trainer?.dispose());

test('Trainer.create loads the engine in a worker and reports the build', () => {
  assert.equal(trainer.info.variant, 'mt');
  assert.match(trainer.info.reason, /Node\.js/);
  assert.equal(cw.engineInfo(), null, 'the page (main thread) loaded no engine');
});

test('build, compile, fit with progress events, evaluate, predict, layerOutput, weights', async () => {
  const b = await trainer.build(spec(), { seed: 2 });
  assert.equal(b.params, 4 * 3 * 3 * 3 + 4 + 144 + 1);
  assert.deepEqual(b.inputShape, [8, 8, 3]);
  assert.match(trainer.summary(), /c1 \(Conv2D\)\s+\(None, 6, 6, 4\)\s+112/);
  assert.doesNotMatch(trainer.summary(), /Connected to/);
  await trainer.compile({
    optimizer: { name: 'adam', learningRate: 0.01 },
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  const { x, y } = twoClassData(64, [8, 8, 3]);
  const events = [];
  const epochs = [];
  const h = await trainer.fit(x, y, {
    epochs: 3,
    batchSize: 16,
    validationData: [x.slice(0, 16), y.subarray(0, 16)],
    onProgress: (e) => events.push(e),
    callbacks: { onEpochEnd: (e, logs) => epochs.push(logs) },
  });
  assert.ok(h.history.loss[2] < h.history.loss[0]);
  assert.equal(h.history.val_loss.length, 3);
  const batches = events.filter((e) => e.kind === 'batch');
  assert.equal(batches.length, 12);
  assert.equal(batches[0].batches, 4);
  assert.ok(batches.every((e) => e.samplesPerSecond > 0));
  assert.deepEqual(
    events.filter((e) => e.kind === 'state').map((e) => e.state),
    ['training', 'idle'],
  );
  assert.equal(epochs.length, 3);
  assert.equal(trainer.state, 'idle');
  assert.equal(x.data.length, 64 * 192, 'data was copied, not moved');
  const ev = await trainer.evaluate(x, y);
  assert.ok(ev.accuracy > 0.8, JSON.stringify(ev));
  const p = await trainer.predict(x.slice(0, 2));
  assert.deepEqual(p.shape, [2, 1]);
  const f = await trainer.layerOutput('c1', x.slice(0, 2));
  assert.deepEqual(f.shape, [2, 6, 6, 4]);
  const w = await trainer.getWeights();
  assert.deepEqual(
    w.map((v) => v.name),
    ['c1/kernel', 'c1/bias', `${b.summary.layers[3].name}/kernel`, `${b.summary.layers[3].name}/bias`],
  );
  await trainer.setWeights(w.map((v) => new Float32Array(v.data.length)));
  const zero = await trainer.predict(x.slice(0, 1));
  assert.equal(zero.data[0], 0.5, 'all-zero weights give sigmoid(0)');
  const mem = await trainer.memory();
  assert.ok(mem.modelBytes > 0 && mem.mallocBytes > 0);
});

test('pause, resume and stop act between batches; transfer moves the buffers', async () => {
  await trainer.build(spec(), { seed: 3 });
  await trainer.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(256, [8, 8, 3]);
  let batches = 0;
  const states = [];
  let resolveFirst;
  const first = new Promise((r) => (resolveFirst = r));
  const p = trainer.fit(x, y, {
    epochs: 100,
    batchSize: 4,
    transfer: true,
    onProgress: (e) => {
      if (e.kind === 'batch') {
        batches++;
        resolveFirst();
      }
      if (e.kind === 'state') states.push(e.state);
    },
  });
  assert.equal(x.data.length, 0, 'transfer: the buffer moved to the worker');
  await first;
  assert.equal(await trainer.pause(), 'paused');
  await new Promise((r) => setTimeout(r, 30));
  const during = batches;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(batches, during, 'no batches while paused');
  assert.equal(trainer.state, 'paused');
  assert.equal(await trainer.resume(), 'training');
  for (let i = 0; i < 500 && batches === during; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(batches > during, 'training resumed');
  assert.equal(await trainer.stop(), 'stopping');
  const h = await p;
  assert.equal(h.stopped, true);
  assert.ok(h.epoch.length < 100);
  assert.deepEqual(states, ['training', 'paused', 'training', 'stopping', 'idle']);
});

test('an AbortSignal cancels a worker fit, even while paused; errors come back as Errors', async () => {
  await trainer.build(spec(), { seed: 4 });
  await assert.rejects(
    trainer.fit(...Object.values(twoClassData(8, [8, 8, 3]))),
    /fit: model '.*' must be compiled first/,
  );
  await trainer.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(256, [8, 8, 3]);
  const ac = new AbortController();
  const p = trainer.fit(x, y, {
    epochs: 50,
    batchSize: 4,
    signal: ac.signal,
    onProgress: (e) => {
      if (e.kind === 'batch' && e.batch === 3) void trainer.pause().then(() => ac.abort());
    },
  });
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(trainer.state, 'idle');
  const bad = twoClassData(4, [4, 4, 3]);
  await assert.rejects(
    trainer.fit(bad.x, bad.y),
    (e) =>
      e instanceof cw.ConvnetError && /x has shape \[4, 4, 4, 3\] but model .* takes \[N, 8, 8, 3\]/.test(e.message),
  );
  const nan = twoClassData(8, [8, 8, 3]);
  nan.x.data.fill(NaN);
  await assert.rejects(
    trainer.fit(nan.x, nan.y, { batchSize: 4 }),
    /epoch 1, batch 1: input sample 0 of the batch has nan at element 0: inputs must be finite numbers/,
  );
  await assert.rejects(trainer.build({ layers: [layers.dense({ units: 0, inputShape: [3] })] }), /units/);
});

test('rebuilding models in the worker leaves no engine memory behind', async () => {
  const { x, y } = twoClassData(16, [8, 8, 3]);
  const cycle = async () => {
    await trainer.build(spec(), { seed: 5 });
    await trainer.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await trainer.fit(x, y, { batchSize: 8 });
    await trainer.layerOutput('c1', x.slice(0, 1));
  };
  await cycle();
  await trainer.disposeModel();
  const start = await trainer.memory();
  for (let i = 0; i < 10; i++) await cycle();
  await trainer.disposeModel();
  const end = await trainer.memory();
  assert.equal(end.modelBytes, 0);
  assert.ok(end.mallocBytes <= start.mallocBytes, `mallocBytes ${start.mallocBytes} -> ${end.mallocBytes}`);
  assert.equal(end.heapBytes, start.heapBytes);
});

test('a disposed Trainer rejects every call', async () => {
  const t = await cw.Trainer.create({ variant: 'st' });
  assert.equal(t.info.variant, 'st');
  await t.build(spec());
  t.dispose();
  t.dispose();
  await assert.rejects(t.compile({ loss: 'mse' }), /compile: the trainer has been disposed/);
});

test('the worker handler answers {type, id, out} or {type, id, err} (driven directly)', async () => {
  const sent = [];
  const handle = createWorkerHandler((m) => sent.push(m));
  await handle({
    type: 'predict',
    id: 1,
    in: { x: { data: new Float32Array(192), shape: [1, 8, 8, 3], dtype: 'float32' } },
  });
  assert.deepEqual(sent.pop(), {
    type: 'predict',
    id: 1,
    err: {
      message: 'predict: no model: send a build request first',
      code: 'failed_precondition',
      name: 'ConvnetError',
    },
  });
  await handle({ type: 'bogus', id: 2, in: null });
  assert.match(sent.pop().err.message, /unknown request type 'bogus'/);
  await handle({ type: 'pause', id: 3, in: null });
  assert.deepEqual(sent.pop(), { type: 'pause', id: 3, out: 'idle' }, 'pause when idle does nothing');
  await handle({ type: 'init', id: 4, in: { variant: 'st' } });
  assert.equal(sent.pop().out.variant, 'st');
  await handle({ type: 'build', id: 5, in: { json: cw.toTopology(spec()).json, seed: 1 } });
  const built = sent.pop();
  assert.equal(built.type, 'build');
  assert.equal(built.out.threads, 1);
  await handle({ type: 'compile', id: 6, in: { loss: 'binaryCrossentropy', optimizer: 'sgd' } });
  assert.deepEqual(sent.pop(), { type: 'compile', id: 6, out: null });
  const { x, y } = twoClassData(8, [8, 8, 3]);
  await handle({
    type: 'fit',
    id: 7,
    in: {
      x: { data: x.data, shape: [...x.shape], dtype: 'float32' },
      y: { data: y, shape: [8], dtype: 'float32' },
      options: { batchSize: 4, epochs: 1 },
    },
  });
  const kinds = sent.map((m) => (m.type === 'progress' ? m.out.kind + (m.out.state ? ':' + m.out.state : '') : m.type));
  assert.deepEqual(kinds, ['state:training', 'batch', 'batch', 'epoch', 'state:idle', 'fit']);
  assert.ok(sent.every((m) => m.id === 7));
  await handle({ type: 'disposeModel', id: 8, in: null });
  assert.deepEqual(sent.pop(), { type: 'disposeModel', id: 8, out: null });
});

test('Trainer: loadTfjs, saveTfjs, saveCheckpoint and loadCheckpoint messages', async () => {
  const { readFile } = await import('node:fs/promises');
  const dir = new URL('../../../wasm-tests/fixtures/model-a-weights/', import.meta.url);
  const json = JSON.parse(await readFile(new URL('model.json', dir), 'utf8'));
  const expected = JSON.parse(await readFile(new URL('expected-predictions.json', dir), 'utf8'));
  const bin = await readFile(new URL('group1-shard1of1.bin', dir));
  const b = await trainer.loadTfjs(json, bin);
  assert.equal(b.name, 'model_a');
  assert.equal(b.params, 18937);
  const px = new Float32Array(2 * 16 * 16 * 3).map((_, i) => (i * 37) % 255);
  const x = cw.tensor(px, [2, 16, 16, 3]);
  const p = await trainer.predict(x);
  expected.predictions
    .flat()
    .forEach((v, i) => assert.ok(Math.abs(p.data[i] - v) <= 1e-4 * Math.abs(v), `${p.data[i]} vs ${v}`));
  const art = await trainer.saveTfjs();
  assert.equal(art.weightData.byteLength, bin.byteLength);
  assert.deepEqual(new Uint8Array(art.weightData), new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength));
  await trainer.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await assert.rejects(
    trainer.loadCheckpoint(new Uint8Array(10)),
    (e) => e instanceof cw.ConvnetError && /^loadCheckpoint: checkpoint is 10 bytes/.test(e.message),
  );
  const y = [0, 1];
  await trainer.fit(x, y, { epochs: 1, batchSize: 2 });
  const ckpt = await trainer.saveCheckpoint();
  assert.ok(ckpt instanceof Uint8Array && ckpt.length > bin.byteLength);
  const h1 = await trainer.fit(x, y, { epochs: 2, batchSize: 2, initialEpoch: 1 });
  assert.deepEqual(await trainer.loadCheckpoint(ckpt), { epoch: 1 });
  const h2 = await trainer.fit(x, y, { epochs: 2, batchSize: 2, initialEpoch: 1 });
  assert.deepEqual(h2.history.loss, h1.history.loss, 'resumed training repeats exactly');
  await trainer.disposeModel();
  await assert.rejects(trainer.saveTfjs(), /saveTfjs: no model/);
});
