#!/usr/bin/env node
// End-to-end test of the Inspect screen in headless Chromium, on the built-in sample dataset at
// 28x28 (issue 11, flaws 4, 7, 9, 12, 15):
//  15  before anything is loaded, Inspect says what to do first and its controls are disabled;
//   7  any class and any image of the validation or training split can be picked, and a click on
//      a misclassified image opens it (feature maps + Grad-CAM of that very image);
//   9  misclassified captions show true class, predicted class and confidence whole, with a tooltip;
//  12  confusion-matrix column headers stay apart and graph node text stays inside its boxes,
//      also with long class names ('ankle boot', 'Straßenschuhe', 24+ characters) on the page;
//   4  after a second, different model is built, a new dataset is loaded, or a session is
//      restored, nothing on Inspect belongs to the previous model or dataset.
// Screenshots go to test-results/inspect-*.png.
//   APP_DIST=dist-inspect npx vite build && APP_DIST=dist-inspect node tests/e2e-inspect.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { appDir, canvasInk, check, launch, resultsDir, serve, summary } from './e2e-helpers.mjs';

const t0 = Date.now();
const { server, url, origin } = await serve();
const { browser, context, requests } = await launch({ origin });
const shot = (page, name) => page.screenshot({ path: join(resultsDir, `inspect-${name}.png`), fullPage: true });
const errors = [];

// ---- Checks that run inside the page -----------------------------------------------------------

/** Layout problems on the Inspect screen: overlapping/cut-off headers, captions and node text. */
function layoutProblems() {
  const out = [];
  const box = (e) => e.getBoundingClientRect();
  // Where the text itself is drawn (a Range over it), whatever elements hold it.
  const textBox = (e) => {
    const r = document.createRange();
    r.selectNodeContents(e);
    return r.getBoundingClientRect();
  };
  const inside = (a, b) =>
    a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const heads = [...document.querySelectorAll('#confusion thead th[scope="col"]')];
  heads.forEach((th, i) => {
    const r = textBox(th);
    if (r.width < 4 || r.height < 4) out.push(`header ${th.textContent} has no size`);
    // Names up to 28 characters are shown whole (longer ones end in an ellipsis, with a tooltip).
    const clip = th.firstElementChild ?? th;
    if (
      th.textContent.length <= 28 &&
      (!inside(r, box(th)) || clip.scrollHeight > clip.clientHeight + 1 || clip.scrollWidth > clip.clientWidth + 1)
    )
      out.push(`header ${th.textContent} cut off`);
    if (i > 0 && r.left - textBox(heads[i - 1]).right < 4)
      out.push(`headers ${heads[i - 1].textContent} and ${th.textContent} run together`);
  });
  for (const th of document.querySelectorAll('#confusion tbody th')) {
    const clip = th.firstElementChild ?? th;
    if (th.textContent.length <= 28 && (!inside(textBox(th), box(th)) || clip.scrollWidth > clip.clientWidth + 1))
      out.push(`row header ${th.textContent} cut off`);
  }
  const tiles = [...document.querySelectorAll('#mis-grid .image-tile')];
  tiles.forEach((t, i) => {
    const tr = box(t);
    for (const c of t.querySelectorAll('.image-tile-caption')) {
      const cr = box(c);
      if (
        c.scrollWidth > c.clientWidth + 1 ||
        cr.left < tr.left - 0.5 ||
        cr.right > tr.right + 0.5 ||
        cr.bottom > tr.bottom + 0.5
      )
        out.push(`caption '${c.textContent}' outside its tile`);
    }
    for (const u of tiles.slice(i + 1)) {
      const ur = box(u);
      if (tr.left < ur.right && ur.left < tr.right && tr.top < ur.bottom && ur.top < tr.bottom)
        out.push(`tiles ${i} and another overlap`);
    }
  });
  for (const g of document.querySelectorAll('#graph .model-graph-node')) {
    const r = g.querySelector('rect').getBBox();
    for (const t of g.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < r.x || b.x + b.width > r.x + r.width || b.y < r.y || b.y + b.height > r.y + r.height)
        out.push(`graph text '${t.textContent}' leaves its box`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push(`page wider than the window by ${document.documentElement.scrollWidth - window.innerWidth} px`);
  return out;
}

/** What Inspect shows now, in plain data. */
function inspectView() {
  const $ = (id) => document.getElementById(id);
  const opts = (id) => [...$(id).options].map((o) => o.value);
  return {
    guideVisible: !$('inspect-guide').hidden && $('inspect-guide').getBoundingClientRect().height > 20,
    guide: $('inspect-guide-text').textContent,
    next: document.body.dataset.inspectNext,
    disabled: Object.fromEntries(
      ['viz-layer', 'viz-split', 'viz-class', 'viz-image', 'viz-refresh', 'gradcam-btn'].map((id) => [
        id,
        $(id).disabled,
      ]),
    ),
    graphNodes: [...document.querySelectorAll('#graph .model-graph-node')].map((g) => g.dataset.name),
    graphText: $('graph').textContent,
    layers: opts('viz-layer'),
    classes: [...$('viz-class').options].map((o) => o.textContent),
    images: opts('viz-image'),
    confusionCells: document.querySelectorAll('#confusion td').length,
    confusionNote: $('confusion-note').textContent,
    misTiles: document.querySelectorAll('#mis-grid .image-tile').length,
    gradcamWidth: $('gradcam-canvas').width,
    gradcamNote: $('gradcam-note').textContent,
    gradcam: document.body.dataset.gradcam ?? null,
    maps: document.body.dataset.maps ?? null,
    mapsImage: document.body.dataset.mapsImage ?? null,
    caption: $('viz-caption').textContent,
    imageNote: $('viz-image-note').textContent,
    model: window.app.state.model
      ? {
          layers: window.app.state.model.summary.layers.map((l) => l.name),
          mapLayers: window.app.state.model.mapLayers,
        }
      : null,
  };
}

const view = (page) => page.evaluate(inspectView);
const problems = (page) => page.evaluate(layoutProblems);

async function buildModel(page, preset, stages) {
  await page.click('#tab-model');
  await page.click(`#preset-${preset}`);
  await page.fill('#m-stages', stages);
  // A preset may build on its own: wait for a model newer than the one before Build, with these
  // stages, and no build still running.
  await page.evaluate(() => {
    window.__before = window.app.state.model;
  });
  await page.click('#build-btn');
  await page.waitForFunction(
    (st) =>
      (window.app.state.model &&
        window.app.state.model !== window.__before &&
        window.app.state.modelConfig?.stages.join(',') === st &&
        !/Building/.test(document.getElementById('model-status').textContent)) ||
      /Could not/.test(document.getElementById('model-status').textContent),
    stages,
    { timeout: 60_000 },
  );
}

async function train(page, epochs) {
  await page.click('#tab-train');
  await page.fill('#t-epochs', String(epochs));
  await page.fill('#t-batch', '16');
  await page.click('#train-start');
  await page.waitForFunction(
    (n) =>
      (window.app.state.history.length >= n && window.app.state.trainState === 'idle') ||
      /fail|Could not/i.test(document.getElementById('train-status').textContent),
    epochs,
    { timeout: 120_000 },
  );
}

async function loadDataset(page, how) {
  await page.click('#tab-data');
  await page.evaluate(() => {
    delete document.body.dataset.ingest;
  });
  await how();
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, { timeout: 60_000 });
}

// ---- The run -----------------------------------------------------------------------------------

try {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });

  // ---- 15: empty Inspect --------------------------------------------------------------------
  await page.click('#tab-inspect');
  let v = await view(page);
  check(
    '15: before any data, Inspect says to load images, build a model and train',
    v.guideVisible &&
      /load images/i.test(v.guide) &&
      /build a model/i.test(v.guide) &&
      /train/i.test(v.guide) &&
      v.next === 'data',
    v.guide,
  );
  check('15: controls that cannot work yet are disabled', Object.values(v.disabled).every(Boolean), v.disabled);
  check(
    '15: the empty graph and results areas say what will appear there',
    /once a model is built/.test(v.graphText) && /after training/.test(v.confusionNote),
    { graph: v.graphText, confusion: v.confusionNote },
  );
  await shot(page, '1-empty');
  await page.click('#inspect-steps li[data-step="data"] button');
  check("15: the guide's button opens the Data screen", await page.isVisible('#panel-data'));

  // ---- Data: the built-in sample at 28x28 ------------------------------------------------------
  await page.selectOption('#input-size', '28');
  await loadDataset(page, () => page.click('#sample-btn'));
  const ds = await page.evaluate(() => window.app.state.dataset);
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.getElementById('viz-image').options.length > 1, null, { timeout: 10_000 });
  v = await view(page);
  check(
    '15: with images but no model, Inspect asks for a model; images can be browsed, maps cannot',
    v.next === 'model' &&
      /build a model/i.test(v.guide) &&
      !v.disabled['viz-class'] &&
      !v.disabled['viz-image'] &&
      v.disabled['viz-refresh'] &&
      v.disabled['gradcam-btn'],
    v,
  );

  // ---- 7: any class, any image, both splits --------------------------------------------------------
  const bag = ds.classes.indexOf('bag');
  await page.selectOption('#viz-class', String(bag));
  await page.waitForFunction(
    (n) =>
      document.getElementById('viz-image').options.length === n &&
      /^bag,/.test(document.getElementById('viz-image-note').textContent),
    ds.valCounts[bag],
    { timeout: 10_000 },
  );
  v = await view(page);
  check(
    '7: the picker offers every class, with counts',
    v.classes.length === ds.classes.length && ds.classes.every((c, i) => v.classes[i].startsWith(c)),
    v.classes,
  );
  check(
    '7: picking a class lists all its validation images, and the image is of that class',
    v.images.length === ds.valCounts[bag] && /validation image 1 of \d+: bag\//.test(v.imageNote),
    v.imageNote,
  );
  await page.selectOption('#viz-split', 'train');
  await page.waitForFunction((n) => document.getElementById('viz-image').options.length === n, ds.trainCounts[bag], {
    timeout: 10_000,
  });
  await page.click('#viz-next');
  await page.waitForFunction(
    () => /training image 2 of/.test(document.getElementById('viz-image-note').textContent),
    null,
    { timeout: 10_000 },
  );
  check(
    '7: the training split can be browsed too (next/previous buttons)',
    /bag, training image 2 of \d+: bag\//.test(await page.textContent('#viz-image-note')),
    await page.textContent('#viz-image-note'),
  );
  check('7: the chosen image is drawn', (await canvasInk(page, '#viz-input')) > 50);
  await page.selectOption('#viz-split', 'val');

  // ---- Model 1 (tiny residual), trained 2 epochs ----------------------------------------------
  await buildModel(page, 'tiny', '8,16');
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.body.dataset.maps, null, { timeout: 20_000 });
  v = await view(page);
  check(
    '15: a built but untrained model: Inspect asks to train, maps work',
    v.next === 'train' &&
      /train at least one epoch/i.test(v.guide) &&
      !v.disabled['viz-refresh'] &&
      !v.disabled['gradcam-btn'] &&
      v.confusionCells === 0 &&
      /No validation results/.test(v.confusionNote),
    v,
  );
  await shot(page, '2-built');
  await train(page, 2);
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.querySelectorAll('#mis-grid .image-tile').length > 0, null, {
    timeout: 20_000,
  });
  v = await view(page);
  const model1 = v.model;
  check(
    'results of the trained model: confusion matrix, misclassified tiles, no guide',
    v.confusionCells === ds.classes.length ** 2 && v.misTiles > 0 && !v.guideVisible,
    v,
  );

  // ---- 9: captions ---------------------------------------------------------------------------------
  const caps = await page.$$eval('#mis-grid .image-tile', (tiles) =>
    tiles.map((t) => ({
      title: t.title,
      lines: [...t.querySelectorAll('.image-tile-caption')].map((c) => c.textContent),
    })),
  );
  const names = ds.classes.map((c) => c.replace(/[-]/g, '\\-')).join('|');
  const capOk = caps.every(
    (c) =>
      new RegExp(`^true: (${names})$`).test(c.lines[0]) &&
      new RegExp(`^predicted: (${names}) \\(\\d{1,3}%\\)$`).test(c.lines[1]) &&
      /True class: .+\. Predicted: .+, \d+% confidence/.test(c.title) &&
      c.lines[0].slice(6) !== c.lines[1].slice(11).replace(/ \(\d+%\)$/, ''),
  );
  check(
    '9: every misclassified caption names the true and predicted class and the confidence, whole, with a tooltip',
    capOk,
    caps.slice(0, 3),
  );
  let p = await problems(page);
  check('9/12: nothing overlaps or is cut off on Inspect (headers, captions, graph text)', p.length === 0, p);
  await shot(page, '3-trained');

  // ---- 7: one click on a misclassified image opens it ---------------------------------------------
  const target = await page.evaluate(() => {
    const val = window.app.state.validation;
    let i = 0;
    while (val.trueLabels[i] === val.predicted[i]) i++;
    return { index: val.indices[i], label: val.trueLabels[i] };
  });
  await page.click('#mis-grid [data-tile="0"]');
  await page
    .waitForFunction(
      (idx) =>
        (document.body.dataset.gradcam ?? '').startsWith(`${idx}:`) && document.body.dataset.mapsImage === String(idx),
      target.index,
      { timeout: 20_000 },
    )
    .catch(() => {});
  v = await view(page);
  const samePixels = await page.evaluate(() => {
    const a = document.querySelector('#mis-grid [data-tile="0"] canvas'),
      b = document.getElementById('viz-input');
    if (a.width !== b.width || a.height !== b.height) return false;
    const da = a.getContext('2d').getImageData(0, 0, a.width, a.height).data,
      db = b.getContext('2d').getImageData(0, 0, b.width, b.height).data;
    return da.every((x, i) => x === db[i]);
  });
  check(
    '7: clicking a misclassified image selects it in the picker (its class, validation split)',
    (await page.inputValue('#viz-image')) === String(target.index) &&
      (await page.inputValue('#viz-class')) === String(target.label) &&
      (await page.inputValue('#viz-split')) === 'val' &&
      samePixels,
    { target, samePixels, note: v.imageNote },
  );
  check(
    "7: ... and shows that image's feature maps and Grad-CAM",
    v.mapsImage === String(target.index) &&
      v.gradcam?.startsWith(`${target.index}:`) &&
      (await canvasInk(page, '#gradcam-canvas')) > 50 &&
      (await canvasInk(page, '#viz-maps')) > 100,
    { maps: v.mapsImage, gradcam: v.gradcam, note: v.gradcamNote },
  );
  await shot(page, '4-opened-misclassified');

  // ---- 4: a second, different model -------------------------------------------------------------
  await buildModel(page, 'xception', '8,16');
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.body.dataset.maps, null, { timeout: 20_000 });
  v = await view(page);
  const model2 = v.model;
  check(
    '4: the second model differs from the first',
    model2 && model2.layers.join() !== model1.layers.join(),
    model2?.layers.slice(0, 8),
  );
  check(
    '4: after building another model, no confusion matrix, misclassified images or Grad-CAM of the old one remain',
    v.confusionCells === 0 &&
      v.misTiles === 0 &&
      v.gradcam === null &&
      v.gradcamWidth === 0 &&
      !/Where/.test(v.gradcamNote) &&
      /No validation results/.test(v.confusionNote),
    v,
  );
  check(
    "4: graph, layer list and feature maps are the new model's",
    v.graphNodes.join() === model2.layers.join() &&
      v.layers.join() === model2.mapLayers.join() &&
      model2.mapLayers.includes(v.maps) &&
      v.caption.startsWith(v.maps),
    { graph: v.graphNodes.length, maps: v.maps },
  );
  check('4: the guide asks to train the new model', v.guideVisible && v.next === 'train', v.guide);
  await shot(page, '5-second-model');
  await train(page, 1);
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.querySelectorAll('#confusion td').length > 0, null, { timeout: 20_000 });
  await page.click('#gradcam-btn');
  await page.waitForFunction(() => document.body.dataset.gradcam, null, { timeout: 20_000 });
  v = await view(page);
  check(
    "4: the second model's own results and Grad-CAM layer appear after it trains",
    v.confusionCells === 16 && model2.mapLayers.includes(v.gradcam.split(':')[1]),
    v.gradcam,
  );
  p = await problems(page);
  check("12: second model's Inspect screen has no overlap or cut-off text", p.length === 0, p);

  // ---- 4 + 12: a new dataset with long class names --------------------------------------------------
  const sample = JSON.parse(readFileSync(join(appDir, '../../public/sample/index.json'), 'utf8'));
  const longNames = ['ankle boot', 'Straßenschuhe', 'a class name of 24 chars'];
  const zipped = {};
  sample.classes.slice(0, 3).forEach((c, k) => {
    for (const f of c.files.slice(0, 50))
      zipped[`shoes/${longNames[k]}/${f.split('/').pop()}`] = readFileSync(join(appDir, '../../public/sample', f));
  });
  await loadDataset(page, () =>
    page.setInputFiles('#zip-input', {
      name: 'shoes.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zipSync(zipped)),
    }),
  );
  await page.click('#tab-inspect');
  await page.waitForTimeout(300);
  v = await view(page);
  check(
    '4: after loading a new dataset, no results of the old one remain and the picker lists the new classes',
    v.confusionCells === 0 &&
      v.misTiles === 0 &&
      v.gradcam === null &&
      longNames.every((n) => v.classes.some((c) => c.startsWith(n))) &&
      v.classes.length === 3,
    v,
  );
  await buildModel(page, 'tiny', '8,16');
  await train(page, 2);
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.querySelectorAll('#confusion td').length === 9, null, { timeout: 20_000 });
  await page.waitForTimeout(300);
  const heads = await page.$$eval('#confusion thead th[scope="col"]', (l) => l.map((t) => t.textContent));
  check(
    '12: the confusion matrix heads the columns with the long class names',
    longNames.every((n) => heads.includes(n)),
    heads,
  );
  p = await problems(page);
  check('12: long class names: headers apart and whole, captions inside their tiles', p.length === 0, p);
  await shot(page, '6-long-names');
  const mis = await page.$eval('#confusion', (e) => e.getBoundingClientRect().bottom);
  await page.evaluate((y) => window.scrollTo(0, y - 300), mis);
  await page.screenshot({ path: join(resultsDir, 'inspect-7-long-names-viewport.png') });

  // ---- 12: long layer names in the graph (an imported model.json) -----------------------------------
  // Seed model A's topology at 28x28 with 3 classes and long layer names.
  const topo = JSON.parse(readFileSync(join(appDir, '../../wasm-tests/fixtures/model-a.json'), 'utf8'));
  delete topo.weightsManifest;
  const rename = new Map(
    topo.modelTopology.config.layers.map((l, i) => [
      l.config.name,
      i === 0 ? 'input_image_28x28_rgb' : `${l.config.name}_in_residual_stage_${Math.ceil(i / 6)}`,
    ]),
  );
  const swap = (x) =>
    typeof x === 'string'
      ? (rename.get(x) ?? x)
      : Array.isArray(x)
        ? x.map(swap)
        : x && typeof x === 'object'
          ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, swap(y)]))
          : x;
  const cfg = swap(topo.modelTopology.config);
  cfg.layers[0].config.batch_input_shape = [null, 28, 28, 3];
  Object.assign(cfg.layers.at(-1).config, { units: 3, activation: 'softmax' });
  topo.modelTopology.config = cfg;
  await page.click('#tab-model');
  await page.evaluate(() => {
    window.__before = window.app.state.model;
  });
  await page.setInputFiles('#import-input', {
    name: 'model.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(topo)),
  });
  await page.waitForFunction(
    () =>
      window.app.state.model !== window.__before ||
      /Could not|failed/.test(document.getElementById('model-status').textContent),
    null,
    { timeout: 30_000 },
  );
  await page.click('#tab-inspect');
  await page.waitForFunction(() => document.body.dataset.maps, null, { timeout: 20_000 }).catch(() => {});
  v = await view(page);
  const longest = [...rename.values()].sort((a, b) => b.length - a.length)[0];
  const shown = await page.$$eval('#graph .model-graph-node text:first-of-type', (l) => l.map((t) => t.textContent));
  check(
    '12: imported model with long layer names: the graph shows them whole',
    v.graphNodes.includes(longest) &&
      [...rename.values()].every((n) => shown.includes(n)) &&
      v.confusionCells === 0 &&
      v.model.mapLayers.includes(v.maps),
    {
      longest,
      missing: [...rename.values()].filter((n) => !shown.includes(n)),
      cells: v.confusionCells,
      maps: v.maps,
      status: await page.textContent('#model-status'),
    },
  );
  p = await problems(page);
  check("12: ... and every node's text stays inside its box", p.length === 0, p);
  await shot(page, '8-long-layer-names');

  // ---- 4: a restored session -------------------------------------------------------------------------
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  await page.waitForSelector('#resume-banner', { state: 'visible', timeout: 5_000 }).catch(() => {});
  if (check('a reload offers to resume the last session', await page.isVisible('#resume-banner'))) {
    await page.click('#resume-btn');
    await page.waitForFunction(() => window.app.state.model && window.app.state.dataset, null, { timeout: 30_000 });
    await page.click('#tab-inspect');
    await page.waitForFunction(() => document.body.dataset.maps, null, { timeout: 20_000 }).catch(() => {});
    v = await view(page);
    // The restored model is validated at once on its own dataset: a matrix of its classes, no older results.
    await page
      .waitForFunction((k) => document.querySelectorAll('#confusion td').length === k * k, longNames.length, {
        timeout: 20_000,
      })
      .catch(() => {});
    v = await view(page);
    check(
      '4: a restored session shows its own model, classes and validation results',
      v.graphNodes.join() === v.model.layers.join() &&
        v.confusionCells === longNames.length ** 2 &&
        longNames.every((n) => v.classes.some((c) => c.startsWith(n))) &&
        v.model.mapLayers.includes(v.maps),
      {
        graph: v.graphNodes.length,
        layers: v.model.layers.length,
        cells: v.confusionCells,
        tiles: v.misTiles,
        next: v.next,
        classes: v.classes,
        maps: v.maps,
      },
    );
    await shot(page, '9-restored');
  }

  // ---- A phone-sized window: Inspect still fits (graph and matrix scroll inside their boxes) ----------
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#tab-inspect');
  await page.waitForTimeout(300);
  p = await problems(page);
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('#panel-inspect *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('#graph, #confusion'))
      .slice(0, 5)
      .map((e) => e.id || e.className || e.tagName),
  );
  check('Inspect fits a phone-sized window', p.length === 0 && wide.length === 0, { p, wide });
  await shot(page, '10-phone');

  const foreign = requests.filter(
    (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
  );
  check('no request leaves the app origin', foreign.length === 0, foreign);
  check('no uncaught page errors', errors.length === 0, errors);
} catch (e) {
  check('e2e-inspect ran to the end', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  await server.close();
}
const { passed, failed } = summary();
console.log(
  `e2e-inspect: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s); screenshots in ${resultsDir}/inspect-*.png`,
);
process.exit(failed ? 1 : 0);
