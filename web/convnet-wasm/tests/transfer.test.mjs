// Transfer learning from models people already have (issue 15): the fixtures are Keras's
// MobileNets and a Teachable-Machine-shaped export, written by TF.js 4.22 with seeded random
// weights (tests/transfer/make-fixtures.mjs, run here into a temporary directory). Our
// predictions must match TF.js's within 1e-4 relative and our parameter counts equal its.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as cw from 'convnet-wasm';

const { layers } = cw;
let dir;

before(async () => {
  await cw.init();
  dir = mkdtempSync(join(tmpdir(), 'cw-transfer-'));
  execFileSync(process.execPath, [new URL('./transfer/make-fixtures.mjs', import.meta.url).pathname, dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

const expected = (name) => JSON.parse(readFileSync(join(dir, name, 'expected.json'), 'utf8'));
const floats = (b) => {
  const buf = Buffer.from(b.base64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};
const input = (e) => cw.tensor(floats(e.input), e.input.shape);

/** Largest |ours - theirs|, relative to |theirs| (values below 1% of the largest count as 1% of it). */
function relativeError(ours, theirs) {
  let top = 0;
  for (const v of theirs) top = Math.max(top, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) {
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / Math.max(Math.abs(theirs[i]), 0.01 * top));
  }
  return worst;
}

function maxAbsError(ours, theirs) {
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
  return worst;
}

test('Keras MobileNetV2 (alpha 0.35, 96 px) from TF.js: predictions within 1e-4, parameter counts equal', async () => {
  const e = expected('mobilenet_v2_0.35_96');
  const m = await cw.loadTfjsModelFromFile(join(dir, 'mobilenet_v2_0.35_96', 'model.json'));
  try {
    const d = m.summaryData();
    assert.deepEqual(
      [d.totalParams, d.trainableParams, d.nonTrainableParams],
      [e.params.total, e.params.trainable, e.params.nonTrainable],
    );
    const p = m.predict(input(e));
    assert.deepEqual(p.shape, e.output.shape);
    const err = relativeError(p.data, floats(e.output));
    assert.ok(err < 1e-4, `max relative error ${err.toExponential(2)}`);
  } finally {
    m.dispose();
  }
});

test('MobileNetV2 cut at out_relu with a new head: the backbone computes what TF.js computes there', async () => {
  const e = expected('mobilenet_v2_0.35_96');
  const base = await cw.loadTfjsModelFromFile(join(dir, 'mobilenet_v2_0.35_96', 'model.json'));
  try {
    const features = base.getLayer('out_relu').outputTensor;
    assert.deepEqual(features.shape, [null, 3, 3, 1280]);
    const pooled = layers.globalAveragePooling2d({ name: 'head_pool' }).apply(features);
    const head = layers.dense({ units: 4, activation: 'softmax', name: 'head_out' }).apply(pooled);
    const m = cw.model({ inputs: base.input, outputs: head });
    try {
      assert.deepEqual(m.outputShape, [4]);
      const theirs = floats(e.intermediate.out_relu);
      const ours = m.layerOutput('out_relu', input(e)).data;
      // Float32 rounding through 50 layers: TF.js against itself with weights moved by one ulp
      // differs by ~2.6e-4 here (probe.mjs), so the bound is a few times that.
      const err = maxAbsError(ours, theirs);
      assert.ok(err < 1e-3, `max abs error at out_relu ${err.toExponential(2)} (outputs up to 6)`);
      const d = m.summaryData();
      assert.equal(d.totalParams, base.summaryData().totalParams - 1280 * 10 - 10 + 1280 * 4 + 4);
    } finally {
      m.dispose();
    }
  } finally {
    base.dispose();
  }
});

for (const [fixture, note] of [
  ['mobilenet_v1_0.25_128', 'Keras MobileNet V1 (alpha 0.25, 128 px): ZeroPadding2D, ReLU(6), Reshape'],
  ['tm_image_v2_0.35_96', 'a Teachable Machine export: models nested in a Sequential, flattened'],
  ['separable_dm2', 'SeparableConv2D saved by TF.js without depth_multiplier: taken from the weights'],
]) {
  test(`${note}: predictions within 1e-4 and parameter counts equal TF.js's`, async () => {
    const e = expected(fixture);
    const m = await cw.loadTfjsModelFromFile(join(dir, fixture, 'model.json'));
    try {
      const d = m.summaryData();
      assert.deepEqual(
        [d.totalParams, d.trainableParams, d.nonTrainableParams],
        [e.params.total, e.params.trainable, e.params.nonTrainable],
      );
      const p = m.predict(input(e));
      const err = relativeError(p.data, floats(e.output));
      assert.ok(err < 1e-4, `max relative error ${err.toExponential(2)}`);
    } finally {
      m.dispose();
    }
  });
}

/** MobileNetV2 cut at out_relu with a 4-class head; the backbone frozen. */
async function frozenTransferModel() {
  const base = await cw.loadTfjsModelFromFile(join(dir, 'mobilenet_v2_0.35_96', 'model.json'));
  const pooled = layers.globalAveragePooling2d({ name: 'tl_pool' }).apply(base.getLayer('out_relu').outputTensor);
  const out = layers.dense({ units: 4, activation: 'softmax', name: 'tl_out' }).apply(pooled);
  const m = cw.model({ inputs: base.input, outputs: out, seed: 11 });
  base.dispose();
  m.setTrainable(false, { to: 'out_relu' });
  return m;
}

function images(n, seed) {
  const random = cw.seededRandom(seed);
  const x = new Float32Array(n * 96 * 96 * 3).map(() => random() * 2 - 1);
  const y = Float32Array.from({ length: n }, (_, i) => i % 4);
  return { x: cw.tensor(x, [n, 96, 96, 3]), y };
}

const weightsOf = (m, pred) =>
  new Map(
    m
      .getWeights()
      .filter((w) => pred(w.layer))
      .map((w) => [w.name, w.data]),
  );
const compileFor = (m, learningRate) =>
  m.compile({
    optimizer: { name: 'adam', learningRate },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });

test('a frozen backbone keeps every weight bit for bit (BN statistics too) while the head learns', async () => {
  const m = await frozenTransferModel();
  try {
    const d = m.summaryData();
    assert.equal(d.trainableParams, 1280 * 4 + 4, 'only the head trains');
    assert.ok(d.layers.filter((l) => l.name.startsWith('block_')).every((l) => !l.trainable));
    const { x, y } = images(16, 1);
    const backbone = (name) => !name.startsWith('tl_');
    const before = weightsOf(m, backbone);
    const headBefore = weightsOf(m, (n) => n === 'tl_out');
    compileFor(m, 1e-2);
    await m.fit(x, y, { epochs: 1, batchSize: 8 });
    for (const [name, data] of weightsOf(m, backbone)) assert.deepEqual(data, before.get(name), `${name} is unchanged`);
    const moved = [...weightsOf(m, (n) => n === 'tl_out')].some(([name, data]) =>
      data.some((v, i) => v !== headBefore.get(name)[i]),
    );
    assert.ok(moved, 'the head learned');
  } finally {
    m.dispose();
  }
});

test('fine-tuning unfreezes the top block only; a checkpoint keeps the flags and resumes bit for bit', async () => {
  const m = await frozenTransferModel();
  const { x, y } = images(16, 2);
  try {
    compileFor(m, 1e-2);
    await m.fit(x, y, { epochs: 1, batchSize: 8 });
    // Keras's recipe: unfreeze the top, compile again with a lower rate.
    m.setTrainable(true, { from: 'block_16_expand' });
    await assert.rejects(
      m.fit(x, y, { epochs: 1, batchSize: 8 }),
      (e) => e.code === 'failed_precondition' && /compile it again/.test(e.message),
    );
    compileFor(m, 1e-3);
    const lower = (n) => n.startsWith('block_15') || n === 'Conv1';
    const top = (n) => n.startsWith('block_16');
    const lowerBefore = weightsOf(m, lower),
      topBefore = weightsOf(m, top);
    await m.fit(x, y, { epochs: 1, batchSize: 8 });
    for (const [name, data] of weightsOf(m, lower)) assert.deepEqual(data, lowerBefore.get(name), `${name} stays`);
    const topMoved = [...weightsOf(m, top)].filter(([name, data]) => data.some((v, i) => v !== topBefore.get(name)[i]));
    assert.ok(topMoved.length > 0, 'the unfrozen block trained');

    const ckpt = await m.saveCheckpoint();
    const resumed = cw.modelFromJson(m.toJSON(), { seed: m.seed });
    try {
      compileFor(resumed, 1e-3);
      await resumed.loadCheckpoint(ckpt);
      // Flags of layers with weights (the checkpoint keeps them per weight; a ReLU has nothing to freeze).
      const flags = (model) => model.layers.filter((l) => l.params > 0).map((l) => [l.name, l.trainable]);
      assert.deepEqual(flags(resumed), flags(m), 'the checkpoint restores which layers are frozen');
      const a = await m.fit(x, y, { epochs: 1, batchSize: 8 });
      const b = await resumed.fit(x, y, { epochs: 1, batchSize: 8 });
      assert.deepEqual(b.history.loss, a.history.loss);
      assert.deepEqual(resumed.predict(x).data, m.predict(x).data);
    } finally {
      resumed.dispose();
    }
  } finally {
    m.dispose();
  }
});
