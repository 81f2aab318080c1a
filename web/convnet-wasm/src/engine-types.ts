// Types of the Embind module built from src/bindings/embind.cpp (engine_{st,mt}.js and
// engine_node_{st,mt}.cjs). Failures come back as {error, code} objects, never as throws;
// views (stagingX, predictStep().output, ...) alias wasm memory and are invalid after any call
// that may grow it, so callers take a fresh view for every use and copy results at once.

export interface EngineError {
  error: string;
  code: string;
}

export type Result<T extends object = {}> = (T & { error?: undefined }) | EngineError;

export interface RawEngineInfo {
  simd: boolean;
  threads: boolean;
  maxThreads: number;
  heapBytes: number;
  mallocBytes: number;
}

export interface RawWeightSpec {
  layer: string;
  name: string;
  shape: number[];
  offset: number;
  trainable: boolean;
}

/** What training at a batch size needs, in bytes (exact below 2^53), computed without allocating. */
export interface RawMemoryEstimate {
  bytes: number;
  weightBytes: number;
  optimizerBytes: number;
  activationBytes: number;
  stagingBytes: number;
  /** What this model holds plus what the engine can still get (wasm32: up to 4 GiB of heap). */
  limitBytes: number;
  /** The largest batch that fits limitBytes (0 if none). */
  maxBatch: number;
  fits: boolean;
}

export interface RawSession {
  compile(optionsJson: string): Result;
  reserve(batch: number): Result;
  memoryEstimate(batch: number): Result<RawMemoryEstimate>;
  setLearningRate(lr: number): Result;
  /** {"layers"?: [...], "from"?: name, "to"?: name, "trainable": bool}; compile again afterwards. */
  setTrainable(optionsJson: string): Result;
  stagingX(): Float32Array;
  stagingY(): Float32Array;
  trainStep(n: number): Result<{ loss: number; accuracy: number }>;
  evaluateStep(n: number): Result<{ lossSum: number; correct: number }>;
  predictStep(n: number): Result<{ output: Float32Array }>;
  layerOutput(layer: string, n: number): Result<{ output: Float32Array; shape: number[] }>;
  gradCam(layer: string, n: number, classIndex: number): Result<{ output: Float32Array; shape: number[] }>;
  augment(n: number): Result<{ output: Float32Array }>;
  weightsView(): Float32Array;
  weightSpecs(): RawWeightSpec[];
  /** model.json text plus every weight file concatenated in manifest order. */
  loadTfjsWeights(modelJson: string, weightBytes: Uint8Array): Result;
  /** weights is a view into wasm memory: copy it (.slice()) at once. */
  toTfjs(): Result<{ modelJson: string; weights: Uint8Array }>;
  /** bytes is a view into wasm memory: copy it (.slice()) at once. */
  saveCheckpoint(epoch: number): Result<{ bytes: Uint8Array }>;
  loadCheckpoint(bytes: Uint8Array): Result<{ epoch: number }>;
  summaryJson(): string;
  countParams(): number;
  plannedBytes(): number;
  threads(): number;
  reservedBatch(): number;
  labelSize(): number;
  inputShape(): number[];
  outputShape(): number[];
  delete(): void;
}

/** Emscripten's pthread bookkeeping (mt builds only); read to budget threads per session. */
export interface RawPThread {
  unusedWorkers: Array<{ unref?: () => void }>;
  runningWorkers: Array<{ unref?: () => void }>;
}

export interface RawEngine {
  /** Every Keras layer class the engine reads and writes (its layer registry). */
  layerClasses(): string[];
  info(): RawEngineInfo;
  createSession(modelJson: string, seed: number, threads: number): RawSession | null;
  lastError(): string;
  /** The status code name of the last createSession failure ('parse_error', 'invalid_argument', ...). */
  lastErrorCode?(): string;
  /** Every error code the engine can return (src/core/status-codes.inc). */
  statusCodes(): string[];
  /** Test-only: traps on the calling thread ('caller') or on another thread ('worker'). */
  faultForTests?(where: string): void;
  PThread?: RawPThread;
}

/** Module options the Emscripten 3.1.6 glue reads. */
export interface EmscriptenModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, scriptDirectory: string) => string;
  mainScriptUrlOrBlob?: string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export type EngineFactory = (options?: EmscriptenModuleOptions) => Promise<RawEngine>;
