// Memory limits and engine failures through the package: the memory estimate, models too large
// for the wasm heap refused with the way out (and the engine usable afterwards), and a worker
// Trainer whose engine traps reporting "the engine stopped", restarting, and continuing from the
// last epoch's checkpoint.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { modelA, tinyFunctional, twoClassData } from './helpers.mjs';

before(async () => {
  await cw.init();
});

function bigConvModel(size, filters) {
  const { layers } = cw;
  cw.resetLayerNames();
  const inp = cw.input({ shape: [size, size, 3] });
  let t = layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
  t = layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(t);
  t = layers.globalAveragePooling2d().apply(t);
  return cw.model({ inputs: inp, outputs: layers.dense({ units: 2, activation: 'softmax' }).apply(t), seed: 1 });
}

test('memoryEstimate: what a batch needs, what the engine can get, and the largest batch that fits', () => {
  const m = tinyFunctional(5);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const e8 = m.memoryEstimate(8),
    e64 = m.memoryEstimate(64);
  assert.equal(e8.fits, true);
  assert.ok(e64.activationBytes > e8.activationBytes, 'activations grow with the batch');
  assert.equal(e64.weightBytes, e8.weightBytes);
  assert.ok(e8.bytes >= e8.weightBytes + e8.optimizerBytes + e8.activationBytes);
  assert.ok(e8.limitBytes > e8.bytes && e8.maxBatch >= 64);
  assert.throws(() => m.memoryEstimate(0), /memoryEstimate: batchSize must be a positive integer/);
  m.dispose();
});

test('a model far larger than the heap is refused at the first step with the need and the way out; the engine stays usable', async () => {
  const before = cw.memory().mallocBytes;
  const m = bigConvModel(2048, 64);
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const e = m.memoryEstimate(32);
  assert.equal(e.fits, false);
  assert.ok(e.bytes > 100 * 2 ** 30, `estimated ${e.bytes} bytes for ~130 GiB`);
  assert.ok(e.limitBytes <= 4 * 2 ** 30);
  const t0 = Date.now();
  const big = new cw.Tensor(new Uint8Array(1 * 2048 * 2048 * 3), [1, 2048, 2048, 3]);
  // The estimate's limit is the heap's ceiling; the allocation can fail below it (growth is not
  // guaranteed), and either way the message says how much and why.
  assert.throws(
    () => m.trainOnBatch(big, new Float32Array([1])),
    (err) => err.code === 'out_of_memory' && /GiB/.test(err.message) && /batch|smaller|memory/.test(err.message),
  );
  assert.ok(Date.now() - t0 < 1000, `refused after ${Date.now() - t0} ms`);
  m.dispose();
  // The engine still trains, and the failed plan left nothing behind.
  const small = tinyFunctional(5);
  small.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x: xs, y: ys } = twoClassData(8, [8, 8, 3]);
  assert.ok(Number.isFinite(small.trainOnBatch(xs, ys).loss));
  small.dispose();
  assert.ok(cw.memory().mallocBytes - before < 1 << 20, `${cw.memory().mallocBytes - before} bytes still allocated`);
});

test('wasm32: activations larger than one allocation can be (under 2 GiB) are refused up front, with the batch that fits', () => {
  cw.resetLayerNames();
  const m = modelA(256);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const e = m.memoryEstimate(60);
  // 2.7 GiB in all, below the 4 GiB heap, but the activations alone are one 2.7 GiB block.
  assert.ok(e.bytes < e.limitBytes && e.activationBytes > 2 ** 31, JSON.stringify(e));
  assert.equal(e.fits, false);
  assert.ok(e.maxBatch > 0 && e.maxBatch < 60);
  assert.equal(m.memoryEstimate(e.maxBatch).fits, true);
  assert.ok(m.memoryEstimate(e.maxBatch).activationBytes < 2 ** 31);
  const x = new cw.Tensor(new Uint8Array(60 * 256 * 256 * 3), [60, 256, 256, 3]);
  assert.throws(
    () => m.trainOnBatch(x, new Float32Array(60)),
    new RegExp(`one block and this build allocates at most 2\\.0 GiB at once: use a batch of at most ${e.maxBatch}`),
  );
  m.dispose();
});

test('a parameter count that would wrap (filters: 1e9) is refused within a second at creation', () => {
  const t0 = Date.now();
  assert.throws(() => bigConvModel(8, 1e9), /kernel would have shape 3x3x3x1000000000.*at most \d+ elements/);
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
});

test('worker Trainer: a trap in the engine reports "the engine stopped", refuses further calls, and restart() continues from the last epoch', async () => {
  const trainer = await cw.Trainer.create();
  try {
    cw.resetLayerNames();
    await trainer.build(tinyFunctional(5).toJSON(), { seed: 5 });
    await trainer.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const { x, y } = twoClassData(32, [8, 8, 3]);
    await trainer.fit(x, y, { epochs: 2, batchSize: 8, keepCheckpoint: true });
    assert.equal(trainer.lastCheckpoint?.epoch, 2);
    const weights = (await trainer.getWeights()).map((w) => Array.from(w.data));
    await assert.rejects(
      trainer.faultForTests('caller'),
      (e) => e.code === 'engine_stopped' && /^the engine stopped: /.test(e.message),
    );
    assert.ok(trainer.engineStopped, 'the reason is kept');
    await assert.rejects(trainer.predict(x), (e) => e.code === 'engine_stopped');
    const resumed = await trainer.restart();
    assert.deepEqual(resumed, { epoch: 2 });
    assert.equal(trainer.engineStopped, null);
    assert.deepEqual(
      (await trainer.getWeights()).map((w) => Array.from(w.data)),
      weights,
      'the checkpoint restored every weight',
    );
    const h = await trainer.fit(x, y, { epochs: 1, batchSize: 8, initialEpoch: resumed.epoch });
    assert.deepEqual(h.epoch, [2]);
  } finally {
    trainer.dispose();
  }
});

test("worker Trainer: a trap in one of the engine's pthreads is reported the same way, and restart() brings the engine back", async () => {
  const trainer = await cw.Trainer.create();
  try {
    if (trainer.info.variant !== 'mt') return; // no pthreads in the single-threaded build
    await assert.rejects(
      trainer.faultForTests('worker'),
      (e) => e.code === 'engine_stopped' && /thread of the engine crashed/.test(e.message),
    );
    await trainer.restart();
    cw.resetLayerNames();
    await trainer.build(tinyFunctional(5).toJSON(), { seed: 5 });
    await trainer.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const { x, y } = twoClassData(8, [8, 8, 3]);
    assert.ok(Number.isFinite((await trainer.fit(x, y, { epochs: 1, batchSize: 4 })).history.loss[0]));
  } finally {
    trainer.dispose();
  }
});

// Last in this file: it leaves this process's own engine stopped.
test('a pthread trap in the engine of this very process throws to the caller and does not end the process', async () => {
  const { engine } = await import('../dist/engine.js');
  if (cw.engineInfo()?.variant !== 'mt') return;
  let caught;
  try {
    engine().raw.faultForTests('worker');
  } catch (e) {
    caught = e;
  }
  assert.equal(cw.fatalEngineError(caught), 'a thread of the engine crashed');
  await new Promise((r) => setTimeout(r, 300)); // Emscripten's error event arrives meanwhile; the process lives on
  assert.ok(true);
});
