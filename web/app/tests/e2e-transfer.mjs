#!/usr/bin/env node
// End-to-end test of "start from a pretrained model" (issue 15) in headless Chromium, on the
// built-in sample (?sample): the Keras MobileNetV2 fixture (alpha 0.35, 96 px, random weights
// written by TF.js 4.22: ../convnet-wasm/tests/transfer/make-fixtures.mjs) is chosen through the
// Model screen's file input; the screen shows the cut (out_relu), the frozen backbone, 96 px and
// MobileNet's [-1, 1] scaling; "Train head" trains GlobalAveragePooling2D + Dense on the sample
// (the images decoded again at 96 px); the backbone's weights are then bit-identical to the
// fixture's; "Fine-tune" unfreezes the top blocks at a 10x lower learning rate and trains them
// (they change, the lower blocks do not); the export loads in TF.js 4.22 in Node and predicts
// what the app predicted; a reload resumes the transfer model from its checkpoint with the same
// frozen layers; a Teachable Machine export dropped on the section shows its labels, its cut
// and trains a head; MobileNet V1 chosen as a folder is cut at its global average pooling.
//   npm run build && node tests/e2e-transfer.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDir, check, launch, resultsDir, serve, summary } from './e2e-helpers.mjs';

const t0 = Date.now();
const timings = {};
const mark = (name, since) => (timings[name] = Number(((Date.now() - since) / 1000).toFixed(1)));
const fixtures = mkdtempSync(join(tmpdir(), 'convnet-app-transfer-'));
let ts = Date.now();
execFileSync(process.execPath, [join(appDir, '../convnet-wasm/tests/transfer/make-fixtures.mjs'), fixtures], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
mark('fixtures', ts);
const V2 = join(fixtures, 'mobilenet_v2_0.35_96');
const TM = join(fixtures, 'tm_image_v2_0.35_96');

const { server, url, origin } = await serve();
const { browser, context, requests } = await launch({ origin });
const shot = (page, name) => page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
const errors = [];
const text = (page, sel) => page.$eval(sel, (e) => e.textContent);

/** TF.js 4.22 (core, cpu backend, layers) from the package's dev dependencies. */
function loadTfjs() {
  const require = createRequire(new URL('../../convnet-wasm/package.json', import.meta.url));
  const quiet = [console.warn, console.log];
  console.warn = console.log = () => {};
  try {
    const core = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    core.tensor([0]).dataSync(); // the backend's "install tfjs-node" notice comes with its first tensor
    return { ...core, ...require('@tensorflow/tfjs-layers'), io: core.io };
  } finally {
    [console.warn, console.log] = quiet;
  }
}
const tf = loadTfjs();
await tf.setBackend('cpu');

async function tfModel(json, weights) {
  const j = typeof json === 'string' ? JSON.parse(json) : json;
  const b = new Uint8Array(weights);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: j.modelTopology,
      weightSpecs: j.weightsManifest.flatMap((g) => g.weights),
      weightData: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
    }),
  );
}

/** A layer's weights (all of them, BN moving statistics included) as one list of arrays. */
const layerWeights = (m, name) =>
  m
    .getLayer(name)
    .getWeights()
    .map((w) => w.dataSync());
const sameBits = (a, b) =>
  a.length === b.length &&
  a.every((x, i) => x.length === b[i].length && Buffer.compare(Buffer.from(x.buffer), Buffer.from(b[i].buffer)) === 0);

async function exportTfjs(page) {
  const downloads = [];
  const onDl = (d) => downloads.push(d);
  page.on('download', onDl);
  await page.click('#tab-use');
  await page.evaluate(() => (document.getElementById('export-status').textContent = ''));
  await page.click('#export-tfjs');
  await page.waitForFunction(() => /Exported|failed/.test(document.getElementById('export-status').textContent), null, {
    timeout: 30_000,
  });
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  page.off('download', onDl);
  const files = {};
  for (const d of downloads) files[d.suggestedFilename()] = readFileSync(await d.path());
  return files;
}

async function waitTrained(page, epochs, timeout) {
  await page.waitForFunction(
    (n) =>
      document.body.dataset.trained === String(n) ||
      /failed|Could not/.test(document.getElementById('pt-status').textContent),
    epochs,
    { timeout },
  );
}

try {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '?sample', { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
  const classes = await page.evaluate(() => window.app.state.dataset.classes);

  // ---- Choose the MobileNetV2 folder on the Model screen ---------------------------------------
  await page.click('#tab-model');
  check(
    'the Model screen offers "start from a pretrained model" next to the presets',
    await page.isVisible('#pt-box h3'),
    await text(page, '#pt-box h3'),
  );
  ts = Date.now();
  await page.setInputFiles('#pt-input', [join(V2, 'model.json'), join(V2, 'weights.bin')]);
  await page.waitForFunction(
    () => document.body.dataset.pretrained || /Could not/.test(document.getElementById('pt-status').textContent),
    null,
    { timeout: 120_000 },
  );
  mark('v2 import (load + decode the sample at 96 px)', ts);
  const shown = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    cut: document.getElementById('pt-cut').value,
    freeze: document.getElementById('pt-freeze').value,
    freezeText: document.getElementById('pt-freeze').selectedOptions[0]?.textContent,
    size: document.getElementById('pt-size')?.textContent,
    prep: document.getElementById('pt-prep')?.textContent,
    note: document.getElementById('pt-cut-note').textContent,
    datasetSize: window.app.state.dataset.size,
    ft: [...document.getElementById('pt-ft-blocks').options].map((o) => o.value),
  }));
  check(
    'MobileNetV2: cut at out_relu (before its pooling and classifier), the whole backbone frozen by default',
    shown.cut === 'out_relu' && shown.freeze === 'backbone' && /predictions/.test(shown.note),
    shown,
  );
  check(
    'input size and scaling follow the model: 96x96, [-1, 1]; the sample is decoded again at 96 px',
    /^96x96/.test(shown.size) && /\[-1, 1\]/.test(shown.prep) && shown.datasetSize === 96,
    { size: shown.size, prep: shown.prep, datasetSize: shown.datasetSize },
  );
  await shot(page, 'transfer-1-mobilenet-loaded');

  // ---- Train head ---------------------------------------------------------------------------
  await page.fill('#pt-epochs', '2');
  ts = Date.now();
  await page.click('#pt-train');
  await waitTrained(page, 2, 300_000);
  mark('head training, 2 epochs (build + train + validate)', ts);
  const head = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    trainable: window.app.state.model?.summary.trainableParams,
    nonTrainable: window.app.state.model?.summary.nonTrainableParams,
    history: window.app.state.history.map((r) => [r.accuracy, r.valAccuracy, r.seconds]),
    kind: window.app.state.modelConfig?.kind,
  }));
  const k = classes.length;
  check(
    'Train head trains only the new head (GlobalAveragePooling2D + Dense softmax) for 2 epochs',
    head.kind === 'transfer' && head.trainable === 1280 * k + k && head.history.length === 2,
    head,
  );
  check(
    'the head learns on the sample (validation accuracy above chance after 2 epochs)',
    head.history.at(-1)?.[1] > 1 / k + 0.1,
    head.history,
  );
  await shot(page, 'transfer-2-head-trained');

  // Inspect works on the transfer model: feature maps of a backbone layer, Grad-CAM at the cut.
  const inspect = await page.evaluate(async () => {
    const img = window.app.state.validation.indices[0];
    const maps = await window.app.worker.call('featureMaps', { layer: 'block_16_project', image: img });
    const cam = await window.app.worker.call('gradCam', { layer: 'out_relu', image: img });
    return { mapShape: maps.shape, camAvailable: cam.available, camSize: [cam.h, cam.w], camReason: cam.reason };
  });
  check(
    'Inspect on the transfer model: feature maps of a frozen backbone layer, Grad-CAM at the cut',
    JSON.stringify(inspect.mapShape) === '[3,3,112]' && inspect.camAvailable && inspect.camSize.join('x') === '3x3',
    inspect,
  );

  const fx = await tfModel(readFileSync(join(V2, 'model.json'), 'utf8'), readFileSync(join(V2, 'weights.bin')));
  const afterHead = await exportTfjs(page);
  const headModel = afterHead['model.json']
    ? await tfModel(afterHead['model.json'].toString(), afterHead['weights.bin'])
    : null;
  const backbone = [
    'Conv1',
    'bn_Conv1',
    'block_1_expand',
    'block_15_expand',
    'block_16_project',
    'Conv_1',
    'Conv_1_bn',
  ];
  check(
    "after head training the frozen backbone's weights (BN statistics included) are bit-identical to the fixture's",
    !!headModel && backbone.every((n) => sameBits(layerWeights(headModel, n), layerWeights(fx, n))),
    backbone,
  );

  // ---- Fine-tune the top blocks at a 10x lower rate ----------------------------------------
  await page.click('#tab-model');
  const lrHead = Number(await page.inputValue('#t-lr'));
  const from = await page.inputValue('#pt-ft-blocks');
  await page.fill('#pt-ft-epochs', '1');
  ts = Date.now();
  await page.click('#pt-finetune');
  await waitTrained(page, 3, 300_000);
  mark('fine-tuning, 1 epoch', ts);
  const ft = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    trainable: window.app.state.model?.summary.trainableParams,
    freeze: window.app.state.modelConfig?.transfer?.freeze,
    lr: Number(document.getElementById('t-lr').value),
    history: window.app.state.history.map((r) => [r.valAccuracy, r.learningRate, r.seconds]),
    checkpoint: document.getElementById('train-status').dataset.checkpoint,
  }));
  check(
    `Fine-tune unfreezes from ${from} up and trains one more epoch at a tenth of the head's learning rate`,
    from === 'block_15_expand' &&
      ft.freeze === `from:${from}` &&
      ft.trainable > head.trainable &&
      ft.history.length === 3 &&
      Math.abs(ft.lr - lrHead / 10) < 1e-12 &&
      Math.abs(ft.history[2][1] - lrHead / 10) < 1e-12,
    { from, lrHead, ...ft },
  );
  await shot(page, 'transfer-3-fine-tuned');

  // ---- Export: TF.js 4.22 loads it and predicts as the app did ------------------------------
  const files = await exportTfjs(page);
  await shot(page, 'transfer-4-export');
  if (files['model.json'] && files['weights.bin']) {
    const json = JSON.parse(files['model.json'].toString('utf8'));
    check(
      'the export carries the labels, image size and preprocessing',
      JSON.stringify(json.userDefinedMetadata?.labels) === JSON.stringify(classes) &&
        json.userDefinedMetadata?.imageSize === 96 &&
        json.userDefinedMetadata?.preprocessing === 'x / 127.5 - 1',
      json.userDefinedMetadata,
    );
    const model = await tfModel(json, files['weights.bin']);
    check(
      'fine-tuning trained the top blocks (changed) and left the lower blocks and all batch normalization as they were (bit-identical)',
      !sameBits(layerWeights(model, 'block_16_project'), layerWeights(fx, 'block_16_project')) &&
        !sameBits(layerWeights(model, 'block_15_expand'), layerWeights(fx, 'block_15_expand')) &&
        // Below the cut-off, and the batch normalization above it (kept frozen, as Keras's guides do).
        [
          'Conv1',
          'bn_Conv1',
          'block_1_expand',
          'block_14_project',
          'block_14_project_BN',
          'block_16_project_BN',
          'Conv_1_bn',
        ].every((n) => sameBits(layerWeights(model, n), layerWeights(fx, n))),
    );
    const v = await page.evaluate(async () => {
      const val = window.app.state.validation;
      const img = await window.app.worker.call('images', { indices: Array.from(val.indices) });
      return {
        data: Array.from(img.data),
        n: img.n,
        size: img.size,
        predicted: Array.from(val.predicted),
        confidence: Array.from(val.confidence),
      };
    });
    const x = Float32Array.from(v.data, (p) => p / 127.5 - 1);
    const probs = model.predict(tf.tensor4d(x, [v.n, v.size, v.size, 3])).arraySync();
    let agree = 0,
      worst = 0;
    probs.forEach((p, i) => {
      const best = p.indexOf(Math.max(...p));
      if (best === v.predicted[i]) agree++;
      worst = Math.max(worst, Math.abs(p[best] - v.confidence[i]));
    });
    check(
      'the exported model loads in TF.js 4.22 (tf.loadLayersModel) and predicts what the app predicted (classes equal, probabilities within 1e-4)',
      agree === v.n && worst < 1e-4,
      { agree, n: v.n, maxProbabilityDifference: worst },
    );
  } else check('export downloads model.json and weights.bin', false, Object.keys(files));

  // ---- Reload: the transfer model resumes from its checkpoint, same frozen layers ------------
  const lastVal = ft.history.at(-1)?.[0];
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  const banner = await page.isVisible('#resume-banner');
  if (banner) {
    ts = Date.now();
    await page.click('#resume-btn');
    await page.waitForFunction(
      () =>
        document.body.dataset.restored ||
        (!document.getElementById('resume-banner').hidden &&
          /Could not/.test(document.getElementById('resume-text').textContent)),
      null,
      { timeout: 120_000 },
    );
    mark('resume from the checkpoint', ts);
  }
  await page.waitForTimeout(500);
  const restored = await page.evaluate(async () => {
    const v = await window.app.worker.call('validate', null).catch((e) => ({ error: e.message }));
    return {
      restored: document.body.dataset.restored,
      resumeText: document.getElementById('resume-text').textContent,
      trainable: window.app.state.model?.summary.trainableParams,
      kind: window.app.state.modelConfig?.kind,
      valAccuracy: v.accuracy,
      error: v.error,
    };
  });
  check(
    'after a reload the transfer model resumes from its checkpoint: 3 epochs, the same trainable layers and validation accuracy',
    banner &&
      restored.restored === '3' &&
      restored.kind === 'transfer' &&
      restored.trainable === ft.trainable &&
      restored.valAccuracy === lastVal,
    { banner, ...restored, lastVal },
  );
  await shot(page, 'transfer-5-resumed');

  // ---- A Teachable Machine export: its labels show, the cut is its backbone's end -----------
  await page.click('#tab-model');
  await page.evaluate(() => delete document.body.dataset.pretrained);
  ts = Date.now();
  // Dropped on the section (a DataTransfer with the three files, as a drag from a file manager gives).
  const tmFiles = ['model.json', 'weights.bin', 'metadata.json'].map((name) => ({
    name,
    b64: readFileSync(join(TM, name)).toString('base64'),
  }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    const box = document.getElementById('pt-box');
    box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, tmFiles);
  await page.waitForFunction(
    () => document.body.dataset.pretrained || /Could not/.test(document.getElementById('pt-status').textContent),
    null,
    { timeout: 120_000 },
  );
  mark('TM import', ts);
  const tm = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    labels: document.getElementById('pt-labels')?.textContent,
    size: document.getElementById('pt-size')?.textContent,
    prep: document.getElementById('pt-prep')?.textContent,
    cut: document.getElementById('pt-cut').value,
    cutText: document.getElementById('pt-cut').selectedOptions[0]?.textContent,
    note: document.getElementById('pt-cut-note').textContent,
  }));
  check(
    "a Teachable Machine export dropped on the section shows its labels, 96 px, [-1, 1] scaling, and is cut at its backbone's end (before the Dense head)",
    /Class 1, Class 2, Class 3/.test(tm.labels ?? '') &&
      /^96x96/.test(tm.size) &&
      /\[-1, 1\]/.test(tm.prep) &&
      /GlobalAveragePooling2D/.test(tm.cutText ?? '') &&
      /Dense/.test(tm.note),
    tm,
  );
  await shot(page, 'transfer-6-teachable-machine');
  await page.fill('#pt-epochs', '1');
  await page.evaluate(() => delete document.body.dataset.trained);
  ts = Date.now();
  await page.click('#pt-train');
  await waitTrained(page, 1, 300_000);
  mark('TM head training, 1 epoch', ts);
  const tmHead = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    trainable: window.app.state.model?.summary.trainableParams,
    history: window.app.state.history.length,
  }));
  check(
    'a head on the Teachable Machine backbone trains on the sample',
    tmHead.history === 1 && tmHead.trainable === 1280 * k + k,
    tmHead,
  );
  await shot(page, 'transfer-7-teachable-machine-head');

  // ---- Keras MobileNet V1 through the folder picker: cut at its global average pooling -------
  await page.evaluate(() => delete document.body.dataset.pretrained);
  ts = Date.now();
  await page.setInputFiles('#pt-dir', join(fixtures, 'mobilenet_v1_0.25_128'));
  await page.waitForFunction(
    () => document.body.dataset.pretrained || /Could not/.test(document.getElementById('pt-status').textContent),
    null,
    { timeout: 120_000 },
  );
  mark('V1 import (folder picker)', ts);
  const v1 = await page.evaluate(() => ({
    status: document.getElementById('pt-status').textContent,
    cut: document.getElementById('pt-cut').value,
    size: document.getElementById('pt-size')?.textContent,
    note: document.getElementById('pt-cut-note').textContent,
    datasetSize: window.app.state.dataset.size,
  }));
  check(
    'MobileNet V1 chosen as a folder: cut at its global average pooling (before reshape, dropout, conv_preds), 128 px (the restored dataset cannot be decoded again: the status says to load the images)',
    v1.cut === 'global_average_pooling2d' &&
      /^128x128/.test(v1.size) &&
      /conv_preds/.test(v1.note) &&
      /Load the images again/.test(v1.status),
    v1,
  );

  const foreign = requests.filter(
    (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
  );
  check('no request leaves the app origin', foreign.length === 0, foreign);
  check('no uncaught page errors', errors.length === 0, errors);
} catch (e) {
  check('e2e-transfer ran to the end', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  await server.close();
  rmSync(fixtures, { recursive: true, force: true });
}
const { passed, failed } = summary();
console.log('timings (s):', JSON.stringify(timings));
console.log(
  `e2e-transfer: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s); screenshots in ${resultsDir}`,
);
process.exit(failed ? 1 : 0);
