// Embind bindings under Node: a session trains, errors come back with the engine's message,
// views hold the data, and create/delete cycles do not grow the heap.
//   node --no-experimental-fetch engine-node-test.cjs <engine_node_{st,mt}.cjs> <fixtures dir>
'use strict';
const fs = require('fs');
const path = require('path');
const createConvnetEngine = require(path.resolve(process.argv[2]));
const fixtures = process.argv[3];

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else { failed++; console.log(`FAIL: ${name}${detail ? ': ' + detail : ''}`); }
}

createConvnetEngine().then((engine) => {
  const info = engine.info();
  check('info reports SIMD', info.simd === true, JSON.stringify(info));
  const modelJson = fs.readFileSync(path.join(fixtures, 'model-a-16.json'), 'utf8');

  // Errors: no session and a message that names the problem.
  const bad = engine.createSession('{"modelTopology": ', 1, 1);
  check('malformed JSON gives no session', bad === null);
  check('malformed JSON message', /JSON parse error/.test(engine.lastError()), engine.lastError());

  const s = engine.createSession(modelJson, 7, 2);
  check('session created', s !== null, engine.lastError());
  check('param count', s.countParams() === 297697);
  check('summary JSON', JSON.parse(s.summaryJson()).total_params === 297697);
  check('compile error names the loss', /loss 'hinge'/.test(s.compile('{"loss":"hinge"}').error || ''));
  check('compile ok', s.compile(JSON.stringify({ loss: 'binary_crossentropy', optimizer: { name: 'adam', learningRate: 0.001 } })).error === undefined);
  check('reserve ok', s.reserve(4).error === undefined);
  const x = s.stagingX(), y = s.stagingY();
  check('staging sizes', x.length === 4 * 16 * 16 * 3 && y.length === 4, `${x.length} ${y.length}`);
  for (let i = 0; i < x.length; i++) x[i] = (i * 37) % 255;
  y.set([0, 1, 0, 1]);
  const first = s.trainStep(4);
  let last = first;
  for (let i = 0; i < 30; i++) last = s.trainStep(4);
  check('training lowers the loss', last.loss < first.loss / 2, `${first.loss} -> ${last.loss}`);
  const pred = s.predictStep(4);
  check('predict output', pred.output && pred.output.length === 4);
  const feature = s.layerOutput('conv2d', 1);
  check('feature map shape', feature.shape && feature.shape.join('x') === '16x16x32', JSON.stringify(feature.shape));
  check('unknown layer error', /no layer named 'nope'/.test(s.layerOutput('nope', 1).error || ''));
  check('too-large batch error', /does not fit/.test(s.trainStep(9).error || ''));
  s.stagingY().set([0, 1, 0, 7]);
  // Back to training after inspection, and a bad label is an error, not a crash.
  check('bad label error', /label 3 is 7/.test(s.trainStep(4).error || ''), JSON.stringify(s.trainStep(4)));
  const specs = s.weightSpecs();
  check('weight specs', specs.length === 20 && specs[0].name === 'kernel', JSON.stringify(specs[0]));
  check('weights view', s.weightsView().length === 297697);
  // TF.js interchange and checkpoints through the bindings.
  const exported = s.toTfjs();
  const weights = exported.weights.slice();
  check('toTfjs', typeof exported.modelJson === 'string' && weights.length === 297697 * 4, String(weights.length));
  const twin = engine.createSession(exported.modelJson, 99, 1);
  check('exported model.json loads', twin !== null, engine.lastError());
  check('weights load', twin.loadTfjsWeights(exported.modelJson, weights).error === undefined);
  check('bad weights error', /byte|short|expects/.test(twin.loadTfjsWeights(exported.modelJson, weights.subarray(0, 100)).error || ''),
        JSON.stringify(twin.loadTfjsWeights(exported.modelJson, weights.subarray(0, 100))));
  twin.compile('{"loss":"binary_crossentropy"}');
  twin.reserve(4);
  twin.stagingX().set(s.stagingX());
  const a = Array.from(s.predictStep(4).output), b = Array.from(twin.predictStep(4).output);
  check('same predictions after TF.js round trip', a.every((v, i) => Math.abs(v - b[i]) < 1e-6), `${a} vs ${b}`);
  s.stagingY().set([0, 1, 0, 1]);
  const ckpt = s.saveCheckpoint(3).bytes.slice();
  const next = s.trainStep(4).loss;
  check('checkpoint restores', s.loadCheckpoint(ckpt).epoch === 3);
  check('resumed step is identical', s.trainStep(4).loss === next);
  check('corrupt checkpoint rejected', typeof s.loadCheckpoint(ckpt.subarray(0, 10)).error === 'string');
  twin.delete();
  s.delete();
  check('error code for a bad model', engine.createSession('{}', 1, 1) === null && engine.lastErrorCode() === 'parse_error',
        engine.lastErrorCode());

  // Issue 12: limits and bad input, through the bindings.
  const convModel = (size, filters, kernel = 3) => JSON.stringify({ modelTopology: { class_name: 'Sequential', config: {
    name: 'big', layers: [
      { class_name: 'Conv2D', config: { name: 'conv_a', filters, kernel_size: [kernel, kernel], padding: 'same', activation: 'relu',
        batch_input_shape: [null, size, size, 3] } },
      { class_name: 'Conv2D', config: { name: 'conv_b', filters, kernel_size: [kernel, kernel], padding: 'same', activation: 'relu' } },
      { class_name: 'GlobalAveragePooling2D', config: { name: 'gap' } },
      { class_name: 'Dense', config: { name: 'out', units: 1, activation: 'sigmoid' } }] } } });
  {
    const used = engine.info().mallocBytes;
    let t0 = Date.now();
    const huge = engine.createSession(convModel(2048, 64), 1, 1);
    huge.compile('{"loss":"binary_crossentropy"}');
    const e = huge.memoryEstimate(32);
    check('memoryEstimate of the 130 GiB model', e.bytes > 120 * 2 ** 30 && e.fits === false &&
          e.bytes === e.weightBytes + e.optimizerBytes + e.activationBytes + e.stagingBytes &&
          e.limitBytes < 4 * 2 ** 30 && e.maxBatch === 0, JSON.stringify(e));
    const r = huge.reserve(32);
    check('130 GiB plan refused with its figures', r.code === 'out_of_memory' &&
          /^model 'big' needs .* GiB at batch 32 \(activations .* GiB\).*this engine can use at most .* GiB.*: even a batch of 1/.test(r.error || ''),
          JSON.stringify(r));
    check('refused within a second', Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    check('memoryEstimate(0) is an error', huge.memoryEstimate(0).code === 'invalid_argument');
    huge.delete();
    const small = engine.createSession(convModel(64, 8), 1, 1);
    small.compile('{"loss":"binary_crossentropy"}');
    const se = small.memoryEstimate(8);
    check('memoryEstimate of a small model fits', se.fits === true && se.maxBatch > 8 && se.maxBatch <= 65536, JSON.stringify(se));
    check('reserve(maxBatch) of the estimate', small.reserve(8).error === undefined);
    const sx = small.stagingX();
    sx.fill(0.5);
    sx[64 * 64 * 3 + 5] = NaN;
    check('NaN pixel rejected by predict', /input sample 1 of the batch has nan at element 5/.test(small.predictStep(2).error || ''));
    small.delete();
    t0 = Date.now();
    const wide = engine.createSession(convModel(32, 1e9, 5), 1, 1);
    check('filters 1e9 fails at creation within a second', wide === null && Date.now() - t0 < 1000 &&
          /Conv2D 'conv_a': its kernel would have shape 5x5x3x1000000000/.test(engine.lastError()), engine.lastError());
    // (lastError() keeps the last message: allow for it.)
    check('memory back after the refusals', engine.info().mallocBytes <= used + 1024, `${used} -> ${engine.info().mallocBytes}`);
    // A 17 MB model.json (2 million numbers of metadata): the DOM used to cost ~20x the text.
    const padded = JSON.parse(modelJson);
    padded.user_defined_metadata = { pad: Array.from({ length: 2000000 }, (_, i) => i + 0.5) };
    const text = JSON.stringify(padded);
    const heap = engine.info().heapBytes;
    const p = engine.createSession(text, 1, 1);
    const grown = engine.info().heapBytes - heap;
    check('large model.json builds', p !== null, engine.lastError());
    check('large model.json grows the heap by at most 8x its size', grown <= 8 * text.length,
          `${(text.length / 2 ** 20).toFixed(1)} MiB text, heap +${(grown / 2 ** 20).toFixed(1)} MiB`);
    console.log(`large model.json: ${(text.length / 2 ** 20).toFixed(1)} MiB text, heap +${(grown / 2 ** 20).toFixed(1)} MiB`);
    if (p) p.delete();
  }

  // Heap must not grow over create/delete cycles once it has grown for the first one.
  const cycle = () => {
    const t = engine.createSession(modelJson, 1, 1);
    t.compile('{"loss":"binary_crossentropy"}');
    t.reserve(2);
    t.trainStep(2);
    t.delete();
  };
  cycle();
  const heap = engine.info().heapBytes, used = engine.info().mallocBytes;
  for (let i = 0; i < 20; i++) cycle();
  check('no heap growth over 20 create/delete cycles', engine.info().heapBytes === heap, `${heap} -> ${engine.info().heapBytes}`);
  check('no leaked allocations over 20 cycles', engine.info().mallocBytes <= used, `${used} -> ${engine.info().mallocBytes}`);

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}).catch((e) => { console.error(e); process.exit(1); });
