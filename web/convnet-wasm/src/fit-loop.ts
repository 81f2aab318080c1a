// The training loop: epochs of seeded-shuffled mini-batches drawn from a batch source, one
// engine step per batch, validation after each epoch, Keras's callbacks, an AbortSignal and a
// TrainingControl (pause / resume / stop). Model.fit, Model.fitDataset, the package's worker
// Trainer and the web app all train through this one function.
import { getPlatform } from './engine.js';
import { argError, check, ConvnetError } from './errors.js';
import { checkBatch } from './dataset.js';
import type { BatchSource } from './dataset.js';
import { epochOrder } from './random.js';
import type { SessionIO } from './session-io.js';
import { TrainingControl } from './training-control.js';
import type { BatchLogs, EpochLogs, FitDatasetOptions, History } from './types.js';

/** What the loop needs from the model it trains. */
export interface FitHost {
  readonly name: string;
  readonly seed: number;
  /** Whether compile() asked for accuracy. */
  readonly metrics: boolean;
  /** The live session (throws once the model is disposed, which ends the fit with a clear error). */
  io(): SessionIO;
  /** model.stopTraining, Keras's way to end fit() from a callback. */
  stopRequested(): boolean;
  /** Called when a whole epoch has run: what a checkpoint records as the epoch count. */
  epochCompleted(epoch: number): void;
}

const FIT_KEYS = ['epochs', 'batchSize', 'validationData', 'shuffle', 'callbacks', 'signal', 'initialEpoch', 'control'];

/** Checks the options every fit shares; the messages name the option, the value and the rule. */
export function fitSettings(
  options: FitDatasetOptions,
  extraKeys: readonly string[] = [],
): { epochs: number; batchSize: number; initialEpoch: number } {
  if (options === null || typeof options !== 'object')
    throw argError(`fit: options must be an object, got ${String(options)}`);
  const known = [...FIT_KEYS, ...extraKeys];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw argError(`fit: unknown option '${k}'; known options: ${known.join(', ')}`);
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const initialEpoch = options.initialEpoch ?? 0;
  const integer = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 2 ** 31;
  if (!integer(epochs, 0))
    throw argError(`fit: epochs must be a non-negative integer, got ${JSON.stringify(epochs) ?? String(epochs)}`);
  if (!integer(batchSize, 1))
    throw argError(`fit: batchSize must be a positive integer, got ${JSON.stringify(batchSize) ?? String(batchSize)}`);
  if (!integer(initialEpoch, 0)) {
    throw argError(
      `fit: initialEpoch must be a non-negative integer (the epoch to resume from), got ${typeof initialEpoch === 'string' ? `'${initialEpoch}'` : String(initialEpoch)}`,
    );
  }
  if (options.control !== undefined && !(options.control instanceof TrainingControl))
    throw argError('fit: control must be a TrainingControl');
  return { epochs, batchSize, initialEpoch };
}

/** Loss and accuracy over a source, in inference mode, in batches of at most batchSize. */
export async function evaluateSource(
  io: SessionIO,
  source: BatchSource,
  batchSize: number,
  what: string,
): Promise<{ loss: number; accuracy: number }> {
  const n = source.length;
  if (n === 0) throw argError(`${what}: the data has no samples`);
  const batch = Math.min(io.reserve(Math.min(batchSize, n)), batchSize, n);
  const idx = new Uint32Array(batch);
  let lossSum = 0,
    correct = 0;
  for (let begin = 0; begin < n; begin += batch) {
    const m = Math.min(batch, n - begin);
    for (let i = 0; i < m; i++) idx[i] = begin + i;
    const b = checkBatch(await source.batch(idx.subarray(0, m)), m, io.xSize, io.ySize, what);
    io.stage(b.x, b.y);
    const r = check(io.raw.evaluateStep(m), what);
    lossSum += r.lossSum;
    correct += r.correct;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

export async function runFit(
  host: FitHost,
  source: BatchSource,
  validation: BatchSource | null,
  options: FitDatasetOptions,
  settings: { epochs: number; batchSize: number; initialEpoch: number },
): Promise<History> {
  const { epochs, initialEpoch } = settings;
  const nTrain = source.length;
  if (!Number.isInteger(nTrain) || nTrain < 1) throw argError(`fit: the training data has no samples`);
  const signal = options.signal;
  signal?.throwIfAborted();
  const control = options.control ?? new TrainingControl();
  if (control.state !== 'idle')
    throw new ConvnetError(
      `fit: the control is already driving a run (state '${control.state}')`,
      'failed_precondition',
    );
  const cb = options.callbacks ?? {};
  const platform = getPlatform();
  const acc = host.metrics;
  const history: History = { epoch: [], history: { loss: [] }, stopped: false };
  if (acc) history.history.accuracy = [];
  if (validation) {
    history.history.val_loss = [];
    if (acc) history.history.val_accuracy = [];
  }
  const shuffle = options.shuffle ?? true;
  const batch = Math.min(settings.batchSize, nTrain);
  const batches = Math.ceil(nTrain / batch);
  const order = new Uint32Array(nTrain);
  for (let i = 0; i < nTrain; i++) order[i] = i;
  const ending = () => host.stopRequested() || control.stopping;
  control.begin();
  try {
    host.io().reserve(batch);
    await cb.onTrainBegin?.();
    for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !ending(); epoch++) {
      await cb.onEpochBegin?.(epoch);
      const start = performance.now();
      const pausedBefore = control.pausedMs();
      if (shuffle) epochOrder(host.seed, epoch, nTrain, order);
      let lossSum = 0,
        correct = 0,
        seen = 0,
        stopped = false;
      for (let b = 0; b < batches; b++) {
        const begin = b * batch,
          n = Math.min(batch, nTrain - begin);
        const where = `fit: epoch ${epoch + 1}, batch ${b + 1}`;
        await cb.onBatchBegin?.(b, { epoch, batches, size: n });
        const data = checkBatch(
          await source.batch(order.subarray(begin, begin + n)),
          n,
          host.io().xSize,
          host.io().ySize,
          where,
        );
        const io = host.io(); // dispose() during fit ends it here with a clear error
        io.stage(data.x, data.y);
        const r = check(io.raw.trainStep(n), where);
        lossSum += r.loss * n;
        correct += r.accuracy * n;
        seen += n;
        const logs: BatchLogs = { loss: r.loss, size: n, batch: b, batches, epoch };
        if (acc) logs.accuracy = r.accuracy;
        await cb.onBatchEnd?.(b, logs);
        await platform.yieldToEventLoop();
        signal?.throwIfAborted();
        await control.whilePaused(signal);
        signal?.throwIfAborted();
        if (ending() && b < batches - 1) {
          stopped = true;
          break;
        }
      }
      if (seen === 0) break;
      if (!stopped) host.epochCompleted(epoch + 1);
      const logs: EpochLogs = { loss: lossSum / seen, seconds: 0 };
      if (acc) logs.accuracy = correct / seen;
      if (stopped) logs.stopped = true;
      if (validation) {
        // A stopped epoch ends at once: no validation pass (its logs say NaN).
        const v = stopped
          ? { loss: NaN, accuracy: NaN }
          : await evaluateSource(host.io(), validation, batch, 'fit: validation');
        logs.val_loss = v.loss;
        if (acc) logs.val_accuracy = v.accuracy;
      }
      logs.seconds = (performance.now() - start - (control.pausedMs() - pausedBefore)) / 1000;
      history.epoch.push(epoch);
      history.history.loss.push(logs.loss);
      if (acc) history.history.accuracy!.push(logs.accuracy!);
      if (validation) {
        history.history.val_loss!.push(logs.val_loss!);
        if (acc) history.history.val_accuracy!.push(logs.val_accuracy!);
      }
      await cb.onEpochEnd?.(epoch, logs);
      signal?.throwIfAborted();
    }
    history.stopped = ending();
    await cb.onTrainEnd?.(history);
    return history;
  } finally {
    control.end();
  }
}
