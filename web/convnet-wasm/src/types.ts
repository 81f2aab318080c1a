// The package's public types: compile and fit options, training logs and history, model
// summaries, weights and the TF.js interchange shapes. Kept apart from the classes that use
// them so the worker protocol and the app can import types without pulling in the engine.
import type { BatchSource } from './dataset.js';
import type { Tensor, TensorData } from './tensor.js';
import type { TrainingControl } from './training-control.js';
export type { RawMemoryEstimate as MemoryEstimate } from './engine-types.js';

export type LossName =
  | 'binaryCrossentropy'
  | 'binary_crossentropy'
  | 'categoricalCrossentropy'
  | 'categorical_crossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'sparse_categorical_crossentropy'
  | 'meanSquaredError'
  | 'mean_squared_error'
  | 'mse';

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
  /** Batches in this epoch. */
  batches: number;
  epoch: number;
}

export interface EpochLogs {
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  /** Wall time of the epoch, seconds, not counting time spent paused. */
  seconds: number;
  /** True when the epoch ended early (stop(), stopTraining): its logs cover the batches that ran. */
  stopped?: boolean;
}

type MaybePromise = void | Promise<void>;

/** What onBatchBegin learns about the coming batch (e.g. to set a per-batch learning rate). */
export interface BatchBeginInfo {
  epoch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Samples in this batch. */
  size: number;
}

export interface FitCallbacks {
  onTrainBegin?: () => MaybePromise;
  onEpochBegin?: (epoch: number) => MaybePromise;
  onBatchBegin?: (batch: number, info: BatchBeginInfo) => MaybePromise;
  onBatchEnd?: (batch: number, logs: BatchLogs) => MaybePromise;
  onEpochEnd?: (epoch: number, logs: EpochLogs) => MaybePromise;
  onTrainEnd?: (history: History) => MaybePromise;
}

export type LabelsLike = Tensor | TensorData | number[];

/** Options of fitDataset(): training from a batch source. */
export interface FitDatasetOptions {
  epochs?: number;
  batchSize?: number;
  /** Evaluated in inference mode after every epoch: tensors or a batch source. */
  validationData?: readonly [Tensor, LabelsLike] | { x: Tensor; y: LabelsLike } | BatchSource;
  /** Shuffle the training samples every epoch (default true; seeded by the model's seed and the epoch). */
  shuffle?: boolean;
  callbacks?: FitCallbacks;
  /** Aborting rejects fit() with the signal's reason after the current batch. */
  signal?: AbortSignal;
  /** Epoch to start counting from (resuming): the epochs run are initialEpoch .. initialEpoch + epochs - 1. */
  initialEpoch?: number;
  /** Pause, resume and stop from outside (a worker's message handler, a page's buttons). */
  control?: TrainingControl;
}

export interface FitOptions extends FitDatasetOptions {
  /** Fraction of the samples, taken from the end before shuffling (as Keras), kept for validation. */
  validationSplit?: number;
}

export interface History {
  epoch: number[];
  history: { loss: number[]; accuracy?: number[]; val_loss?: number[]; val_accuracy?: number[] };
  /** True when stop() or model.stopTraining ended fit() early. */
  stopped: boolean;
}

export interface LayerSummary {
  name: string;
  className: string;
  /** [null, ...dims] */
  outputShape: Array<number | null>;
  params: number;
  inbound: string[];
  /** Keras's layer.trainable: false when the layer is frozen (its weights do not change in fit). */
  trainable: boolean;
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
  /** TF.js's free-form metadata (model.metadata plus saveTfjs's metadata option), when there is any. */
  userDefinedMetadata?: Record<string, unknown>;
}

/** Weight files' bytes: one buffer (all files concatenated) or one per file, in weightsManifest order. */
export type WeightBuffers = ArrayBuffer | ArrayBufferView | ReadonlyArray<ArrayBuffer | ArrayBufferView>;
