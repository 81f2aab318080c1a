// TF.js interchange (model.json + weight files in, ModelArtifacts out) and checkpoints, on the
// default engine under Node. Fixture: wasm-tests/fixtures/model-a-weights (written by TF.js 4.22).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { tinyFunctional, twoClassData } from './helpers.mjs';

const FIXTURE = new URL('../../../wasm-tests/fixtures/model-a-weights/', import.meta.url);
let expected;

before(async () => {
  await cw.init();
  expected = JSON.parse(await readFile(new URL('expected-predictions.json', FIXTURE), 'utf8'));
});

/** The fixture's input: x.flat[i] = (i * 37) % 255, float32 NHWC [2, 16, 16, 3]. */
function fixtureInput() {
  assert.equal(expected.input.formula, '(i * 37) % 255');
  const shape = expected.input.shape;
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = (i * 37) % 255;
  return cw.tensor(x, shape);
}

function assertClose(actual, want, rel = 1e-4, what = 'value') {
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = rel * Math.max(Math.abs(want[i]), 1e-6);
    assert.ok(Math.abs(actual[i] - want[i]) <= tol, `${what} ${i}: ${actual[i]} vs ${want[i]}`);
  }
}

test('loadTfjsModelFromFile reads model.json and its shards; predictions match TF.js', async () => {
  const m = await cw.loadTfjsModelFromFile(new URL('model.json', FIXTURE).pathname);
  assert.equal(m.name, 'model_a');
  assert.equal(m.countParams(), 18937);
  const p = m.predict(fixtureInput());
  assert.deepEqual(p.shape, expected.output_shape);
  assertClose(p.data, expected.predictions.flat(), 1e-4, 'prediction');
  m.dispose();
});

test('loadTfjsModel takes model.json (object or text) and buffers: one, a list in manifest order, ArrayBuffer or Uint8Array', async () => {
  const text = await readFile(new URL('model.json', FIXTURE), 'utf8');
  const bin = await readFile(new URL('group1-shard1of1.bin', FIXTURE));
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const x = fixtureInput();
  // Split the one shard in two, as a sharded save would, and pass them in manifest order.
  const json = JSON.parse(text);
  const cut = 40000;
  const sharded = {
    ...json,
    weightsManifest: [{ ...json.weightsManifest[0], paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'] }],
  };
  const w = json.weightsManifest[0].weights;
  const twoGroups = {
    ...json,
    weightsManifest: [
      { paths: ['group1-shard1of1.bin'], weights: w.slice(0, 2) },
      { paths: ['group2-shard1of1.bin'], weights: w.slice(2) },
    ],
  };
  const split = w.slice(0, 2).reduce((n, v) => n + 4 * v.shape.reduce((a, b) => a * b, 1), 0);
  const inputs = [
    [twoGroups, [bytes.subarray(0, split), bytes.subarray(split)]],
    [text, bytes],
    [json, bytes.slice().buffer],
    [sharded, [bytes.slice(0, cut).buffer, bytes.subarray(cut)]],
  ];
  for (const [j, w] of inputs) {
    const m = await cw.loadTfjsModel(j, w, { seed: 3 });
    assertClose(m.predict(x).data, expected.predictions.flat(), 1e-4, 'prediction');
    m.dispose();
  }
  assert.equal(cw.loadTfjs, cw.loadTfjsModel, 'loadTfjs is the earlier name');
});

test('saveTfjs gives ModelArtifacts; loadTfjsModel of them (and saveTfjsToDir files) predicts identically', async () => {
  const a = tinyFunctional(21);
  a.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(16, [8, 8, 3]);
  await a.fit(x, y, { epochs: 1, batchSize: 8 }); // BN moving statistics move away from their defaults
  const art = await a.saveTfjs();
  assert.ok(art.weightData instanceof ArrayBuffer);
  assert.equal(art.weightData.byteLength, a.countParams() * 4);
  assert.equal(art.format, 'layers-model');
  assert.deepEqual(art.modelTopology, art.modelJson.modelTopology);
  assert.deepEqual(art.modelJson.weightsManifest[0].paths, ['group1-shard1of1.bin']);
  assert.deepEqual(
    art.weightSpecs.map((w) => w.name).sort(),
    a
      .getWeights()
      .map((w) => w.name)
      .sort(),
  );
  const want = a.predict(x).data;
  const b = await cw.loadTfjsModel(art.modelJson, art.weightData, { seed: 99 });
  assert.deepEqual(b.predict(x).data, want, 'model.json + weightData');
  const c = await cw.loadTfjsModel(art);
  assert.deepEqual(c.predict(x).data, want, 'the artifacts alone');
  const fromMemoryShape = {
    modelTopology: art.modelTopology,
    weightSpecs: art.weightSpecs,
    weightData: art.weightData,
  };
  const d = await cw.loadTfjsModel(fromMemoryShape);
  assert.deepEqual(d.predict(x).data, want, 'TF.js ModelArtifacts {modelTopology, weightSpecs, weightData}');
  const dir = await mkdtemp(join(tmpdir(), 'convnet-tfjs-'));
  try {
    const written = await a.saveTfjsToDir(dir);
    assert.deepEqual(written, [join(dir, 'model.json'), join(dir, 'group1-shard1of1.bin')]);
    const e = await cw.loadTfjsModelFromFile(join(dir, 'model.json'));
    assert.deepEqual(e.predict(x).data, want, 'saveTfjsToDir -> loadTfjsModelFromFile');
    e.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const m of [a, b, c, d]) m.dispose();
});

test("mismatched or truncated weights and bad model.json throw the engine's message", async () => {
  const text = await readFile(new URL('model.json', FIXTURE), 'utf8');
  const bin = new Uint8Array(await readFile(new URL('group1-shard1of1.bin', FIXTURE)));
  await assert.rejects(
    cw.loadTfjsModel(text, bin.subarray(0, 100)),
    (e) =>
      e instanceof cw.ConvnetError &&
      /^loadTfjsModel: weight file\(s\) group1-shard1of1\.bin hold 100 bytes but the weightsManifest needs 75748/.test(
        e.message,
      ) &&
      e.code === 'parse_error',
  );
  // The fixture's weights in a model of another width: the engine names the mismatch.
  const other = tinyFunctional(5);
  assert.throws(
    () => other.loadTfjsWeights(text, bin),
    (e) => e instanceof cw.ConvnetError && /^loadTfjsWeights: /.test(e.message) && e.message.length > 20,
  );
  other.dispose();
  await assert.rejects(cw.loadTfjsModel('{"modelTopology": ', bin), /loadTfjsModel: model.json is not valid JSON/);
  await assert.rejects(cw.loadTfjsModel(text), /the weight data is missing/);
  await assert.rejects(cw.loadTfjsModel(text, 'bytes'), /weight data must be an ArrayBuffer or Uint8Array/);
  await assert.rejects(
    cw.loadTfjsModel({}, new ArrayBuffer(0)),
    (e) => e.code === 'parse_error' && /no modelTopology/.test(e.message),
    'createSession errors carry lastErrorCode()',
  );
  const dir = await mkdtemp(join(tmpdir(), 'convnet-tfjs-'));
  try {
    await writeFile(join(dir, 'model.json'), text);
    await assert.rejects(
      cw.loadTfjsModelFromFile(join(dir, 'model.json')),
      /weight file 'group1-shard1of1\.bin' listed in .* cannot be read/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const before = cw.memory().mallocBytes;
  await assert.rejects(cw.loadTfjsModel(text, bin.subarray(0, 100)));
  assert.ok(cw.memory().mallocBytes <= before + 4096, 'a failed load frees its model');
});

test("createSession errors carry the engine's code", () => {
  assert.throws(
    () => cw.modelFromJson('{"a": 1}'),
    (e) => e.code === 'parse_error' && /no modelTopology/.test(e.message),
  );
});

test('checkpoint + fit({initialEpoch}) resumes with the losses of uninterrupted training', async () => {
  const { x, y } = twoClassData(24, [8, 8, 3], 4);
  const compile = (m) =>
    m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const batchLosses = (h) => h;
  // Uninterrupted: 4 epochs.
  const a = tinyFunctional(8);
  compile(a);
  const lossesA = [];
  const hA = await a.fit(x, y, { epochs: 4, batchSize: 8, callbacks: { onBatchEnd: (b, l) => lossesA.push(l.loss) } });
  assert.equal(a.epochsTrained, 4);
  // Interrupted after 2 epochs, checkpointed, restored in a new model (same seed), resumed.
  const b = tinyFunctional(8);
  compile(b);
  const lossesB = [];
  await b.fit(x, y, { epochs: 2, batchSize: 8, callbacks: { onBatchEnd: (_, l) => lossesB.push(l.loss) } });
  assert.equal(b.epochsTrained, 2);
  const ckpt = await b.saveCheckpoint();
  assert.ok(ckpt instanceof Uint8Array && ckpt.length > 0);
  // The checkpoint names weights by layer: rebuild the same topology (same layer names) and seed.
  const c = cw.modelFromJson(b.toJSON(), { seed: b.seed });
  b.dispose();
  compile(c);
  const { epoch } = await c.loadCheckpoint(ckpt);
  assert.equal(epoch, 2);
  assert.equal(c.epochsTrained, 2);
  const hC = await c.fit(x, y, {
    epochs: 2,
    batchSize: 8,
    initialEpoch: epoch,
    callbacks: { onBatchEnd: (_, l) => lossesB.push(l.loss) },
  });
  assert.deepEqual(hC.epoch, [2, 3]);
  assert.equal(c.epochsTrained, 4);
  assert.ok(lossesA.length >= 12);
  assert.deepEqual(batchLosses(lossesB), lossesA, 'every batch loss is identical');
  assert.deepEqual(hC.history.loss, hA.history.loss.slice(2));
  assert.deepEqual(c.predict(x).data, a.predict(x).data);
  // An ArrayBuffer works too, and an explicit epoch is recorded.
  const again = await c.saveCheckpoint({ epoch: 7 });
  assert.deepEqual(await c.loadCheckpoint(again.slice().buffer), { epoch: 7 });
  assert.equal(c.epochsTrained, 7);
  a.dispose();
  c.dispose();
});

test('checkpoint errors: uncompiled model, corrupt bytes, other optimizer', async () => {
  const m = tinyFunctional(2);
  await assert.rejects(
    m.saveCheckpoint(),
    (e) => e instanceof cw.ConvnetError && /^saveCheckpoint: .*must be compiled/.test(e.message),
  );
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const ckpt = await m.saveCheckpoint();
  await assert.rejects(
    m.loadCheckpoint(ckpt.subarray(0, 10)),
    (e) =>
      e instanceof cw.ConvnetError &&
      e.message === 'loadCheckpoint: checkpoint is 10 bytes: too short to be a checkpoint (the header alone is 24)' &&
      e.code === 'parse_error',
  );
  const flipped = ckpt.slice();
  flipped[Math.floor(flipped.length / 2)] ^= 0xff;
  flipped[flipped.length - 1] ^= 0xff;
  await assert.rejects(
    m.loadCheckpoint(flipped),
    (e) => e instanceof cw.ConvnetError && /^loadCheckpoint: \S/.test(e.message),
  );
  await assert.rejects(m.loadCheckpoint('nope'), /loadCheckpoint: bytes must be a Uint8Array or ArrayBuffer/);
  await assert.rejects(m.saveCheckpoint({ epoch: -1 }), /epoch must be a non-negative integer/);
  const other = cw.modelFromJson(m.toJSON(), { seed: 2 });
  other.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  await assert.rejects(other.loadCheckpoint(ckpt), /loadCheckpoint: checkpoint was saved with optimizer adam/);
  const wider = cw.sequential([cw.input({ shape: [8, 8, 3] }), cw.layers.flatten(), cw.layers.dense({ units: 1 })]);
  wider.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await assert.rejects(
    wider.loadCheckpoint(ckpt),
    (e) => e instanceof cw.ConvnetError && /^loadCheckpoint: checkpoint of model .* does not fit model/.test(e.message),
  );
  for (const v of [m, other, wider]) v.dispose();
});
