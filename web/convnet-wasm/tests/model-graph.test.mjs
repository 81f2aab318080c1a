// Model surgery: getLayer(name).outputTensor, model.input, and a new model built from another
// model's layers starting with that model's weights (src/model-graph.ts).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { twoClassData } from './helpers.mjs';

const { layers } = cw;

before(async () => {
  await cw.init();
});

function backbone(seed) {
  const x0 = cw.input({ shape: [12, 12, 3] });
  let x = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'g_conv' }).apply(x0);
  x = layers.batchNormalization({ name: 'g_bn' }).apply(x);
  x = layers.activation({ activation: 'relu', name: 'g_relu' }).apply(x);
  x = layers.globalAveragePooling2d({ name: 'g_gap' }).apply(x);
  const y = layers.dense({ units: 1, activation: 'sigmoid', name: 'g_out' }).apply(x);
  return cw.model({ inputs: x0, outputs: y, seed });
}

test('a new head on a trained model keeps the trained layers bit for bit and predicts through them', async () => {
  const base = backbone(3);
  const { x, y } = twoClassData(32, [12, 12, 3]);
  base.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await base.fit(x, y, { epochs: 1, batchSize: 8 });
  const features = base.getLayer('g_gap').outputTensor;
  assert.deepEqual(features.shape, [null, 8]);
  const head = layers.dense({ units: 3, activation: 'softmax', name: 'g_head' }).apply(features);
  const transfer = cw.model({ inputs: base.input, outputs: head, seed: 99 });
  try {
    assert.deepEqual(transfer.layers.map((l) => l.name).slice(1), ['g_conv', 'g_bn', 'g_relu', 'g_gap', 'g_head']);
    const kept = (m) => m.getWeights().filter((w) => w.layer !== 'g_head' && w.layer !== 'g_out');
    const a = kept(base),
      b = kept(transfer);
    assert.equal(a.length, 6, 'conv kernel, bias and the four BN weights');
    for (let i = 0; i < a.length; i++) {
      assert.equal(b[i].name, a[i].name);
      assert.deepEqual(b[i].data, a[i].data, `${a[i].name} is copied exactly`);
    }
    // The kept part computes what it computed in the base model.
    const probe = cw.tensor(x.data.slice(0, 4 * 12 * 12 * 3), [4, 12, 12, 3]);
    assert.deepEqual(transfer.layerOutput('g_gap', probe).data, base.layerOutput('g_gap', probe).data);
    assert.deepEqual(transfer.outputShape, [3]);
  } finally {
    transfer.dispose();
    base.dispose();
  }
});

test('surgery works on a model loaded from model.json (its graph comes from the engine)', async () => {
  const source = backbone(5);
  const artifacts = await source.saveTfjs();
  source.dispose();
  const loaded = await cw.loadTfjsModel(artifacts);
  try {
    const cut = loaded.getLayer('g_relu').outputTensor;
    assert.deepEqual(cut.shape, [null, 12, 12, 8]);
    const pooled = layers.maxPooling2d({ poolSize: 2, name: 'g_pool' }).apply(cut);
    const flat = layers.flatten({ name: 'g_flat' }).apply(pooled);
    const out = layers.dense({ units: 2, activation: 'softmax', name: 'g_new' }).apply(flat);
    const m = cw.model({ inputs: loaded.input, outputs: out });
    try {
      const conv = m.getWeights().find((w) => w.name === 'g_conv/kernel');
      assert.deepEqual(conv.data, loaded.getWeights().find((w) => w.name === 'g_conv/kernel').data);
      assert.equal(m.getLayer('g_new').className, 'Dense');
      assert.equal(loaded.output.layer.name, 'g_out');
    } finally {
      m.dispose();
    }
  } finally {
    loaded.dispose();
  }
});

test('clear errors: an unknown layer name, a source model disposed before the new one is built', () => {
  const base = backbone(7);
  assert.throws(
    () => base.getLayer('nope'),
    (e) => e.code === 'not_found' && /has no layer 'nope'; its layers: .*g_conv, g_bn/.test(e.message),
  );
  const head = layers.dense({ units: 2, name: 'g_late' }).apply(base.getLayer('g_gap').outputTensor);
  const input = base.input;
  base.dispose();
  assert.throws(
    () => cw.model({ inputs: input, outputs: head }),
    (e) => e.code === 'disposed' && /comes from model '.*', which has been disposed/.test(e.message),
  );
  assert.throws(
    () => base.getLayer('g_conv'),
    (e) => e.code === 'disposed',
  );
});

test('layers taken from a model bring its trainable flags; setTrainable validates its arguments', () => {
  const base = backbone(9);
  try {
    base.setTrainable(false, { to: 'g_relu' });
    assert.deepEqual(base.layers.map((l) => [l.name, l.trainable]).slice(1), [
      ['g_conv', false],
      ['g_bn', false],
      ['g_relu', false],
      ['g_gap', true],
      ['g_out', true],
    ]);
    const head = layers.dense({ units: 2, name: 'g_head2' }).apply(base.getLayer('g_gap').outputTensor);
    const m = cw.model({ inputs: base.input, outputs: head });
    try {
      const flags = Object.fromEntries(m.layers.map((l) => [l.name, l.trainable]));
      assert.equal(flags.g_conv, false);
      assert.equal(flags.g_bn, false);
      assert.equal(flags.g_head2, true);
      assert.equal(m.summaryData().trainableParams, 8 * 2 + 2);
      m.trainable = false;
      assert.equal(m.trainable, false);
      assert.equal(m.summaryData().trainableParams, 0);
      m.trainable = true;
      assert.equal(m.summaryData().nonTrainableParams, 16, "only BN's moving statistics");
    } finally {
      m.dispose();
    }
    assert.throws(
      () => base.setTrainable('no'),
      (e) => e.code === 'invalid_argument' && /true or false/.test(e.message),
    );
    assert.throws(
      () => base.setTrainable(false, { upto: 'g_bn' }),
      (e) => e.code === 'invalid_argument' && /unknown option 'upto'/.test(e.message),
    );
    assert.throws(
      () => base.setTrainable(false, { layers: ['nope'] }),
      (e) => e.code === 'invalid_argument',
    );
  } finally {
    base.dispose();
  }
});
