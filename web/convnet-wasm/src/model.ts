// Model: one engine session (a compiled graph, its weights, optimizer state and staging buffers)
// behind Keras's methods. Training runs through fit-loop.ts (the package's one training loop);
// data crosses into wasm through session-io.ts; TF.js interchange is in tfjs.ts.
import { engine, getPlatform } from './engine.js';
import { argError, check, ConvnetError } from './errors.js';
import { isBatchSource, tensorSource } from './dataset.js';
import type { BatchSource } from './dataset.js';
import { evaluateSource, fitSettings, runFit } from './fit-loop.js';
import type { FitHost } from './fit-loop.js';
import { Layer, SymbolicTensor } from './layers.js';
import { adoptWeights, graphOf, layerOf } from './model-graph.js';
import { SessionIO } from './session-io.js';
import { Tensor, describeData } from './tensor.js';
import type { TensorData } from './tensor.js';
import { exportTfjs, metadataOf, tfjsInput } from './tfjs.js';
import type { TfjsExportOptions } from './tfjs.js';
import { toTopology } from './topology.js';
import type { FunctionalSpec, ModelSpec } from './topology.js';
import type {
  CompileOptions,
  FitDatasetOptions,
  FitOptions,
  History,
  LabelsLike,
  LayerSummary,
  MemoryEstimate,
  ModelOptions,
  ModelSummary,
  TfjsArtifacts,
  Weight,
  WeightBuffers,
} from './types.js';
import type { ModelJson } from './topology.js';

const LOSS_ALIASES: Record<string, string> = {
  binaryCrossentropy: 'binary_crossentropy',
  binary_crossentropy: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy',
  categorical_crossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  sparse_categorical_crossentropy: 'sparse_categorical_crossentropy',
  meanSquaredError: 'mean_squared_error',
  mean_squared_error: 'mean_squared_error',
  mse: 'mean_squared_error',
};

/** Each optimizer number's rule: [lowest, highest, lowest included, highest included]. */
const OPTIMIZER_NUMBERS: Record<string, [number, number, boolean, boolean]> = {
  learningRate: [0, Infinity, false, false],
  momentum: [0, 1, true, false],
  rho: [0, 1, true, false],
  beta1: [0, 1, true, false],
  beta2: [0, 1, true, false],
  epsilon: [0, Infinity, false, false],
};
const OPTIMIZER_KEYS = ['name', 'nesterov', ...Object.keys(OPTIMIZER_NUMBERS)];

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const fmtShape = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'N' : d)).join(', ')}]`;

function asTensorData(v: unknown, what: string): TensorData {
  if (v instanceof Float32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray) return v;
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return Float32Array.from(v);
  throw argError(
    `${what} must be float32 (a Tensor, Float32Array or number[]; Uint8Array also works), got ${describeData(v)}` +
      (ArrayBuffer.isView(v) ? ': convert it with Float32Array.from(...)' : ''),
  );
}

/** Checks an optimizer's numbers (JSON would turn NaN and Infinity into null, which the engine reads as "default"). */
function checkOptimizer(optimizer: unknown): void {
  if (typeof optimizer === 'string') return;
  if (typeof optimizer !== 'object' || optimizer === null)
    throw argError(`compile: optimizer must be 'sgd', 'rmsprop', 'adam' or {name, learningRate, ...}`);
  for (const [k, v] of Object.entries(optimizer)) {
    if (!OPTIMIZER_KEYS.includes(k))
      throw argError(`compile: unknown optimizer option '${k}'; known options: ${OPTIMIZER_KEYS.join(', ')}`);
    const rule = OPTIMIZER_NUMBERS[k];
    if (!rule || v === undefined) continue;
    const [lo, hi, loIn, hiIn] = rule;
    const ok = typeof v === 'number' && Number.isFinite(v) && (loIn ? v >= lo : v > lo) && (hiIn ? v <= hi : v < hi);
    if (!ok) {
      const range = `${loIn ? '[' : '('}${lo}, ${hi === Infinity ? 'Infinity' : hi}${hiIn ? ']' : ')'}`;
      throw argError(
        `compile: optimizer ${k} must be a finite number in ${range}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`,
      );
    }
  }
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
  /**
   * Free-form data saved with the model as TF.js's userDefinedMetadata (e.g. class names, image
   * size) and read back by loadTfjsModel.
   */
  metadata: Record<string, unknown> = {};

  private io_: SessionIO | null;
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
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53)
      throw argError(`model: seed must be a non-negative integer, got ${seed}`);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw argError(`model: threads must be a positive integer, got ${options.threads}`);
    }
    const s = engine().createSession(topo.json, seed, options.threads);
    this.io_ = new SessionIO(s);
    this.seed = seed;
    this.topologyJson = topo.json;
    this.kind =
      topo.kind === 'json' && /"class_name"\s*:\s*"Sequential"/.test(topo.json.slice(0, 400))
        ? 'sequential'
        : topo.kind;
    const summary = this.summaryData();
    this.name = summary.name;
    this.inputShape = Object.freeze(s.inputShape());
    this.outputShape = Object.freeze(s.outputShape());
    this.threads = s.threads();
    // Give the symbolic tensors of a functional spec their shapes.
    const shapes = new Map(summary.layers.map((l) => [l.name, l.outputShape]));
    for (const t of topo.tensors) t.shape = shapes.get(t.layer.name) ?? t.shape;
    try {
      adoptWeights(this, topo.tensors);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private live(what: string): SessionIO {
    if (!this.io_) throw new ConvnetError(`${what}: model '${this.name}' has been disposed`, 'disposed');
    return this.io_;
  }

  /** Frees the engine's memory for this model; any later call throws. Safe to call twice. */
  dispose(): void {
    if (this.io_) {
      this.io_.raw.delete();
      this.io_ = null;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.io_ === null;
  }

  /** The model.json topology this model was built from. */
  toJSON(): object {
    return JSON.parse(this.topologyJson);
  }

  // ---- the layer graph (model surgery) -----------------------------------------------------

  /**
   * A layer by name; its output as a symbolic tensor is `getLayer(name).outputTensor`. Apply new
   * layers to it and build a model from this model's input (model({inputs: base.input, outputs}))
   * the way Keras users cut a pretrained network and put a new head on it: the new model starts
   * with this model's weights for the layers it keeps.
   */
  getLayer(name: string): Layer {
    this.live('getLayer');
    if (typeof name !== 'string') throw argError(`getLayer: name must be a string, got ${describeData(name)}`);
    return layerOf(this, name);
  }

  /** The model's input as a symbolic tensor (for model({inputs: base.input, outputs}). */
  get input(): SymbolicTensor {
    return graphOf(this.liveHost('input')).input;
  }

  /** The model's output as a symbolic tensor. */
  get output(): SymbolicTensor {
    return graphOf(this.liveHost('output')).output;
  }

  private liveHost(what: string): this {
    this.live(what);
    return this;
  }

  /** @internal The engine's flat functional model.json (nested models expanded), for model-graph.ts. */
  engineTopology(): string {
    const r = check(this.live('getLayer').raw.toTfjs(), 'getLayer');
    return r.modelJson;
  }

  /** @internal Each layer's output shape ([null, ...dims]) by name. */
  layerShapes(): Map<string, Array<number | null>> {
    return new Map(this.summaryData().layers.map((l) => [l.name, l.outputShape]));
  }

  /** True while fit() runs. */
  get isTraining(): boolean {
    return this.training;
  }

  // ---- compile ---------------------------------------------------------------------------

  compile(options: CompileOptions): void {
    const s = this.live('compile').raw;
    if (this.training) throw new ConvnetError(`compile: model '${this.name}' is training`, 'failed_precondition');
    if (!options || typeof options !== 'object')
      throw argError('compile: options {optimizer, loss, metrics} are required');
    for (const k of Object.keys(options)) {
      if (!['optimizer', 'loss', 'fromLogits', 'metrics'].includes(k))
        throw argError(`compile: unknown option '${k}'; known options: optimizer, loss, fromLogits, metrics`);
    }
    if (typeof options.loss !== 'string')
      throw argError(`compile: loss must be a name such as 'binaryCrossentropy', got ${JSON.stringify(options.loss)}`);
    const loss = LOSS_ALIASES[options.loss] ?? options.loss; // the engine names the supported losses
    const metrics = options.metrics ?? [];
    if (!Array.isArray(metrics)) throw argError(`compile: metrics must be a list like ['accuracy']`);
    for (const m of metrics) {
      if (m !== 'accuracy' && m !== 'acc')
        throw argError(`compile: metric '${String(m)}' is not supported; use 'accuracy'`);
    }
    const optimizer: unknown = options.optimizer ?? 'rmsprop';
    checkOptimizer(optimizer);
    check(s.compile(JSON.stringify({ loss, optimizer, fromLogits: options.fromLogits ?? false })), 'compile');
    this.compiled = { loss, metrics: metrics.length > 0 };
  }

  // ---- freezing (Keras's layer.trainable) -----------------------------------------------------

  /**
   * Freezes (false) or unfreezes (true) layers: all of them, a list, or the range from..to in
   * graph order (both ends included, either may be left out). A frozen layer's weights do not
   * change in fit, a frozen BatchNormalization runs in inference mode, and no backward pass runs
   * below the lowest trainable layer. As in Keras, compile() again before training.
   *   m.setTrainable(false, { to: 'out_relu' });            // the backbone
   *   m.setTrainable(true, { from: 'block_16_expand' });    // fine-tune the top block
   */
  setTrainable(trainable: boolean, which: { layers?: readonly string[]; from?: string; to?: string } = {}): void {
    const s = this.live('setTrainable').raw;
    if (this.training) throw new ConvnetError(`setTrainable: model '${this.name}' is training`, 'failed_precondition');
    if (typeof trainable !== 'boolean')
      throw argError(`setTrainable: trainable must be true or false, got ${describeData(trainable)}`);
    if (!which || typeof which !== 'object') throw argError('setTrainable: the second argument is {layers, from, to}');
    for (const k of Object.keys(which)) {
      if (!['layers', 'from', 'to'].includes(k))
        throw argError(`setTrainable: unknown option '${k}'; known options: layers, from, to`);
    }
    if (which.layers !== undefined && (!Array.isArray(which.layers) || which.layers.some((n) => typeof n !== 'string')))
      throw argError('setTrainable: layers must be a list of layer names');
    const all = which.layers === undefined && which.from === undefined && which.to === undefined;
    const every = () =>
      this.summaryData()
        .layers.filter((l) => l.className !== 'InputLayer')
        .map((l) => l.name);
    const options = all ? { layers: every(), trainable } : { ...which, trainable };
    check(s.setTrainable(JSON.stringify(options)), 'setTrainable');
    this.summaryCache = null;
  }

  /** Whether any layer is trainable; setting it freezes or unfreezes every layer (Keras's model.trainable). */
  get trainable(): boolean {
    return this.summaryData().layers.some((l) => l.trainable && l.params > 0);
  }

  set trainable(value: boolean) {
    this.setTrainable(value);
  }

  /** Changes the optimizer's learning rate (for schedules), keeping its state. */
  setLearningRate(lr: number): void {
    check(this.live('setLearningRate').raw.setLearningRate(lr), 'setLearningRate');
  }

  // ---- data checks -----------------------------------------------------------------------

  private checkX(x: unknown, what: string): Tensor {
    if (!(x instanceof Tensor)) {
      throw argError(
        `${what}: x must be a Tensor (tensor(data, [N, ${this.inputShape.join(', ')}])), got ${describeData(x)}`,
      );
    }
    const want = this.inputShape;
    if (x.rank !== want.length + 1 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw argError(
        `${what}: x has shape ${fmtShape(x.shape)} but model '${this.name}' takes ${fmtShape([null, ...want])} (NHWC)`,
      );
    }
    if (x.shape[0] === 0) throw argError(`${what}: x has no samples`);
    return x;
  }

  private needCompiled(what: string): { loss: string; metrics: boolean } {
    if (!this.compiled)
      throw new ConvnetError(
        `${what}: model '${this.name}' must be compiled first: call compile({optimizer, loss})`,
        'failed_precondition',
      );
    return this.compiled;
  }

  private checkY(y: unknown, n: number, what: string): { data: TensorData; size: number } {
    const compiled = this.needCompiled(what);
    const data = y instanceof Tensor ? y.data : asTensorData(y, `${what}: y`);
    const size = this.live(what).ySize;
    const shape = y instanceof Tensor ? y.shape : [data.length / size, ...(size > 1 ? [size] : [])];
    const expect = size === 1 ? `[${n}] or [${n}, 1]` : `[${n}, ${size}]`;
    if (shape[0] !== n) {
      throw argError(
        `${what}: y has ${Number.isInteger(shape[0]) ? shape[0] : data.length / size} samples but x has ${n}; loss ${compiled.loss} takes labels of shape ${expect}`,
      );
    }
    if (data.length !== n * size) {
      throw argError(
        `${what}: y has shape ${fmtShape(shape)} but loss ${compiled.loss} with output ${fmtShape([null, ...this.outputShape])} takes labels of shape ${expect}`,
      );
    }
    return { data, size };
  }

  /** Tensors or a batch source as a batch source (validation data, evaluate). */
  private source(data: unknown, what: string): BatchSource {
    if (isBatchSource(data)) return data;
    const [vx, vy] = Array.isArray(data) ? data : [(data as { x?: unknown })?.x, (data as { y?: unknown })?.y];
    const xt = this.checkX(vx, what);
    return tensorSource(xt, this.checkY(vy, xt.shape[0], what).data);
  }

  // ---- training --------------------------------------------------------------------------

  /** One optimizer step on one batch; returns its loss and accuracy. */
  trainOnBatch(x: Tensor, y: LabelsLike): { loss: number; accuracy: number } {
    const io = this.live('trainOnBatch');
    if (this.training)
      throw new ConvnetError(`trainOnBatch: model '${this.name}' is training in fit()`, 'failed_precondition');
    const xt = this.checkX(x, 'trainOnBatch');
    const n = xt.shape[0];
    const yl = this.checkY(y, n, 'trainOnBatch');
    io.reserve(n);
    io.stage(xt.data, yl.data);
    return check(io.raw.trainStep(n), 'trainOnBatch');
  }

  /** Keras's fit on tensors: epochs of shuffled mini-batches, callbacks, AbortSignal, a TrainingControl. */
  async fit(x: Tensor, y: LabelsLike, options: FitOptions = {}): Promise<History> {
    this.live('fit');
    const settings = fitSettings(options, ['validationSplit']);
    const xt = this.checkX(x, 'fit');
    const nAll = xt.shape[0];
    const yAll = this.checkY(y, nAll, 'fit');
    let nTrain = nAll;
    let validation: BatchSource | null = null;
    if (options.validationData && options.validationSplit)
      throw argError('fit: give validationSplit or validationData, not both');
    if (options.validationSplit !== undefined) {
      const f = options.validationSplit;
      if (!(typeof f === 'number' && f >= 0 && f < 1))
        throw argError(`fit: validationSplit must be a number in [0, 1), got ${String(f)}`);
      nTrain = Math.floor(nAll * (1 - f));
      if (f > 0 && (nTrain === 0 || nTrain === nAll))
        throw argError(`fit: validationSplit ${f} of ${nAll} samples leaves an empty training or validation set`);
      if (nTrain < nAll) validation = tensorSource(xt, yAll.data, nTrain, nAll);
    } else if (options.validationData) {
      validation = this.source(options.validationData, 'fit: validationData');
    }
    const { validationSplit: _split, ...rest } = options;
    return this.train(tensorSource(xt, yAll.data, 0, nTrain), validation, rest, settings);
  }

  /**
   * Keras's fit on a batch source (as TF.js's fitDataset): the source hands out uint8 or float32
   * batches by index, at once or asynchronously; the loop shuffles (seeded), batches, validates.
   */
  async fitDataset(source: BatchSource, options: FitDatasetOptions = {}): Promise<History> {
    this.live('fitDataset');
    const settings = fitSettings(options);
    if (!isBatchSource(source))
      throw argError(`fitDataset: source must be a batch source {length, batch(indices)}, got ${describeData(source)}`);
    this.needCompiled('fitDataset');
    const validation = options.validationData
      ? this.source(options.validationData, 'fitDataset: validationData')
      : null;
    return this.train(source, validation, options, settings);
  }

  private async train(
    source: BatchSource,
    validation: BatchSource | null,
    options: FitDatasetOptions,
    settings: { epochs: number; batchSize: number; initialEpoch: number },
  ): Promise<History> {
    if (this.training)
      throw new ConvnetError(
        `fit: model '${this.name}' is already training; wait for the running fit() to finish`,
        'failed_precondition',
      );
    const compiled = this.needCompiled('fit');
    const host: FitHost = {
      name: this.name,
      seed: this.seed,
      metrics: compiled.metrics,
      io: () => this.live('fit'),
      stopRequested: () => this.stopTraining,
      epochCompleted: (epoch) => {
        this.epochCount = epoch;
      },
    };
    this.stopTraining = false;
    this.training = true;
    try {
      return await runFit(host, source, validation, options, settings);
    } finally {
      this.training = false;
    }
  }

  /** Loss and accuracy over a dataset, in inference mode (dropout and augmentation off). */
  evaluate(x: Tensor, y: LabelsLike, options: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    const io = this.live('evaluate');
    const xt = this.checkX(x, 'evaluate');
    const n = xt.shape[0];
    const yl = this.checkY(y, n, 'evaluate');
    const batchSize = options.batchSize ?? 32;
    const batch = Math.min(io.reserve(Math.min(batchSize, n)), batchSize, n);
    let lossSum = 0,
      correct = 0;
    const ySize = yl.size;
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      io.stage(
        xt.data.subarray(begin * io.xSize, (begin + m) * io.xSize),
        yl.data.subarray(begin * ySize, (begin + m) * ySize),
      );
      const r = check(io.raw.evaluateStep(m), 'evaluate');
      lossSum += r.lossSum;
      correct += r.correct;
    }
    return { loss: lossSum / n, accuracy: correct / n };
  }

  /** evaluate() over a batch source. */
  evaluateDataset(
    source: BatchSource,
    options: { batchSize?: number } = {},
  ): Promise<{ loss: number; accuracy: number }> {
    const io = this.live('evaluateDataset');
    this.needCompiled('evaluateDataset');
    if (!isBatchSource(source))
      throw argError(
        `evaluateDataset: source must be a batch source {length, batch(indices)}, got ${describeData(source)}`,
      );
    return evaluateSource(io, source, options.batchSize ?? 32, 'evaluateDataset');
  }

  /** Model outputs for a batch: a [N, ...outputShape] tensor. */
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    const io = this.live('predict');
    const xt = this.checkX(x, 'predict');
    const r = io.mapBatches(
      xt.data,
      xt.shape[0],
      options.batchSize ?? 32,
      (m) => check(io.raw.predictStep(m), 'predict'),
      this.outputShape,
    );
    return new Tensor(r.data, r.shape);
  }

  /** Any layer's activations for a batch (feature maps): a [N, ...layer output shape] tensor. */
  layerOutput(layer: string | Layer | SymbolicTensor, x: Tensor): Tensor {
    const io = this.live('layerOutput');
    const name = typeof layer === 'string' ? layer : layer.name;
    const xt = this.checkX(x, 'layerOutput');
    const r = io.mapBatches(xt.data, xt.shape[0], 32, (m) => check(io.raw.layerOutput(name, m), 'layerOutput'));
    return new Tensor(r.data, r.shape);
  }

  /**
   * Grad-CAM heat maps (Selvaraju et al. 2017) of `layer` (an HxWxC output, e.g. the last
   * convolution) for class `classIndex`: Tensor [n, H, W] in [0, 1], one map per image. The
   * score is the model's output probability of that class (for one sigmoid unit: p for class 1,
   * 1 - p for class 0), in inference mode. Training state is not touched.
   */
  gradCam(layer: string | Layer | SymbolicTensor, x: Tensor, classIndex: number): Tensor {
    const io = this.live('gradCam');
    const name = typeof layer === 'string' ? layer : layer.name;
    const xt = this.checkX(x, 'gradCam');
    if (!Number.isInteger(classIndex)) throw argError(`gradCam: classIndex must be an integer, got ${classIndex}`);
    // A handful of images per engine call: the Grad-CAM plan keeps every activation and gradient.
    const r = io.mapBatches(xt.data, xt.shape[0], 8, (m) => check(io.raw.gradCam(name, m, classIndex), 'gradCam'));
    return new Tensor(r.data, r.shape);
  }

  // ---- inspection ------------------------------------------------------------------------

  countParams(): number {
    return this.live('countParams').raw.countParams();
  }

  /**
   * What training at `batchSize` needs (weights, optimizer state, activations, staging) and what
   * the engine can get, computed without allocating: {bytes, limitBytes, maxBatch, fits, ...}.
   * Pick the batch size from it and never start a run that cannot fit.
   */
  memoryEstimate(batchSize = 32): MemoryEstimate {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw argError(`memoryEstimate: batchSize must be a positive integer, got ${String(batchSize)}`);
    return check(this.live('memoryEstimate').raw.memoryEstimate(batchSize), 'memoryEstimate');
  }

  /** Bytes the engine holds for this model's current plan (weights, optimizer state, activations). */
  memoryBytes(): number {
    return this.live('memoryBytes').raw.plannedBytes();
  }

  /** The summary as data. */
  summaryData(): ModelSummary {
    if (this.summaryCache) return this.summaryCache;
    const raw = JSON.parse(this.live('summary').raw.summaryJson()) as {
      name: string;
      total_params: number;
      trainable_params: number;
      non_trainable_params: number;
      layers: Array<{
        name: string;
        class_name: string;
        output_shape: number[];
        params: number;
        inbound: string[];
        trainable: boolean;
      }>;
    };
    this.summaryCache = {
      name: raw.name,
      layers: raw.layers.map((l) => ({
        name: l.name,
        className: l.class_name,
        outputShape: [null, ...l.output_shape],
        params: l.params,
        inbound: l.inbound,
        trainable: l.trainable,
      })),
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
    const shape = (s: Array<number | null>) =>
      `(${s.map((v) => (v === null ? 'None' : v)).join(', ')}${s.length === 1 ? ',' : ''})`;
    const rows = d.layers.map((l) => [
      `${l.name} (${l.className})`,
      shape(l.outputShape),
      l.params.toLocaleString('en-US'),
      l.inbound.join(', '),
    ]);
    const head = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
    const cols = connected ? 4 : 3;
    const widths = head.slice(0, cols).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
    const line = (cells: string[]) =>
      cells
        .slice(0, cols)
        .map((c, i) => (i === cols - 1 ? c : c.padEnd(widths[i])))
        .join('')
        .trimEnd();
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

  /** Every weight (trainable and BN statistics), in Keras order, as copies. */
  getWeights(): Weight[] {
    const s = this.live('getWeights').raw;
    const specs = s.weightSpecs();
    const view = s.weightsView();
    return specs.map((w) => ({
      name: `${w.layer}/${w.name}`,
      layer: w.layer,
      shape: w.shape,
      trainable: w.trainable,
      data: view.slice(w.offset, w.offset + prod(w.shape)),
    }));
  }

  /** Replaces every weight, in getWeights() order (Float32Arrays, Tensors or {data, shape}). */
  setWeights(weights: ReadonlyArray<Float32Array | Tensor | { data: Float32Array; shape?: readonly number[] }>): void {
    const s = this.live('setWeights').raw;
    const specs = s.weightSpecs();
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw argError(
        `setWeights: model '${this.name}' has ${specs.length} weights, got ${Array.isArray(weights) ? weights.length : describeData(weights)}`,
      );
    }
    const datas = weights.map((w, i) => {
      const spec = specs[i];
      const label = `weight ${i} (${spec.layer}/${spec.name}, shape [${spec.shape.join(', ')}])`;
      const data = w instanceof Float32Array ? w : (w as { data: unknown })?.data;
      if (!(data instanceof Float32Array))
        throw argError(`setWeights: ${label} must be a Float32Array, got ${describeData(data ?? w)}`);
      const shape = w instanceof Float32Array ? null : (w as { shape?: readonly number[] }).shape;
      if (shape && (shape.length !== spec.shape.length || shape.some((d, j) => d !== spec.shape[j]))) {
        throw argError(`setWeights: ${label} was given shape [${shape.join(', ')}]`);
      }
      if (data.length !== prod(spec.shape))
        throw argError(`setWeights: ${label} needs ${prod(spec.shape)} values, got ${data.length}`);
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
    const io = this.live('loadTfjsWeights');
    if (this.training)
      throw new ConvnetError(`loadTfjsWeights: model '${this.name}' is training`, 'failed_precondition');
    const { text, bytes, metadata } = tfjsInput(modelJson, weightData, 'loadTfjsWeights');
    check(io.raw.loadTfjsWeights(text, bytes), 'loadTfjsWeights');
    if (Object.keys(metadata).length > 0) this.metadata = metadata;
  }

  /**
   * The model as TF.js ModelArtifacts ({modelTopology, weightSpecs, weightData, format, ...},
   * which tf.io.fromMemory() takes) plus modelJson, the model.json object that goes next to one
   * weight file named group1-shard1of1.bin (see saveTfjsToDir in Node). By default an inference
   * model that tf.loadLayersModel reads: augmentation layers left out; metadata as userDefinedMetadata.
   */
  async saveTfjs(options: TfjsExportOptions = {}): Promise<TfjsArtifacts> {
    const r = check(this.live('saveTfjs').raw.toTfjs(), 'saveTfjs');
    const weights = r.weights.slice(); // a view into wasm memory: copy before anything else runs
    return exportTfjs(r.modelJson, weights, this.metadata, options);
  }

  /**
   * Node only: writes model.json and group1-shard1of1.bin into dir (created if needed), as
   * tf.LayersModel.save('file://dir') does. Returns the paths written.
   */
  async saveTfjsToDir(dir: string, options: TfjsExportOptions = {}): Promise<string[]> {
    this.live('saveTfjsToDir');
    const files = getPlatform().files;
    if (!files)
      throw new ConvnetError(
        'saveTfjsToDir: writing files works in Node only; in a browser use saveTfjs()',
        'unavailable',
      );
    const a = await this.saveTfjs(options);
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
    const s = this.live('saveCheckpoint').raw;
    const epoch = options.epoch ?? this.epochCount;
    if (!Number.isInteger(epoch) || epoch < 0)
      throw argError(`saveCheckpoint: epoch must be a non-negative integer, got ${epoch}`);
    const r = check(s.saveCheckpoint(epoch), 'saveCheckpoint');
    return r.bytes.slice(); // a view into wasm memory: copy at once
  }

  /** Restores saveCheckpoint()'s bytes into a model with the same topology and compile options. */
  async loadCheckpoint(bytes: Uint8Array | ArrayBuffer): Promise<{ epoch: number }> {
    const s = this.live('loadCheckpoint').raw;
    if (this.training)
      throw new ConvnetError(`loadCheckpoint: model '${this.name}' is training`, 'failed_precondition');
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    if (!(data instanceof Uint8Array))
      throw argError(`loadCheckpoint: bytes must be a Uint8Array or ArrayBuffer, got ${describeData(bytes)}`);
    const r = check(s.loadCheckpoint(data), 'loadCheckpoint');
    this.summaryCache = null; // the checkpoint's trainable flags apply
    if (!Number.isInteger(r.epoch) || r.epoch < 0)
      throw new ConvnetError(
        `loadCheckpoint: the checkpoint records epoch ${r.epoch}, which is not a valid epoch count`,
        'parse_error',
      );
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
export function sequential(
  layerList: ReadonlyArray<Layer | SymbolicTensor>,
  options: { name?: string } & ModelOptions = {},
): Model {
  if (!Array.isArray(layerList)) throw argError('sequential: expected a list of layers');
  return new Model({ layers: layerList, name: options.name }, { seed: options.seed, threads: options.threads });
}

/** A model from a TF.js model.json topology (object or text); weights start fresh. */
export function modelFromJson(json: ModelJson | string, options: ModelOptions = {}): Model {
  const m = new Model(typeof json === 'string' ? json : (json as ModelJson), options);
  try {
    m.metadata = metadataOf(typeof json === 'string' ? JSON.parse(json) : json);
  } catch {
    /* the engine already read it; metadata stays empty */
  }
  return m;
}

/**
 * A model with its weights from a TF.js layers model: a model.json (object or text, as
 * tf.LayersModel.save() and the Keras converter write it) and its weight files' bytes, one
 * buffer or a list in weightsManifest order. Also takes saveTfjs()'s artifacts alone.
 * model.json's userDefinedMetadata becomes model.metadata.
 */
export async function loadTfjsModel(
  modelJson: ModelJson | TfjsArtifacts | string,
  weightData?: WeightBuffers,
  options: ModelOptions = {},
): Promise<Model> {
  const input = tfjsInput(modelJson, weightData, 'loadTfjsModel');
  const m = new Model(input.text, options);
  try {
    m.loadTfjsWeights(input.text, input.bytes);
  } catch (e) {
    m.dispose();
    // Say which call failed: the user called loadTfjsModel.
    if (e instanceof ConvnetError)
      throw new ConvnetError(e.message.replace(/^loadTfjsWeights: /, 'loadTfjsModel: '), e.code);
    throw e;
  }
  return m;
}

/** The earlier name of loadTfjsModel. */
export const loadTfjs = loadTfjsModel;
