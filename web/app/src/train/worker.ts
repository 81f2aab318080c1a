// The app worker: owns the engine, the decoded dataset and the model, so the page never
// freezes. Training is a loop of trainOnBatch calls over uint8 batches gathered from the
// store; between batches it yields to the event loop so pause/resume/stop and viz requests
// are answered mid-epoch. After every epoch it evaluates, posts the record, and saves the
// checkpoint (and, once, the dataset) to IndexedDB.
import * as cw from 'convnet-wasm';
import type { EngineInfo, Model } from 'convnet-wasm';
import { rng, shuffle } from '../data/rng.js';
import { DatasetStore } from './dataset-store.js';
import { decodeImage } from './decode.js';
import type {
  AppApi, EpochRecord, Estimate, FeatureMaps, ModelConfig, ModelInfo, Request, RequestType, Response, TrainConfig,
  TrainState, ValidationResult, WorkerEvent,
} from './messages.js';
import { augmentationLayers, buildSpec } from './models.js';
import { loadDataset, loadSession, persistDataset, saveSession } from './persist.js';
import { learningRateAt } from './schedule.js';

type Out<K extends RequestType> = AppApi[K]['out'];

const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null };
const post = (m: Response, t: Transferable[] = []) => scope.postMessage(m, t);
const emit = (e: WorkerEvent, t: Transferable[] = []) => post({ type: 'event', id: 0, out: e }, t);

let info: EngineInfo | null = null;
let ds: DatasetStore | null = null;
let model: Model | null = null;
let modelInfo: ModelInfo | null = null;
let modelConfig: ModelConfig | null = null;
let compiledKey = '';
let lastTrain: TrainConfig | null = null;
let history: EpochRecord[] = [];
let state: TrainState = 'idle';
let wakers: Array<() => void> = [];
let viz = { layer: '', image: -1 };
/** The state as messages changed it meanwhile (a read TypeScript does not narrow). */
const current = (): TrainState => state;

function setState(s: TrainState) {
  state = s;
  emit({ kind: 'state', state: s });
  if (s !== 'paused') {
    const w = wakers;
    wakers = [];
    w.forEach((f) => f());
  }
}

function yieldLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

function needModel(what: string): Model {
  if (!model || model.isDisposed) throw new Error(`${what}: build a model first (Model tab)`);
  return model;
}

function needData(what: string): DatasetStore {
  if (!ds || ds.length === 0) throw new Error(`${what}: load a dataset first (Dataset tab)`);
  return ds;
}

function isBinary(m: Model): boolean {
  return m.outputShape.length === 1 && m.outputShape[0] === 1;
}

function describe(m: Model, json: string): ModelInfo {
  const summary = m.summaryData();
  const mapLayers = summary.layers.filter((l) => l.outputShape.length === 4 && l.className !== 'InputLayer').map((l) => l.name);
  const firstConv = summary.layers.find((l) => ['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D'].includes(l.className))?.name ?? null;
  return {
    summary, summaryText: m.summary(), params: m.countParams(), json, inputShape: [...m.inputShape], outputShape: [...m.outputShape],
    binary: isBinary(m), threads: m.threads, mapLayers, firstConv, epochsTrained: history.length,
  };
}

function checkInput(m: Model, d: DatasetStore, what: string) {
  const [h, w, c] = m.inputShape;
  if (h !== d.size || w !== d.size || c !== 3) {
    throw new Error(`${what}: the model takes ${h}x${w}x${c} images but the dataset is stored at ${d.size}x${d.size}x3: set the input size to ${h} and load the images again`);
  }
  if (isBinary(m) ? d.classes.length !== 2 : m.outputShape[0] !== d.classes.length) {
    throw new Error(`${what}: the model has ${isBinary(m) ? 2 : m.outputShape[0]} classes but the dataset has ${d.classes.length}: rebuild the model`);
  }
}

function compileFor(m: Model, cfg: TrainConfig) {
  const key = `${cfg.optimizer}`;
  if (compiledKey === key) return;
  m.compile({
    optimizer: { name: cfg.optimizer, learningRate: cfg.learningRate, ...(cfg.optimizer === 'sgd' ? { momentum: 0.9 } : {}) },
    loss: isBinary(m) ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  compiledKey = key;
}

function labelsFor(d: DatasetStore, idx: ArrayLike<number>): Float32Array {
  const y = new Float32Array(idx.length);
  for (let k = 0; k < idx.length; k++) y[k] = d.labels[idx[k]];
  return y;
}

/** Class probabilities [n, classes] (binary models: [1 - p, p]). */
function probabilities(m: Model, x: Uint8Array, n: number, size: number): Float32Array {
  const out = m.predict(cw.tensor(x, [n, size, size, 3]), { batchSize: 32 }).data as Float32Array;
  if (!isBinary(m)) return out;
  const p = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    p[2 * i] = 1 - out[i];
    p[2 * i + 1] = out[i];
  }
  return p;
}

/** Validation loss/accuracy and per-image predictions, in inference mode, in batches. */
async function validate(m: Model, d: DatasetStore): Promise<{ loss: number; accuracy: number; result: ValidationResult }> {
  const n = d.val.length, k = d.classes.length, bs = 64;
  const predicted = new Int32Array(n), confidence = new Float32Array(n), trueLabels = new Int32Array(n);
  let lossSum = 0, correct = 0;
  for (let b = 0; b < n; b += bs) {
    const idx = d.val.subarray(b, Math.min(n, b + bs));
    const p = probabilities(m, d.gather(idx), idx.length, d.size);
    for (let i = 0; i < idx.length; i++) {
      const y = d.labels[idx[i]];
      let best = 0;
      for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
      predicted[b + i] = best;
      confidence[b + i] = p[i * k + best];
      trueLabels[b + i] = y;
      lossSum += -Math.log(Math.min(1 - 1e-7, Math.max(1e-7, p[i * k + y])));
      if (best === y) correct++;
    }
    await yieldLoop();
  }
  return { loss: n ? lossSum / n : NaN, accuracy: n ? correct / n : NaN, result: { trueLabels, predicted, confidence, indices: d.val.slice() } };
}

function featureMaps(m: Model, d: DatasetStore, layer: string, image: number): FeatureMaps {
  if (!(image >= 0 && image < d.length)) throw new Error(`featureMaps: image ${image} is not in the dataset (0..${d.length - 1})`);
  const out = m.layerOutput(layer, cw.tensor(d.image(image).slice(), [1, d.size, d.size, 3]));
  return { layer, image, shape: out.shape.slice(1), data: out.data as Float32Array };
}

async function train(cfg: TrainConfig): Promise<Out<'train'>> {
  const m = needModel('train');
  const d = needData('train');
  checkInput(m, d, 'train');
  if (state !== 'idle') throw new Error('train: training is already running');
  if (d.train.length === 0) throw new Error('train: the training split is empty: lower the validation fraction or add images');
  compileFor(m, cfg);
  lastTrain = cfg;
  const n = d.train.length, bs = Math.max(1, Math.min(cfg.batchSize, n)), batches = Math.ceil(n / bs), size = d.size;
  const buf = new Uint8Array(bs * d.per);
  const done: EpochRecord[] = [];
  let ips = 0, step = 0, stopped = false, lr = NaN, lastPost = 0;
  setState('training');
  try {
    for (let epoch = history.length; epoch < cfg.epochs && !stopped; epoch++) {
      const t0 = performance.now();
      // The batch order depends only on the seed and the epoch: a resumed run repeats it.
      const order = shuffle(d.train.slice(), rng((modelConfig?.seed ?? 1) * 7919 + epoch));
      let lossSum = 0, accSum = 0, seen = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * bs, Math.min(n, (b + 1) * bs));
        const rate = learningRateAt(cfg, epoch, b, batches);
        if (rate !== lr) {
          m.setLearningRate(rate);
          lr = rate;
        }
        const tb = performance.now();
        const r = m.trainOnBatch(cw.tensor(d.gather(idx, buf), [idx.length, size, size, 3]), labelsFor(d, idx));
        const sec = (performance.now() - tb) / 1000;
        ips = ips === 0 ? idx.length / sec : 0.8 * ips + 0.2 * (idx.length / sec);
        lossSum += r.loss * idx.length;
        accSum += r.accuracy * idx.length;
        seen += idx.length;
        step++;
        const now = performance.now();
        if (now - lastPost > 100 || b === batches - 1) {
          lastPost = now;
          const remaining = (cfg.epochs - epoch - 1) * n + (n - seen);
          emit({ kind: 'batch', epoch, batch: b + 1, batches, loss: lossSum / seen, accuracy: accSum / seen, imagesPerSecond: ips, etaSeconds: remaining / Math.max(ips, 1e-9), learningRate: lr });
        }
        if (cfg.vizEvery > 0 && step % cfg.vizEvery === 0 && viz.layer) {
          try {
            const f = featureMaps(m, d, viz.layer, viz.image >= 0 ? viz.image : (d.val[0] ?? 0));
            emit({ kind: 'maps', maps: f }, [f.data.buffer as ArrayBuffer]);
          } catch (e) {
            emit({ kind: 'log', message: `feature maps: ${(e as Error).message}` });
            viz.layer = '';
          }
        }
        await yieldLoop();
        while (current() === 'paused') await new Promise<void>((r) => wakers.push(r));
        if (current() === 'stopping') {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      const v = await validate(m, d);
      const record: EpochRecord = {
        epoch: epoch + 1, loss: lossSum / seen, accuracy: accSum / seen, valLoss: v.loss, valAccuracy: v.accuracy,
        seconds: (performance.now() - t0) / 1000, learningRate: lr,
      };
      history.push(record);
      done.push(record);
      emit({ kind: 'epoch', record, validation: v.result });
      await checkpoint(m, d, cfg);
    }
  } finally {
    setState('idle');
  }
  return { epochs: done, stopped };
}

async function checkpoint(m: Model, d: DatasetStore, cfg: TrainConfig) {
  try {
    const bytes = await m.saveCheckpoint({ epoch: history.length });
    const persisted = await persistDataset(d);
    await saveSession({
      datasetId: d.id, classes: d.classes, size: d.size, total: d.length, modelName: m.name, epoch: history.length, savedAt: Date.now(),
      modelJson: modelInfo!.json, config: modelConfig!, train: cfg, history, datasetPersisted: persisted,
    }, bytes);
    emit({ kind: 'checkpoint', epoch: history.length, bytes: bytes.byteLength });
    if (!persisted) emit({ kind: 'log', message: 'the dataset is too large to keep in IndexedDB: resuming will need the images again' });
  } catch (e) {
    emit({ kind: 'log', message: `checkpoint not saved: ${(e as Error).message}` });
  }
}

function buildModel(cfg: ModelConfig): ModelInfo {
  if (state !== 'idle') throw new Error('build: stop training first');
  model?.dispose();
  model = null;
  compiledKey = '';
  history = [];
  let m: Model;
  let json: string;
  if (cfg.kind === 'import') {
    if (!cfg.importJson) throw new Error('build: no model.json to import');
    json = cfg.importJson;
    m = cw.modelFromJson(json, { seed: cfg.seed });
    if (cfg.importWeights) m.loadTfjsWeights(json, cfg.importWeights);
  } else {
    const spec = buildSpec(cfg);
    m = cw.model({ ...spec, seed: cfg.seed });
    json = JSON.stringify(m.toJSON());
  }
  model = m;
  modelConfig = cfg;
  modelInfo = describe(m, json);
  return modelInfo;
}

function estimate(batchSize: number): Estimate {
  const m = needModel('estimate');
  const size = m.inputShape[0];
  const t = cw.modelFromJson(modelInfo!.json, { seed: 1 });
  try {
    t.compile({ optimizer: 'adam', loss: isBinary(t) ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy' });
    const x = new Uint8Array(batchSize * size * size * 3).map((_, i) => (i * 2654435761) >>> 24);
    const y = new Float32Array(batchSize).map((_, i) => (isBinary(t) ? i % 2 : i % Math.max(1, t.outputShape[0])));
    const xt = cw.tensor(x, [batchSize, size, size, 3]);
    t.trainOnBatch(xt, y);   // warm-up: plans and allocates
    const t0 = performance.now();
    t.trainOnBatch(xt, y);
    t.trainOnBatch(xt, y);
    const perBatch = (performance.now() - t0) / 2000;
    const nTrain = ds?.train.length ?? 0, nVal = ds?.val.length ?? 0;
    // Inference costs about a third of a training step.
    const perEpoch = perBatch * Math.ceil(nTrain / batchSize) + (perBatch / 3) * Math.ceil(nVal / batchSize);
    return { memoryBytes: t.memoryBytes(), secondsPerBatch: perBatch, secondsPerEpoch: perEpoch, batchSize };
  } finally {
    t.dispose();
  }
}

async function restore(): Promise<Out<'restore'>> {
  if (state !== 'idle') throw new Error('restore: stop training first');
  const { record, checkpoint: bytes } = await loadSession();
  if (!record.datasetPersisted) throw new Error('the saved session has no stored dataset (it was too large): load the images, then build and train again');
  await ds?.close();
  ds = await loadDataset(record.datasetId);
  model?.dispose();
  model = cw.modelFromJson(record.modelJson, { seed: record.config.seed });
  modelConfig = record.config;
  compiledKey = '';
  compileFor(model, record.train);
  const { epoch } = await model.loadCheckpoint(bytes);
  history = record.history.slice(0, epoch);
  lastTrain = record.train;
  modelInfo = describe(model, record.modelJson);
  return { dataset: ds.summary(), model: modelInfo, history, train: lastTrain, config: record.config };
}

const handlers: { [K in RequestType]: (input: AppApi[K]['in']) => Promise<Out<K>> | Out<K> } = {
  init: async (req) => (info ??= await cw.init(req.threads ? { threads: req.threads } : {})),
  // One ingest at a time, the newest wins (DatasetStore.gate): a newer request cancels this
  // one, so an older decode never replaces a newer dataset.
  ingest: (req) => DatasetStore.gate.run(async (cancelled) => {
    if (state !== 'idle') throw new Error('ingest: stop training first');
    await ds?.close();
    ds = null;
    const store = new DatasetStore(req.classes, req.size);
    try {
      store.corrupt.push(...req.extraProblems);
      const note = await store.prepare(req.items.length, req.budgetBytes);
      if (note) emit({ kind: 'log', message: note });
      await store.ingest(req.items, (done) => emit({ kind: 'ingest', done, total: req.items.length, corrupt: store.corrupt.length, ticket: req.ticket }), cancelled);
      if (store.length === 0) throw new Error(`none of the ${req.items.length} files could be decoded as an image`);
    } catch (e) {
      await store.close();
      throw e;
    }
    store.split(req.valFraction, req.seed);
    ds = store;
    return store.summary();
  }),
  cancelIngest: () => DatasetStore.gate.cancel(),
  split: (req) => {
    const d = needData('split');
    if (state !== 'idle') throw new Error('split: stop training first');
    d.split(req.valFraction, req.seed);
    return d.summary();
  },
  images: (req) => needData('images').images(req.indices),
  classImages: (req) => {
    const d = needData('classImages');
    const indices: number[] = [], names: string[] = [];
    for (const i of req.split === 'train' ? d.train : d.val) {
      if (d.labels[i] === req.label) {
        indices.push(i);
        names.push(d.names[i]);
      }
    }
    return { indices, names };
  },
  build: (cfg) => buildModel(cfg),
  estimate: (req) => estimate(req.batchSize),
  train: (cfg) => train(cfg),
  pause: () => {
    if (state === 'training') setState('paused');
    return state;
  },
  resume: () => {
    if (state === 'paused') setState('training');
    return state;
  },
  stop: () => {
    if (state === 'training' || state === 'paused') setState('stopping');
    return state;
  },
  setViz: (req) => {
    viz = { ...req };
    return null;
  },
  featureMaps: (req) => featureMaps(needModel('featureMaps'), needData('featureMaps'), req.layer, req.image),
  filters: () => {
    const m = needModel('filters');
    const name = modelInfo?.firstConv;
    if (!name) return null;
    const w = m.getWeights().find((v) => v.layer === name && /(^|\/)(depthwise_)?kernel$/.test(v.name));
    return w ? { layer: name, shape: w.shape, data: w.data } : null;
  },
  gradCam: (req) => {
    // Feature-detected: older package versions have no Model.gradCam.
    const m = needModel('gradCam');
    const gradCam = (m as unknown as { gradCam?: unknown }).gradCam;
    if (typeof gradCam !== 'function') return { available: false, reason: 'Grad-CAM is not available in this engine version (Model.gradCam is missing)' };
    const d = needData('gradCam');
    const x = cw.tensor(d.image(req.image).slice(), [1, d.size, d.size, 3]);
    const p = probabilities(m, x.data as Uint8Array, 1, d.size);
    let cls = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[cls]) cls = c;
    const heat = (gradCam as (l: string, x: cw.Tensor, c: number) => cw.Tensor).call(m, req.layer, x, cls);
    return { available: true, heat: Float32Array.from(heat.data), h: heat.shape[1], w: heat.shape[2], classIndex: cls };
  },
  augmentPreview: (req) => {
    // Looked up by name: older package versions have no augment().
    const augment = Reflect.get(cw, 'augment') as ((x: cw.Tensor, layers: cw.Layer[], o: { seed: number }) => cw.Tensor) | undefined;
    if (typeof augment !== 'function') return { available: false, reason: 'the augmentation preview is not available in this engine version (convnet-wasm has no augment())' };
    const d = needData('augmentPreview');
    const r = rng(req.seed);
    const idx = Array.from({ length: Math.min(req.count, d.train.length) }, () => d.train[Math.floor(r() * d.train.length)]);
    const pixels = d.gather(idx);
    const layers = augmentationLayers(req.augment, req.seed);
    if (layers.length === 0) return { available: true, images: { data: pixels, n: idx.length, size: d.size } };
    const out = augment(cw.tensor(pixels, [idx.length, d.size, d.size, 3]), layers, { seed: req.seed }).data;
    const data = Uint8Array.from(out, (v) => Math.max(0, Math.min(255, Math.round(v))));
    return { available: true, images: { data, n: idx.length, size: d.size } };
  },
  predict: async (req) => {
    const m = needModel('predict');
    const size = m.inputShape[0];
    const ok: Uint8Array[] = [], names: string[] = [], failed: Array<{ name: string; reason: string }> = [];
    for (const it of req.items) {
      try {
        ok.push((await decodeImage(it.blob, size)).rgb);
        names.push(it.name);
      } catch (e) {
        failed.push({ name: it.name, reason: (e as Error).message });
      }
    }
    const data = new Uint8Array(ok.length * size * size * 3);
    ok.forEach((v, i) => data.set(v, i * v.length));
    const classes = isBinary(m) ? 2 : m.outputShape[0];
    const probs = ok.length ? probabilities(m, data, ok.length, size) : new Float32Array(0);
    return { probs, classes, images: { data, n: ok.length, size }, names, failed };
  },
  exportTfjs: async () => {
    const a = await needModel('export').saveTfjs();
    const json = { ...a.modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
    return { modelJson: JSON.stringify(json), weights: new Uint8Array(a.weightData) };
  },
  exportCheckpoint: async () => {
    const m = needModel('exportCheckpoint');
    if (!compiledKey) compileFor(m, lastTrain ?? { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, schedule: 'constant', vizEvery: 0 });
    const checkpoint = await m.saveCheckpoint({ epoch: history.length });
    const meta = JSON.stringify({ format: 'convnet-wasm-app checkpoint 1', classes: ds?.classes, size: ds?.size, config: modelConfig, train: lastTrain, history });
    return { checkpoint, modelJson: modelInfo!.json, meta };
  },
  restore: () => restore(),
  memory: () => ({ ...cw.memory(), datasetBytes: ds?.bytes ?? 0, spilledBytes: ds?.spilledBytes ?? 0 }),
};

scope.onmessage = async (e: MessageEvent) => {
  const req = e.data as Request;
  try {
    const out = await (handlers[req.type] as (i: unknown) => unknown)(req.in);
    post({ type: req.type, id: req.id, out }, transferables(out));
  } catch (err) {
    post({ type: req.type, id: req.id, err: { message: err instanceof Error ? err.message : String(err) } });
  }
};

/** Typed-array buffers in a result, moved instead of copied (each buffer once). */
function transferables(v: unknown, found = new Set<ArrayBuffer>(), depth = 0): Transferable[] {
  if (depth > 4 || v === null || typeof v !== 'object') return [...found];
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) found.add(v.buffer);
    return [...found];
  }
  for (const x of Array.isArray(v) ? v : Object.values(v)) transferables(x, found, depth + 1);
  return [...found];
}
