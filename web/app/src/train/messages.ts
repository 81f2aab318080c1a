// The typed protocol between the page and the app worker (train/worker.ts), which owns the
// decoded dataset and the model. Requests are {type, id, in}; the worker answers
// {type, id, out} or {type, id, err}, and pushes {type: 'event', out} for progress at any time.
// Pixels travel as Uint8Array RGB (buffers transferred), activations as Float32Array.
import type { EngineInfo, ModelSummary } from 'convnet-wasm';

export interface ImageItem {
  /** Path inside the dropped folder or zip, e.g. 'cats/001.jpg'. */
  name: string;
  /** Class index into DatasetSummary.classes. */
  label: number;
  blob: Blob;
}

export interface RgbImages {
  /** n * size * size * 3 bytes, NHWC. */
  data: Uint8Array;
  n: number;
  size: number;
}

export interface FileProblem {
  name: string;
  reason: string;
}

export interface DatasetSummary {
  id: string;
  classes: string[];
  size: number;
  /** Images per class (decoded ones). */
  counts: number[];
  trainCounts: number[];
  valCounts: number[];
  total: number;
  corrupt: FileProblem[];
  /** Groups of names whose resized pixels are identical (the first 200 groups). */
  duplicates: string[][];
  /** How many such groups there are (all of them). */
  duplicateGroups: number;
  /** Images smaller than the model input (upscaled): the first 500 names. */
  tiny: string[];
  /** How many images are smaller than the model input (all of them, not only the named ones). */
  tinyCount: number;
  /** Up to 8 images per class, for thumbnails. */
  thumbs: RgbImages[];
  /** Pixel bytes in memory, and in the OPFS spill file. */
  bytes: number;
  spilledBytes: number;
  valFraction: number;
  seed: number;
  /** The first validation images (for the feature-map image picker). */
  valPreview: { indices: number[]; names: string[]; labels: number[] };
}

export interface AugmentConfig {
  flip: 'none' | 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  rotation: number;
  zoom: number;
  translation: number;
  contrast: number;
}

/** A new head on a pretrained model (kind 'transfer'): where it is cut and what is frozen. */
export interface TransferConfig {
  /** What was dropped (file names), for the status lines. */
  source: string;
  /** The backbone's last layer: the new head (GlobalAveragePooling2D if 4-D, Dense softmax) goes on its output. */
  cut: string;
  /** 'backbone': every layer up to the cut frozen; 'none': nothing frozen; 'from:<layer>': frozen below <layer>. */
  freeze: string;
}

/** A dropped pretrained TF.js model, as the Model screen shows it before the head is put on. */
export interface PretrainedInfo {
  name: string;
  source: string;
  params: number;
  inputSize: number;
  /** Teachable Machine's metadata.json labels (its classes), when given. */
  labels: string[] | null;
  /** How pixels are scaled before the network ('mobilenet': x / 127.5 - 1). */
  preprocess: 'mobilenet' | 'none';
  layers: Array<{ name: string; className: string; outputShape: Array<number | null>; params: number }>;
  /** The suggested cut: the layer before the classifier. */
  cut: string;
  /** The backbone's blocks in order (first layer of each), for "freeze all but the top N blocks" and fine-tuning. */
  blocks: Array<{ name: string; first: string }>;
}

export interface ModelConfig {
  kind: 'residual' | 'xception' | 'import' | 'transfer';
  inputSize: number;
  classes: number;
  /** Filters per stage, e.g. [32, 64, 128]. */
  stages: number[];
  blocksPerStage: number;
  conv: 'regular' | 'separable';
  batchNorm: boolean;
  dropout: number;
  /** Batch-norm moving-average momentum (default Keras's 0.99); the app picks it from the steps per epoch. */
  bnMomentum?: number;
  augment: AugmentConfig;
  seed: number;
  /** kind 'import': a TF.js model.json text (weights optional). */
  importJson?: string;
  importWeights?: Uint8Array;
  /** kind 'transfer': the cut and the frozen layers (the pretrained model is the one last dropped). */
  transfer?: TransferConfig;
  /** How pixels in 0..255 are scaled before the model ('mobilenet': x / 127.5 - 1; default none: the model gets 0..255). */
  preprocess?: 'mobilenet' | 'none';
}

export interface ModelInfo {
  summary: ModelSummary;
  summaryText: string;
  params: number;
  /** The topology the model was built from (model.json text), kept to rebuild it on resume. */
  json: string;
  inputShape: number[];
  outputShape: number[];
  binary: boolean;
  threads: number;
  /** Layers whose output is a feature map ([h, w, c]). */
  mapLayers: string[];
  /** The first trainable convolution layer with a kernel (for the filter view). */
  firstConv: string | null;
  epochsTrained: number;
  /** The class names the model was trained for, in output order (when known). */
  classNames?: string[];
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  learningRate: number;
  schedule: 'constant' | 'step' | 'cosine' | 'exponential';
  /** Feature maps are posted every this many batches. */
  vizEvery: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
  learningRate: number;
}

export interface FeatureMaps {
  layer: string;
  image: number;
  /** [h, w, c] */
  shape: number[];
  data: Float32Array;
}

export interface Estimate {
  /** What training at batchSize needs (engine memory: weights, optimizer state, activations). */
  memoryBytes: number;
  /** The most the engine can use here (wasm32: 4 GiB of heap, less what is in use). */
  limitBytes: number;
  /** The largest batch that fits (0: not even one image). */
  maxBatch: number;
  fits: boolean;
  /** NaN when the model was too large to time. */
  secondsPerBatch: number;
  secondsPerEpoch: number;
  batchSize: number;
}

export interface Predictions {
  /** [n, classes] probabilities. */
  probs: Float32Array;
  classes: number;
  images: RgbImages;
  names: string[];
  failed: FileProblem[];
}

export interface ValidationResult {
  trueLabels: Int32Array;
  predicted: Int32Array;
  confidence: Float32Array;
  /** Dataset indices of the validation images (for fetching misclassified ones). */
  indices: Int32Array;
}

export interface SavedSession {
  datasetId: string;
  classes: string[];
  size: number;
  total: number;
  modelName: string;
  epoch: number;
  savedAt: number;
}

export type WorkerEvent =
  | { kind: 'ingest'; done: number; total: number; corrupt: number; ticket?: number }
  | {
      kind: 'batch';
      epoch: number;
      batch: number;
      batches: number;
      loss: number;
      accuracy: number;
      imagesPerSecond: number;
      etaSeconds: number;
      learningRate: number;
    }
  | { kind: 'epoch'; record: EpochRecord; validation: ValidationResult }
  | { kind: 'state'; state: TrainState }
  | { kind: 'maps'; maps: FeatureMaps }
  | { kind: 'checkpoint'; epoch: number; bytes: number }
  | { kind: 'log'; message: string };

export type TrainState = 'idle' | 'training' | 'paused' | 'stopping';

export interface AppApi {
  /** threads: cap on engine threads (default: all the build allows). */
  init: { in: { threads?: number }; out: EngineInfo };
  /** Decodes, resizes and stores images; replaces the current dataset. */
  ingest: {
    in: {
      items: ImageItem[];
      classes: string[];
      size: number;
      valFraction: number;
      seed: number;
      extraProblems: FileProblem[];
      budgetBytes: number;
      ticket?: number;
    };
    out: DatasetSummary;
  };
  /** Cancels the running ingest (its call then fails with 'ingest cancelled'); false when none runs. */
  cancelIngest: { in: null; out: boolean };
  /** Re-splits the stored dataset. */
  split: { in: { valFraction: number; seed: number }; out: DatasetSummary };
  images: { in: { indices: number[] }; out: RgbImages };
  /** Dataset indices and names of one class's images in one split, in split order (Inspect's image picker). */
  classImages: { in: { split: 'val' | 'train'; label: number }; out: { indices: number[]; names: string[] } };
  build: { in: ModelConfig; out: ModelInfo };
  /** Loads a pretrained TF.js layers model (model.json, its weight files in manifest order, TM's metadata.json) to cut. */
  pretrained: {
    in: { modelJson: string; weights: Uint8Array; metadata?: string; source: string };
    out: PretrainedInfo;
  };
  /** Unfreezes the transfer model from `from` up (Keras's fine-tuning); the next train call recompiles. */
  fineTune: { in: { from: string }; out: { model: ModelInfo; config: ModelConfig } };
  estimate: { in: { batchSize: number }; out: Estimate };
  train: { in: TrainConfig; out: { epochs: EpochRecord[]; stopped: boolean } };
  pause: { in: null; out: TrainState };
  resume: { in: null; out: TrainState };
  stop: { in: null; out: TrainState };
  setViz: { in: { layer: string; image: number }; out: null };
  featureMaps: { in: { layer: string; image: number }; out: FeatureMaps };
  filters: { in: null; out: { layer: string; shape: number[]; data: Float32Array } | null };
  gradCam: {
    in: { layer: string; image: number };
    out:
      | { available: false; reason: string }
      | { available: true; heat: Float32Array; h: number; w: number; classIndex: number };
  };
  augmentPreview: {
    in: { augment: AugmentConfig; count: number; seed: number };
    out: { available: false; reason: string } | { available: true; images: RgbImages };
  };
  predict: { in: { items: Array<{ name: string; blob: Blob }> }; out: Predictions };
  exportTfjs: { in: null; out: { modelJson: string; weights: Uint8Array } };
  exportCheckpoint: { in: null; out: { checkpoint: Uint8Array; modelJson: string; meta: string } };
  /** Restores the dataset, model and checkpoint saved in IndexedDB. */
  restore: {
    in: null;
    out: {
      dataset: DatasetSummary;
      model: ModelInfo;
      history: EpochRecord[];
      train: TrainConfig | null;
      config: ModelConfig;
    };
  };
  /** Validation of the current model on the current dataset now (e.g. after a restore or import). */
  validate: { in: null; out: { loss: number; accuracy: number; result: ValidationResult } };
  /** A checkpoint .zip's files (exported by this app): the model, its training state and settings. */
  importCheckpoint: {
    in: { modelJson: string; checkpoint: Uint8Array; meta: string };
    out: {
      model: ModelInfo;
      history: EpochRecord[];
      train: TrainConfig | null;
      config: ModelConfig;
      classes: string[];
      size: number;
    };
  };
  memory: { in: null; out: { heapBytes: number; mallocBytes: number; datasetBytes: number; spilledBytes: number } };
  /** Answers at once while the worker's thread runs (the page's check that it is not stuck). */
  ping: { in: null; out: true };
}

export type RequestType = keyof AppApi;
export type Request = { [K in RequestType]: { type: K; id: number; in: AppApi[K]['in'] } }[RequestType];
export type Response =
  | { type: RequestType; id: number; out: unknown; err?: undefined }
  | { type: RequestType; id: number; out?: undefined; err: { message: string } }
  | { type: 'event'; id: 0; out: WorkerEvent };
