// Browser smoke test page: imports the built package (dist + wasm) as a bundler would leave it,
// loads the engine on the page, trains a few steps in a Trainer worker with 2 threads, and
// records everything in window.result for tests/browser.mjs.
import * as cw from '../../dist/index.js';

const log = (s) => (document.getElementById('log').textContent += s + '\n');

function data(n) {
  const x = new Float32Array(n * 8 * 8 * 3),
    y = new Float32Array(n);
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
  for (const w of weights)
    for (const u of new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length))
      h = Math.imul(h ^ u, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

async function run() {
  const r = {
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    userAgent: navigator.userAgent,
  };
  // 1. The engine on the page itself.
  r.page = await cw.init();
  log(`page engine: ${JSON.stringify(r.page)}`);
  const m = cw.model({ ...spec(), seed: 1 });
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const { x, y } = data(64);
  const h = await m.fit(x, y, { epochs: 3, batchSize: 16 });
  r.pageModel = {
    threads: m.threads,
    loss: h.history.loss,
    params: m.countParams(),
    weightsHash: weightsHash(m.getWeights()),
  };
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(4 * 4 * 4).fill(200), 4, 4));
  r.imageShape = cw.imageToInput(bitmap, { size: [8, 8] }).shape;
  r.featureShape = m.layerOutput('c1', x.slice(0, 2)).shape;
  m.dispose();

  // 1b. Every kind of op, for the cross-engine bit comparison: seeded augmentation (flip,
  // rotation, zoom, contrast: bilinear sampling), batch normalization, separable and depthwise
  // convolutions, max pooling, dropout, softmax, RMSprop; loss, weights and predictions.
  {
    const { layers } = cw;
    const x0 = cw.input({ shape: [12, 12, 3] });
    let t = layers.randomFlip({ mode: 'horizontal', seed: 11 }).apply(x0);
    t = layers.randomRotation({ factor: 0.1, seed: 12 }).apply(t);
    t = layers.randomZoom({ heightFactor: 0.1, seed: 13 }).apply(t);
    t = layers.randomContrast({ factor: 0.2, seed: 14 }).apply(t);
    t = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(t);
    t = layers.batchNormalization({ momentum: 0.9 }).apply(t);
    t = layers.activation({ activation: 'relu' }).apply(t);
    t = layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(t);
    t = layers.maxPooling2d({ poolSize: 2 }).apply(t);
    t = layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(t);
    t = layers.dropout({ rate: 0.2, seed: 15 }).apply(t);
    t = layers.globalAveragePooling2d().apply(t);
    const rich = cw.model({ inputs: x0, outputs: layers.dense({ units: 3, activation: 'softmax' }).apply(t), seed: 5 });
    rich.compile({
      optimizer: { name: 'rmsprop', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const n = 48,
      px = new Float32Array(n * 12 * 12 * 3),
      labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let j = 0; j < 432; j++) px[i * 432 + j] = 127 + 100 * Math.sin(i * 3 + j * (1 + labels[i]) * 0.37);
    }
    const rx = cw.tensor(px, [n, 12, 12, 3]);
    const rh = await rich.fit(rx, labels, { epochs: 2, batchSize: 16 });
    const probs = rich.predict(rx.slice(0, 8));
    r.richModel = {
      threads: rich.threads,
      loss: rh.history.loss,
      weightsHash: weightsHash(rich.getWeights()),
      predictHash: weightsHash([{ data: probs.data }]),
    };
    rich.dispose();
  }

  // 2. A Trainer worker with 2 threads.
  const trainer = await cw.Trainer.create({ threads: 2 });
  r.worker = trainer.info;
  log(`worker engine: ${JSON.stringify(r.worker)}`);
  const built = await trainer.build(spec(), { seed: 2 });
  await trainer.compile({
    optimizer: { name: 'adam', learningRate: 0.01 },
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  const events = [];
  let longestGap = 0,
    last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  const wh = await trainer.fit(x, y, { epochs: 4, batchSize: 8, onProgress: (e) => events.push(e.kind) });
  clearInterval(timer);
  r.workerModel = {
    threads: built.threads,
    loss: wh.history.loss,
    accuracy: wh.history.accuracy,
    batches: events.filter((k) => k === 'batch').length,
    longestMainThreadGapMs: Math.round(longestGap),
  };
  r.workerModel.weightsHash = weightsHash(await trainer.getWeights());
  r.workerPredict = (await trainer.predict(x.slice(0, 2))).shape;
  trainer.dispose();
  return r;
}

run().then(
  (r) => {
    window.result = r;
    log(JSON.stringify(r, null, 1));
    document.body.dataset.done = '1';
  },
  (e) => {
    window.result = { error: String((e && e.stack) || e) };
    log('ERROR ' + window.result.error);
    document.body.dataset.done = 'error';
  },
);
