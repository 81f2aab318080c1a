// The app worker: owns the engine, the decoded dataset and the model, so the page never
// freezes. Training is the package's fit loop (Model.fitDataset) over the dataset store as a
// batch source, driven by the package's TrainingControl (pause/resume/stop); this file only
// adapts: it sets the schedule's learning rate per batch, posts progress and feature maps, and
// after every epoch validates (per-image predictions for the confusion matrix), posts the
// record and saves the checkpoint (and, once, the dataset) to IndexedDB.
import * as cw from 'convnet-wasm';
import type { EngineInfo, Model } from 'convnet-wasm';
import { DatasetStore } from './dataset-store.js';
import { decodeImage } from './decode.js';
import type {
  AppApi,
  EpochRecord,
  Estimate,
  FeatureMaps,
  ModelConfig,
  ModelInfo,
  PretrainedInfo,
  Request,
  RequestType,
  Response,
  TrainConfig,
  TrainState,
  ValidationResult,
  WorkerEvent,
} from './messages.js';
import { augmentationLayers, buildSpec } from './models.js';
import { loadDataset, loadSession, persistDataset, saveSession } from './persist.js';
import { learningRateAt } from './schedule.js';
import { storeSource } from './store-source.js';

type Out<K extends RequestType> = AppApi[K]['out'];

const scope = globalThis as unknown as {
  postMessage(m: unknown, t?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};
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
/** The class names the model was built for (its output order). */
let modelClasses: string[] | null = null;
let viz = { layer: '', image: -1 };
/** The pretrained model last dropped (the backbone transfer models are cut from), and what the page was told about it. */
let pretrained: { model: Model; info: PretrainedInfo } | null = null;
// The package's pause/resume/stop state machine drives every run; `state` mirrors it for the handlers.
const control = new cw.TrainingControl();
let state: TrainState = 'idle';
control.onChange((s) => {
  state = s;
  emit({ kind: 'state', state: s });
});

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

/** The model's input from stored pixels (0..255): MobileNets take x / 127.5 - 1, the app's own models rescale themselves. */
function modelInput(pixels: Uint8Array): Uint8Array | Float32Array {
  if (modelConfig?.preprocess !== 'mobilenet') return pixels;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 127.5 - 1;
  return out;
}

/** Model.setTrainable (Keras's layer.trainable: all layers, a from..to range or a list); compile again afterwards. */
function setTrainable(m: Model, trainable: boolean, which?: { from?: string; to?: string; layers?: string[] }): void {
  m.setTrainable(trainable, which);
  compiledKey = '';
}

function describe(m: Model, json: string): ModelInfo {
  const summary = m.summaryData();
  const mapLayers = summary.layers
    .filter((l) => l.outputShape.length === 4 && l.className !== 'InputLayer')
    .map((l) => l.name);
  const firstConv =
    summary.layers.find((l) => ['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D'].includes(l.className))?.name ?? null;
  return {
    summary,
    summaryText: m.summary(),
    params: m.countParams(),
    json,
    inputShape: [...m.inputShape],
    outputShape: [...m.outputShape],
    binary: isBinary(m),
    threads: m.threads,
    mapLayers,
    firstConv,
    epochsTrained: history.length,
    classNames: modelClasses ?? undefined,
  };
}

function checkInput(m: Model, d: DatasetStore, what: string) {
  const [h, w, c] = m.inputShape;
  if (h !== d.size || w !== d.size || c !== 3) {
    throw new Error(
      `${what}: the model takes ${h}x${w}x${c} images but the dataset is stored at ${d.size}x${d.size}x3: set the input size to ${h} and load the images again`,
    );
  }
  if (isBinary(m) ? d.classes.length !== 2 : m.outputShape[0] !== d.classes.length) {
    throw new Error(
      `${what}: the model has ${isBinary(m) ? 2 : m.outputShape[0]} classes but the dataset has ${d.classes.length}: rebuild the model`,
    );
  }
}

function compileFor(m: Model, cfg: TrainConfig) {
  const key = `${cfg.optimizer}`;
  if (compiledKey === key) return;
  m.compile({
    optimizer: {
      name: cfg.optimizer,
      learningRate: cfg.learningRate,
      ...(cfg.optimizer === 'sgd' ? { momentum: 0.9 } : {}),
    },
    loss: isBinary(m) ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  compiledKey = key;
}

/** Class probabilities [n, classes] (binary models: [1 - p, p]). */
function probabilities(m: Model, x: Uint8Array, n: number, size: number): Float32Array {
  const out = m.predict(cw.tensor(modelInput(x), [n, size, size, 3]), { batchSize: 32 }).data as Float32Array;
  if (!isBinary(m)) return out;
  const p = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    p[2 * i] = 1 - out[i];
    p[2 * i + 1] = out[i];
  }
  return p;
}

/** Validation loss/accuracy and per-image predictions, in inference mode, in batches. */
async function validate(
  m: Model,
  d: DatasetStore,
): Promise<{ loss: number; accuracy: number; result: ValidationResult }> {
  const n = d.val.length,
    k = d.classes.length,
    bs = 64;
  const predicted = new Int32Array(n),
    confidence = new Float32Array(n),
    trueLabels = new Int32Array(n);
  let lossSum = 0,
    correct = 0;
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
    await cw.yieldToEventLoop();
  }
  return {
    loss: n ? lossSum / n : NaN,
    accuracy: n ? correct / n : NaN,
    result: { trueLabels, predicted, confidence, indices: d.val.slice() },
  };
}

function featureMaps(m: Model, d: DatasetStore, layer: string, image: number): FeatureMaps {
  if (!(image >= 0 && image < d.length))
    throw new Error(`featureMaps: image ${image} is not in the dataset (0..${d.length - 1})`);
  const out = m.layerOutput(layer, cw.tensor(modelInput(d.image(image).slice()), [1, d.size, d.size, 3]));
  return { layer, image, shape: out.shape.slice(1), data: out.data as Float32Array };
}

async function train(cfg: TrainConfig): Promise<Out<'train'>> {
  const m = needModel('train');
  const d = needData('train');
  checkInput(m, d, 'train');
  if (state !== 'idle') throw new Error('training is already running');
  if (d.train.length === 0) throw new Error('the training split is empty: lower the validation fraction or add images');
  compileFor(m, cfg);
  const n = d.train.length;
  // Never start a run that cannot fit: say what it needs and the batch that would.
  const problem = memoryProblem(m.memoryEstimate(Math.min(cfg.batchSize, n)), Math.min(cfg.batchSize, n));
  if (problem) throw new Error(problem);
  lastTrain = cfg;
  const done: EpochRecord[] = [];
  let ips = 0,
    step = 0,
    lr = NaN,
    lastPost = 0,
    batchStart = 0,
    lossSum = 0,
    accSum = 0,
    seen = 0;
  const fit = await m.fitDataset(
    storeSource(d, d.train, modelConfig?.preprocess === 'mobilenet' ? modelInput : undefined),
    {
      epochs: Math.max(0, cfg.epochs - history.length),
      initialEpoch: history.length,
      batchSize: Math.min(cfg.batchSize, n),
      control,
      callbacks: {
        onEpochBegin: () => {
          lossSum = accSum = seen = 0;
        },
        onBatchBegin: (b, info) => {
          const rate = learningRateAt(cfg, info.epoch, b, info.batches);
          if (rate !== lr) {
            m.setLearningRate(rate);
            lr = rate;
          }
          batchStart = performance.now();
        },
        onBatchEnd: (b, logs) => {
          const rate = logs.size / Math.max((performance.now() - batchStart) / 1000, 1e-6);
          ips = ips === 0 ? rate : 0.8 * ips + 0.2 * rate;
          lossSum += logs.loss * logs.size;
          accSum += (logs.accuracy ?? 0) * logs.size;
          seen += logs.size;
          step++;
          const now = performance.now();
          if (now - lastPost > 100 || b === logs.batches - 1) {
            lastPost = now;
            const remaining = (cfg.epochs - logs.epoch - 1) * n + (n - seen);
            emit({
              kind: 'batch',
              epoch: logs.epoch,
              batch: b + 1,
              batches: logs.batches,
              loss: lossSum / seen,
              accuracy: accSum / seen,
              imagesPerSecond: ips,
              etaSeconds: remaining / Math.max(ips, 1e-9),
              learningRate: lr,
            });
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
        },
        onEpochEnd: async (epoch, logs) => {
          if (logs.stopped) return; // a stopped epoch is not a record: resuming repeats it whole
          const t0 = performance.now();
          const v = await validate(m, d);
          const record: EpochRecord = {
            epoch: epoch + 1,
            loss: logs.loss,
            accuracy: logs.accuracy ?? NaN,
            valLoss: v.loss,
            valAccuracy: v.accuracy,
            seconds: logs.seconds + (performance.now() - t0) / 1000,
            learningRate: lr,
          };
          history.push(record);
          done.push(record);
          emit({ kind: 'epoch', record, validation: v.result });
          await checkpoint(m, d, cfg);
        },
      },
    },
  );
  return { epochs: done, stopped: fit.stopped };
}

async function checkpoint(m: Model, d: DatasetStore, cfg: TrainConfig) {
  try {
    const bytes = await m.saveCheckpoint({ epoch: history.length });
    const persisted = await persistDataset(d);
    await saveSession(
      {
        datasetId: d.id,
        classes: d.classes,
        size: d.size,
        total: d.length,
        modelName: m.name,
        epoch: history.length,
        savedAt: Date.now(),
        modelJson: modelInfo!.json,
        config: modelConfig!,
        train: cfg,
        history,
        datasetPersisted: persisted,
      },
      bytes,
    );
    emit({ kind: 'checkpoint', epoch: history.length, bytes: bytes.byteLength });
    if (!persisted)
      emit({
        kind: 'log',
        message: 'the dataset is too large to keep in IndexedDB: resuming will need the images again',
      });
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
  if (cfg.kind === 'transfer') {
    m = buildTransfer(cfg);
    json = JSON.stringify(m.toJSON());
  } else if (cfg.kind === 'import') {
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
  modelClasses = ds ? [...ds.classes] : null;
  modelInfo = describe(m, json);
  return modelInfo;
}

/** Keras's transfer recipe: the pretrained model cut at `cut`, a new head (GlobalAveragePooling2D if 4-D, Dense softmax), the backbone frozen. */
function buildTransfer(cfg: ModelConfig): Model {
  const t = cfg.transfer;
  if (!t) throw new Error('build: no transfer settings');
  if (!pretrained || pretrained.model.isDisposed)
    throw new Error('build: drop the pretrained model again (it is kept only until the page reloads)');
  const base = pretrained.model;
  const features = base.getLayer(t.cut).outputTensor;
  if (!features) throw new Error(`build: layer '${t.cut}' has no single output to put a head on`);
  const rank = features.shape?.length ?? 0;
  if (rank !== 4 && rank !== 2)
    throw new Error(
      `build: layer '${t.cut}' outputs ${JSON.stringify(features.shape)}: cut at a feature map or a vector`,
    );
  const pooled = rank === 4 ? cw.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(features) : features;
  const y = cw.layers.dense({ units: cfg.classes, activation: 'softmax', name: 'head_dense' }).apply(pooled);
  const name = `${base.name.replace(/[^\w.-]/g, '_')}_new_head`;
  const m = cw.model({ inputs: base.input, outputs: y, name, seed: cfg.seed });
  try {
    applyFreeze(m, t.freeze, t.cut);
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}

/**
 * 'backbone': every layer up to the cut frozen; 'from:<layer>': frozen below <layer>, and the
 * BatchNormalization layers above it stay frozen too (in inference mode, with their moving
 * statistics), as Keras's fine-tuning guides do: a few small batches' statistics would replace
 * the pretrained ones; 'none': every layer trains.
 */
function applyFreeze(m: Model, freeze: string, cut: string): void {
  setTrainable(m, true);
  if (freeze === 'none') return;
  setTrainable(m, false, { to: cut });
  if (!freeze.startsWith('from:')) return;
  const from = freeze.slice(5);
  setTrainable(m, true, { from });
  const layers = m.summaryData().layers;
  const start = layers.findIndex((l) => l.name === from);
  const end = layers.findIndex((l) => l.name === cut);
  const bn = layers.slice(start, end + 1).filter((l) => l.className === 'BatchNormalization');
  if (start >= 0 && bn.length) setTrainable(m, false, { layers: bn.map((l) => l.name) });
}

const CLASSIFIER = new Set(['Dense', 'Dropout', 'Activation', 'Softmax', 'Reshape', 'Flatten']);

/** What the Model screen shows about a dropped pretrained model: layers, the suggested cut, blocks, input size, scaling. */
async function loadPretrained(req: AppApi['pretrained']['in']): Promise<PretrainedInfo> {
  if (state !== 'idle') throw new Error('pretrained: stop training first');
  let labels: string[] | null = null,
    tmSize = 0;
  if (req.metadata) {
    try {
      const meta = JSON.parse(req.metadata) as { labels?: unknown; imageSize?: unknown };
      if (Array.isArray(meta.labels)) labels = meta.labels.map(String);
      if (typeof meta.imageSize === 'number') tmSize = meta.imageSize;
    } catch (e) {
      throw new Error(`metadata.json is not valid JSON (${(e as Error).message})`);
    }
  }
  const base = await cw.loadTfjsModel(req.modelJson, req.weights);
  const summary = base.summaryData();
  const all = summary.layers;
  // The classifier: trailing Dense/Dropout/Activation/Reshape/Flatten layers, and a 1x1 Conv2D on a 1x1 map (MobileNet V1's conv_preds).
  let at = all.length - 1;
  const isClassifier = (l: (typeof all)[number]) =>
    CLASSIFIER.has(l.className) ||
    (l.className === 'Conv2D' && l.outputShape.length === 4 && l.outputShape[1] === 1 && l.outputShape[2] === 1);
  while (at > 0 && isClassifier(all[at])) at--;
  let cut = all[at].name;
  // Keras's MobileNetV2 (not a TM export, whose backbone ends at its pooling): cut at out_relu, the new head pools.
  if (!req.metadata && all.some((l) => l.name === 'out_relu')) cut = 'out_relu';
  const cutAt = all.findIndex((l) => l.name === cut);
  const blocks: PretrainedInfo['blocks'] = [];
  const seen = new Set<string>();
  for (const l of all.slice(0, cutAt + 1)) {
    const k = /(block_\d+)_/.exec(l.name)?.[1] ?? /conv_(?:pad|dw|pw)_(\d+)/.exec(l.name)?.[1];
    const key = k ? (k.startsWith('block') ? k : `block ${k}`) : null;
    if (key && !seen.has(key)) {
      seen.add(key);
      blocks.push({ name: key.replace('_', ' '), first: l.name });
    }
  }
  if (blocks.length === 0)
    for (const l of all.slice(0, cutAt + 1))
      if (['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Dense'].includes(l.className))
        blocks.push({ name: l.name, first: l.name });
  const inputSize = base.inputShape[0] || tmSize;
  const mobilenet = all.some((l) => /^(conv_dw_|block_|expanded_conv|Conv1|conv1)/.test(l.name.split('/').pop() ?? ''));
  pretrained?.model.dispose();
  const info: PretrainedInfo = {
    name: base.name,
    source: req.source,
    params: summary.totalParams,
    inputSize,
    labels,
    preprocess: mobilenet || labels ? 'mobilenet' : 'none',
    layers: all.map((l) => ({ name: l.name, className: l.className, outputShape: l.outputShape, params: l.params })),
    cut,
    blocks,
  };
  pretrained = { model: base, info };
  return info;
}

/** Keras's fine-tuning step: unfreeze the top of the backbone (from `from` up); train again at a lower rate. */
function fineTune(from: string): Out<'fineTune'> {
  if (state !== 'idle') throw new Error('fine-tune: stop training first');
  const m = needModel('fine-tune');
  if (modelConfig?.kind !== 'transfer' || !modelConfig.transfer)
    throw new Error('fine-tune: the model is not a pretrained model with a new head');
  m.getLayer(from); // says so when the layer is not in the model
  applyFreeze(m, `from:${from}`, modelConfig.transfer.cut);
  modelConfig = { ...modelConfig, transfer: { ...modelConfig.transfer, freeze: `from:${from}` } };
  modelInfo = describe(m, modelInfo!.json);
  return { model: modelInfo, config: modelConfig };
}

const mib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(0)} MiB`);

/** Why training at `batchSize` cannot fit in the engine's memory, with the way out; '' when it fits. */
function memoryProblem(e: cw.MemoryEstimate, batchSize: number): string {
  if (e.fits) return '';
  // Within the heap but still refused: the activations are one block, and one block stays under 2 GiB.
  const why =
    e.bytes <= e.limitBytes
      ? 'more than one block of engine memory can hold (under 2 GiB)'
      : `but the engine can use at most ${mib(e.limitBytes)} here`;
  return (
    `training at batch ${batchSize} needs ${mib(e.bytes)} (activations ${mib(e.activationBytes)}), ${why}: ` +
    (e.maxBatch > 0
      ? `set the batch size to ${e.maxBatch} or less, or use smaller images`
      : 'not even one image fits: use smaller images or a smaller model')
  );
}

function estimate(batchSize: number): Estimate {
  const m = needModel('estimate');
  const size = m.inputShape[0];
  const need = m.memoryEstimate(batchSize);
  const memory = {
    memoryBytes: need.bytes,
    limitBytes: need.limitBytes,
    maxBatch: need.maxBatch,
    fits: need.fits,
    batchSize,
  };
  // Timing builds a second model: only when both fit with room to spare.
  // A transfer model's copy would train its frozen backbone too: no timing for it.
  if (!need.fits || 2 * need.bytes > need.limitBytes || modelConfig?.kind === 'transfer')
    return { ...memory, secondsPerBatch: NaN, secondsPerEpoch: NaN };
  const t = cw.modelFromJson(modelInfo!.json, { seed: 1 });
  try {
    t.compile({ optimizer: 'adam', loss: isBinary(t) ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy' });
    const x = new Uint8Array(batchSize * size * size * 3).map((_, i) => (i * 2654435761) >>> 24);
    const y = new Float32Array(batchSize).map((_, i) => (isBinary(t) ? i % 2 : i % Math.max(1, t.outputShape[0])));
    const xt = cw.tensor(x, [batchSize, size, size, 3]);
    t.trainOnBatch(xt, y); // warm-up: plans and allocates
    const t0 = performance.now();
    t.trainOnBatch(xt, y);
    t.trainOnBatch(xt, y);
    const perBatch = (performance.now() - t0) / 2000;
    const nTrain = ds?.train.length ?? 0,
      nVal = ds?.val.length ?? 0;
    // Inference costs about a third of a training step.
    const perEpoch = perBatch * Math.ceil(nTrain / batchSize) + (perBatch / 3) * Math.ceil(nVal / batchSize);
    return { ...memory, secondsPerBatch: perBatch, secondsPerEpoch: perEpoch };
  } finally {
    t.dispose();
  }
}

const CHECKPOINT_FORMAT = 'convnet-wasm-app checkpoint 1';
const DEFAULT_TRAIN: TrainConfig = {
  epochs: 10,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 1e-3,
  schedule: 'constant',
  vizEvery: 5,
};

/** What the exported model.json says about itself (TF.js userDefinedMetadata; Teachable Machine's key names). */
function exportMetadata(m: Model): Record<string, unknown> {
  const labels = modelClasses ?? ds?.classes ?? [];
  return {
    labels,
    imageSize: m.inputShape[0],
    inputShape: [...m.inputShape],
    input:
      modelConfig?.preprocess === 'mobilenet'
        ? "RGB pixels scaled to [-1, 1] (x / 127.5 - 1, MobileNet's preprocessing), NHWC"
        : 'RGB pixels in 0..255, NHWC; the model rescales them itself',
    preprocessing: modelConfig?.preprocess === 'mobilenet' ? 'x / 127.5 - 1' : 'none',
    output: isBinary(m)
      ? `one sigmoid unit: the probability of '${labels[1] ?? 'class 1'}' (1 - p for '${labels[0] ?? 'class 0'}')`
      : 'softmax over labels, in this order',
    exportedBy: 'convnet-wasm app',
  };
}

/** A checkpoint .zip exported by this app (in this or another browser): the model and its training state, to predict with or train on. */
async function importCheckpoint(req: AppApi['importCheckpoint']['in']): Promise<Out<'importCheckpoint'>> {
  if (state !== 'idle') throw new Error('import: stop training first');
  let meta: {
    format?: unknown;
    classes?: unknown;
    size?: unknown;
    config?: unknown;
    train?: unknown;
    history?: unknown;
  };
  try {
    meta = JSON.parse(req.meta);
  } catch (e) {
    throw new Error(`app.json in the checkpoint is not valid JSON (${(e as Error).message})`);
  }
  if (meta?.format !== CHECKPOINT_FORMAT)
    throw new Error(
      `this .zip is not a checkpoint exported by this app (app.json format is ${JSON.stringify(meta?.format)}, expected '${CHECKPOINT_FORMAT}')`,
    );
  const classes = meta.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string'))
    throw new Error('the checkpoint does not list its class names (app.json "classes")');
  const config = meta.config as ModelConfig | null;
  if (!config || typeof config !== 'object' || !Number.isInteger(config.seed))
    throw new Error('the checkpoint has no model settings (app.json "config")');
  const records = Array.isArray(meta.history) ? (meta.history as EpochRecord[]) : [];
  const m = cw.modelFromJson(req.modelJson, { seed: config.seed });
  let epoch: number;
  try {
    compiledKey = '';
    compileFor(m, (meta.train as TrainConfig | null) ?? DEFAULT_TRAIN);
    epoch = (await m.loadCheckpoint(req.checkpoint)).epoch;
  } catch (e) {
    m.dispose();
    compiledKey = '';
    throw e;
  }
  model?.dispose();
  model = m;
  modelConfig = config;
  modelClasses = classes as string[];
  history = records.slice(0, epoch);
  lastTrain = (meta.train as TrainConfig | null) ?? null;
  modelInfo = describe(m, req.modelJson);
  return { model: modelInfo, history, train: lastTrain, config, classes: modelClasses, size: m.inputShape[0] };
}

async function restore(): Promise<Out<'restore'>> {
  if (state !== 'idle') throw new Error('restore: stop training first');
  const { record, checkpoint: bytes } = await loadSession();
  if (!record.datasetPersisted)
    throw new Error(
      'the saved session has no stored dataset (it was too large): load the images, then build and train again',
    );
  await ds?.close();
  ds = await loadDataset(record.datasetId);
  model?.dispose();
  model = cw.modelFromJson(record.modelJson, { seed: record.config.seed });
  modelConfig = record.config;
  modelClasses = [...record.classes];
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
  ingest: (req) =>
    DatasetStore.gate.run(async (cancelled) => {
      if (state !== 'idle') throw new Error('ingest: stop training first');
      await ds?.close();
      ds = null;
      const store = new DatasetStore(req.classes, req.size);
      try {
        store.corrupt.push(...req.extraProblems);
        const note = await store.prepare(req.items.length, req.budgetBytes);
        if (note) emit({ kind: 'log', message: note });
        await store.ingest(
          req.items,
          (done) =>
            emit({ kind: 'ingest', done, total: req.items.length, corrupt: store.corrupt.length, ticket: req.ticket }),
          cancelled,
        );
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
    const indices: number[] = [],
      names: string[] = [];
    for (const i of req.split === 'train' ? d.train : d.val) {
      if (d.labels[i] === req.label) {
        indices.push(i);
        names.push(d.names[i]);
      }
    }
    return { indices, names };
  },
  build: (cfg) => buildModel(cfg),
  pretrained: (req) => loadPretrained(req),
  fineTune: (req) => fineTune(req.from),
  estimate: (req) => estimate(req.batchSize),
  train: (cfg) => train(cfg),
  pause: () => control.pause(),
  resume: () => control.resume(),
  stop: () => control.stop(),
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
    const m = needModel('gradCam');
    const d = needData('gradCam');
    const x = cw.tensor(d.image(req.image).slice(), [1, d.size, d.size, 3]);
    const p = probabilities(m, x.data as Uint8Array, 1, d.size);
    let cls = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[cls]) cls = c;
    const heat = m.gradCam(req.layer, cw.tensor(modelInput(x.data as Uint8Array), x.shape), cls);
    return { available: true, heat: Float32Array.from(heat.data), h: heat.shape[1], w: heat.shape[2], classIndex: cls };
  },
  augmentPreview: (req) => {
    const d = needData('augmentPreview');
    const r = cw.seededRandom(req.seed);
    const idx = Array.from(
      { length: Math.min(req.count, d.train.length) },
      () => d.train[Math.floor(r() * d.train.length)],
    );
    const pixels = d.gather(idx);
    const layers = augmentationLayers(req.augment, req.seed);
    if (layers.length === 0) return { available: true, images: { data: pixels, n: idx.length, size: d.size } };
    const out = cw.augment(cw.tensor(pixels, [idx.length, d.size, d.size, 3]), layers, { seed: req.seed }).data;
    const data = Uint8Array.from(out, (v) => Math.max(0, Math.min(255, Math.round(v))));
    return { available: true, images: { data, n: idx.length, size: d.size } };
  },
  predict: async (req) => {
    const m = needModel('predict');
    const size = m.inputShape[0];
    const ok: Uint8Array[] = [],
      names: string[] = [],
      failed: Array<{ name: string; reason: string }> = [];
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
    // An inference model TF.js loads (augmentation left out), with the labels and input size.
    const m = needModel('export');
    const a = await m.saveTfjs({ metadata: exportMetadata(m) });
    const json = { ...a.modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
    return { modelJson: JSON.stringify(json), weights: new Uint8Array(a.weightData) };
  },
  exportCheckpoint: async () => {
    const m = needModel('exportCheckpoint');
    if (!compiledKey)
      compileFor(
        m,
        lastTrain ?? {
          epochs: 1,
          batchSize: 32,
          optimizer: 'adam',
          learningRate: 1e-3,
          schedule: 'constant',
          vizEvery: 0,
        },
      );
    const checkpoint = await m.saveCheckpoint({ epoch: history.length });
    const meta = JSON.stringify({
      format: CHECKPOINT_FORMAT,
      classes: modelClasses ?? ds?.classes,
      size: m.inputShape[0],
      config: modelConfig,
      train: lastTrain,
      history,
    });
    return { checkpoint, modelJson: modelInfo!.json, meta };
  },
  restore: () => restore(),
  importCheckpoint: (req) => importCheckpoint(req),
  validate: async () => {
    if (state !== 'idle') throw new Error('validate: training is running (it validates after every epoch)');
    const m = needModel('validate');
    const d = needData('validate');
    checkInput(m, d, 'validate');
    return validate(m, d);
  },
  memory: () => ({ ...cw.memory(), datasetBytes: ds?.bytes ?? 0, spilledBytes: ds?.spilledBytes ?? 0 }),
  ping: () => true as const,
};

/** Set when the engine trapped or aborted: its memory can no longer be trusted, so nothing else runs. */
let engineStopped: string | null = null;
const stoppedMessage = (reason: string) =>
  `the engine stopped (${reason}). Reload the page to start it again: the checkpoint of the last finished epoch is kept in this browser and offered after the reload.`;

scope.onmessage = async (e: MessageEvent) => {
  const req = e.data as Request;
  try {
    if (engineStopped !== null && req.type !== 'memory' && req.type !== 'ping')
      throw new Error(stoppedMessage(engineStopped));
    const out = await (handlers[req.type] as (i: unknown) => unknown)(req.in);
    post({ type: req.type, id: req.id, out }, transferables(out));
  } catch (err) {
    const fatal = engineStopped === null ? cw.fatalEngineError(err) : null;
    if (fatal !== null) {
      engineStopped = fatal;
      emit({ kind: 'log', message: stoppedMessage(fatal) });
    }
    post({
      type: req.type,
      id: req.id,
      err: { message: fatal !== null ? stoppedMessage(fatal) : err instanceof Error ? err.message : String(err) },
    });
  }
};

/** Typed-array buffers in a result, moved instead of copied (each buffer once). */
function transferables(v: unknown, found = new Set<ArrayBuffer>(), depth = 0): Transferable[] {
  if (depth > 4 || v === null || typeof v !== 'object') return [...found];
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
      found.add(v.buffer);
    return [...found];
  }
  for (const x of Array.isArray(v) ? v : Object.values(v)) transferables(x, found, depth + 1);
  return [...found];
}
