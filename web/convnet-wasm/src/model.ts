// Model: one engine session (a compiled graph, its weights, optimizer state and staging buffers)
// behind Keras's methods. Data crosses into wasm once per batch through the session's staging
// views, which are re-fetched for every batch because any call that grows wasm memory detaches
// them. fit() yields to the event loop between batches so pages and AbortSignals stay live.
import { engine, getPlatform } from './engine.js';
import type { RawSession } from './engine-types.js';
import { argError, check, ConvnetError } from './errors.js';
import { Layer, SymbolicTensor } from './layers.js';
import { Tensor, describeData } from './tensor.js';
import type { TensorData } from './tensor.js';
import { toTopology } from './topology.js';
import type { FunctionalSpec, ModelJson, ModelSpec } from './topology.js';

export type LossName =
  | 'binaryCrossentropy' | 'binary_crossentropy'
  | 'categoricalCrossentropy' | 'categorical_crossentropy'
  | 'sparseCategoricalCrossentropy' | 'sparse_categorical_crossentropy'
  | 'meanSquaredError' | 'mean_squared_error' | 'mse';

export type OptimizerName = 'sgd' | 'rmsprop' | 'adam';

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate?: number;
  /** sgd */
  momentum?: number;
  nesterov?: boolean;
  /** rmsprop */
  rho?: number;
  /** adam */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface CompileOptions {
  /** Default 'rmsprop' (as Keras). */
  optimizer?: OptimizerName | OptimizerConfig;
  loss: LossName;
  fromLogits?: boolean;
  /** 'accuracy' (or 'acc') adds accuracy to the logs; the engine always computes it. */
  metrics?: ReadonlyArray<'accuracy' | 'acc'>;
}

export interface BatchLogs {
  loss: number;
  accuracy?: number;
  /** Samples in this batch. */
  size: number;
  batch: number;
  epoch: number;
}

export interface EpochLogs {
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  /** Wall time of the epoch, seconds. */
  seconds: number;
}

type MaybePromise = void | Promise<void>;

export interface FitCallbacks {
  onTrainBegin?: () => MaybePromise;
  onEpochBegin?: (epoch: number) => MaybePromise;
  onBatchEnd?: (batch: number, logs: BatchLogs) => MaybePromise;
  onEpochEnd?: (epoch: number, logs: EpochLogs) => MaybePromise;
  onTrainEnd?: (history: History) => MaybePromise;
}

export type LabelsLike = Tensor | TensorData | number[];

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the samples, taken from the end before shuffling (as Keras), kept for validation. */
  validationSplit?: number;
  validationData?: readonly [Tensor, LabelsLike] | { x: Tensor; y: LabelsLike };
  /** Shuffle the training samples every epoch (default true; seeded by the model's seed). */
  shuffle?: boolean;
  callbacks?: FitCallbacks;
  /** Aborting rejects fit() with the signal's reason after the current batch. */
  signal?: AbortSignal;
  /** Epoch to start counting from (resuming). */
  initialEpoch?: number;
}

export interface History {
  epoch: number[];
  history: { loss: number[]; accuracy?: number[]; val_loss?: number[]; val_accuracy?: number[] };
  /** True when model.stopTraining ended fit() early. */
  stopped: boolean;
}

export interface LayerSummary {
  name: string;
  className: string;
  /** [null, ...dims] */
  outputShape: Array<number | null>;
  params: number;
  inbound: string[];
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

export interface Weight {
  /** 'layer/name', as TF.js names weights (e.g. 'conv2d/kernel'). */
  name: string;
  layer: string;
  shape: number[];
  trainable: boolean;
  data: Float32Array;
}

export interface ModelOptions {
  /** Seeds weight initialization, dropout, augmentation and shuffling. Default: random. */
  seed?: number;
  /** Threads for this model (default: all the engine allows, see init()). */
  threads?: number;
}

/** One weight as TF.js lists it in model.json's weightsManifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  [k: string]: unknown;
}

/** model.json as TF.js writes it. */
export interface TfjsModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: Array<{ paths: string[]; weights: TfjsWeightSpec[] }>;
  [k: string]: unknown;
}

/** saveTfjs()'s result: TF.js ModelArtifacts (for tf.io.fromMemory) plus the model.json object. */
export interface TfjsArtifacts {
  /** model.json, whose weightsManifest names one file, group1-shard1of1.bin, holding weightData. */
  modelJson: TfjsModelJson;
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs: TfjsWeightSpec[];
  /** float32 little-endian, in weightSpecs order. */
  weightData: ArrayBuffer;
}

/** Weight files' bytes: one buffer (all files concatenated) or one per file, in weightsManifest order. */
export type WeightBuffers = ArrayBuffer | ArrayBufferView | ReadonlyArray<ArrayBuffer | ArrayBufferView>;

const LOSS_ALIASES: Record<string, string> = {
  binaryCrossentropy: 'binary_crossentropy', binary_crossentropy: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy', categorical_crossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy', sparse_categorical_crossentropy: 'sparse_categorical_crossentropy',
  meanSquaredError: 'mean_squared_error', mean_squared_error: 'mean_squared_error', mse: 'mean_squared_error',
};
const OPTIMIZER_KEYS = ['name', 'learningRate', 'momentum', 'nesterov', 'rho', 'beta1', 'beta2', 'epsilon'];

/** Seeded PRNG for shuffling (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const fmtShape = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'N' : d)).join(', ')}]`;

function asTensorData(v: unknown, what: string): TensorData {
  if (v instanceof Float32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray) return v;
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return Float32Array.from(v);
  throw argError(`${what} must be float32 (a Tensor, Float32Array or number[]; Uint8Array also works), got ${describeData(v)}` +
    (ArrayBuffer.isView(v) ? ': convert it with Float32Array.from(...)' : ''));
}

export class Model {
  readonly name: string;
  /** Per-sample input shape, e.g. [32, 32, 3]. */
  readonly inputShape: readonly number[];
  /** Per-sample output shape, e.g. [10]. */
  readonly outputShape: readonly number[];
  /** Threads this model runs on. */
  readonly threads: number;
  readonly seed: number;
  /** Set to true from a callback to end fit() after the current batch (as Keras). */
  stopTraining = false;

  private session: RawSession | null;
  private readonly topologyJson: string;
  private readonly kind: 'functional' | 'sequential' | 'json';
  private compiled: { loss: string; metrics: boolean } | null = null;
  private training = false;
  private summaryCache: ModelSummary | null = null;
  private epochCount = 0;

  /** Use model(), sequential() or modelFromJson(). */
  constructor(spec: ModelSpec, options: ModelOptions = {}) {
    const topo = toTopology(spec);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53) throw argError(`model: seed must be a non-negative integer, got ${seed}`);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw argError(`model: threads must be a positive integer, got ${options.threads}`);
    }
    this.session = engine().createSession(topo.json, seed, options.threads);
    this.seed = seed;
    this.topologyJson = topo.json;
    this.kind = topo.kind === 'json' && /"class_name"\s*:\s*"Sequential"/.test(topo.json.slice(0, 400)) ? 'sequential' : topo.kind;
    const s = this.session;
    const summary = this.summaryData();
    this.name = summary.name;
    this.inputShape = Object.freeze(s.inputShape());
    this.outputShape = Object.freeze(s.outputShape());
    this.threads = s.threads();
    // Give the symbolic tensors of a functional spec their shapes.
    const shapes = new Map(summary.layers.map((l) => [l.name, l.outputShape]));
    for (const t of topo.tensors) t.shape = shapes.get(t.layer.name) ?? t.shape;
  }

  private live(what: string): RawSession {
    if (!this.session) throw new ConvnetError(`${what}: model '${this.name}' has been disposed`, 'disposed');
    return this.session;
  }

  /** Frees the engine's memory for this model; any later call throws. Safe to call twice. */
  dispose(): void {
    if (this.session) {
      this.session.delete();
      this.session = null;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.session === null;
  }

  /** The model.json topology this model was built from. */
  toJSON(): object {
    return JSON.parse(this.topologyJson);
  }

  // ---- compile ---------------------------------------------------------------------------

  compile(options: CompileOptions): void {
    const s = this.live('compile');
    if (this.training) throw new ConvnetError(`compile: model '${this.name}' is training`, 'failed_precondition');
    if (!options || typeof options !== 'object') throw argError('compile: options {optimizer, loss, metrics} are required');
    for (const k of Object.keys(options)) {
      if (!['optimizer', 'loss', 'fromLogits', 'metrics'].includes(k)) throw argError(`compile: unknown option '${k}'; known options: optimizer, loss, fromLogits, metrics`);
    }
    if (typeof options.loss !== 'string') throw argError(`compile: loss must be a name such as 'binaryCrossentropy', got ${JSON.stringify(options.loss)}`);
    const loss = LOSS_ALIASES[options.loss] ?? options.loss;   // the engine names the supported losses
    const metrics = options.metrics ?? [];
    if (!Array.isArray(metrics)) throw argError(`compile: metrics must be a list like ['accuracy']`);
    for (const m of metrics) {
      if (m !== 'accuracy' && m !== 'acc') throw argError(`compile: metric '${String(m)}' is not supported; use 'accuracy'`);
    }
    let optimizer: unknown = options.optimizer ?? 'rmsprop';
    if (typeof optimizer === 'object' && optimizer !== null) {
      for (const k of Object.keys(optimizer)) {
        if (!OPTIMIZER_KEYS.includes(k)) throw argError(`compile: unknown optimizer option '${k}'; known options: ${OPTIMIZER_KEYS.join(', ')}`);
      }
    } else if (typeof optimizer !== 'string') {
      throw argError(`compile: optimizer must be 'sgd', 'rmsprop', 'adam' or {name, learningRate, ...}`);
    }
    check(s.compile(JSON.stringify({ loss, optimizer, fromLogits: options.fromLogits ?? false })), 'compile');
    this.compiled = { loss, metrics: metrics.length > 0 };
  }

  /** Changes the optimizer's learning rate (for schedules), keeping its state. */
  setLearningRate(lr: number): void {
    check(this.live('setLearningRate').setLearningRate(lr), 'setLearningRate');
  }

  // ---- data checks -----------------------------------------------------------------------

  private checkX(x: unknown, what: string): Tensor {
    if (!(x instanceof Tensor)) {
      throw argError(`${what}: x must be a Tensor (tensor(data, [N, ${this.inputShape.join(', ')}])), got ${describeData(x)}`);
    }
    const want = this.inputShape;
    if (x.rank !== want.length + 1 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw argError(`${what}: x has shape ${fmtShape(x.shape)} but model '${this.name}' takes ${fmtShape([null, ...want])} (NHWC)`);
    }
    if (x.shape[0] === 0) throw argError(`${what}: x has no samples`);
    return x;
  }

  private labelSize(): number {
    return this.live('labels').labelSize();
  }

  private checkY(y: unknown, n: number, what: string): { data: TensorData; size: number } {
    if (!this.compiled) throw new ConvnetError(`${what}: model '${this.name}' must be compiled first: call compile({optimizer, loss})`, 'failed_precondition');
    const data = y instanceof Tensor ? y.data : asTensorData(y, `${what}: y`);
    const size = this.labelSize();
    const shape = y instanceof Tensor ? y.shape : [data.length / size, ...(size > 1 ? [size] : [])];
    const expect = size === 1 ? `[${n}] or [${n}, 1]` : `[${n}, ${size}]`;
    if (shape[0] !== n) {
      throw argError(`${what}: y has ${Number.isInteger(shape[0]) ? shape[0] : data.length / size} samples but x has ${n}; loss ${this.compiled.loss} takes labels of shape ${expect}`);
    }
    if (data.length !== n * size) {
      throw argError(`${what}: y has shape ${fmtShape(shape)} but loss ${this.compiled.loss} with output ${fmtShape([null, ...this.outputShape])} takes labels of shape ${expect}`);
    }
    return { data, size };
  }

  /** Sizes the staging buffers for batches of `batch` (the engine re-plans only when it grows). */
  private reserve(s: RawSession, batch: number): number {
    if (s.reservedBatch() < batch) check(s.reserve(batch), 'reserve');
    return s.reservedBatch();
  }

  // ---- training --------------------------------------------------------------------------

  /** One optimizer step on one batch; returns its loss and accuracy. */
  trainOnBatch(x: Tensor, y: LabelsLike): { loss: number; accuracy: number } {
    const s = this.live('trainOnBatch');
    const xt = this.checkX(x, 'trainOnBatch');
    const n = xt.shape[0];
    const yl = this.checkY(y, n, 'trainOnBatch');
    this.reserve(s, n);
    s.stagingX().set(xt.data);
    s.stagingY().set(yl.data);
    return check(s.trainStep(n), 'trainOnBatch');
  }

  /** Keras's fit: epochs of shuffled mini-batches, per-batch and per-epoch callbacks, AbortSignal. */
  async fit(x: Tensor, y: LabelsLike, options: FitOptions = {}): Promise<History> {
    const s = this.live('fit');
    if (this.training) throw new ConvnetError(`fit: model '${this.name}' is already training; wait for the running fit() to finish`, 'failed_precondition');
    const known = ['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'callbacks', 'signal', 'initialEpoch'];
    for (const k of Object.keys(options)) if (!known.includes(k)) throw argError(`fit: unknown option '${k}'; known options: ${known.join(', ')}`);
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    const initialEpoch = options.initialEpoch ?? 0;
    if (!Number.isInteger(epochs) || epochs < 0) throw argError(`fit: epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argError(`fit: batchSize must be a positive integer, got ${batchSize}`);
    const xt = this.checkX(x, 'fit');
    const nAll = xt.shape[0];
    const yAll = this.checkY(y, nAll, 'fit');
    const xSize = prod(this.inputShape);
    const ySize = yAll.size;

    let nTrain = nAll;
    let val: { x: TensorData; y: TensorData; n: number } | null = null;
    if (options.validationData && options.validationSplit) throw argError('fit: give validationSplit or validationData, not both');
    if (options.validationSplit !== undefined) {
      const f = options.validationSplit;
      if (!(f >= 0 && f < 1)) throw argError(`fit: validationSplit must be in [0, 1), got ${f}`);
      nTrain = Math.floor(nAll * (1 - f));
      if (f > 0 && (nTrain === 0 || nTrain === nAll)) throw argError(`fit: validationSplit ${f} of ${nAll} samples leaves an empty training or validation set`);
      if (nTrain < nAll) val = { x: xt.data.subarray(nTrain * xSize), y: yAll.data.subarray(nTrain * ySize), n: nAll - nTrain };
    } else if (options.validationData) {
      const vd = options.validationData;
      const [vx, vy] = Array.isArray(vd) ? vd : [(vd as { x: Tensor }).x, (vd as { y: LabelsLike }).y];
      const vxt = this.checkX(vx, 'fit: validationData');
      const vyl = this.checkY(vy, vxt.shape[0], 'fit: validationData');
      val = { x: vxt.data, y: vyl.data, n: vxt.shape[0] };
    }
    const signal = options.signal;
    signal?.throwIfAborted();
    const cb = options.callbacks ?? {};
    const platform = getPlatform();
    const acc = this.compiled!.metrics;
    const history: History = { epoch: [], history: { loss: [] }, stopped: false };
    if (acc) history.history.accuracy = [];
    if (val) {
      history.history.val_loss = [];
      if (acc) history.history.val_accuracy = [];
    }
    const shuffle = options.shuffle ?? true;
    const order = new Uint32Array(nTrain);
    const batch = Math.min(batchSize, nTrain);
    this.stopTraining = false;
    this.training = true;
    try {
      this.reserve(s, batch);
      await cb.onTrainBegin?.();
      for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !this.stopTraining; epoch++) {
        await cb.onEpochBegin?.(epoch);
        const start = performance.now();
        if (shuffle) {
          // Each epoch's order depends only on (seed, epoch), so training resumed at epoch k
          // (initialEpoch: k, after a checkpoint) sees the same batches as uninterrupted training.
          const random = rng(Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35));
          for (let i = 0; i < nTrain; i++) order[i] = i;
          for (let i = nTrain - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            const t = order[i]; order[i] = order[j]; order[j] = t;
          }
        }
        let lossSum = 0, correct = 0, seen = 0;
        const batches = Math.ceil(nTrain / batch);
        for (let b = 0; b < batches && !this.stopTraining; b++) {
          const ss = this.live('fit');   // dispose() during fit ends it with a clear error
          const begin = b * batch, n = Math.min(batch, nTrain - begin);
          const sx = ss.stagingX(), sy = ss.stagingY();   // fresh views: memory may have grown
          if (shuffle) {
            for (let i = 0; i < n; i++) {
              const k = order[begin + i];
              sx.set(xt.data.subarray(k * xSize, (k + 1) * xSize), i * xSize);
              sy.set(yAll.data.subarray(k * ySize, (k + 1) * ySize), i * ySize);
            }
          } else {
            sx.set(xt.data.subarray(begin * xSize, (begin + n) * xSize));
            sy.set(yAll.data.subarray(begin * ySize, (begin + n) * ySize));
          }
          const r = check(ss.trainStep(n), `fit: epoch ${epoch + 1}, batch ${b + 1}`);
          lossSum += r.loss * n;
          correct += r.accuracy * n;
          seen += n;
          const logs: BatchLogs = { loss: r.loss, size: n, batch: b, epoch };
          if (acc) logs.accuracy = r.accuracy;
          await cb.onBatchEnd?.(b, logs);
          await platform.yieldToEventLoop();
          signal?.throwIfAborted();
        }
        if (seen === 0) break;
        if (seen === nTrain) this.epochCount = epoch + 1;   // a whole epoch: what a checkpoint records
        const logs: EpochLogs = { loss: lossSum / seen, seconds: 0 };
        if (acc) logs.accuracy = correct / seen;
        if (val) {
          const v = this.evaluateRaw(this.live('fit'), val.x, val.y, val.n, batch);
          logs.val_loss = v.loss;
          if (acc) logs.val_accuracy = v.accuracy;
        }
        logs.seconds = (performance.now() - start) / 1000;
        history.epoch.push(epoch);
        history.history.loss.push(logs.loss);
        if (acc) history.history.accuracy!.push(logs.accuracy!);
        if (val) {
          history.history.val_loss!.push(logs.val_loss!);
          if (acc) history.history.val_accuracy!.push(logs.val_accuracy!);
        }
        await cb.onEpochEnd?.(epoch, logs);
        signal?.throwIfAborted();
      }
      history.stopped = this.stopTraining;
      await cb.onTrainEnd?.(history);
      return history;
    } finally {
      this.training = false;
    }
  }

  private evaluateRaw(s: RawSession, x: TensorData, y: TensorData, n: number, batchSize: number): { loss: number; accuracy: number } {
    const xSize = prod(this.inputShape);
    const ySize = s.labelSize();
    const batch = Math.min(this.reserve(s, Math.min(batchSize, n)), batchSize, n);
    let lossSum = 0, correct = 0;
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      s.stagingX().set(x.subarray(begin * xSize, (begin + m) * xSize));
      s.stagingY().set(y.subarray(begin * ySize, (begin + m) * ySize));
      const r = check(s.evaluateStep(m), 'evaluate');
      lossSum += r.lossSum;
      correct += r.correct;
    }
    return { loss: lossSum / n, accuracy: correct / n };
  }

  /** Loss and accuracy over a dataset, in inference mode (dropout and augmentation off). */
  evaluate(x: Tensor, y: LabelsLike, options: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    const s = this.live('evaluate');
    const xt = this.checkX(x, 'evaluate');
    const n = xt.shape[0];
    const yl = this.checkY(y, n, 'evaluate');
    return this.evaluateRaw(s, xt.data, yl.data, n, options.batchSize ?? 32);
  }

  /** Model outputs for a batch: a [N, ...outputShape] tensor. */
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    const s = this.live('predict');
    const xt = this.checkX(x, 'predict');
    const n = xt.shape[0];
    const xSize = prod(this.inputShape), oSize = prod(this.outputShape);
    const batch = Math.min(this.reserve(s, Math.min(options.batchSize ?? 32, n)), n);
    const out = new Float32Array(n * oSize);
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      s.stagingX().set(xt.data.subarray(begin * xSize, (begin + m) * xSize));
      const r = check(s.predictStep(m), 'predict');
      out.set(r.output, begin * oSize);
    }
    return new Tensor(out, [n, ...this.outputShape]);
  }

  /** Any layer's activations for a batch (feature maps): a [N, ...layer output shape] tensor. */
  layerOutput(layer: string | Layer | SymbolicTensor, x: Tensor): Tensor {
    const s = this.live('layerOutput');
    const name = typeof layer === 'string' ? layer : layer.name;
    const xt = this.checkX(x, 'layerOutput');
    const n = xt.shape[0];
    const xSize = prod(this.inputShape);
    const batch = Math.min(this.reserve(s, Math.min(n, 32)), n);
    let out: Float32Array | null = null;
    let shape: number[] = [];
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      s.stagingX().set(xt.data.subarray(begin * xSize, (begin + m) * xSize));
      const r = check(s.layerOutput(name, m), 'layerOutput');
      shape = r.shape;
      const per = prod(shape);
      out ??= new Float32Array(n * per);
      out.set(r.output, begin * per);
    }
    return new Tensor(out!, [n, ...shape]);
  }

  /**
   * Grad-CAM heat maps (Selvaraju et al. 2017) of `layer` (an HxWxC output, e.g. the last
   * convolution) for class `classIndex`: Tensor [n, H, W] in [0, 1], one map per image. The
   * score is the model's output probability of that class (for one sigmoid unit: p for class 1,
   * 1 - p for class 0), in inference mode. Training state is not touched.
   */
  gradCam(layer: string | Layer | SymbolicTensor, x: Tensor, classIndex: number): Tensor {
    const s = this.live('gradCam');
    const name = typeof layer === 'string' ? layer : layer.name;
    const xt = this.checkX(x, 'gradCam');
    if (!Number.isInteger(classIndex)) throw argError(`gradCam: classIndex must be an integer, got ${classIndex}`);
    const n = xt.shape[0];
    const xSize = prod(this.inputShape);
    // A handful of images per engine call: the Grad-CAM plan keeps every activation and gradient.
    const batch = Math.min(this.reserve(s, Math.min(n, 8)), n, 8);
    let out: Float32Array | null = null;
    let shape: number[] = [];
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      s.stagingX().set(xt.data.subarray(begin * xSize, (begin + m) * xSize));
      const r = check(s.gradCam(name, m, classIndex), 'gradCam');
      shape = r.shape;
      const per = prod(shape);
      out ??= new Float32Array(n * per);
      out.set(r.output, begin * per);
    }
    return new Tensor(out!, [n, ...shape]);
  }

  // ---- inspection ------------------------------------------------------------------------

  countParams(): number {
    return this.live('countParams').countParams();
  }

  /** Bytes the engine holds for this model's current plan (weights, optimizer state, activations). */
  memoryBytes(): number {
    return this.live('memoryBytes').plannedBytes();
  }

  /** The summary as data. */
  summaryData(): ModelSummary {
    if (this.summaryCache) return this.summaryCache;
    const raw = JSON.parse(this.live('summary').summaryJson()) as {
      name: string; total_params: number; trainable_params: number; non_trainable_params: number;
      layers: Array<{ name: string; class_name: string; output_shape: number[]; params: number; inbound: string[] }>;
    };
    this.summaryCache = {
      name: raw.name,
      layers: raw.layers.map((l) => ({ name: l.name, className: l.class_name, outputShape: [null, ...l.output_shape], params: l.params, inbound: l.inbound })),
      totalParams: raw.total_params,
      trainableParams: raw.trainable_params,
      nonTrainableParams: raw.non_trainable_params,
    };
    return this.summaryCache;
  }

  /** Layers with their output shapes and parameter counts. */
  get layers(): LayerSummary[] {
    return this.summaryData().layers;
  }

  /** Keras-style summary text; printFn (e.g. console.log) receives it line by line. */
  summary(printFn?: (line: string) => void): string {
    const d = this.summaryData();
    const connected = this.kind !== 'sequential';
    const shape = (s: Array<number | null>) => `(${s.map((v) => (v === null ? 'None' : v)).join(', ')}${s.length === 1 ? ',' : ''})`;
    const rows = d.layers.map((l) => [`${l.name} (${l.className})`, shape(l.outputShape), l.params.toLocaleString('en-US'),
      l.inbound.join(', ')]);
    const head = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
    const cols = connected ? 4 : 3;
    const widths = head.slice(0, cols).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
    const line = (cells: string[]) => cells.slice(0, cols).map((c, i) => (i === cols - 1 ? c : c.padEnd(widths[i]))).join('').trimEnd();
    const total = widths.reduce((a, b) => a + b, 0);
    const out = [`Model: "${d.name}"`, '_'.repeat(total), line(head), '='.repeat(total)];
    rows.forEach((r, i) => {
      out.push(line(r));
      out.push(i === rows.length - 1 ? '='.repeat(total) : '');
    });
    out.push(`Total params: ${d.totalParams.toLocaleString('en-US')}`);
    out.push(`Trainable params: ${d.trainableParams.toLocaleString('en-US')}`);
    out.push(`Non-trainable params: ${d.nonTrainableParams.toLocaleString('en-US')}`);
    out.push('_'.repeat(total));
    if (printFn) for (const l of out) printFn(l);
    return out.join('\n');
  }

  // ---- weights ---------------------------------------------------------------------------

  /** Every weight (trainable and BN statistics), in Keras order, as copies. */
  getWeights(): Weight[] {
    const s = this.live('getWeights');
    const specs = s.weightSpecs();
    const view = s.weightsView();
    return specs.map((w) => ({
      name: `${w.layer}/${w.name}`, layer: w.layer, shape: w.shape, trainable: w.trainable,
      data: view.slice(w.offset, w.offset + prod(w.shape)),
    }));
  }

  /** Replaces every weight, in getWeights() order (Float32Arrays, Tensors or {data, shape}). */
  setWeights(weights: ReadonlyArray<Float32Array | Tensor | { data: Float32Array; shape?: readonly number[] }>): void {
    const s = this.live('setWeights');
    const specs = s.weightSpecs();
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw argError(`setWeights: model '${this.name}' has ${specs.length} weights, got ${Array.isArray(weights) ? weights.length : describeData(weights)}`);
    }
    const datas = weights.map((w, i) => {
      const spec = specs[i];
      const label = `weight ${i} (${spec.layer}/${spec.name}, shape [${spec.shape.join(', ')}])`;
      const data = w instanceof Float32Array ? w : (w as { data: unknown })?.data;
      if (!(data instanceof Float32Array)) throw argError(`setWeights: ${label} must be a Float32Array, got ${describeData(data ?? w)}`);
      const shape = w instanceof Float32Array ? null : (w as { shape?: readonly number[] }).shape;
      if (shape && (shape.length !== spec.shape.length || shape.some((d, j) => d !== spec.shape[j]))) {
        throw argError(`setWeights: ${label} was given shape [${shape.join(', ')}]`);
      }
      if (data.length !== prod(spec.shape)) throw argError(`setWeights: ${label} needs ${prod(spec.shape)} values, got ${data.length}`);
      return data;
    });
    const view = s.weightsView();
    datas.forEach((d, i) => view.set(d, specs[i].offset));
  }

  // ---- TF.js interchange and checkpoints -------------------------------------------------

  /**
   * Loads TF.js weights into this model: a model.json (object or text; its weightsManifest says
   * which weight is where) and the weight files' bytes, in manifest order. The topology must match.
   */
  loadTfjsWeights(modelJson: ModelJson | TfjsArtifacts | string, weightData?: WeightBuffers): void {
    const s = this.live('loadTfjsWeights');
    if (this.training) throw new ConvnetError(`loadTfjsWeights: model '${this.name}' is training`, 'failed_precondition');
    const { text, bytes } = tfjsInput(modelJson, weightData, 'loadTfjsWeights');
    check(s.loadTfjsWeights(text, bytes), 'loadTfjsWeights');
  }

  /**
   * The model as TF.js ModelArtifacts ({modelTopology, weightSpecs, weightData, format, ...},
   * which tf.io.fromMemory() takes) plus modelJson, the model.json object that goes next to one
   * weight file named group1-shard1of1.bin (see saveTfjsToDir in Node).
   */
  async saveTfjs(): Promise<TfjsArtifacts> {
    const s = this.live('saveTfjs');
    const r = check(s.toTfjs(), 'saveTfjs');
    const weights = r.weights.slice();   // a view into wasm memory: copy before anything else runs
    const modelJson = JSON.parse(r.modelJson) as TfjsModelJson;
    const manifest = modelJson.weightsManifest ?? [];
    return {
      modelJson,
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy ?? null,
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData: weights.buffer as ArrayBuffer,
    };
  }

  /**
   * Node only: writes model.json and group1-shard1of1.bin into dir (created if needed), as
   * tf.LayersModel.save('file://dir') does. Returns the paths written.
   */
  async saveTfjsToDir(dir: string): Promise<string[]> {
    this.live('saveTfjsToDir');
    const files = getPlatform().files;
    if (!files) throw new ConvnetError('saveTfjsToDir: writing files works in Node only; in a browser use saveTfjs()', 'unavailable');
    const a = await this.saveTfjs();
    const bin = 'group1-shard1of1.bin';
    const modelJson = { ...a.modelJson, weightsManifest: [{ paths: [bin], weights: a.weightSpecs }] };
    await files.writeFiles(dir, [
      { name: 'model.json', data: JSON.stringify(modelJson) },
      { name: bin, data: new Uint8Array(a.weightData) },
    ]);
    return [files.sibling(`${dir}/x`, 'model.json'), files.sibling(`${dir}/x`, bin)];
  }

  /** Epochs this model has completed in fit() (or restored from a checkpoint): the next initialEpoch. */
  get epochsTrained(): number {
    return this.epochCount;
  }

  /**
   * The full training state as bytes: weights, BN statistics, optimizer state and step, and the
   * epoch count (default: epochsTrained). The model must be compiled. Resume with
   * loadCheckpoint() and fit({initialEpoch: epoch}).
   */
  async saveCheckpoint(options: { epoch?: number } = {}): Promise<Uint8Array> {
    const s = this.live('saveCheckpoint');
    const epoch = options.epoch ?? this.epochCount;
    if (!Number.isInteger(epoch) || epoch < 0) throw argError(`saveCheckpoint: epoch must be a non-negative integer, got ${epoch}`);
    const r = check(s.saveCheckpoint(epoch), 'saveCheckpoint');
    return r.bytes.slice();   // a view into wasm memory: copy at once
  }

  /** Restores saveCheckpoint()'s bytes into a model with the same topology and compile options. */
  async loadCheckpoint(bytes: Uint8Array | ArrayBuffer): Promise<{ epoch: number }> {
    const s = this.live('loadCheckpoint');
    if (this.training) throw new ConvnetError(`loadCheckpoint: model '${this.name}' is training`, 'failed_precondition');
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    if (!(data instanceof Uint8Array)) throw argError(`loadCheckpoint: bytes must be a Uint8Array or ArrayBuffer, got ${describeData(bytes)}`);
    const r = check(s.loadCheckpoint(data), 'loadCheckpoint');
    this.epochCount = r.epoch;
    return { epoch: r.epoch };
  }
}

/** A functional model: model({inputs: x0, outputs: y}). */
export function model(spec: FunctionalSpec & ModelOptions): Model {
  const { seed, threads, ...rest } = spec;
  return new Model(rest, { seed, threads });
}

/** A sequential model: sequential([input({shape}), layers.conv2d(...), ...]). */
export function sequential(layerList: ReadonlyArray<Layer | SymbolicTensor>, options: { name?: string } & ModelOptions = {}): Model {
  if (!Array.isArray(layerList)) throw argError('sequential: expected a list of layers');
  return new Model({ layers: layerList, name: options.name }, { seed: options.seed, threads: options.threads });
}

export interface AugmentOptions {
  /** Seeds the random transforms; each call draws new ones. Default: random. */
  seed?: number;
  /** Calls to draw: each gives another version of the batch (default 1). */
  repeats?: number;
}

/**
 * What training sees: the Keras augmentation layers (layers.randomFlip(), randomRotation(),
 * randomZoom(), randomTranslation(), randomContrast()) applied in training mode to a batch of
 * NHWC images, without a model. Returns [repeats * n, H, W, C]: repeat r of image i at r * n + i.
 */
export function augment(x: Tensor, augmentation: ReadonlyArray<Layer>, options: AugmentOptions = {}): Tensor {
  if (!(x instanceof Tensor) || x.rank !== 4) throw argError(`augment: x must be a Tensor [N, H, W, C], got ${describeData(x)}`);
  if (!Array.isArray(augmentation) || augmentation.length === 0) throw argError('augment: give a non-empty list of augmentation layers');
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw argError(`augment: repeats must be a positive integer, got ${repeats}`);
  const [n, h, w, c] = x.shape;
  // The layers' configs only (they need not be, or may already be, applied in a model).
  const configs = augmentation.map((l, i) => {
    if (!(l instanceof Layer)) throw argError(`augment: item ${i} is not a layer (use layers.randomFlip() and the like)`);
    return l.toJSON();
  });
  configs[0] = { ...configs[0], config: { ...configs[0].config, batch_input_shape: [null, h, w, c] } };
  const topology = { class_name: 'Sequential', config: { name: 'augment', layers: configs } };
  const m = new Model({ modelTopology: topology }, { seed: options.seed });
  try {
    const s = m['live']('augment');
    const size = h * w * c;
    const batch = Math.min(m['reserve'](s, Math.min(n, 64)), n);
    const out = new Float32Array(repeats * n * size);
    for (let r = 0; r < repeats; ++r)
      for (let begin = 0; begin < n; begin += batch) {
        const k = Math.min(batch, n - begin);
        s.stagingX().set(x.data.subarray(begin * size, (begin + k) * size));
        out.set(check(s.augment(k), 'augment').output, (r * n + begin) * size);
      }
    return new Tensor(out, [repeats * n, h, w, c]);
  } finally {
    m.dispose();
  }
}

/** A model from a TF.js model.json topology (object or text); weights start fresh. */
export function modelFromJson(json: ModelJson | string, options: ModelOptions = {}): Model {
  return new Model(typeof json === 'string' ? json : (json as ModelJson), options);
}

/**
 * A model with its weights from a TF.js layers model: a model.json (object or text, as
 * tf.LayersModel.save() and the Keras converter write it) and its weight files' bytes, one
 * buffer or a list in weightsManifest order. Also takes saveTfjs()'s artifacts alone.
 */
export async function loadTfjsModel(modelJson: ModelJson | TfjsArtifacts | string, weightData?: WeightBuffers, options: ModelOptions = {}): Promise<Model> {
  const { text, bytes } = tfjsInput(modelJson, weightData, 'loadTfjsModel');
  const m = new Model(text, options);
  try {
    check(m['live']('loadTfjsModel').loadTfjsWeights(text, bytes), 'loadTfjsModel');
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}

/** The earlier name of loadTfjsModel. */
export const loadTfjs = loadTfjsModel;

/** Concatenates weight files (in manifest order) into one byte array. */
function concatWeights(w: WeightBuffers, what: string): Uint8Array {
  const one = (b: unknown, i?: number): Uint8Array => {
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer) return new Uint8Array(b);
    throw argError(`${what}: weight data${i === undefined ? '' : ` ${i}`} must be an ArrayBuffer or Uint8Array (a list of them: one per file, in weightsManifest order), got ${describeData(b)}`);
  };
  if (!Array.isArray(w)) return one(w);
  const parts = w.map((b, i) => one(b, i));
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** model.json text (with a weightsManifest) and weight bytes from the accepted input forms. */
function tfjsInput(modelJson: ModelJson | TfjsArtifacts | string, weightData: WeightBuffers | undefined, what: string): { text: string; bytes: Uint8Array } {
  let obj: Record<string, unknown>;
  if (typeof modelJson === 'string') {
    try {
      obj = JSON.parse(modelJson) as Record<string, unknown>;
    } catch (e) {
      throw new ConvnetError(`${what}: model.json is not valid JSON: ${(e as Error).message}`, 'parse error');
    }
  } else if (modelJson && typeof modelJson === 'object') {
    obj = modelJson as Record<string, unknown>;
  } else {
    throw argError(`${what}: modelJson must be a model.json object or its text, got ${describeData(modelJson)}`);
  }
  // saveTfjs() artifacts: {modelJson, weightData, ...}; TF.js ModelArtifacts: {modelTopology, weightSpecs, weightData}.
  if (obj.modelJson && typeof obj.modelJson === 'object') {
    weightData ??= obj.weightData as WeightBuffers | undefined;
    obj = obj.modelJson as Record<string, unknown>;
  }
  if (!obj.weightsManifest && Array.isArray(obj.weightSpecs)) {
    weightData ??= obj.weightData as WeightBuffers | undefined;
    const { weightSpecs, weightData: _wd, ...rest } = obj;
    obj = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
  }
  if (weightData === undefined) throw argError(`${what}: the weight data is missing (the weight files' bytes, in weightsManifest order)`);
  // The engine takes all the files concatenated in manifest order as one buffer.
  return { text: JSON.stringify(obj), bytes: concatWeights(weightData, what) };
}
