// Browser smoke test page: imports the built package (dist + wasm) as a bundler would leave it,
// loads the engine on the page, trains a few steps in a Trainer worker with 2 threads, and
// records everything in window.result for tests/browser.mjs.
import * as cw from '../../dist/index.js';

const log = (s) => (document.getElementById('log').textContent += s + '\n');

function data(n) {
  const x = new Float32Array(n * 8 * 8 * 3), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 192; j++) x[i * 192 + j] = (y[i] ? 0.5 : -0.5) + Math.sin(i * 7 + j) * 0.5;
  }
  return { x: cw.tensor(x, [n, 8, 8, 3]), y };
}

function spec() {
  const { layers } = cw;
  const x0 = cw.input({ shape: [8, 8, 3] });
  let x = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(x0);
  const y = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x);
  x = layers.add().apply([x, y]);
  x = layers.globalAveragePooling2d().apply(x);
  return { inputs: x0, outputs: layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) };
}

// FNV-1a over the float32 bits of every weight: equal only if every trained weight is bit-equal.
function weightsHash(weights) {
  let h = 0x811c9dc5;
  for (const w of weights) for (const u of new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)) h = Math.imul(h ^ u, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

async function run() {
  const r = { crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function', userAgent: navigator.userAgent };
  // 1. The engine on the page itself.
  r.page = await cw.init();
  log(`page engine: ${JSON.stringify(r.page)}`);
  const m = cw.model({ ...spec(), seed: 1 });
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const { x, y } = data(64);
  const h = await m.fit(x, y, { epochs: 3, batchSize: 16 });
  r.pageModel = { threads: m.threads, loss: h.history.loss, params: m.countParams(), weightsHash: weightsHash(m.getWeights()) };
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(4 * 4 * 4).fill(200), 4, 4));
  r.imageShape = cw.imageToInput(bitmap, { size: [8, 8] }).shape;
  r.featureShape = m.layerOutput('c1', x.slice(0, 2)).shape;
  m.dispose();

  // 2. A Trainer worker with 2 threads.
  const trainer = await cw.Trainer.create({ threads: 2 });
  r.worker = trainer.info;
  log(`worker engine: ${JSON.stringify(r.worker)}`);
  const built = await trainer.build(spec(), { seed: 2 });
  await trainer.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const events = [];
  let longestGap = 0, last = performance.now();
  const timer = setInterval(() => { const now = performance.now(); longestGap = Math.max(longestGap, now - last); last = now; }, 5);
  const wh = await trainer.fit(x, y, { epochs: 4, batchSize: 8, onProgress: (e) => events.push(e.kind) });
  clearInterval(timer);
  r.workerModel = { threads: built.threads, loss: wh.history.loss, accuracy: wh.history.accuracy, batches: events.filter((k) => k === 'batch').length,
    longestMainThreadGapMs: Math.round(longestGap) };
  r.workerModel.weightsHash = weightsHash(await trainer.getWeights());
  r.workerPredict = (await trainer.predict(x.slice(0, 2))).shape;
  trainer.dispose();
  return r;
}

run().then((r) => {
  window.result = r;
  log(JSON.stringify(r, null, 1));
  document.body.dataset.done = '1';
}, (e) => {
  window.result = { error: String(e && e.stack || e) };
  log('ERROR ' + window.result.error);
  document.body.dataset.done = 'error';
});
