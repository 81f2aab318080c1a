#!/usr/bin/env node
// Fashion-MNIST through the package, from Node: a 28x28x1 variant of seed model A (three
// residual blocks, GAP, Dense(10, softmax)) trained with Adam on sparse categorical
// cross-entropy, with the 10k test set as validation data after every epoch.
//
//   node examples/fashion-mnist.mjs [--epochs 8] [--batch 32] [--lr 0.001] [--schedule cosine]
//        [--subset N] [--threads T] [--seed S] [--data DIR] [--out results.json] [--quiet]
//
// Prints a table row and one JSON line ({"epoch":1,...}) per epoch. The data comes from the
// Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as cw from 'convnet-wasm';

const DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';
const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const USAGE = `usage: node examples/fashion-mnist.mjs [options]
  --epochs N      epochs to train (default 8)
  --batch N       batch size (default 32)
  --lr X          Adam learning rate (default 0.001)
  --schedule S    'constant' or 'cosine' (per-epoch cosine decay of the learning rate; default cosine)
  --subset N      train on the first N training images only (quick runs)
  --test-subset N evaluate on the first N test images only
  --threads N     engine threads (default: all the build allows)
  --seed N        weight-initialization and shuffle seed (default 1)
  --data DIR      folder with the four IDX .gz files (default ${DEFAULT_DIR})
  --out FILE      also write the settings and per-epoch results as JSON
  --quiet         only the JSON lines`;

class UsageError extends Error {}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        epochs: { type: 'string', default: '8' },
        batch: { type: 'string', default: '32' },
        lr: { type: 'string', default: '0.001' },
        schedule: { type: 'string', default: 'cosine' },
        subset: { type: 'string' },
        'test-subset': { type: 'string' },
        threads: { type: 'string' },
        seed: { type: 'string', default: '1' },
        data: { type: 'string', default: DEFAULT_DIR },
        out: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  const int = (name, min) => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
  const lr = Number(values.lr);
  if (!(lr > 0 && Number.isFinite(lr))) throw new UsageError(`--lr must be a positive number, got '${values.lr}'`);
  if (!['constant', 'cosine'].includes(values.schedule))
    throw new UsageError(`--schedule must be 'constant' or 'cosine', got '${values.schedule}'`);
  return {
    help: values.help,
    epochs: int('epochs', 1),
    batch: int('batch', 1),
    lr,
    schedule: values.schedule,
    subset: int('subset', 1),
    testSubset: int('test-subset', 1),
    threads: int('threads', 1),
    seed: int('seed', 0),
    data: values.data,
    out: values.out,
    quiet: values.quiet,
  };
}

// ---- IDX files (http://yann.lecun.com/exdb/mnist/ format: big-endian header, then bytes) ----

function readIdx(path, kind, expectCount) {
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found. Fashion-MNIST comes from the Debian package dataset-fashion-mnist: ` +
        `apt-get install dataset-fashion-mnist (or pass --data DIR with the four *-ubyte.gz files)`,
    );
  }
  let bytes;
  try {
    bytes = gunzipSync(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: cannot gunzip (${e.message}); the file is damaged, reinstall dataset-fashion-mnist`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantMagic = kind === 'images' ? 0x00000803 : 0x00000801; // unsigned byte, 3 dims / 1 dim
  const header = kind === 'images' ? 16 : 8;
  if (bytes.length < header)
    throw new Error(`${path}: ${bytes.length} bytes, shorter than the ${header}-byte IDX header`);
  const magic = view.getUint32(0);
  if (magic !== wantMagic) {
    throw new Error(
      `${path}: IDX magic number is 0x${magic.toString(16).padStart(8, '0')}, expected 0x${wantMagic.toString(16).padStart(8, '0')} (${kind} file)`,
    );
  }
  const count = view.getUint32(4);
  if (count !== expectCount) throw new Error(`${path}: holds ${count} ${kind}, expected ${expectCount}`);
  let itemSize = 1;
  if (kind === 'images') {
    const rows = view.getUint32(8),
      cols = view.getUint32(12);
    if (rows !== 28 || cols !== 28) throw new Error(`${path}: images are ${rows}x${cols}, expected 28x28`);
    itemSize = rows * cols;
  }
  const want = header + count * itemSize;
  if (bytes.length !== want)
    throw new Error(
      `${path}: ${bytes.length} bytes, but its header promises ${want} (${count} ${kind}); the file is truncated or damaged`,
    );
  const data = bytes.subarray(header);
  if (kind === 'labels') {
    for (let i = 0; i < data.length; i++)
      if (data[i] > 9) throw new Error(`${path}: label ${i} is ${data[i]}, outside 0..9`);
  }
  return data;
}

export function loadFashionMnist(dir = DEFAULT_DIR) {
  const f = (name) => join(dir, name);
  return {
    trainImages: readIdx(f('train-images-idx3-ubyte.gz'), 'images', 60000),
    trainLabels: readIdx(f('train-labels-idx1-ubyte.gz'), 'labels', 60000),
    testImages: readIdx(f('t10k-images-idx3-ubyte.gz'), 'images', 10000),
    testLabels: readIdx(f('t10k-labels-idx1-ubyte.gz'), 'labels', 10000),
  };
}

// ---- the model: seed model A at 28x28x1 with a 10-way softmax ----

// The symbolic shapes are known only once the model is built, so the block is told the
// channel count of its input.
function residualBlock(x, channels, filters, pooling) {
  const { layers } = cw;
  let residual = x;
  x = layers.conv2d({ filters, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
  x = layers.conv2d({ filters, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
  if (pooling) {
    x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
    residual = layers.conv2d({ filters, kernelSize: 1, strides: 2 }).apply(residual);
  } else if (channels !== filters) {
    residual = layers.conv2d({ filters, kernelSize: 1 }).apply(residual);
  }
  return layers.add().apply([x, residual]);
}

export function buildModelA28({ seed, threads }) {
  const { layers } = cw;
  const inputs = cw.input({ shape: [28, 28, 1], name: 'image' });
  let x = layers.rescaling({ scale: 1 / 255 }).apply(inputs);
  x = residualBlock(x, 1, 32, true);
  x = residualBlock(x, 32, 64, true);
  x = residualBlock(x, 64, 128, false);
  x = layers.globalAveragePooling2d().apply(x);
  const outputs = layers.dense({ units: 10, activation: 'softmax' }).apply(x);
  return cw.model({ inputs, outputs, name: 'model_a_fashion_mnist', seed, ...(threads ? { threads } : {}) });
}

// ---- main ----

const fmt = (v, d) => (v === undefined ? '-' : v.toFixed(d));

async function main() {
  let opt;
  try {
    opt = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`fashion-mnist: ${e.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  if (opt.help) {
    console.log(USAGE);
    return;
  }
  const log = opt.quiet ? () => {} : (...a) => console.log(...a);

  const t0 = performance.now();
  const ds = loadFashionMnist(opt.data);
  const nTrain = Math.min(opt.subset ?? 60000, 60000);
  const nTest = Math.min(opt.testSubset ?? 10000, 10000);
  // Pixels stay Uint8Array (the package converts them batch by batch); labels are class indices.
  const xTrain = cw.tensor(ds.trainImages.subarray(0, nTrain * 784), [nTrain, 28, 28, 1]);
  const yTrain = Float32Array.from(ds.trainLabels.subarray(0, nTrain));
  const xTest = cw.tensor(ds.testImages.subarray(0, nTest * 784), [nTest, 28, 28, 1]);
  const yTest = Float32Array.from(ds.testLabels.subarray(0, nTest));
  const loadSeconds = (performance.now() - t0) / 1000;

  const info = await cw.init(opt.threads ? { threads: opt.threads } : {});
  const model = buildModelA28({ seed: opt.seed, threads: opt.threads });
  try {
    log(`engine: ${info.variant} build, ${info.threads} thread(s), simd ${info.simd} (${info.reason})`);
    log(`data: ${nTrain} training / ${nTest} test images from ${opt.data} (read in ${loadSeconds.toFixed(1)} s)`);
    log(
      `model: ${model.name}, ${model.countParams().toLocaleString('en-US')} parameters, ${model.threads} thread(s); ` +
        `Adam lr ${opt.lr} (${opt.schedule}), batch ${opt.batch}, ${opt.epochs} epoch(s), seed ${opt.seed}`,
    );
    model.compile({
      optimizer: { name: 'adam', learningRate: opt.lr },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });

    // Per-epoch cosine decay, as a Keras LearningRateScheduler would do it: epoch e of E
    // trains at lr * (1 + cos(pi * e / E)) / 2.
    const lrAt = (epoch) =>
      opt.schedule === 'cosine' ? opt.lr * 0.5 * (1 + Math.cos((Math.PI * epoch) / opt.epochs)) : opt.lr;
    const results = [];
    let trainStart = 0,
      trainEnd = 0;
    log('');
    log('epoch  lr        loss    acc     test_loss  test_acc  train_s  test_s  img/s');
    await model.fit(xTrain, yTrain, {
      epochs: opt.epochs,
      batchSize: opt.batch,
      validationData: [xTest, yTest],
      callbacks: {
        onEpochBegin: (epoch) => {
          model.setLearningRate(lrAt(epoch));
          trainStart = performance.now();
        },
        onBatchEnd: () => {
          trainEnd = performance.now();
        },
        onEpochEnd: (epoch, logs) => {
          // logs.seconds covers training and the test-set evaluation; split them.
          const trainSeconds = (trainEnd - trainStart) / 1000;
          const r = {
            epoch: epoch + 1,
            lr: lrAt(epoch),
            loss: logs.loss,
            accuracy: logs.accuracy,
            test_loss: logs.val_loss,
            test_accuracy: logs.val_accuracy,
            seconds: logs.seconds,
            train_seconds: trainSeconds,
            test_seconds: Math.max(0, logs.seconds - trainSeconds),
            images_per_second: nTrain / trainSeconds,
          };
          results.push(r);
          log(
            `${String(r.epoch).padStart(5)}  ${r.lr.toExponential(2)}  ${fmt(r.loss, 4)}  ${fmt(r.accuracy, 4)}  ` +
              `${fmt(r.test_loss, 4).padStart(9)}  ${fmt(r.test_accuracy, 4).padStart(8)}  ${fmt(r.train_seconds, 1).padStart(7)}  ` +
              `${fmt(r.test_seconds, 1).padStart(6)}  ${fmt(r.images_per_second, 0).padStart(5)}`,
          );
          console.log(JSON.stringify(r));
        },
      },
    });
    const best = results.reduce((a, r) => (r.test_accuracy > a.test_accuracy ? r : a), results[0]);
    const last = results[results.length - 1];
    log('');
    log(
      `final test accuracy ${(100 * last.test_accuracy).toFixed(2)}% after ${last.epoch} epoch(s); ` +
        `best ${(100 * best.test_accuracy).toFixed(2)}% at epoch ${best.epoch}; ` +
        `${results.reduce((s, r) => s + r.seconds, 0).toFixed(0)} s in all`,
    );
    if (opt.out) {
      const record = {
        example: 'fashion-mnist',
        package: cw.version,
        engine: info,
        model: { name: model.name, params: model.countParams(), threads: model.threads },
        settings: {
          epochs: opt.epochs,
          batch: opt.batch,
          lr: opt.lr,
          schedule: opt.schedule,
          seed: opt.seed,
          train: nTrain,
          test: nTest,
        },
        epochs: results,
        classes: CLASSES,
      };
      writeFileSync(opt.out, JSON.stringify(record, null, 2) + '\n');
      log(`results written to ${opt.out}`);
    }
  } finally {
    model.dispose();
  }
}

main().catch((e) => {
  console.error(`fashion-mnist: ${e.message}`);
  process.exitCode = 1;
});
