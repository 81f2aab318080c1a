// The trainer worker's logic, independent of the worker API so Node tests can drive it
// directly: one switch over request types, each case answering {type, id, out} or
// {type, id, err}. fit() yields between batches, so pause/resume/stop/abort arrive mid-fit.
import { engine, init, memory } from '../engine.js';
import type { TransferList } from '../engine.js';
import { ConvnetError } from '../errors.js';
import { loadTfjsModel, Model } from '../model.js';
import { TrainingControl } from '../training-control.js';
import { Tensor } from '../tensor.js';
import type { BuildResult, ErrorInfo, ProgressEvent, Request, Response, TensorMsg } from './messages.js';

export type Post = (message: Response, transfer?: TransferList) => void;

function toTensor(t: TensorMsg): Tensor {
  return new Tensor(t.data, t.shape);
}

function toMsg(t: Tensor): TensorMsg {
  return { data: t.data, shape: [...t.shape], dtype: t.dtype };
}

function buildResult(m: Model): BuildResult {
  return {
    name: m.name,
    inputShape: [...m.inputShape],
    outputShape: [...m.outputShape],
    threads: m.threads,
    seed: m.seed,
    params: m.countParams(),
    summary: m.summaryData(),
    summaryText: m.summary(),
  };
}

/**
 * The message of an error that leaves the engine unusable (a wasm trap, an Emscripten abort), or
 * null for an ordinary error. After one, the instance's memory can no longer be trusted.
 */
export function fatalEngineError(e: unknown): string | null {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return e.message;
  // What a thread blocked on a pthread that crashed receives (Emscripten unwinds its stack).
  if (e === 'unwind') return 'a thread of the engine crashed';
  const message = e instanceof Error ? e.message : String(e);
  return /^Aborted\(/.test(message) ? message : null;
}

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) return { message: e.message, code: (e as ConvnetError).code ?? 'internal', name: e.name };
  return { message: String(e), code: 'internal', name: 'Error' };
}

export function createWorkerHandler(post: Post): (request: Request) => Promise<void> {
  let model: Model | null = null;
  let fitAbort: { id: number; controller: AbortController } | null = null;
  // The package's one pause/resume/stop state machine; its changes go out as progress events of the running fit.
  const control = new TrainingControl();
  let fitId_ = 0;
  control.onChange((state) => post({ type: 'progress', id: fitId_, out: { kind: 'state', state } }));
  const current = (what: string): Model => {
    if (!model) throw new ConvnetError(`${what}: no model: send a build request first`, 'failed_precondition');
    return model;
  };

  // Set when the engine trapped or aborted: every later request is refused with the reason, and
  // the page restarts the worker (Trainer.restart) instead of using a broken instance.
  let stopped: string | null = null;

  return async function handle(req: Request): Promise<void> {
    try {
      if (stopped !== null) {
        throw new ConvnetError(
          `the engine stopped (${stopped}); restart the trainer (trainer.restart()) to go on`,
          'engine_stopped',
        );
      }
      switch (req.type) {
        case 'init': {
          post({ type: 'init', id: req.id, out: await init(req.in ?? {}) });
          return;
        }
        case 'build': {
          if (control.state !== 'idle')
            throw new ConvnetError('build: a fit is running; stop it first', 'failed_precondition');
          model?.dispose();
          model = null;
          const m = new Model(req.in.json, { seed: req.in.seed, threads: req.in.threads });
          model = m;
          post({ type: 'build', id: req.id, out: buildResult(m) });
          return;
        }
        case 'loadTfjs': {
          if (control.state !== 'idle') throw new ConvnetError('loadTfjs: a fit is running', 'failed_precondition');
          model?.dispose();
          model = null;
          const m = await loadTfjsModel(req.in.json, req.in.weights, { seed: req.in.seed, threads: req.in.threads });
          model = m;
          post({ type: 'loadTfjs', id: req.id, out: buildResult(m) });
          return;
        }
        case 'saveTfjs': {
          const a = await current('saveTfjs').saveTfjs(req.in ?? {});
          post({ type: 'saveTfjs', id: req.id, out: a }, [a.weightData]);
          return;
        }
        case 'saveCheckpoint': {
          const bytes = await current('saveCheckpoint').saveCheckpoint({ epoch: req.in?.epoch });
          post({ type: 'saveCheckpoint', id: req.id, out: bytes }, [bytes.buffer as ArrayBuffer]);
          return;
        }
        case 'loadCheckpoint':
          post({ type: 'loadCheckpoint', id: req.id, out: await current('loadCheckpoint').loadCheckpoint(req.in) });
          return;
        case 'compile':
          current('compile').compile(req.in);
          post({ type: 'compile', id: req.id, out: null });
          return;
        case 'fit': {
          const m = current('fit');
          // A second fit while one runs is refused without touching the running one's control.
          if (control.state !== 'idle' || fitAbort)
            throw new ConvnetError(
              'fit: a fit is already running in this trainer; wait for it, or stop() it first',
              'failed_precondition',
            );
          const fitId = req.id;
          const { x, y, options } = req.in;
          const abort = new AbortController();
          fitAbort = { id: fitId, controller: abort };
          fitId_ = fitId;
          let last = performance.now();
          let history;
          try {
            history = await m.fit(toTensor(x), toTensor(y), {
              epochs: options.epochs,
              batchSize: options.batchSize,
              validationSplit: options.validationSplit,
              validationData: options.validationData
                ? [toTensor(options.validationData.x), toTensor(options.validationData.y)]
                : undefined,
              shuffle: options.shuffle,
              initialEpoch: options.initialEpoch,
              signal: abort.signal,
              control,
              callbacks: {
                onBatchBegin: () => {
                  last = performance.now();
                },
                onBatchEnd: (batch, logs) => {
                  const event: ProgressEvent = {
                    kind: 'batch',
                    epoch: logs.epoch,
                    batch,
                    batches: logs.batches,
                    logs,
                    samplesPerSecond: logs.size / Math.max((performance.now() - last) / 1000, 1e-9),
                  };
                  post({ type: 'progress', id: fitId, out: event });
                },
                onEpochEnd: async (epoch, logs) => {
                  post({ type: 'progress', id: fitId, out: { kind: 'epoch', epoch, logs } });
                  if (options.keepCheckpoint && !logs.stopped) {
                    const bytes = await m.saveCheckpoint();
                    post({ type: 'progress', id: fitId, out: { kind: 'checkpoint', epoch: m.epochsTrained, bytes } }, [
                      bytes.buffer as ArrayBuffer,
                    ]);
                  }
                },
              },
            });
          } finally {
            // 'idle' (from the control) goes out before the result or the error.
            fitAbort = null;
          }
          post({ type: 'fit', id: fitId, out: history });
          return;
        }
        case 'pause':
          post({ type: 'pause', id: req.id, out: control.pause() });
          return;
        case 'resume':
          post({ type: 'resume', id: req.id, out: control.resume() });
          return;
        case 'stop':
          post({ type: 'stop', id: req.id, out: control.stop() });
          return;
        case 'abort':
          if (fitAbort && fitAbort.id === req.in.fitId) fitAbort.controller.abort();
          post({ type: 'abort', id: req.id, out: null });
          return;
        case 'evaluate':
          post({
            type: 'evaluate',
            id: req.id,
            out: current('evaluate').evaluate(toTensor(req.in.x), toTensor(req.in.y), { batchSize: req.in.batchSize }),
          });
          return;
        case 'predict': {
          const out = toMsg(current('predict').predict(toTensor(req.in.x), { batchSize: req.in.batchSize }));
          post({ type: 'predict', id: req.id, out }, [out.data.buffer as ArrayBuffer]);
          return;
        }
        case 'layerOutput': {
          const out = toMsg(current('layerOutput').layerOutput(req.in.layer, toTensor(req.in.x)));
          post({ type: 'layerOutput', id: req.id, out }, [out.data.buffer as ArrayBuffer]);
          return;
        }
        case 'gradCam': {
          const out = toMsg(current('gradCam').gradCam(req.in.layer, toTensor(req.in.x), req.in.classIndex));
          post({ type: 'gradCam', id: req.id, out }, [out.data.buffer as ArrayBuffer]);
          return;
        }
        case 'getWeights': {
          const w = current('getWeights').getWeights();
          post(
            { type: 'getWeights', id: req.id, out: w },
            w.map((v) => v.data.buffer as ArrayBuffer),
          );
          return;
        }
        case 'setWeights':
          current('setWeights').setWeights(req.in);
          post({ type: 'setWeights', id: req.id, out: null });
          return;
        case 'setLearningRate':
          current('setLearningRate').setLearningRate(req.in);
          post({ type: 'setLearningRate', id: req.id, out: null });
          return;
        case 'memory':
          post({
            type: 'memory',
            id: req.id,
            out: { ...memory(), modelBytes: model && !model.isDisposed ? model.memoryBytes() : 0 },
          });
          return;
        case 'memoryEstimate':
          post({ type: 'memoryEstimate', id: req.id, out: current('memoryEstimate').memoryEstimate(req.in.batchSize) });
          return;
        case 'faultForTests': {
          const raw = engine().raw;
          if (!raw.faultForTests)
            throw new ConvnetError('faultForTests: this engine build has no fault injection', 'unavailable');
          raw.faultForTests(req.in.where);
          post({ type: 'faultForTests', id: req.id, out: null });
          return;
        }
        case 'disposeModel':
          model?.dispose();
          model = null;
          post({ type: 'disposeModel', id: req.id, out: null });
          return;
        default: {
          const r = req as { type?: unknown; id?: number };
          throw new ConvnetError(`trainer worker: unknown request type '${String(r.type)}'`, 'invalid_argument');
        }
      }
    } catch (e) {
      const fatal = fatalEngineError(e);
      if (fatal !== null && stopped === null) {
        stopped = fatal;
        post({
          type: req.type,
          id: req.id,
          err: { message: `the engine stopped: ${fatal}`, code: 'engine_stopped', name: 'ConvnetError' },
        });
        return;
      }
      post({ type: req.type, id: req.id, err: errorInfo(e) });
    }
  };
}
