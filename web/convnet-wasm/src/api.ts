// The public API, shared by the browser (index.ts) and Node (node.ts) entry points.
export { init, engineInfo, memory } from './engine.js';
export type { EngineInfo, InitOptions, Variant } from './engine.js';
export { ConvnetError } from './errors.js';
export { Tensor, tensor, stack } from './tensor.js';
export type { DType, TensorData } from './tensor.js';
export { imageToInput } from './image.js';
export type { ImageBitmapLike, ImageToInputOptions, RgbaImage } from './image.js';
export { layers, input, Layer, SymbolicTensor, resetLayerNames } from './layers.js';
export type * from './layers.js';
export { Model, model, sequential, modelFromJson, loadTfjsModel, loadTfjs, augment } from './model.js';
export type {
  AugmentOptions, BatchLogs, CompileOptions, EpochLogs, FitCallbacks, FitOptions, History, LabelsLike, LayerSummary, LossName,
  ModelOptions, ModelSummary, OptimizerConfig, OptimizerName, TfjsArtifacts, TfjsModelJson, TfjsWeightSpec, Weight, WeightBuffers,
} from './model.js';
export { toTopology } from './topology.js';
export type { FunctionalSpec, ModelJson, ModelSpec, SequentialSpec, Topology } from './topology.js';
export { Trainer } from './trainer.js';
export type { TrainerFitOptions, TrainerOptions } from './trainer.js';
export type { BuildResult, ProgressEvent, TrainerState } from './worker/messages.js';
export { PACKAGE_VERSION as version } from './topology.js';
