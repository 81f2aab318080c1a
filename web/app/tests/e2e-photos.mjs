#!/usr/bin/env node
// End-to-end test of the ingest a new user meets with their own photo folder (issue 11, flaws
// 3, 6, 13 and 16, and the photo-folder must-show), in headless Chromium against the built app:
// - a generated photo-like folder (tests/fixtures/make-photo-folder.mjs: colour JPEGs from
//   320x240 to 1600x1200, portrait, CMYK, greyscale, PNG with alpha, WebP, nested folders,
//   non-ASCII names, a 0-byte file, text files, random bytes, a HEIC) through the directory
//   picker: classes are the top-level folders, nested images count for them, every bad file is
//   listed as skipped with a readable reason;
// - the decode race: changing the image size re-decodes the old folder while a newer one (a
//   .zip dropped on the page) is loaded: the newer one must win and stay; split settings
//   changed during a decode apply when it ends;
// - cancelling a decode (the same photos as a .zip), then decoding them again at 64 px and
//   training on them: validation accuracy clearly above chance (1/3);
// - the small-image count beyond 500 (the built-in sample at 64 px: 600 images);
// - without COOP/COEP, the engine line says in plain words what one thread costs and how to fix it.
//   APP_DIST=dist-photos npx vite build && APP_DIST=dist-photos node tests/e2e-photos.mjs
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import { appDir, check, historyTable, launch, resultsDir, serve, summary } from './e2e-helpers.mjs';
import { drawPhoto, photoFolderCached, PHOTO_CLASSES } from './fixtures/make-photo-folder.mjs';
import { encodePng } from './fixtures/png.mjs';

const t0 = Date.now();
const work = mkdtempSync(join(tmpdir(), 'convnet-app-photos-'));
// The photo folder is made once per version of its generator (ImageMagick takes ~10 s).
const photos = photoFolderCached(join(tmpdir(), 'convnet-app-photo-fixtures'));
console.log(
  `photo folder: ${photos.total} images in ${Object.keys(photos.counts).length} classes, ${photos.bad.length} bad files (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);

/** Every file under dir as zip entries (paths under `prefix`). */
function zipDir(dir, prefix) {
  const out = {};
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[`${prefix}/${relative(dir, p)}`] = readFileSync(p);
    }
  };
  walk(dir);
  return Buffer.from(zipSync(out, { level: 0 }));
}

// The "newer" folder of the race: two other classes, small PNGs, one nested sub-folder.
function newerZip() {
  let s = 99;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const entries = {};
  for (const [cls, name] of [
    [0, 'kreise'],
    [2, 'kästen'],
  ]) {
    for (let i = 0; i < 16; i++) {
      const sub = i < 4 ? 'alt/' : '';
      entries[`neu/${name}/${sub}${i}.png`] = encodePng(drawPhoto(96, 72, cls, rnd), 96, 72, 3);
    }
  }
  return Buffer.from(zipSync(entries));
}

const { server, url, origin } = await serve();
const { browser, context, requests } = await launch({ origin });
const shot = (page, name) => page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
const errors = [];
const ingestDone = (page, timeout = 90_000) =>
  page
    .waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.body.dataset.ingest), null, { timeout })
    .then(() => page.evaluate(() => document.body.dataset.ingest));
const classTable = (page) =>
  page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.dataset.class, Number(r.querySelector('.count').textContent)]),
  );
const sorted = (pairs) => [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1));

try {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  const engine = await page.$eval('#engine', (e) => e.textContent);
  check(
    'isolated page: the threaded build runs and no single-thread help is shown',
    /\(mt\)/.test(engine) && !(await page.$('#engine-help')),
    engine,
  );

  // ---- Flaw 13: the small-image count is exact past the 500 kept names ---------------------
  await page.selectOption('#input-size', '64');
  await page.click('#sample-btn');
  await ingestDone(page);
  const sample = JSON.parse(readFileSync(join(appDir, '../../public/sample/index.json'), 'utf8'));
  const sampleTotal = sample.classes.reduce((a, c) => a + c.files.length, 0);
  const tiny = await page.$eval('#tiny-summary', (e) => e.textContent);
  const tinyItems = await page.$$eval('#tiny-list li', (l) => l.length);
  check(
    `all ${sampleTotal} small images counted (not capped at 500), and the list says it is partial`,
    sampleTotal > 500 &&
      new RegExp(`: ${sampleTotal} \\(the first ${tinyItems} are listed\\)`).test(tiny) &&
      tinyItems > 0 &&
      tinyItems < sampleTotal,
    { tiny, tinyItems },
  );

  // ---- Flaw 3 and the photo folder: directory picker, nested folders, bad files ------------
  let t = Date.now();
  await page.setInputFiles('#dir-input', photos.root);
  const state = await ingestDone(page);
  const photoDecodeSeconds = (Date.now() - t) / 1000;
  const counts = await classTable(page);
  const want = sorted(Object.entries(photos.counts));
  check(
    'photo folder: the classes are the top-level folders, with every image of nested folders counted in them',
    state === 'done' && JSON.stringify(sorted(counts)) === JSON.stringify(want),
    { counts, want, photoDecodeSeconds },
  );
  check(
    'no nested folder became a class',
    !counts.some(([c]) => /2019 trip|tag 2|Urlaub/.test(c)),
    counts.map((c) => c[0]),
  );
  const status = await page.$eval('#ingest-status', (e) => e.textContent);
  // Counted before decoding: the damaged JPEG in a nested folder is one of them.
  const nestedFiles =
    photos.nested +
    photos.bad.filter((x) => x.path.split('/').length > 2 && /\.(jpe?g|png|webp)$/i.test(x.path)).length;
  check(
    'the status says how many files came from nested folders',
    new RegExp(`; ${nestedFiles} files from nested folders counted in their top-level class folder`).test(status),
    status,
  );
  const skipped = await page.$$eval('#corrupt-list li', (l) =>
    l.map((e) => ({ name: e.querySelector('code').textContent, reason: e.textContent })),
  );
  const missing = photos.bad.filter(
    (b) => !skipped.some((s) => s.name.endsWith(b.path) && new RegExp(b.reason).test(s.reason)),
  );
  check(
    'every bad file is listed as skipped with a readable reason (0 bytes, text, random bytes, HEIC, .txt)',
    missing.length === 0 && skipped.length === photos.bad.length,
    { missing, skipped: skipped.map((s) => s.reason) },
  );
  check(
    'CMYK, greyscale, alpha-PNG and WebP images load (none skipped)',
    Object.values(photos.special).every((p) => !skipped.some((s) => s.name.endsWith(p))),
  );
  check(
    'hidden files (.DS_Store, ._*) are neither counted nor listed',
    !skipped.some((s) => /DS_Store|\/\._/.test(s.name)),
  );
  const summaryDs = await page.evaluate(
    () => window.app.state.dataset && { size: window.app.state.dataset.size, total: window.app.state.dataset.total },
  );
  check('decoded at 64x64', summaryDs?.size === 64 && summaryDs.total === photos.total, summaryDs);
  await page.$eval('#dataset-view details:has(#tiny-list)', (d) => {
    d.open = false;
  });
  await shot(page, 'photos-1-data');

  // ---- Flaw 6: the decode race -----------------------------------------------------------
  // The size change re-decodes the photo folder; a newer folder (a .zip dropped on the page)
  // arrives meanwhile. The newer one must win, and stay after the old decode would have ended.
  const zipB = newerZip();
  const seen = await page.evaluate(() => {
    const s = { cancelShown: false };
    new MutationObserver(() => {
      if (!document.getElementById('ingest-cancel').hidden) s.cancelShown = true;
    }).observe(document.getElementById('ingest-cancel'), { attributes: true });
    window.__seen = s;
    return true;
  });
  await page.evaluate(
    ({ b64, name }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      window.__zipB = new File([bytes], name, { type: 'application/zip' });
    },
    { b64: zipB.toString('base64'), name: 'neu.zip' },
  );
  // In one task: the size change starts the old folder's re-decode, then the drop arrives.
  await page.evaluate(() => {
    const size = document.getElementById('input-size');
    size.value = '32';
    size.dispatchEvent(new Event('change'));
    const dt = new DataTransfer();
    dt.items.add(window.__zipB);
    document
      .getElementById('dropzone')
      .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await ingestDone(page);
  const bWant = [
    ['kreise', 16],
    ['kästen', 16],
  ];
  const afterB = sorted(await classTable(page));
  check(
    'the newer folder (dropped .zip, nested folder included) loads while the old one re-decodes',
    JSON.stringify(afterB) === JSON.stringify(sorted(bWant)),
    afterB,
  );
  // Long enough for the old folder's decode to have finished, had it not been cancelled.
  await page.waitForTimeout(Math.max(2000, photoDecodeSeconds * 1000 * 0.6));
  const later = {
    table: sorted(await classTable(page)),
    state: await page.evaluate(() => ({
      classes: window.app.state.dataset?.classes,
      size: window.app.state.dataset?.size,
    })),
    worker: await page.evaluate(() =>
      window.app.worker
        .call('split', { valFraction: 0.2, seed: 1 })
        .then((s) => ({ classes: s.classes, size: s.size, total: s.total })),
    ),
  };
  check(
    'the newer folder stays: page table, page state and worker all hold it, at the new size (32 px)',
    JSON.stringify(later.table) === JSON.stringify(sorted(bWant)) &&
      later.state.classes?.length === 2 &&
      later.state.classes.includes('kästen') &&
      later.worker.classes.includes('kästen') &&
      later.worker.total === 32 &&
      later.worker.size === 32 &&
      later.state.size === 32,
    later,
  );
  check('a Cancel button is offered while decoding', (await page.evaluate(() => window.__seen.cancelShown)) && seen);

  // Split settings changed while a decode runs are queued and applied when it ends.
  await page.evaluate(() => {
    const size = document.getElementById('input-size'),
      seed = document.getElementById('seed');
    size.value = '96';
    size.dispatchEvent(new Event('change'));
    seed.value = '3';
    seed.dispatchEvent(new Event('change'));
  });
  await ingestDone(page);
  const queued = await page.evaluate(
    () => window.app.state.dataset && { seed: window.app.state.dataset.seed, size: window.app.state.dataset.size },
  );
  check(
    'a seed changed during decoding applies to the split once decoding ends',
    queued?.seed === 3 && queued.size === 96,
    queued,
  );
  await page.fill('#seed', '1');
  await page.dispatchEvent('#seed', 'change');
  await page.waitForFunction(() => window.app.state.dataset?.seed === 1, null, { timeout: 5_000 });

  // ---- Cancel a decode; then the photos as a .zip, decoded at 64 px ------------------------
  const zipPhotos = zipDir(photos.root, 'meine Fotos');
  // Cancel as soon as decoding starts (from inside the page, so decoding cannot finish first).
  await page.evaluate(() => {
    const st = document.getElementById('ingest-status');
    const obs = new MutationObserver(() => {
      if (/^Decoding/.test(st.textContent)) {
        obs.disconnect();
        document.getElementById('ingest-cancel').click();
      }
    });
    obs.observe(st, { childList: true, characterData: true, subtree: true });
  });
  await page.setInputFiles('#zip-input', { name: 'meine Fotos.zip', mimeType: 'application/zip', buffer: zipPhotos });
  const cancelState = await ingestDone(page);
  const cancelStatus = await page.$eval('#ingest-status', (e) => e.textContent);
  // Long enough for the whole decode to have finished, had it gone on in the worker.
  await page.waitForTimeout(Math.max(1500, photoDecodeSeconds * 1500));
  const workerAfterCancel = await page.evaluate(() =>
    window.app.worker.call('split', { valFraction: 0.2, seed: 1 }).then(
      () => 'has a dataset',
      (e) => e.message,
    ),
  );
  check(
    'Cancel stops the decode: the page says so and the worker keeps no half-decoded dataset',
    cancelState === 'cancelled' &&
      /cancelled/i.test(cancelStatus) &&
      /load a dataset first/.test(workerAfterCancel) &&
      (await page.$eval('#ingest-cancel', (e) => e.hidden)),
    { cancelState, cancelStatus, workerAfterCancel },
  );
  await page.evaluate(() => delete document.body.dataset.ingest);
  t = Date.now();
  await page.selectOption('#input-size', '64');
  await page.screenshot({
    path: join(resultsDir, 'photos-decoding.png'),
    clip: { x: 0, y: 300, width: 1280, height: 200 },
  }); // best effort: the Cancel button while decoding
  await ingestDone(page);
  const zipCounts = sorted(await classTable(page));
  const zipSkipped = await page.$$eval('#corrupt-list li code', (l) => l.map((e) => e.textContent));
  check(
    'the same photos as a .zip: same classes and counts (nested folders counted), same files skipped, after changing the size',
    JSON.stringify(zipCounts) === JSON.stringify(want) &&
      zipSkipped.length === photos.bad.length &&
      photos.bad.every((b) => zipSkipped.some((n) => n.endsWith(b.path))),
    { zipCounts, zipSkipped, seconds: (Date.now() - t) / 1000 },
  );

  // ---- Train at 64 px on the photos --------------------------------------------------------
  await page.click('#tab-model');
  await page.click('#preset-residual');
  await page.click('#build-btn');
  await page.waitForFunction(
    () =>
      document.body.dataset.model === 'built' ||
      /Could not|failed/.test(document.getElementById('model-status').textContent),
    null,
    { timeout: 30_000 },
  );
  await page.click('#tab-train');
  const epochs = 4;
  await page.fill('#t-epochs', String(epochs));
  await page.fill('#t-batch', '16');
  await page.fill('#t-lr', '0.002');
  t = Date.now();
  await page.click('#train-start');
  await page.waitForFunction(
    (n) =>
      document.body.dataset.trained === String(n) ||
      /failed|error/i.test(document.getElementById('train-status').textContent),
    epochs,
    { timeout: 150_000 },
  );
  const { rows: hist, valAcc } = await historyTable(page, epochs);
  check(
    `trained ${epochs} epochs at 64 px on the photos: validation accuracy clearly above chance (1/3)`,
    hist.length === epochs && valAcc >= 0.6,
    { valAcc, hist, seconds: (Date.now() - t) / 1000 },
  );
  await shot(page, 'photos-2-train');

  // The CMYK, grey, alpha and WebP files decode (through the app's worker, at the model's
  // input size) to the same picture as a lossless sRGB copy of their pixels: no inverted
  // CMYK, no lost channel.
  const pairs = Object.keys(photos.reference).map((k) => ({
    key: k,
    file: readFileSync(join(photos.root, photos.special[k])).toString('base64'),
    ref: readFileSync(photos.reference[k]).toString('base64'),
  }));
  const diffs = await page.evaluate(async (list) => {
    const blob = (b64) => new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]);
    const items = list.flatMap((p) => [
      { name: p.key, blob: blob(p.file) },
      { name: `${p.key}-ref`, blob: blob(p.ref) },
    ]);
    const r = await window.app.worker.call('predict', { items });
    const per = r.images.size * r.images.size * 3,
      out = {};
    list.forEach((p, i) => {
      let sum = 0;
      for (let j = 0; j < per; j++)
        sum += Math.abs(r.images.data[2 * i * per + j] - r.images.data[(2 * i + 1) * per + j]);
      out[p.key] = Number((sum / per).toFixed(2));
    });
    return { out, failed: r.failed };
  }, pairs);
  check(
    'CMYK, greyscale, alpha-PNG and WebP files decode to their own picture (mean difference under 8 of 255 from a lossless copy)',
    diffs.failed.length === 0 && Object.keys(diffs.out).length === 5 && Object.values(diffs.out).every((d) => d < 8),
    diffs,
  );
  await page.click('#tab-data');
  await page
    .$eval('#dataset-view details:has(#tiny-list)', (d) => {
      d.open = false;
    })
    .catch(() => {});
  await shot(page, 'photos-3-data-zip');

  const foreign = requests.filter(
    (u) => new URL(u).origin !== origin && !u.startsWith('blob:') && !u.startsWith('data:'),
  );
  check('no request leaves the page origin', foreign.length === 0, foreign);
  await page.close();
} catch (e) {
  check('photo ingest run finished without an exception', false, e.stack ?? String(e));
} finally {
  await browser.close();
  await server.close();
}

// ---- Flaw 16: without COOP/COEP, say what one thread costs and how to fix it ---------------
process.env.NO_COI = '1';
const plain = await serve();
const second = await launch({ origin: plain.origin });
try {
  const page = await second.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(plain.url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  const info = await page.evaluate(() => ({
    isolated: crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
    engine: document.getElementById('engine').textContent,
    help: document.getElementById('engine-help')?.textContent ?? '',
  }));
  check(
    'without COOP/COEP: the single-thread build runs and the page says, in plain words, how much slower it is',
    !info.isolated &&
      /\(st\)/.test(info.engine) &&
      new RegExp(`1 of this computer's ${info.cores} CPU core`).test(info.engine) &&
      /slower/.test(info.engine) &&
      !/SharedArrayBuffer unavailable/.test(info.engine),
    info,
  );
  check(
    "… and how to fix it: the two headers, the README's Deploying section",
    /Cross-Origin-Opener-Policy: same-origin/.test(info.help) &&
      /Cross-Origin-Embedder-Policy: require-corp/.test(info.help) &&
      /"Deploying" in the README/.test(info.help),
    info.help.replace(/\s+/g, ' '),
  );
  await page.click('#engine-help summary');
  await page.screenshot({
    path: join(resultsDir, 'photos-4-single-thread.png'),
    clip: { x: 0, y: 0, width: 1280, height: 420 },
  });
} catch (e) {
  check('single-thread page finished without an exception', false, e.stack ?? String(e));
} finally {
  await second.browser.close();
  await plain.server.close();
  delete process.env.NO_COI;
}

check('no page errors', errors.length === 0, errors);
rmSync(work, { recursive: true, force: true });
const s = summary();
console.log(
  `${s.passed} passed, ${s.failed} failed in ${((Date.now() - t0) / 1000).toFixed(0)} s; screenshots in ${resultsDir}`,
);
process.exit(s.failed ? 1 : 0);
