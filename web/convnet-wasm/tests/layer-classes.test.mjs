// One layer list: the engine's registry (src/layers/layer-registry.inc, handed over by the built
// engine as layerClasses()) and the package's builders (layers.*, plus input()'s InputLayer) name
// the same Keras classes, so a layer added on one side and forgotten on the other fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as cw from 'convnet-wasm';
import { engine } from '../dist/engine.js';

const inc = readFileSync(new URL('../../../src/layers/layer-registry.inc', import.meta.url), 'utf8');
const listed = [...inc.matchAll(/^NN_LAYER\(\w+, "(\w+)"/gm)].map((m) => m[1]);

const packageClasses = () => [
  cw.input({ shape: [1] }).layer.className,
  ...Object.values(cw.layers).map((builder) => builder.className),
];

before(async () => {
  await cw.init();
});

test("the built engine's layerClasses() is layer-registry.inc's list", () => {
  assert.ok(listed.length >= 24, `read ${listed.length} classes from layer-registry.inc`);
  assert.deepEqual(engine().raw.layerClasses(), listed);
});

test("every engine layer class has a package builder, and every builder's class is the engine's", () => {
  const engineClasses = new Set(engine().raw.layerClasses());
  const ours = packageClasses();
  assert.equal(new Set(ours).size, ours.length, `a class has two builders: ${ours.join(', ')}`);
  const missing = [...engineClasses].filter((c) => !ours.includes(c));
  const unknown = ours.filter((c) => !engineClasses.has(c));
  assert.deepEqual(missing, [], `the engine registers classes with no builder in src/layers.ts: ${missing.join(', ')}`);
  assert.deepEqual(unknown, [], `src/layers.ts builds classes the engine does not register: ${unknown.join(', ')}`);
});

test('each builder makes a layer of its class', () => {
  for (const [name, builder] of Object.entries(cw.layers)) {
    assert.equal(typeof builder.className, 'string', name);
  }
  assert.equal(cw.layers.conv2d({ filters: 2, kernelSize: 3 }).className, cw.layers.conv2d.className);
  assert.equal(cw.layers.flatten().className, 'Flatten');
});
