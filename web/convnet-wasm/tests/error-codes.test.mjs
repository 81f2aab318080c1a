// One error vocabulary: the engine's codes are the names in src/core/status-codes.inc, the
// built engine hands over exactly those, and the package's ERROR_CODES holds them unchanged
// beside its own; every code the engine produces reaches ConvnetError.code as it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { engine } from '../dist/engine.js';
import { tinyFunctional, twoClassData } from './helpers.mjs';

const inc = readFileSync(new URL('../../../src/core/status-codes.inc', import.meta.url), 'utf8');
const listed = [...inc.matchAll(/^NN_STATUS_CODE\(\w+, "([a-z_]+)"/gm)].map((m) => m[1]).filter((n) => n !== 'ok');

before(async () => {
  await cw.init();
});

test("the package lists the engine's codes exactly as status-codes.inc defines them, and the engine hands over the same", () => {
  assert.ok(listed.length >= 7, `read ${listed.length} codes from status-codes.inc`);
  assert.deepEqual([...cw.ENGINE_ERROR_CODES], listed);
  assert.deepEqual(engine().raw.statusCodes(), listed);
  for (const c of cw.PACKAGE_ERROR_CODES) assert.ok(!listed.includes(c), `${c} is both an engine and a package code`);
  assert.deepEqual([...cw.ERROR_CODES], [...listed, ...cw.PACKAGE_ERROR_CODES]);
});

test('engine failures reach ConvnetError.code unchanged, from the model and from the worker Trainer', async () => {
  const seen = new Set();
  const codeOf = async (f) => {
    try {
      await f();
    } catch (e) {
      assert.ok(e instanceof cw.ConvnetError || e?.name === 'ConvnetError', String(e));
      assert.ok(cw.ERROR_CODES.includes(e.code), `${e.code} is not in ERROR_CODES`);
      seen.add(e.code);
      return e.code;
    }
    assert.fail('no error');
  };
  assert.equal(
    await codeOf(() =>
      cw.modelFromJson(
        '{"modelTopology": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {"name": "c", "filters": 0, "kernel_size": [3, 3], "batch_input_shape": [null, 8, 8, 3]}}]}}}',
      ),
    ),
    'invalid_argument',
  );
  assert.equal(
    await codeOf(() =>
      cw.modelFromJson(
        '{"modelTopology": {"class_name": "Sequential", "config": {"layers": [{"class_name": "NoSuchLayer", "config": {"name": "x", "batch_input_shape": [null, 8, 8, 3]}}]}}}',
      ),
    ),
    'unsupported',
  );
  assert.equal(await codeOf(() => cw.modelFromJson('{"modelTopology": ')), 'parse_error');
  const fixture = (f) => readFileSync(new URL(`../../../wasm-tests/fixtures/${f}`, import.meta.url), 'utf8');
  assert.equal(await codeOf(() => cw.modelFromJson(fixture('bad-add-mismatch.json'))), 'shape_mismatch');
  const wide = cw.sequential(
    [
      cw.input({ shape: [2048, 2048, 3] }),
      cw.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }),
      cw.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }),
      cw.layers.globalAveragePooling2d(),
      cw.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
    { seed: 1 },
  );
  wide.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  assert.equal(
    await codeOf(() => wide.trainOnBatch(new cw.Tensor(new Uint8Array(2048 * 2048 * 3), [1, 2048, 2048, 3]), [1])),
    'out_of_memory',
  );
  wide.dispose();
  const m = cw.sequential(
    [cw.input({ shape: [4, 4, 3] }), cw.layers.flatten(), cw.layers.dense({ units: 1, activation: 'sigmoid' })],
    { seed: 1 },
  );
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  // Finite pixels that overflow inside the step: a NaN loss (a NaN pixel itself is an invalid argument).
  const conv = tinyFunctional();
  conv.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(4, [8, 8, 3]);
  x.data.fill(3e38, 0, 192);
  assert.equal(await codeOf(() => conv.trainOnBatch(x, y)), 'numeric_error');
  conv.dispose();
  assert.equal(
    await codeOf(() => m.predict(cw.tensor(new Float32Array(48).fill(NaN), [1, 4, 4, 3]))),
    'invalid_argument',
  );
  assert.equal(await codeOf(() => m.loadCheckpoint(new Uint8Array(10))), 'parse_error');
  m.dispose();
  const t = await cw.Trainer.create();
  try {
    await t.build({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'Flatten', config: { name: 'f', batch_input_shape: [null, 4, 4, 3] } },
            { class_name: 'Dense', config: { name: 'd', units: 1, activation: 'sigmoid' } },
          ],
        },
      },
    });
    assert.equal(await codeOf(() => t.loadCheckpoint(new Uint8Array(10))), 'failed_precondition'); // not compiled yet
    await t.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    assert.equal(await codeOf(() => t.loadCheckpoint(new Uint8Array(10))), 'parse_error');
  } finally {
    t.dispose();
  }
  assert.deepEqual(
    [...seen].sort(),
    [...cw.ENGINE_ERROR_CODES].sort(),
    'every engine code was produced and arrived unchanged',
  );
});
