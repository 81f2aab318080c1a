// The threaded build in Node, asked for explicitly, with a thread cap (its own process).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cw from 'convnet-wasm';
import { tinyFunctional, twoClassData } from './helpers.mjs';

test("init({variant: 'mt', threads: 2}) loads the threaded build and runs models on 2 threads", async () => {
  const info = await cw.init({ variant: 'mt', threads: 2 });
  assert.equal(info.variant, 'mt');
  assert.match(info.reason, /threaded build requested \(variant: 'mt'\); Node\.js/);
  assert.equal(info.threads, Math.min(2, (await import('node:os')).availableParallelism()));
  const m = tinyFunctional();
  assert.equal(m.threads, info.threads);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const { x, y } = twoClassData(32, [8, 8, 3]);
  const h = await m.fit(x, y, { epochs: 2, batchSize: 8 });
  assert.equal(h.history.loss.length, 2);
  m.dispose();
});

test('a missing engine file is a clear error (not a glue crash)', async () => {
  // One engine per process, so this runs in a child process.
  const { spawnSync } = await import('node:child_process');
  const code = `import * as cw from 'convnet-wasm';
    try { await cw.init({ variant: 'st', locateFile: (f) => '/nonexistent/' + f }); } catch (e) { console.log(e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  });
  assert.match(
    r.stdout,
    /engine file \/nonexistent\/engine_node_st\.cjs is missing: build the engine and run `npm run copy-engine -- <build-dir>`/,
  );
});
