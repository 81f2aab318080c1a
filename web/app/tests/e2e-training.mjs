#!/usr/bin/env node
// End-to-end test of training as a new user meets it, in headless Chromium, on the built-in
// sample (4 Fashion-MNIST classes, 600 images) at 32x32:
// - a preset click builds the preset and sets its training settings; its defaults visibly learn;
// - curves are drawn during the first epoch; the status says what runs; paused time is not
//   counted in the epoch time; a new model clears the old run's progress;
// - Start trains what the Model screen shows, or says why not (edited model, changed image size);
// - the exported model.json loads in TF.js 4.22 (tf.loadLayersModel) in Node, predicts the app's
//   classes, and carries the labels and image size;
// - a checkpoint .zip imports into a fresh browser profile and training continues from it;
// - the Xception-like preset's validation accuracy keeps up with its training accuracy.
//   npm run build && node tests/e2e-training.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { check, historyTable, launch, resultsDir, serve, summary } from './e2e-helpers.mjs';

const t0 = Date.now();
const { server, url, origin } = await serve();
const { browser, context, requests } = await launch({ origin });
const shot = (page, name) => page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
const errors = [];
const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const historyRows = async (page) => (await historyTable(page)).rows.map((r) => r.map(Number));

async function openApp(ctx) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  return page;
}

async function loadSample(page, size) {
  await page.click('#tab-data');
  await page.selectOption('#input-size', String(size));
  await page.evaluate(() => {
    delete document.body.dataset.ingest;
  });
  await page.click('#sample-btn');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
}

async function waitTrained(page, epochs, timeout) {
  await page.waitForFunction(
    (n) =>
      document.body.dataset.trained === String(n) || /failed/.test(document.getElementById('train-status').textContent),
    epochs,
    { timeout },
  );
}

/** TF.js 4.22 (core, cpu backend, layers) from the package's dev dependencies, or null. */
function loadTfjs() {
  const require = createRequire(new URL('../../convnet-wasm/package.json', import.meta.url));
  const quiet = [console.warn, console.log];
  console.warn = console.log = () => {};
  try {
    const core = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    return { ...core, ...require('@tensorflow/tfjs-layers'), io: core.io };
  } finally {
    [console.warn, console.log] = quiet;
  }
}

try {
  const page = await openApp(context);
  await loadSample(page, 32);
  const classes = await page.evaluate(() => window.app.state.dataset.classes);

  // ---- A preset click builds it and sets its training settings -----------------------------
  await page.click('#tab-model');
  await page.click('#preset-tiny');
  await page.waitForFunction(() => document.body.dataset.model === 'built', null, { timeout: 30_000 });
  const tinyStages = await page.evaluate(() => window.app.state.modelConfig?.stages.join(','));
  const tinyTrain = await page.evaluate(() => ({
    lr: document.getElementById('t-lr').value,
    epochs: document.getElementById('t-epochs').value,
  }));
  check(
    'clicking a preset builds it and sets its suggested training settings',
    tinyStages === '16,32' && tinyTrain.lr === '0.003' && tinyTrain.epochs === '5',
    { tinyStages, tinyTrain },
  );

  // ---- Train the tiny preset with its defaults: live curves, status, pause ------------------
  await page.click('#tab-train');
  await page.click('#train-start');
  await page.waitForFunction(() => Number(document.body.dataset.livePoints ?? 0) >= 2, null, { timeout: 30_000 });
  const during = await page.evaluate(() => ({
    rows: document.querySelectorAll('#history-table tbody tr').length,
    status: document.getElementById('train-status').textContent,
  }));
  check('curves are drawn during the first epoch, before any epoch ends', during.rows === 0, during);
  check(
    'the status says what runs (not "Starting…")',
    /^Training \(epoch 1, batch \d+\/\d+\)/.test(during.status),
    during.status,
  );
  await shot(page, 'training-1-live-curves');
  await page.waitForFunction(() => document.querySelectorAll('#history-table tbody tr').length >= 1, null, {
    timeout: 60_000,
  });
  await page.click('#train-pause');
  await page.waitForFunction(() => document.body.dataset.train === 'paused', null, { timeout: 10_000 });
  const pausedStatus = await text(page, '#train-status');
  check('a paused run says so, and where', /^Paused at epoch \d+, batch \d+/.test(pausedStatus), pausedStatus);
  await shot(page, 'training-2-paused');
  const pauseMs = 4000;
  await page.waitForTimeout(pauseMs);
  await page.click('#train-resume');
  await waitTrained(page, 5, 120_000);
  const tiny = await historyRows(page);
  const pausedEpoch = tiny[1];
  const others = tiny.filter((_, i) => i !== 1).map((r) => r[5]);
  check(
    'paused time is not counted in the epoch time',
    pausedEpoch && pausedEpoch[5] < Math.max(...others) + pauseMs / 1000 / 2,
    { paused: pausedEpoch?.[5], others },
  );
  const tinyVal = tiny.at(-1)?.[4];
  check(
    'the tiny preset with its defaults learns on the built-in sample within its 5 epochs (chance 0.25)',
    tiny.length === 5 && tinyVal > 0.6,
    tiny.map((r) => r[4]),
  );
  check(
    'Finished status after the run',
    /^Finished after epoch 5/.test(await text(page, '#train-status')),
    await text(page, '#train-status'),
  );
  await shot(page, 'training-3-tiny-done');

  // ---- Export: an inference model TF.js loads, with labels and image size -------------------
  await page.click('#tab-use');
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#export-tfjs');
  await page.waitForFunction(() => /Exported|failed/.test(document.getElementById('export-status').textContent), null, {
    timeout: 20_000,
  });
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  const files = {};
  for (const d of downloads) files[d.suggestedFilename()] = readFileSync(await d.path());
  const tf = loadTfjs();
  if (files['model.json'] && files['weights.bin']) {
    const json = JSON.parse(files['model.json'].toString('utf8'));
    const layerClasses = json.modelTopology.config.layers.map((l) => l.class_name);
    check(
      'the export leaves out the augmentation layers and carries labels and image size',
      !layerClasses.some((c) => /^Random/.test(c)) &&
        JSON.stringify(json.userDefinedMetadata?.labels) === JSON.stringify(classes) &&
        json.userDefinedMetadata?.imageSize === 32,
      { layerClasses, meta: json.userDefinedMetadata },
    );
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(files['weights.bin']).buffer,
      }),
    );
    const v = await page.evaluate(async () => {
      const val = window.app.state.validation;
      const img = await window.app.worker.call('images', { indices: Array.from(val.indices) });
      return { data: Array.from(img.data), n: img.n, size: img.size, predicted: Array.from(val.predicted) };
    });
    const out = tf
      .argMax(model.predict(tf.tensor4d(Float32Array.from(v.data), [v.n, v.size, v.size, 3])), -1)
      .dataSync();
    const agree = v.predicted.filter((p, i) => p === out[i]).length;
    check(
      'the exported model.json loads in TF.js 4.22 (tf.loadLayersModel) and predicts the classes the app predicted',
      agree === v.n,
      { agree, n: v.n },
    );
  } else {
    check('export downloads model.json and weights.bin', false, Object.keys(files));
  }
  const before = downloads.length;
  await page.click('#export-ckpt');
  for (let i = 0; i < 50 && downloads.length === before; i++) await page.waitForTimeout(100);
  const ckptPath = downloads[before] ? await downloads[before].path() : null;

  // ---- Start trains what the Model screen shows, or says why not ----------------------------
  await page.click('#tab-model');
  await page.fill('#m-stages', '8,32');
  await page.click('#tab-train');
  await page.fill('#t-epochs', '6');
  await page.click('#train-start');
  await page
    .waitForFunction(() => /differs/.test(document.getElementById('train-status').textContent), null, {
      timeout: 10_000,
    })
    .catch(() => {});
  const edited = {
    status: await text(page, '#train-status'),
    rows: (await historyRows(page)).length,
    state: await page.evaluate(() => document.body.dataset.train),
  };
  check(
    'Start refuses to train a model other than the one the Model screen shows, and says why',
    /filters 8,32 instead of 16,32/.test(edited.status) &&
      /Build/.test(edited.status) &&
      edited.rows === 5 &&
      edited.state === 'idle',
    edited,
  );
  await page.click('#tab-model');
  await page.fill('#m-stages', '16,32');
  await loadSample(page, 28);
  await page.click('#tab-train');
  await page.click('#train-start');
  await page
    .waitForFunction(() => /28x28/.test(document.getElementById('train-status').textContent), null, { timeout: 10_000 })
    .catch(() => {});
  const resized = await text(page, '#train-status');
  check(
    'after the image size changes, Start says to build again (no internal prefix, no advice to undo first)',
    /images are now 28x28, the model takes 32x32/.test(resized) &&
      /Press Build/.test(resized) &&
      !/train:/.test(resized),
    resized,
  );
  await shot(page, 'training-4-start-explains');
  await page.click('#tab-model');
  await page.click('#build-btn');
  await page.waitForFunction(
    () => document.body.dataset.model === 'built' && window.app.state.history.length === 0,
    null,
    { timeout: 30_000 },
  );
  check(
    "a new model clears the previous run's progress line and curves",
    (await text(page, '#train-progress-text')) === '' &&
      (await text(page, '#train-status')) === '' &&
      (await page.evaluate(() => document.body.dataset.livePoints)) === '0',
    {
      progress: await text(page, '#train-progress-text'),
      status: await text(page, '#train-status'),
      live: await page.evaluate(() => document.body.dataset.livePoints),
    },
  );

  // ---- A checkpoint .zip imports into a fresh profile and training continues ----------------
  if (ckptPath) {
    const ctx2 = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const p2 = await openApp(ctx2);
    await p2.click('#tab-use');
    await p2.setInputFiles('#import-ckpt', ckptPath);
    await p2.waitForFunction(() => /Imported|failed/.test(document.getElementById('export-status').textContent), null, {
      timeout: 30_000,
    });
    const imported = await text(p2, '#export-status');
    check('a checkpoint .zip imports into a fresh browser profile', /^Imported .* at epoch 5/.test(imported), imported);
    await loadSample(p2, 32);
    await p2.click('#tab-train');
    await p2.fill('#t-epochs', '6');
    await p2.click('#train-start');
    await waitTrained(p2, 6, 120_000);
    const rows = await historyRows(p2);
    check(
      'training continues from the imported checkpoint (epoch 6 after the 5 imported)',
      rows.length === 6 && rows[5][4] > 0.6,
      rows.map((r) => r[4]),
    );
    await shot(p2, 'training-5-imported-continued');
    await ctx2.close();
  } else {
    check('the checkpoint .zip downloads', false);
  }

  // ---- The Xception-like preset: validation keeps up with training --------------------------
  await loadSample(page, 32);
  await page.click('#tab-model');
  await page.click('#preset-xception');
  await page.waitForFunction(
    () => document.body.dataset.model === 'built' && window.app.state.modelConfig?.kind === 'xception',
    null,
    { timeout: 60_000 },
  );
  const momentum = await text(page, '#bn-momentum').catch(() => '');
  await page.click('#tab-train');
  await page.fill('#t-epochs', '5');
  await page.evaluate(() => {
    delete document.body.dataset.trained;
  });
  const xStart = Date.now();
  await page.click('#train-start');
  await waitTrained(page, 5, 400_000);
  console.log(`  the Xception-like preset: 5 epochs at 32x32 in ${((Date.now() - xStart) / 1000).toFixed(0)} s`);
  const x = await historyRows(page);
  const last = x.at(-1);
  check(
    'the Xception-like preset on the built-in sample: validation accuracy within 0.05 of training accuracy by epoch 5',
    x.length === 5 && Math.abs(last[4] - last[2]) <= 0.05 && last[4] > 0.7,
    { momentum, acc: x.map((r) => [r[2], r[4]]), status: await text(page, '#train-status') },
  );
  await shot(page, 'training-6-xception');

  // ---- A batch that cannot fit in the engine's memory is refused before it starts ---------------
  await loadSample(page, 64);
  await page.click('#tab-train');
  await page.fill('#t-batch', '480');
  await page.click('#tab-model');
  await page.click('#build-btn');
  // The estimate for this build (batch 480), read in the turn that finds it: the previous model's
  // estimate is on screen until the new model replaces it.
  const est = await (
    await page.waitForFunction(
      () => {
        const e = document.querySelector('#est-memory');
        return e && /batch 480/.test(e.previousElementSibling?.textContent ?? '') ? e.textContent : null;
      },
      null,
      { timeout: 60_000 },
    )
  ).jsonValue();
  await page.click('#tab-train');
  await page.fill('#t-batch', '480');
  await page.evaluate(() => {
    delete document.body.dataset.trained;
  });
  await page.click('#train-start');
  await page.waitForFunction(() => /needs|failed/.test(document.getElementById('train-status').textContent), null, {
    timeout: 30_000,
  });
  const refused = await text(page, '#train-status');
  const maxBatch = Number(/set the batch size to (\d+)/.exec(refused)?.[1]);
  check(
    "a batch too large for the engine's memory is refused before training, naming the need and the batch that fits",
    /too much/.test(est) &&
      /needs .*GiB/.test(refused) &&
      maxBatch > 0 &&
      maxBatch < 480 &&
      (await historyRows(page)).length === 0,
    { est, refused },
  );
  await shot(page, 'training-7-memory-refused');

  const foreign = requests.filter(
    (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
  );
  check('no request leaves the app origin', foreign.length === 0, foreign);
  check('no uncaught page errors', errors.length === 0, errors);
} catch (e) {
  check('e2e-training ran to the end', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  await server.close();
}
const { passed, failed } = summary();
console.log(
  `e2e-training: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s); screenshots in ${resultsDir}`,
);
process.exit(failed ? 1 : 0);
