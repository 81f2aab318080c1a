// Trainer: the engine in a dedicated worker (a Web Worker in browsers, worker_threads in Node)
// behind the typed messages of worker/messages.ts, so a page never freezes while training.
// Progress arrives as events; pause/resume/stop act between batches; data buffers are copied by
// default, or moved with {transfer: true} (the caller's arrays are then detached).
import { getPlatform } from './engine.js';
import type { EngineInfo, InitOptions, TransferList, WorkerLike } from './engine.js';
import { argError, asErrorCode, ConvnetError } from './errors.js';
import type {
  BatchLogs,
  CompileOptions,
  EpochLogs,
  History,
  LabelsLike,
  MemoryEstimate,
  ModelOptions,
  ModelSummary,
  TfjsArtifacts,
  TfjsModelJson,
  Weight,
  WeightBuffers,
} from './types.js';
import { Tensor, tensor } from './tensor.js';
import type { TfjsExportOptions } from './tfjs.js';
import { toTopology } from './topology.js';
import type { ModelSpec } from './topology.js';
import type {
  BuildResult,
  ProgressEvent,
  Request,
  RequestType,
  Response,
  TensorMsg,
  TrainerApi,
  TrainerState,
  WireFitOptions,
} from './worker/messages.js';

export interface TrainerOptions extends Omit<InitOptions, 'locateFile'> {
  /** URL of a custom worker script (default: the package's trainer worker). */
  workerUrl?: string | URL;
}

export interface TrainerFitOptions {
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  validationData?: readonly [Tensor, LabelsLike] | { x: Tensor; y: LabelsLike };
  shuffle?: boolean;
  initialEpoch?: number;
  callbacks?: {
    onBatchEnd?: (batch: number, logs: BatchLogs) => void;
    onEpochEnd?: (epoch: number, logs: EpochLogs) => void;
  };
  /** Every progress event (batch, epoch, state changes). */
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting rejects fit() with the signal's reason. */
  signal?: AbortSignal;
  /** Move the data's buffers to the worker instead of copying (they become unusable here). */
  transfer?: boolean;
  /**
   * Keep the training state of the last finished epoch on this side (trainer.lastCheckpoint), so
   * that restart() after an engine failure continues from it. Costs one checkpoint per epoch.
   */
  keepCheckpoint?: boolean;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (e: ProgressEvent) => void;
}

function labelsTensor(y: LabelsLike): Tensor {
  return y instanceof Tensor ? y : tensor(y as Float32Array);
}

export class Trainer {
  /** Which engine build the worker loaded, and why. */
  info!: EngineInfo;
  /** The model built by build(), or null. */
  model: BuildResult | null = null;
  private worker: WorkerLike | null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private _state: TrainerState = 'idle';
  private listeners = new Set<(e: ProgressEvent) => void>();
  private readonly options: TrainerOptions;
  /** What build()/loadTfjs() and compile() were given: what restart() rebuilds. */
  private built: { json: string; seed: number; threads?: number; weights?: Uint8Array } | null = null;
  private compiled: CompileOptions | null = null;
  /**
   * Why the engine stopped (a trap or abort in the worker, or the worker died), or null. After it
   * every call rejects with code 'engine_stopped' until restart().
   */
  engineStopped: string | null = null;
  /** The training state after the last finished epoch of a fit with keepCheckpoint, or null. */
  lastCheckpoint: { epoch: number; bytes: Uint8Array } | null = null;

  private constructor(worker: WorkerLike, options: TrainerOptions) {
    this.worker = worker;
    this.options = options;
    this.attach(worker);
  }

  private attach(worker: WorkerLike): void {
    // A worker replaced by restart() may still report its death: only the current one counts.
    worker.onmessage = (e) => {
      if (this.worker === worker) this.receive(e.data as Response);
    };
    worker.onerror = (e) => {
      if (this.worker !== worker) return;
      const reason = `the trainer worker failed: ${e.message ?? String(e.error)}`;
      this.engineStopped ??= reason;
      this.fail(new ConvnetError(reason, 'engine_stopped'));
    };
  }

  /** Starts a worker and loads the engine in it (mt when threads are available, else st). */
  static async create(options: TrainerOptions = {}): Promise<Trainer> {
    const t = new Trainer(getPlatform().createTrainerWorker(options.workerUrl), options);
    try {
      await t.start();
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  private async start(): Promise<void> {
    const { workerUrl: _url, ...init } = this.options;
    this.info = await this.request('init', init);
  }

  /**
   * After the engine stopped (or at any time when idle): a new worker and engine, with the model
   * built and compiled again and, when a fit kept checkpoints, the last one loaded. Resolves with
   * the epoch to continue from (pass it as initialEpoch), or null when there was no checkpoint.
   */
  async restart(): Promise<{ epoch: number } | null> {
    if (this.worker === null) throw new ConvnetError('restart: the trainer has been disposed', 'disposed');
    const old = this.worker;
    this.worker = null;
    this.fail(new ConvnetError('the trainer was restarted', 'engine_stopped'));
    old.terminate();
    this.worker = getPlatform().createTrainerWorker(this.options.workerUrl);
    this.attach(this.worker);
    this._state = 'idle';
    this.engineStopped = null;
    this.model = null;
    await this.start();
    if (!this.built) return null;
    const b = this.built;
    this.model = b.weights
      ? await this.request('loadTfjs', { json: b.json, weights: b.weights.slice(), seed: b.seed, threads: b.threads })
      : await this.request('build', { json: b.json, seed: b.seed, threads: b.threads });
    if (!this.compiled) return null;
    await this.request('compile', this.compiled);
    if (!this.lastCheckpoint) return null;
    const copy = this.lastCheckpoint.bytes.slice();
    return this.request('loadCheckpoint', copy, [copy.buffer]);
  }

  /** 'idle' | 'training' | 'paused' | 'stopping' */
  get state(): TrainerState {
    return this._state;
  }

  /** Listens to every progress event of every fit; returns a function that unsubscribes. */
  onProgress(listener: (e: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(msg: Response): void {
    const p = this.pending.get(msg.id);
    if (msg.type === 'progress') {
      if (msg.out.kind === 'state') this._state = msg.out.state;
      if (msg.out.kind === 'checkpoint') this.lastCheckpoint = { epoch: msg.out.epoch, bytes: msg.out.bytes };
      p?.onProgress?.(msg.out);
      for (const l of this.listeners) l(msg.out);
      return;
    }
    if (!p) return;
    this.pending.delete(msg.id);
    this.worker?.setBusy?.(this.pending.size > 0);
    if (msg.err) {
      if (msg.err.code === 'engine_stopped') {
        this.engineStopped ??= msg.err.message.replace(/^the engine stopped: /, '');
        this._state = 'idle';
      }
      const e =
        msg.err.name === 'AbortError'
          ? new DOMException(msg.err.message, 'AbortError')
          : new ConvnetError(msg.err.message, asErrorCode(msg.err.code));
      p.reject(e);
    } else {
      p.resolve(msg.out);
    }
  }

  private fail(e: Error): void {
    this._state = 'idle';
    const all = [...this.pending.values()];
    this.pending.clear();
    this.worker?.setBusy?.(false);
    for (const p of all) p.reject(e);
  }

  private request<K extends RequestType>(
    type: K,
    input: TrainerApi[K]['in'],
    transfer: TransferList = [],
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<TrainerApi[K]['out']> & { id: number } {
    if (!this.worker) {
      const p = Promise.reject(new ConvnetError(`${type}: the trainer has been disposed`, 'disposed')) as Promise<
        TrainerApi[K]['out']
      > & { id: number };
      p.id = -1;
      return p;
    }
    const id = this.nextId++;
    const p = new Promise<TrainerApi[K]['out']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
    }) as Promise<TrainerApi[K]['out']> & { id: number };
    p.id = id;
    this.worker.setBusy?.(true);
    this.worker.postMessage({ type, id, in: input } as Request, transfer);
    return p;
  }

  private wire(t: Tensor, transfer: boolean, list: TransferList): TensorMsg {
    let data = t.data;
    if (
      transfer &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      !(data.buffer instanceof SharedArrayBufferCtor())
    ) {
      list.push(data.buffer as ArrayBuffer);
    } else {
      data = data.slice(); // a view would clone its whole buffer; copy just the view
      list.push(data.buffer as ArrayBuffer);
    }
    return { data, shape: [...t.shape], dtype: t.dtype };
  }

  /** Builds the model in the worker from {inputs, outputs}, a layer list spec or a model.json. */
  async build(spec: ModelSpec, options: ModelOptions = {}): Promise<BuildResult> {
    const json = toTopology(spec).json;
    this.model = await this.request('build', { json, seed: options.seed, threads: options.threads });
    this.built = { json, seed: this.model.seed, threads: options.threads };
    this.compiled = null;
    this.lastCheckpoint = null;
    return this.model;
  }

  /**
   * Builds a model with its weights in the worker from a TF.js model.json (object or text) and its
   * weight files' bytes (one buffer, or a list in weightsManifest order), as loadTfjsModel does.
   */
  async loadTfjs(
    modelJson: TfjsModelJson | string,
    weightData: WeightBuffers,
    options: ModelOptions = {},
  ): Promise<BuildResult> {
    const json = typeof modelJson === 'string' ? modelJson : JSON.stringify(modelJson);
    const parts = (Array.isArray(weightData) ? weightData : [weightData]) as Array<ArrayBuffer | ArrayBufferView>;
    const views = parts.map((b) =>
      ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer),
    );
    const weights = new Uint8Array(views.reduce((n, v) => n + v.byteLength, 0)); // one copy, moved to the worker
    let at = 0;
    for (const v of views) {
      weights.set(v, at);
      at += v.byteLength;
    }
    const kept = weights.slice(); // restart() builds it again from these
    this.model = await this.request('loadTfjs', { json, weights, seed: options.seed, threads: options.threads }, [
      weights.buffer,
    ]);
    this.built = { json, seed: this.model.seed, threads: options.threads, weights: kept };
    this.compiled = null;
    this.lastCheckpoint = null;
    return this.model;
  }

  /** The worker's model as TF.js artifacts (see Model.saveTfjs). */
  saveTfjs(options: TfjsExportOptions = {}): Promise<TfjsArtifacts> {
    return this.request('saveTfjs', options);
  }

  /** The worker model's training state as bytes (see Model.saveCheckpoint); best taken between fits or in onEpochEnd. */
  saveCheckpoint(options: { epoch?: number } = {}): Promise<Uint8Array> {
    return this.request('saveCheckpoint', { epoch: options.epoch });
  }

  /** Restores saveCheckpoint()'s bytes in the worker; resolves with the checkpoint's epoch. */
  loadCheckpoint(bytes: Uint8Array | ArrayBuffer): Promise<{ epoch: number }> {
    const copy = bytes instanceof ArrayBuffer ? new Uint8Array(bytes.slice(0)) : (bytes as Uint8Array).slice();
    return this.request('loadCheckpoint', copy, [copy.buffer]);
  }

  async compile(options: CompileOptions): Promise<null> {
    await this.request('compile', options);
    this.compiled = options;
    return null;
  }

  /** What training at batchSize needs and what the engine can get (see Model.memoryEstimate). */
  memoryEstimate(batchSize = 32): Promise<MemoryEstimate> {
    return this.request('memoryEstimate', { batchSize });
  }

  /** Test-only: makes the worker's engine trap ('caller' thread or a 'worker' pthread). */
  faultForTests(where: 'caller' | 'worker'): Promise<null> {
    return this.request('faultForTests', { where });
  }

  /** Trains in the worker; per-batch and per-epoch callbacks run here on the page. */
  async fit(x: Tensor, y: LabelsLike, options: TrainerFitOptions = {}): Promise<History> {
    if (!(x instanceof Tensor)) throw argError('fit: x must be a Tensor');
    options.signal?.throwIfAborted();
    const transfer: TransferList = [];
    const move = options.transfer ?? false;
    const wireOptions: WireFitOptions = {
      epochs: options.epochs,
      batchSize: options.batchSize,
      validationSplit: options.validationSplit,
      shuffle: options.shuffle,
      initialEpoch: options.initialEpoch,
      keepCheckpoint: options.keepCheckpoint,
    };
    if (options.validationData) {
      const vd = options.validationData;
      const [vx, vy] = Array.isArray(vd) ? vd : [(vd as { x: Tensor }).x, (vd as { y: LabelsLike }).y];
      wireOptions.validationData = { x: this.wire(vx, move, transfer), y: this.wire(labelsTensor(vy), move, transfer) };
    }
    const input = {
      x: this.wire(x, move, transfer),
      y: this.wire(labelsTensor(y), move, transfer),
      options: wireOptions,
    };
    const onProgress = (e: ProgressEvent) => {
      if (e.kind === 'batch') options.callbacks?.onBatchEnd?.(e.batch, e.logs);
      if (e.kind === 'epoch') options.callbacks?.onEpochEnd?.(e.epoch, e.logs);
      options.onProgress?.(e);
    };
    const p = this.request('fit', input, transfer, onProgress);
    const signal = options.signal;
    if (!signal) return p;
    const onAbort = () => void this.request('abort', { fitId: p.id }).catch(() => {});
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await p;
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Pauses the running fit after the current batch. */
  pause(): Promise<TrainerState> {
    return this.request('pause', null);
  }

  resume(): Promise<TrainerState> {
    return this.request('resume', null);
  }

  /** Ends the running fit after the current batch; fit() resolves with history.stopped = true. */
  stop(): Promise<TrainerState> {
    return this.request('stop', null);
  }

  evaluate(
    x: Tensor,
    y: LabelsLike,
    options: { batchSize?: number } = {},
  ): Promise<{ loss: number; accuracy: number }> {
    const t: TransferList = [];
    return this.request(
      'evaluate',
      { x: this.wire(x, false, t), y: this.wire(labelsTensor(y), false, t), batchSize: options.batchSize },
      t,
    );
  }

  async predict(x: Tensor, options: { batchSize?: number } = {}): Promise<Tensor> {
    const t: TransferList = [];
    const r = await this.request('predict', { x: this.wire(x, false, t), batchSize: options.batchSize }, t);
    return new Tensor(r.data, r.shape);
  }

  async layerOutput(layer: string, x: Tensor): Promise<Tensor> {
    const t: TransferList = [];
    const r = await this.request('layerOutput', { layer, x: this.wire(x, false, t) }, t);
    return new Tensor(r.data, r.shape);
  }

  /** Grad-CAM heat maps [n, H, W] of `layer` for class `classIndex` (see Model.gradCam). */
  async gradCam(layer: string, x: Tensor, classIndex: number): Promise<Tensor> {
    const t: TransferList = [];
    const r = await this.request('gradCam', { layer, x: this.wire(x, false, t), classIndex }, t);
    return new Tensor(r.data, r.shape);
  }

  getWeights(): Promise<Weight[]> {
    return this.request('getWeights', null);
  }

  setWeights(weights: Float32Array[]): Promise<null> {
    const copies = weights.map((w) => w.slice());
    return this.request(
      'setWeights',
      copies,
      copies.map((c) => c.buffer as ArrayBuffer),
    );
  }

  setLearningRate(lr: number): Promise<null> {
    return this.request('setLearningRate', lr);
  }

  /** Frees the worker's model (the worker and its engine stay up for the next build). */
  async disposeModel(): Promise<void> {
    await this.request('disposeModel', null);
    this.model = null;
  }

  /** Engine heap counters and the model's planned bytes. */
  memory(): Promise<{ heapBytes: number; mallocBytes: number; modelBytes: number }> {
    return this.request('memory', null);
  }

  summary(): string {
    if (!this.model) throw new ConvnetError('summary: no model: call build() first', 'failed_precondition');
    return this.model.summaryText;
  }

  summaryData(): ModelSummary {
    if (!this.model) throw new ConvnetError('summaryData: no model: call build() first', 'failed_precondition');
    return this.model.summary;
  }

  /** Stops the worker; pending requests reject. Safe to call twice. */
  dispose(): void {
    if (!this.worker) return;
    const w = this.worker;
    this.worker = null;
    this.fail(new ConvnetError('the trainer has been disposed', 'disposed'));
    w.terminate();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function SharedArrayBufferCtor(): new (n: number) => object {
  return (typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : class {}) as new (n: number) => object;
}
