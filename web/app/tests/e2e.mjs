#!/usr/bin/env node
// End-to-end test of the built app in headless Chromium (playwright-core, /usr/bin/chromium):
// upload a folder of Fashion-MNIST PNGs (3 classes x 60 + 3 corrupt files) -> counts and the
// corrupt list; build a small model at 28x28 and train 2 epochs in the worker -> validation
// accuracy above chance, the page answering clicks within 100 ms meanwhile, pause/resume;
// model graph, feature maps and filters drawn; export -> model.json + weights.bin that the
// package loads back in Node and that predicts as the app did; reload -> resume from the
// IndexedDB checkpoint and train a third epoch; predict on new images; every request stays
// on the app's origin. Screenshots of each screen go to test-results/.
//   npm run build && node tests/e2e.mjs      (or: npm test)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { appDir, canvasInk, check, historyTable, launch, resultsDir, serve, summary } from './e2e-helpers.mjs';
import { makeFolders } from './e2e-data.mjs';

const t0 = Date.now();
const work = mkdtempSync(join(tmpdir(), 'convnet-app-e2e-'));
const data = makeFolders(join(work, 'images'), { perClass: 60, classes: 3, corrupt: 3 });
const { server, url, origin } = await serve();
const { browser, context, requests } = await launch({ origin });
const shot = (page, name) => page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
const errors = [];

try {
  let page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + (process.env.APP_QUERY ?? ''), { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => ({
    ready: document.body.dataset.ready,
    isolated: crossOriginIsolated,
    engine: document.getElementById('engine').textContent,
  }));
  // NO_COI=1 serves without COOP/COEP: the single-threaded fallback must then run everything.
  const isolatedWanted = !process.env.NO_COI;
  check(
    `engine loads in the worker (${isolatedWanted ? 'threaded build on an isolated page' : 'single-thread fallback without COOP/COEP'})`,
    ready.ready === '1' &&
      ready.isolated === isolatedWanted &&
      (isolatedWanted ? /\(mt\)/ : /\(st\)/).test(ready.engine),
    ready,
  );
  check('no resume offer on a fresh profile', !(await page.isVisible('#resume-banner')));
  await page.focus('#tab-data');
  await page.keyboard.press('ArrowRight');
  const kbd = await page.evaluate(() => ({
    focused: document.activeElement?.id,
    visible: !document.getElementById('panel-augment').hidden,
  }));
  check('tabs work from the keyboard (arrow keys)', kbd.focused === 'tab-augment' && kbd.visible, kbd);
  await page.keyboard.press('ArrowLeft');
  await shot(page, '1-data-empty');

  // ---- Data: the built-in sample (one click), then a folder through the directory picker -----
  await page.selectOption('#input-size', '28');
  const sample = JSON.parse(readFileSync(join(appDir, '../../public/sample/index.json'), 'utf8'));
  await page.click('#sample-btn');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
  const sampleCounts = await page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.dataset.class, Number(r.querySelector('.count').textContent)]),
  );
  const sampleWant = sample.classes.map((c) => [c.name, c.files.length]).sort((a, b) => a[0].localeCompare(b[0]));
  check(
    'the built-in sample dataset loads with one click',
    JSON.stringify(sampleCounts) === JSON.stringify(sampleWant),
    sampleCounts,
  );
  await page.evaluate(() => {
    delete document.body.dataset.ingest;
  });

  // A .zip of class folders (built here with fflate from the generated folder).
  const zipped = {};
  for (const c of data.classes)
    for (const f of readdirSync(join(data.dir, c))) zipped[`images/${c}/${f}`] = readFileSync(join(data.dir, c, f));
  await page.setInputFiles('#zip-input', {
    name: 'images.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zipSync(zipped)),
  });
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
  const zipCounts = await page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.dataset.class, Number(r.querySelector('.count').textContent)]),
  );
  check(
    'a .zip of class folders loads',
    JSON.stringify(zipCounts) === JSON.stringify(data.classes.map((c) => [c, data.counts[c]])),
    zipCounts,
  );
  await page.evaluate(() => {
    delete document.body.dataset.ingest;
  });
  // Files assigned class by class (multi-file input), with one duplicate image.
  const pick = (c, n) =>
    readdirSync(join(data.dir, c))
      .filter((f) => f.endsWith('.png') && !f.startsWith('corrupt'))
      .slice(0, n)
      .map((f) => ({ name: f, mimeType: 'image/png', buffer: readFileSync(join(data.dir, c, f)) }));
  const [ca, cb] = data.classes;
  await page.click('#panel-data details.manual summary');
  await page.fill('#manual-class', 'first');
  await page.setInputFiles('#manual-files', [...pick(ca, 10), { ...pick(ca, 1)[0], name: 'copy.png' }]);
  await page.fill('#manual-class', 'second');
  await page.setInputFiles('#manual-files', pick(cb, 10));
  await page.click('#manual-use');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
  const manualCounts = await page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.dataset.class, Number(r.querySelector('.count').textContent)]),
  );
  const dups = await page.$$eval('#duplicate-list li', (l) => l.map((e) => e.textContent));
  check(
    'images added class by class load, and the duplicate is flagged',
    JSON.stringify(manualCounts) === '[["first",11],["second",10]]' && dups.length === 1 && /copy\.png/.test(dups[0]),
    { manualCounts, dups },
  );
  await page.evaluate(() => {
    delete document.body.dataset.ingest;
  });

  // The generated folder through the directory picker (the dataset used from here on).
  await page.setInputFiles('#dir-input', data.dir);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
  const counts = await page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.dataset.class, Number(r.querySelector('.count').textContent)]),
  );
  check(
    'class counts shown for the uploaded folder',
    JSON.stringify(counts) === JSON.stringify(data.classes.map((c) => [c, data.counts[c]])),
    counts,
  );
  const corrupt = await page.$$eval('#corrupt-list li code', (l) => l.map((e) => e.textContent));
  const skipped = [...data.corrupt, ...data.otherFiles];
  check(
    'corrupt files listed and skipped',
    skipped.every((c) => corrupt.some((n) => n.endsWith(c))) && corrupt.length === skipped.length,
    corrupt,
  );
  await shot(page, '2-data-loaded');

  // ---- Augment screen (preview or the "not available" note) -------------------------------
  await page.click('#tab-augment');
  await page.selectOption('#aug-flip', 'horizontal');
  await page.fill('#aug-rotation', '0.1');
  await page.fill('#aug-zoom', '0');
  await page.click('#aug-preview');
  await page.waitForFunction(
    () => document.getElementById('aug-note').textContent || document.body.dataset.augment,
    null,
    { timeout: 10_000 },
  );
  const augNote = await page.$eval('#aug-note', (e) => e.textContent);
  if (/not available/.test(augNote)) console.log(`skip augmentation preview: ${augNote}`);
  else check('augmentation preview grid drawn', (await canvasInk(page, '#aug-canvas')) > 1000, augNote);
  await shot(page, '3-augment');

  // ---- Model: a small residual net at 28x28 -------------------------------------------------
  await page.click('#tab-model');
  await page.click('#preset-tiny');
  await page.click('#build-btn');
  await page.waitForFunction(
    () =>
      document.body.dataset.model === 'built' || /Could not/.test(document.getElementById('model-status').textContent),
    null,
    { timeout: 30_000 },
  );
  const params = await page.$eval('#param-count', (e) => Number(e.textContent.replace(/,/g, ''))).catch(() => 0);
  check('model built with a parameter count', params > 100, await page.$eval('#model-status', (e) => e.textContent));
  await page.waitForSelector('#est-epoch', { timeout: 30_000 });
  check(
    'memory and epoch-time estimates shown',
    /\d/.test(await page.$eval('#est-memory', (e) => e.textContent)) &&
      /\d/.test(await page.$eval('#est-epoch', (e) => e.textContent)),
  );
  await shot(page, '4-model');

  // ---- Train 2 epochs; responsiveness and pause/resume while it runs -----------------------
  await page.click('#tab-train');
  await page.fill('#t-epochs', '2');
  await page.fill('#t-batch', '4');
  await page.fill('#t-lr', '0.002');
  const trainStart = Date.now();
  // Start, and pause as soon as training runs (from inside the page, so the run cannot finish
  // first); check that the pause holds, then resume.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const obs = new MutationObserver(() => {
          if (document.body.dataset.train === 'training') {
            obs.disconnect();
            document.getElementById('train-pause').click();
            resolve();
          }
        });
        obs.observe(document.body, { attributes: true, attributeFilter: ['data-train'] });
        document.getElementById('train-start').click();
      }),
  );
  await page.waitForFunction(() => document.body.dataset.train === 'paused', null, { timeout: 10_000 });
  // The batch that was running when the pause arrived still reports (drawn at the next frame).
  await page.waitForTimeout(300);
  const p1 = await page.$eval('#train-progress', (e) => e.value);
  await page.waitForTimeout(600);
  const p2 = await page.$eval('#train-progress', (e) => e.value);
  check('pause holds training', p1 === p2 && (await page.$eval('#train-state', (e) => e.textContent)) === 'paused', {
    p1,
    p2,
  });
  await page.click('#train-resume');
  await page.waitForFunction(() => document.body.dataset.train !== 'paused', null, { timeout: 10_000 });
  // A click on a tab, then a macrotask: the time until the page has handled both.
  const latencies = await page.evaluate(async () => {
    const out = [];
    const tabs = ['tab-inspect', 'tab-train'];
    for (let i = 0; i < 15 && document.body.dataset.train !== 'idle'; i++) {
      const t = performance.now();
      document.getElementById(tabs[i % 2]).click();
      await new Promise((r) => setTimeout(r, 0));
      const visible = !document.getElementById(tabs[i % 2].replace('tab-', 'panel-')).hidden;
      out.push(visible ? performance.now() - t : 1e9);
      await new Promise((r) => setTimeout(r, 40));
    }
    return out;
  });
  // Each answer should be within 100 ms. On a shared 2-core machine the OS can delay one
  // now and then, so: 90% within 100 ms, none beyond 250 ms (all values are printed).
  const sorted = [...latencies].sort((a, b) => a - b);
  const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))];
  check(
    'page answers clicks within 100 ms while training',
    latencies.length >= 5 && p90 < 100 && sorted.at(-1) < 250,
    `p90 ${p90?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms over ${latencies.length} clicks: ${latencies.map((l) => l.toFixed(0)).join(' ')}`,
  );
  await page.waitForFunction(
    () => document.body.dataset.trained === '2' || /failed/.test(document.getElementById('train-status').textContent),
    null,
    { timeout: 180_000 },
  );
  const trainSeconds = (Date.now() - trainStart) / 1000;
  await page.click('#tab-train');
  const { rows: hist, valAcc } = await historyTable(page, 2);
  check('2 epochs trained, validation accuracy above chance (1/3)', hist.length === 2 && valAcc > 0.5, {
    valAcc,
    hist,
    trainSeconds,
  });
  check(
    'feature maps streamed from the worker during training',
    Number(await page.evaluate(() => document.body.dataset.liveMaps ?? 0)) >= 2,
    await page.evaluate(() => document.body.dataset.liveMaps),
  );
  check(
    'loss and accuracy charts drawn',
    (await canvasInk(page, '#chart-loss')) > 100 && (await canvasInk(page, '#chart-acc')) > 100,
  );
  await shot(page, '5-train');

  // ---- Inspect: graph, feature maps, filters, confusion matrix ------------------------------
  await page.click('#tab-inspect');
  const nodes = await page.$$eval('#graph svg [data-layer], #graph svg g', (l) => l.length);
  check('model graph rendered as SVG with nodes', nodes >= 5, { nodes });
  await page.click('#viz-refresh');
  await page.waitForFunction(() => document.body.dataset.maps, null, { timeout: 10_000 });
  check('feature maps drawn (canvas not blank)', (await canvasInk(page, '#viz-maps')) > 100);
  check('first-layer filters drawn', (await canvasInk(page, '#viz-filters')) > 20);
  check('confusion matrix rendered', (await page.$$('#confusion td')).length >= 9);
  await page.click('#gradcam-btn');
  await page.waitForFunction(
    () => /Where|not available|failed|rror/.test(document.getElementById('gradcam-note').textContent),
    null,
    { timeout: 10_000 },
  );
  const camNote = await page.$eval('#gradcam-note', (e) => e.textContent);
  if (/not available/.test(camNote)) console.log(`skip Grad-CAM: ${camNote}`);
  else
    check('Grad-CAM heat map drawn', /Where/.test(camNote) && (await canvasInk(page, '#gradcam-canvas')) > 50, camNote);
  await shot(page, '6-inspect');

  // ---- Export: model.json + weights.bin, loaded back by the package in Node -----------------
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
  check(
    'export downloads model.json and weights.bin',
    !!files['model.json'] && !!files['weights.bin'],
    Object.keys(files),
  );
  if (files['model.json'] && files['weights.bin']) {
    const cw = await import('convnet-wasm');
    await cw.init();
    const m = await cw.loadTfjsModel(files['model.json'].toString('utf8'), files['weights.bin']);
    // The app's validation images and predictions, compared with the reloaded model's.
    const v = await page.evaluate(async () => {
      const val = window.app.state.validation;
      const idx = Array.from(val.indices);
      const img = await window.app.worker.call('images', { indices: idx });
      return {
        data: Array.from(img.data),
        n: img.n,
        size: img.size,
        predicted: Array.from(val.predicted),
        labels: Array.from(val.trueLabels),
      };
    });
    const probs = m.predict(cw.tensor(Uint8Array.from(v.data), [v.n, v.size, v.size, 3])).data;
    const k = m.outputShape[0];
    let agree = 0,
      correct = 0;
    for (let i = 0; i < v.n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
      if (best === v.predicted[i]) agree++;
      if (best === v.labels[i]) correct++;
    }
    check(
      'exported model loads in Node (loadTfjsModel) and predicts as the app did',
      agree === v.n && correct / v.n > 0.5,
      { agree, correct, n: v.n },
    );
    m.dispose();
  }
  // The exported files imported back into the app (TF.js model.json + weights).
  if (files['model.json'] && files['weights.bin']) {
    await page.click('#tab-model');
    await page.setInputFiles('#import-input', [
      { name: 'model.json', mimeType: 'application/json', buffer: files['model.json'] },
      { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: files['weights.bin'] },
    ]);
    await page.waitForFunction(
      () => /Imported|failed/.test(document.getElementById('model-status').textContent),
      null,
      { timeout: 30_000 },
    );
    check(
      'TF.js model.json + weights import into the app',
      /with its weights/.test(await page.$eval('#model-status', (e) => e.textContent)),
      await page.$eval('#model-status', (e) => e.textContent),
    );
    await page.click('#tab-use');
  }
  const before = downloads.length;
  await page.click('#export-ckpt');
  for (let i = 0; i < 50 && downloads.length === before; i++) await page.waitForTimeout(100);
  const ckpt = downloads[before] ? readFileSync(await downloads[before].path()) : Buffer.alloc(0);
  check('full checkpoint downloads as a zip', ckpt.length > 1000 && ckpt[0] === 0x50 && ckpt[1] === 0x4b, {
    bytes: ckpt.length,
  });

  // ---- Predict on new images ----------------------------------------------------------------
  await page.setInputFiles('#predict-input', data.extra);
  await page.waitForFunction(
    (n) => document.querySelectorAll('#predict-results .prediction').length === n,
    data.extra.length,
    { timeout: 20_000 },
  );
  const tops = await page.$$eval('#predict-results .prediction', (l) => l.map((e) => e.dataset.top));
  check('predictions with class probabilities for new images', tops.length === data.extra.length, tops);
  await shot(page, '7-predict-export');

  // ---- Reload: resume from the checkpoint saved in IndexedDB --------------------------------
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  await page.waitForSelector('#resume-banner', { state: 'visible', timeout: 5_000 }).catch(() => {});
  const banner =
    (await page.isVisible('#resume-banner')) && /2 epochs/.test(await page.$eval('#resume-text', (e) => e.textContent));
  check('after a reload the page offers to resume', banner, await page.$eval('#resume-text', (e) => e.textContent));
  if (banner) {
    await shot(page, '8-resume-offer');
    await page.click('#resume-btn');
    await page.waitForFunction(() => document.body.dataset.restored, null, { timeout: 30_000 });
    const restored = await page.evaluate(() => ({
      epochs: document.body.dataset.restored,
      rows: document.querySelectorAll('#history-table tbody tr').length,
    }));
    check('resumed at epoch 2 with the history', restored.epochs === '2' && restored.rows === 2, restored);
    await page.click('#tab-inspect');
    await page
      .waitForFunction(() => document.querySelectorAll('#confusion td').length >= 9, null, { timeout: 20_000 })
      .catch(() => {});
    check(
      "the restored model's confusion matrix shows at once, before any new epoch",
      (await page.$$('#confusion td')).length >= 9,
    );
    await page.click('#tab-train');
    await page.fill('#t-epochs', '3');
    await page.click('#train-start');
    await page.waitForFunction(
      () => document.body.dataset.trained === '3' || /failed/.test(document.getElementById('train-status').textContent),
      null,
      { timeout: 120_000 },
    );
    const h3 = (await historyTable(page, 3)).rows.map((r) => Number(r[4]));
    check('resumed training runs epoch 3 and keeps above-chance accuracy', h3.length === 3 && h3[2] > 0.5, h3);
    await shot(page, '9-resumed');
  }

  // ---- Stop ends a run between batches ------------------------------------------------------
  await page.click('#tab-train');
  await page.fill('#t-epochs', '50');
  await page.click('#train-start');
  await page.waitForFunction(() => document.body.dataset.train === 'training', null, { timeout: 10_000 });
  await page.click('#train-stop');
  await page.waitForFunction(() => document.body.dataset.train === 'idle', null, { timeout: 20_000 });
  check(
    'stop ends training early',
    /Stopped/.test(await page.$eval('#train-status', (e) => e.textContent)),
    await page.$eval('#train-status', (e) => e.textContent),
  );

  // ---- Narrow screen --------------------------------------------------------------------------
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#tab-train');
  await page.waitForTimeout(300); // charts redraw at the next frame after a resize
  const overflow = await page.evaluate(() => ({
    px: document.documentElement.scrollWidth - window.innerWidth,
    wide: Array.from(document.querySelectorAll('main *'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.tabs'))
      .slice(0, 5)
      .map((e) => e.id || e.className || e.tagName),
  }));
  check('the train screen fits a phone-sized viewport (no horizontal overflow)', overflow.px <= 0, overflow);
  await shot(page, '10-phone-train');

  const foreign = requests.filter(
    (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
  );
  check('no request leaves the app origin', foreign.length === 0 && requests.length > 5, {
    requests: requests.length,
    foreign,
  });
  check('no uncaught page errors', errors.length === 0, errors);
} catch (e) {
  check('e2e ran to the end', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
const { passed, failed } = summary();
console.log(
  `e2e: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s); screenshots in ${join(appDir, 'test-results')}`,
);
process.exit(failed ? 1 : 0);
