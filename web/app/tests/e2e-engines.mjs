#!/usr/bin/env node
// The built app in each browser engine (Chromium, Firefox ESR, WebKitGTK; the package's
// tests/browsers.mjs runner): the engine loads in the app's worker (threaded where the engine
// gives SharedArrayBuffer, the single-thread fallback with its reason in WebKitGTK), the
// built-in sample dataset loads with one click and its class counts are right, the tiny preset
// trains 2 epochs above chance, the inspect screen draws, export reports success, no resource
// comes from another origin, a reload offers the IndexedDB session and resumes it, and no
// console error. The flow of e2e.mjs through the DOM only, so that it runs in every engine;
// uploads through the directory input and the downloaded files stay Chromium-only (e2e.mjs).
//   APP_DIST=dist-browsers npx vite build && APP_DIST=dist-browsers node tests/e2e-engines.mjs [--browsers=all|firefox,...]
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { appDir, check, historyTable, resultsDir, serve, summary } from './e2e-helpers.mjs';
import { makeFolders } from './e2e-data.mjs';
import { enginesFromArgs, launchBrowser } from '../../convnet-wasm/tests/browsers.mjs';

const engines = enginesFromArgs(process.argv, ['chromium', 'firefox', 'webkit']);
const THREADED = { chromium: true, firefox: true, webkit: false }; // WebKitGTK 2.50: no SharedArrayBuffer
const sample = JSON.parse(readFileSync(join(appDir, '../../public/sample/index.json'), 'utf8'));
const want = sample.classes.map((c) => [c.name, c.files.length]).sort((a, b) => a[0].localeCompare(b[0]));
// A .zip of class folders with corrupt files (a truncated PNG, text named .jpg, an empty PNG),
// picked through the file input: the driver's file upload works in all three engines, while
// the directory input (webkitdirectory) takes a folder only in Chromium (Firefox's BiDi
// input.setFiles: "File error: Is directory"; WebKitWebDriver's send-keys of a folder path
// selects nothing), so the folder upload stays in e2e.mjs.
const work = mkdtempSync(join(tmpdir(), 'convnet-app-engines-'));
const data = makeFolders(join(work, 'images'), { perClass: 20, classes: 3, corrupt: 3 });
const zipped = {};
for (const c of data.classes)
  for (const f of readdirSync(join(data.dir, c))) zipped[`images/${c}/${f}`] = readFileSync(join(data.dir, c, f));
const zipPath = join(work, 'images.zip');
writeFileSync(zipPath, zipSync(zipped));
// Engine starts the app retried because the app worker's thread stalled (client.ts's init):
// Firefox ESR, now and then, blocks a worker inside `new Worker()` for good when the threaded
// engine starts its pthread workers. Counted and printed, not failed: the app recovers by itself.
const stalls = [];
// Waits for the app's ready flag; on a timeout, records what the page shows and why (screenshot,
// the engine line, whether the worker still answers, the browser's own log) before failing.
async function waitReady(page, browser, engine, when) {
  try {
    await page.waitFor(() => document.body.dataset.ready, { timeout: 60_000 });
    const n = await page.evaluate(() => Number(document.body.dataset.engineStalls ?? 0));
    if (n > 0) {
      stalls.push(`${engine} ${when}: ${n}`);
      console.log(`  note: [${engine}] ${when}: the engine start stalled ${n} time(s); the app restarted its worker`);
    }
  } catch (e) {
    const shot = join(resultsDir, `engines-${engine}-not-ready-${when.replace(/ /g, '-')}.png`);
    await page.screenshot(shot).catch(() => {});
    const state = await page
      .evaluate(async () => ({
        url: location.href,
        readyState: document.readyState,
        ready: document.body.dataset.ready ?? null,
        engine: document.getElementById('engine')?.textContent ?? null,
        isolated: globalThis.crossOriginIsolated,
        stalls: document.body.dataset.engineStalls ?? null,
        worker: await Promise.race([
          window.app.worker.call('ping', null).then(() => 'answers a ping'),
          new Promise((r) => setTimeout(() => r('does not answer a ping within 5 s (its thread is stuck)'), 5000)),
        ]),
        resources: performance
          .getEntriesByType('resource')
          .map((r) => `${r.name.replace(location.origin, '')} ${Math.round(r.duration)}ms`),
      }))
      .catch((err) => String(err));
    console.log(`  not ready (${when}): ${JSON.stringify(state, null, 1)}\n  screenshot: ${shot}`);
    if (browser.processLog)
      console.log(`  browser log (last 80 lines):\n    ${browser.processLog.slice(-80).join('\n    ')}`);
    throw e;
  }
}

const { server, url } = await serve();
const times = [];
try {
  for (const engine of engines) {
    const t0 = Date.now();
    const label = (s) => `[${engine}] ${s}`;
    let browser, page;
    try {
      browser = await launchBrowser(engine, { viewport: { width: 1280, height: 900 } });
      console.log(`== ${browser.version}`);
      page = await browser.newPage();
      await page.goto(url);
      await waitReady(page, browser, engine, 'first load');
      const ready = await page.evaluate(() => ({
        ready: document.body.dataset.ready,
        isolated: crossOriginIsolated,
        engine: document.getElementById('engine').textContent,
        help: document.getElementById('engine-help')?.textContent ?? null,
      }));
      check(
        label(
          `engine loads in the worker (${THREADED[engine] ? 'threaded build' : 'single-thread fallback, says why'})`,
        ),
        ready.ready === '1' &&
          ready.isolated === true &&
          (THREADED[engine]
            ? /\(mt\), 2 threads/.test(ready.engine) && ready.help === null
            : /\(st\)/.test(ready.engine) && /this browser does not offer SharedArrayBuffer/.test(ready.help)),
        ready,
      );
      await page.evaluate(() => {
        document.getElementById('input-size').value = '28';
        document.getElementById('input-size').dispatchEvent(new Event('change', { bubbles: true }));
        document.getElementById('sample-btn').click();
      });
      await page.waitFor(() => ['done', 'error'].includes(document.body.dataset.ingest), { timeout: 60_000 });
      const counts = await page.evaluate(() =>
        [...document.querySelectorAll('#class-counts tbody tr')].map((r) => [
          r.dataset.class,
          Number(r.querySelector('.count').textContent),
        ]),
      );
      check(
        label('the built-in sample dataset loads with one click'),
        JSON.stringify(counts) === JSON.stringify(want),
        counts,
      );
      await page.screenshot(join(resultsDir, `engines-${engine}-sample.png`));

      // The zip through the file input: counts, and every corrupt file listed and skipped.
      await page.evaluate(() => {
        delete document.body.dataset.ingest;
      });
      await page.setInputFiles('#zip-input', zipPath);
      await page.waitFor(() => ['done', 'error'].includes(document.body.dataset.ingest), { timeout: 60_000 });
      const zip = await page.evaluate(() => ({
        counts: [...document.querySelectorAll('#class-counts tbody tr')].map((r) => [
          r.dataset.class,
          Number(r.querySelector('.count').textContent),
        ]),
        skipped: [...document.querySelectorAll('#corrupt-list li')].map((e) => e.textContent),
      }));
      check(
        label('a .zip through the file input: class counts, and the truncated, text and empty files skipped'),
        JSON.stringify(zip.counts) === JSON.stringify(data.classes.map((c) => [c, data.counts[c]])) &&
          zip.skipped.length === data.corrupt.length &&
          data.corrupt.every((c) => zip.skipped.some((t) => t.includes(c))),
        { zip, corrupt: data.corrupt },
      );
      // Back to the sample for the training below.
      await page.evaluate(() => {
        delete document.body.dataset.ingest;
        document.getElementById('tab-data').click();
        document.getElementById('sample-btn').click();
      });
      await page.waitFor(() => ['done', 'error'].includes(document.body.dataset.ingest), { timeout: 60_000 });

      // Model and 2 epochs of training in the app's worker, driven through the DOM only.
      await page.evaluate(() => {
        delete document.body.dataset.ingest;
        document.getElementById('tab-model').click();
        document.getElementById('preset-tiny').click();
        document.getElementById('build-btn').click();
      });
      await page.waitFor(
        () =>
          document.body.dataset.model === 'built' ||
          /Could not/.test(document.getElementById('model-status').textContent),
        { timeout: 30_000 },
      );
      const params = await page.evaluate(() =>
        Number(document.getElementById('param-count')?.textContent.replace(/,/g, '') ?? 0),
      );
      check(label('model built'), params > 100, params);
      const trainStart = Date.now();
      await page.evaluate(() => {
        document.getElementById('tab-train').click();
        const e = document.getElementById('t-epochs');
        e.value = '2';
        e.dispatchEvent(new Event('input', { bubbles: true }));
        e.dispatchEvent(new Event('change', { bubbles: true }));
        document.getElementById('train-start').click();
      });
      await page.waitFor(
        () =>
          document.body.dataset.trained === '2' || /failed/.test(document.getElementById('train-status').textContent),
        { timeout: 240_000 },
      );
      const { rows: hist, valAcc } = await historyTable(page, 2);
      check(
        label('2 epochs trained on the sample, validation accuracy above chance (1/4)'),
        hist.length === 2 && valAcc > 0.4,
        {
          valAcc,
          hist,
          seconds: (Date.now() - trainStart) / 1000,
          status: await page.evaluate(() => document.getElementById('train-status').textContent),
        },
      );
      await page.screenshot(join(resultsDir, `engines-${engine}-train.png`));

      // Inspect: graph and feature maps.
      await page.evaluate(() => {
        document.getElementById('tab-inspect').click();
        document.getElementById('viz-refresh').click();
      });
      await page.waitFor(() => document.body.dataset.maps, { timeout: 20_000 });
      const inspect = await page.evaluate(() => {
        const c = document.getElementById('viz-maps');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) ink++;
        return { nodes: document.querySelectorAll('#graph svg g').length, ink };
      });
      check(label('inspect: model graph and feature maps drawn'), inspect.nodes >= 5 && inspect.ink > 100, inspect);

      // Export (the download itself is Chromium's e2e.mjs's to check) and the app's status line.
      await page.evaluate(() => {
        document.getElementById('tab-use').click();
        document.getElementById('export-tfjs').click();
      });
      await page.waitFor(() => /Exported|failed/.test(document.getElementById('export-status').textContent), {
        timeout: 20_000,
      });
      const exported = await page.evaluate(() => document.getElementById('export-status').textContent);
      check(label('export says Exported'), /Exported/.test(exported), exported);

      // Every resource the page fetched stayed on the app's origin (the page's own resource
      // timing: the same in every engine, without a proxy; workers' requests are not in it).
      const foreign = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((u) => new URL(u).origin !== location.origin),
      );
      check(label('no resource from outside the origin'), foreign.length === 0, foreign);
      // The worker saves the session to IndexedDB after each epoch; reload once epoch 2 is saved.
      await page
        .waitFor(() => document.getElementById('train-status').dataset.checkpoint === '2', { timeout: 30_000 })
        .catch(() => {});
      const saved = await page.evaluate(() => ({
        checkpoint: document.getElementById('train-status').dataset.checkpoint,
        status: document.getElementById('train-status').textContent,
      }));
      check(label('the worker saved the epoch-2 session to IndexedDB'), saved.checkpoint === '2', saved);
      const errorsBeforeReload = page.errors();

      // Reload: the session saved in IndexedDB is offered and restored.
      // A plain reload, twice: WebKitGTK 2.50 checks the revalidated (304) worker script's own
      // COEP header, so before vite.config.ts put the headers on 304s too, every other reload
      // lost the app worker there ("The engine did not load: the app worker failed").
      await page.reload();
      await waitReady(page, browser, engine, 'reload 1');
      const first = await page.evaluate(() =>
        [document.body.dataset.ready, performance.getEntriesByType('navigation')[0]?.type].join(' '),
      );
      await page.reload();
      await waitReady(page, browser, engine, 'reload 2');
      const again = await page.evaluate(() => ({
        ready: document.body.dataset.ready,
        engine: document.getElementById('engine').textContent.slice(0, 160),
      }));
      check(label('the engine loads again after each of two reloads'), first === '1 reload' && again.ready === '1', {
        first,
        ...again,
      });
      await page.waitFor(() => !document.getElementById('resume-banner').hidden, { timeout: 5_000 }).catch(() => {});
      const offer = await page.evaluate(() => {
        const b = document.getElementById('resume-banner');
        return {
          visible: !!b && !b.hidden && b.offsetParent !== null,
          hidden: b?.hidden,
          text: document.getElementById('resume-text')?.textContent,
          url: location.href,
        };
      });
      if (!offer.visible) {
        offer.saved = await page.evaluate(async () => {
          try {
            const db = await new Promise((ok, no) => {
              const q = indexedDB.open('convnet-wasm-app');
              q.onsuccess = () => ok(q.result);
              q.onerror = () => no(q.error);
            });
            const get = (store, key) =>
              new Promise((ok, no) => {
                const q = db.transaction(store).objectStore(store).get(key);
                q.onsuccess = () => ok(q.result);
                q.onerror = () => no(q.error);
              });
            const keys = await new Promise((ok, no) => {
              const q = db.transaction('blobs').objectStore('blobs').getAllKeys();
              q.onsuccess = () => ok(q.result);
              q.onerror = () => no(q.error);
            });
            const meta = await get('meta', 'session');
            return {
              meta: meta && { epoch: meta.epoch, datasetPersisted: meta.datasetPersisted, dismissed: meta.dismissed },
              blobs: keys.length,
            };
          } catch (e) {
            return String(e);
          }
        });
      }
      check(label('after a reload the page offers to resume'), offer.visible && /2 epochs/.test(offer.text), offer);
      if (offer.visible) {
        await page.evaluate(() => document.getElementById('resume-btn').click());
        await page.waitFor(() => document.body.dataset.restored, { timeout: 30_000 });
        const restored = {
          epochs: await page.evaluate(() => document.body.dataset.restored),
          rows: (await historyTable(page, 2)).rows.length,
        };
        check(label('resumed at epoch 2 with the history'), restored.epochs === '2' && restored.rows === 2, restored);
      }
      const errors = [...errorsBeforeReload, ...page.errors()];
      check(label('no console errors'), errors.length === 0, errors);
    } catch (e) {
      check(label('runs'), false, String(e.stack ?? e).slice(0, 500));
      if (page) console.log(page.console.join('\n'));
    } finally {
      await page?.close().catch(() => {});
      await browser?.close().catch(() => {});
    }
    times.push(`${engine} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
const { passed, failed } = summary();
console.log(`  time: ${times.join(', ')}`);
console.log(`  engine starts retried after a stalled app worker: ${stalls.length ? stalls.join(', ') : 'none'}`);
console.log(`app engines: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
