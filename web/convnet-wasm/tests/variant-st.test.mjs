// The single-threaded build in Node (its own process: one engine per process).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cw from 'convnet-wasm';
import { tinyFunctional, twoClassData } from './helpers.mjs';

let listenersBefore;

test("init({variant: 'st'}) loads the single-threaded build, reports it, and trains", async () => {
  listenersBefore = {
    // node:test adds its own listeners once tests start; compare around init()
    unhandledRejection: process.listeners('unhandledRejection'),
    uncaughtException: process.listeners('uncaughtException'),
  };
  const info = await cw.init({ variant: 'st' });
  assert.deepEqual(
    { variant: info.variant, threads: info.threads, simd: info.simd },
    { variant: 'st', threads: 1, simd: true },
  );
  assert.match(info.reason, /single-threaded build requested/);
  assert.deepEqual(cw.engineInfo(), info);
  const m = tinyFunctional();
  assert.equal(m.threads, 1);
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const { x, y } = twoClassData(64, [8, 8, 3]);
  const h = await m.fit(x, y, { epochs: 3, batchSize: 16 });
  assert.ok(h.history.loss[2] < h.history.loss[0], `${h.history.loss}`);
  m.dispose();
});

test('the glue leaves process-wide error handlers alone', () => {
  assert.deepEqual(process.listeners('unhandledRejection'), listenersBefore.unhandledRejection);
  assert.deepEqual(process.listeners('uncaughtException'), listenersBefore.uncaughtException);
});
