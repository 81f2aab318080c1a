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
