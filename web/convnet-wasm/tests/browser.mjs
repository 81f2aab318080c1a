#!/usr/bin/env node
// Browser smoke test, run per browser engine (tests/browsers.mjs: Chromium through
// playwright-core, Firefox ESR over WebDriver BiDi, WebKitGTK through WebKitWebDriver on Xvfb).
// A page that imports the built package (dist/ + wasm/), served by a tiny static server on
// 127.0.0.1: once with COOP/COEP (cross-origin isolated: the mt build, a Trainer worker on 2
// threads) and once without (falls back to the st build and still trains). The training runs'
// loss bits are compared across engines (same seed, same thread count).
//   npm run build && npm run copy-engine -- <build-dir> && node tests/browser.mjs [--browsers=all|chromium,firefox,webkit] [--shots=DIR]
// Default: Chromium only (npm run test:browser); npm run test:browsers runs all three.
// Prints `browser: N passed, N failed`; exits 1 on any failure.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enginesFromArgs, launchBrowser } from './browsers.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const shots = process.argv.find((a) => a.startsWith('--shots='))?.slice(8);
const engines = enginesFromArgs(process.argv);
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

function serve(isolated) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    requests.push(path);
    const file = join(root, path);
    if (!file.startsWith(root + '/')) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const headers = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ server, requests, url: `http://127.0.0.1:${server.address().port}/tests/browser/index.html` }),
    ),
  );
}

let passed = 0,
  failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
}

const decreasing = (a) => Array.isArray(a) && a.length > 1 && a.every(Number.isFinite) && a.at(-1) < a[0];
const bits = (v) => {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, v);
  return d.getBigUint64(0).toString(16).padStart(16, '0');
};

async function runPage(browser, isolated) {
  const { server, requests, url } = await serve(isolated);
  const t0 = Date.now();
  let page;
  try {
    page = await browser.newPage();
    await page.goto(url);
    await page.waitFor(() => document.body.dataset.done !== undefined, { timeout: 90_000 });
    const r = await page.evaluate(() => window.result);
    if (shots)
      await page.screenshot(
        join(
          shots,
          `browser-${browser.engine === 'chromium' ? '' : browser.engine + '-'}${isolated ? 'coi' : 'plain'}.png`,
        ),
      );
    return { r, seconds: (Date.now() - t0) / 1000, requests, consoleLines: page.console };
  } catch (e) {
    return { r: { error: String(e) }, seconds: (Date.now() - t0) / 1000, requests, consoleLines: page?.console ?? [] };
  } finally {
    await page?.close().catch(() => {});
    server.close();
  }
}

// What each engine is expected to give on the isolated page. WebKitGTK (2.50) reports
// crossOriginIsolated === true under COOP/COEP but does not expose SharedArrayBuffer (the
// Emscripten pthreads glue needs the global), so the package picks st there and says why.
const THREADED = { chromium: true, firefox: true, webkit: false };

async function runEngine(engine) {
  const label = (name) => (engine === 'chromium' ? name : `[${engine}] ${name}`);
  const t0 = Date.now();
  let browser;
  try {
    browser = await launchBrowser(engine);
  } catch (e) {
    check(label('browser starts'), false, String(e.stack ?? e).slice(0, 600));
    return null;
  }
  console.log(`== ${browser.version}`);
  const out = { engine, version: browser.version };
  try {
    // Cross-origin isolated: threads (where the engine gives SharedArrayBuffer).
    const coi = await runPage(browser, true);
    const a = coi.r;
    const threaded = THREADED[engine];
    check(label('isolated page: no error'), !a.error, a.error ?? coi.consoleLines);
    if (!a.error) {
      check(label('isolated page: crossOriginIsolated'), a.crossOriginIsolated === true, a.crossOriginIsolated);
      if (threaded) {
        check(
          label('isolated page: page engine is mt'),
          a.page.variant === 'mt' && /crossOriginIsolated/.test(a.page.reason),
          a.page,
        );
        check(
          label('isolated page: worker engine is mt with 2 threads'),
          a.worker.variant === 'mt' && a.worker.threads === 2 && a.workerModel.threads === 2,
          { worker: a.worker, threads: a.workerModel.threads },
        );
        check(
          label('isolated page: mt files were fetched'),
          coi.requests.includes('/wasm/engine_mt.wasm') && coi.requests.includes('/wasm/engine_mt.worker-source.js'),
          coi.requests,
        );
      } else {
        check(
          label('isolated page: no SharedArrayBuffer, so st on page and worker, and says why'),
          a.sharedArrayBuffer === false &&
            a.page.variant === 'st' &&
            a.worker.variant === 'st' &&
            a.workerModel.threads === 1 &&
            /cross-origin isolated but this browser does not expose SharedArrayBuffer/.test(a.worker.reason),
          { sab: a.sharedArrayBuffer, page: a.page, worker: a.worker },
        );
        check(
          label('isolated page: mt files were not fetched'),
          !coi.requests.some((p) => p.includes('engine_mt')),
          coi.requests,
        );
      }
      check(
        label('isolated page: worker training lowers the loss'),
        decreasing(a.workerModel.loss) && a.workerModel.batches === 32,
        a.workerModel,
      );
      check(label('isolated page: main-thread model trains'), decreasing(a.pageModel.loss), a.pageModel);
      check(
        label(
          'isolated page: every-op model (augmentation, BN, separable, depthwise, pooling, dropout, softmax) trains',
        ),
        a.richModel.loss.length === 2 && a.richModel.loss.every(Number.isFinite),
        a.richModel,
      );
      check(
        label('isolated page: ImageBitmap input and feature maps'),
        a.imageShape.join() === '1,8,8,3' && a.featureShape.join() === '2,8,8,8',
        [a.imageShape, a.featureShape],
      );
      check(
        label('isolated page: page stays responsive while the worker trains'),
        a.workerModel.longestMainThreadGapMs < 100,
        a.workerModel.longestMainThreadGapMs,
      );
      out.isolated = a;
    }
    console.log(
      `  isolated page: ${coi.seconds.toFixed(1)} s; page ${a.page?.variant}/${a.pageModel?.threads} threads, worker ${a.worker?.variant}/${a.workerModel?.threads} threads, loss ${a.workerModel?.loss?.map((v) => v.toFixed(3)).join(' -> ')}`,
    );

    // Not isolated: falls back to st and still trains.
    const plain = await runPage(browser, false);
    const b = plain.r;
    check(label('plain page: no error'), !b.error, b.error ?? plain.consoleLines);
    if (!b.error) {
      check(label('plain page: not crossOriginIsolated'), b.crossOriginIsolated === false, b.crossOriginIsolated);
      check(
        label('plain page: falls back to st and says why'),
        b.page.variant === 'st' &&
          b.worker.variant === 'st' &&
          /not cross-origin isolated \(COOP\/COEP headers missing\), SharedArrayBuffer unavailable/.test(
            b.worker.reason,
          ),
        b.worker,
      );
      check(
        label('plain page: worker trains on 1 thread'),
        decreasing(b.workerModel.loss) && b.workerModel.threads === 1,
        b.workerModel,
      );
      check(label('plain page: main-thread model trains'), decreasing(b.pageModel.loss), b.pageModel);
      check(
        label('plain page: mt files were not fetched'),
        !plain.requests.some((p) => p.includes('engine_mt')),
        plain.requests,
      );
      out.plain = b;
    }
    console.log(
      `  plain page: ${plain.seconds.toFixed(1)} s; worker ${b.worker?.variant}, reason: ${b.worker?.reason}`,
    );
    const errors = [...coi.consoleLines, ...plain.consoleLines].filter((l) => /^(error|pageerror):/.test(l));
    check(label('no console errors'), errors.length === 0, errors);
    if (failed) for (const l of [...coi.consoleLines, ...plain.consoleLines]) console.log('  console ' + l);
  } finally {
    await browser.close().catch((e) => console.log(`  closing ${engine}: ${e.message}`));
  }
  out.seconds = (Date.now() - t0) / 1000;
  console.log(`  ${engine}: ${out.seconds.toFixed(1)} s in all`);
  return out;
}

// Training runs, keyed by what must match: the seed and spec are fixed by the page, so runs
// with the same engine build and thread count should give the same loss bits in every engine.
function runsOf(r) {
  const runs = [];
  for (const [where, x] of [
    ['isolated', r.isolated],
    ['plain', r.plain],
  ]) {
    if (!x) continue;
    runs.push({
      key: `worker ${x.worker.variant}/${x.workerModel.threads}t`,
      where,
      loss: x.workerModel.loss,
      weights: x.workerModel.weightsHash,
    });
    runs.push({
      key: `page ${x.page.variant}/${x.pageModel.threads}t`,
      where,
      loss: x.pageModel.loss,
      weights: x.pageModel.weightsHash,
    });
    runs.push({
      key: `page, every op ${x.page.variant}/${x.richModel.threads}t`,
      where,
      loss: x.richModel.loss,
      weights: `${x.richModel.weightsHash}/${x.richModel.predictHash}`,
    });
  }
  return runs;
}

const results = [];
for (const engine of engines) {
  const r = await runEngine(engine);
  if (r) results.push(r);
}
const base = results.find((r) => r.engine === 'chromium');
if (base) {
  const ref = new Map(runsOf(base).map((x) => [x.key, x]));
  for (const r of results.filter((x) => x !== base)) {
    for (const run of runsOf(r)) {
      const c = ref.get(run.key);
      if (!c) {
        console.log(`  [${r.engine}] ${run.key} (${run.where}): no Chromium run with that build and thread count`);
        continue;
      }
      const same = run.loss.length === c.loss.length && run.loss.every((v, i) => Object.is(v, c.loss[i]));
      // The engine's float ops are IEEE-exact in wasm (no FMA contraction, no relaxed SIMD), and
      // the kernels are deterministic per thread count, so every engine must match bit for bit.
      check(
        `[${r.engine}] ${run.key} (${run.where} page): loss and trained-weight bits equal Chromium's`,
        same && run.weights === c.weights,
        { loss: run.loss.map(bits), chromium: c.loss.map(bits), weights: run.weights, chromiumWeights: c.weights },
      );
      console.log(`  [${r.engine}] ${run.key}: loss bits ${run.loss.map(bits).join(' ')}, weights ${run.weights}`);
    }
  }
}
for (const r of results) console.log(`  time: ${r.engine} (${r.version}) ${r.seconds.toFixed(1)} s`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
