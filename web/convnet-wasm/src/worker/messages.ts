// The typed message protocol between Trainer (page) and the trainer worker (which owns the
// engine). Every request has {type, id, in}; the worker answers {type, id, out} or
// {type, id, err}, and sends {type: 'progress', id, out} events while a fit with that id runs.
// Bulk data travels as typed arrays whose buffers are transferred, never copied twice.
import type { EngineInfo, Variant } from '../engine.js';
import type { TfjsExportOptions } from '../tfjs.js';
import type { TrainingState } from '../training-control.js';
import type {
  BatchLogs,
  CompileOptions,
  EpochLogs,
  History,
  MemoryEstimate,
  ModelSummary,
  TfjsArtifacts,
  Weight,
} from '../types.js';
import type { DType } from '../tensor.js';

/** A tensor on the wire: its typed array (buffer transferable) and shape. */
export interface TensorMsg {
  data: Float32Array | Uint8Array | Uint8ClampedArray;
  shape: number[];
  dtype: DType;
}

export interface WireFitOptions {
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  validationData?: { x: TensorMsg; y: TensorMsg };
  shuffle?: boolean;
  initialEpoch?: number;
  /** Save a checkpoint after every epoch and send it to the page (a 'checkpoint' event). */
  keepCheckpoint?: boolean;
}

export interface BuildResult {
  name: string;
  inputShape: number[];
  outputShape: number[];
  threads: number;
  seed: number;
  params: number;
  summary: ModelSummary;
  summaryText: string;
}

export type TrainerState = TrainingState;

export type ProgressEvent =
  | { kind: 'batch'; epoch: number; batch: number; batches: number; logs: BatchLogs; samplesPerSecond: number }
  | { kind: 'epoch'; epoch: number; logs: EpochLogs }
  | { kind: 'state'; state: TrainerState }
  /** The training state after an epoch (fit with keepCheckpoint): what Trainer.restart() restores. */
  | { kind: 'checkpoint'; epoch: number; bytes: Uint8Array };

/** Request types, what each takes (in) and what it answers (out). */
export interface TrainerApi {
  init: { in: { variant?: 'auto' | Variant; threads?: number }; out: EngineInfo };
  build: { in: { json: string; seed?: number; threads?: number }; out: BuildResult };
  /** Builds a model with weights from model.json text and the weight files (in manifest order, concatenated). */
  loadTfjs: { in: { json: string; weights: Uint8Array; seed?: number; threads?: number }; out: BuildResult };
  /** The model as TF.js artifacts (weightData transferred). */
  saveTfjs: { in: TfjsExportOptions | null; out: TfjsArtifacts };
  /** The training state as bytes (transferred); epoch defaults to the epochs the model has trained. */
  saveCheckpoint: { in: { epoch?: number }; out: Uint8Array };
  loadCheckpoint: { in: Uint8Array; out: { epoch: number } };
  compile: { in: CompileOptions; out: null };
  fit: { in: { x: TensorMsg; y: TensorMsg; options: WireFitOptions }; out: History };
  evaluate: { in: { x: TensorMsg; y: TensorMsg; batchSize?: number }; out: { loss: number; accuracy: number } };
  predict: { in: { x: TensorMsg; batchSize?: number }; out: TensorMsg };
  layerOutput: { in: { layer: string; x: TensorMsg }; out: TensorMsg };
  gradCam: { in: { layer: string; x: TensorMsg; classIndex: number }; out: TensorMsg };
  getWeights: { in: null; out: Weight[] };
  setWeights: { in: Float32Array[]; out: null };
  setLearningRate: { in: number; out: null };
  memory: { in: null; out: { heapBytes: number; mallocBytes: number; modelBytes: number } };
  pause: { in: null; out: TrainerState };
  resume: { in: null; out: TrainerState };
  /** Ends the running fit after the current batch; fit resolves with history.stopped = true. */
  stop: { in: null; out: TrainerState };
  /** Cancels the fit with the given id; it rejects with an AbortError. */
  abort: { in: { fitId: number }; out: null };
  disposeModel: { in: null; out: null };
  memoryEstimate: { in: { batchSize: number }; out: MemoryEstimate };
  /** Test-only: makes the engine trap ('caller': the worker's thread; 'worker': a pthread). */
  faultForTests: { in: { where: 'caller' | 'worker' }; out: null };
}

export type RequestType = keyof TrainerApi;

export type Request = { [K in RequestType]: { type: K; id: number; in: TrainerApi[K]['in'] } }[RequestType];

export interface ErrorInfo {
  message: string;
  code: string;
  name: string;
}

export type Response =
  | { [K in RequestType]: { type: K; id: number; out: TrainerApi[K]['out']; err?: undefined } }[RequestType]
  | { type: RequestType; id: number; out?: undefined; err: ErrorInfo }
  | { type: 'progress'; id: number; out: ProgressEvent };
