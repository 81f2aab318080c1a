// The public API, shared by the browser (index.ts) and Node (node.ts) entry points.
export { init, engineInfo, memory } from './engine.js';
export type { EngineInfo, InitOptions, Variant } from './engine.js';
export { ConvnetError } from './errors.js';
export { ENGINE_ERROR_CODES, ERROR_CODES, PACKAGE_ERROR_CODES } from './error-codes.js';
export type { ErrorCode } from './error-codes.js';
export { Tensor, tensor, stack } from './tensor.js';
export type { DType, TensorData } from './tensor.js';
export { imageToInput } from './image.js';
export type { ImageBitmapLike, ImageToInputOptions, RgbaImage } from './image.js';
export { layers, input, Layer, SymbolicTensor, resetLayerNames } from './layers.js';
export type * from './layers.js';
export { Model, model, sequential, modelFromJson, loadTfjsModel, loadTfjs } from './model.js';
export { augment } from './augment.js';
export type { AugmentOptions } from './augment.js';
export type {
  BatchBeginInfo,
  BatchLogs,
  CompileOptions,
  MemoryEstimate,
  EpochLogs,
  FitCallbacks,
  FitDatasetOptions,
  FitOptions,
  History,
  LabelsLike,
  LayerSummary,
  LossName,
  ModelOptions,
  ModelSummary,
  OptimizerConfig,
  OptimizerName,
  TfjsArtifacts,
  TfjsModelJson,
  TfjsWeightSpec,
  Weight,
  WeightBuffers,
} from './types.js';
export { tensorSource } from './dataset.js';
export type { Batch, BatchSource } from './dataset.js';
export { TrainingControl } from './training-control.js';
export type { TrainingState } from './training-control.js';
export { seededRandom, shuffle, epochOrder } from './random.js';
export { AUGMENTATION_LAYERS, withoutAugmentation } from './tfjs.js';
export type { TfjsExportOptions } from './tfjs.js';
export { yieldToEventLoop } from './engine.js';
export { toTopology } from './topology.js';
export type { FunctionalSpec, ModelJson, ModelSpec, SequentialSpec, Topology } from './topology.js';
export { Trainer } from './trainer.js';
export { fatalEngineError } from './worker/handler.js';
export type { TrainerFitOptions, TrainerOptions } from './trainer.js';
export type { BuildResult, ProgressEvent, TrainerState } from './worker/messages.js';
export { PACKAGE_VERSION as version } from './topology.js';
