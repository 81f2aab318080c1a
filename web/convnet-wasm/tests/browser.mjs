#!/usr/bin/env node
// Browser smoke test: headless Chromium (playwright-core + Debian's /usr/bin/chromium) opens a
// page that imports the built package (dist/ + wasm/), served by a tiny static server on
// 127.0.0.1: once with COOP/COEP (cross-origin isolated: the mt build, a Trainer worker on 2
// threads) and once without (falls back to the st build and still trains).
//   npm run build && npm run copy-engine -- <build-dir> && node tests/browser.mjs [--shots=DIR]
// Prints `browser: N passed, N failed`; exits 1 on any failure.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const shots = process.argv.find((a) => a.startsWith('--shots='))?.slice(8);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

function serve(isolated) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    requests.push(path);
    const file = join(root, path);
    if (!file.startsWith(root + '/')) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, requests, url: `http://127.0.0.1:${server.address().port}/tests/browser/index.html` })));
}

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
}

const decreasing = (a) => Array.isArray(a) && a.length > 1 && a.every(Number.isFinite) && a.at(-1) < a[0];

async function runPage(context, isolated) {
  const { server, requests, url } = await serve(isolated);
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`.slice(0, 300)));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`.slice(0, 300)));
  const t0 = Date.now();
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.done !== undefined, null, { timeout: 90_000 });
    const r = await page.evaluate(() => window.result);
    if (shots) await page.screenshot({ path: join(shots, `browser-${isolated ? 'coi' : 'plain'}.png`), fullPage: true });
    return { r, seconds: (Date.now() - t0) / 1000, requests, consoleLines };
  } catch (e) {
    return { r: { error: String(e) }, seconds: (Date.now() - t0) / 1000, requests, consoleLines };
  } finally {
    await page.close();
    server.close();
  }
}

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // Cross-origin isolated: threads.
  const coi = await runPage(context, true);
  const a = coi.r;
  check('isolated page: no error', !a.error, a.error ?? coi.consoleLines);
  if (!a.error) {
    check('isolated page: crossOriginIsolated', a.crossOriginIsolated === true, a.crossOriginIsolated);
    check('isolated page: page engine is mt', a.page.variant === 'mt' && /crossOriginIsolated/.test(a.page.reason), a.page);
    check('isolated page: worker engine is mt with 2 threads', a.worker.variant === 'mt' && a.worker.threads === 2 && a.workerModel.threads === 2, { worker: a.worker, threads: a.workerModel.threads });
    check('isolated page: worker training lowers the loss', decreasing(a.workerModel.loss) && a.workerModel.batches === 32, a.workerModel);
    check('isolated page: main-thread model trains', decreasing(a.pageModel.loss), a.pageModel);
    check('isolated page: ImageBitmap input and feature maps', a.imageShape.join() === '1,8,8,3' && a.featureShape.join() === '2,8,8,8', [a.imageShape, a.featureShape]);
    check('isolated page: page stays responsive while the worker trains', a.workerModel.longestMainThreadGapMs < 100, a.workerModel.longestMainThreadGapMs);
    check('isolated page: mt files were fetched', coi.requests.includes('/wasm/engine_mt.wasm') && coi.requests.includes('/wasm/engine_mt.worker-source.js'), coi.requests);
  }
  console.log(`  isolated page: ${coi.seconds.toFixed(1)} s; page ${a.page?.variant}/${a.pageModel?.threads} threads, worker ${a.worker?.variant}/${a.workerModel?.threads} threads, loss ${a.workerModel?.loss?.map((v) => v.toFixed(3)).join(' -> ')}`);

  // Not isolated: falls back to st and still trains.
  const plain = await runPage(context, false);
  const b = plain.r;
  check('plain page: no error', !b.error, b.error ?? plain.consoleLines);
  if (!b.error) {
    check('plain page: not crossOriginIsolated', b.crossOriginIsolated === false, b.crossOriginIsolated);
    check('plain page: falls back to st and says why', b.page.variant === 'st' && b.worker.variant === 'st' &&
      /not cross-origin isolated \(COOP\/COEP headers missing\), SharedArrayBuffer unavailable/.test(b.worker.reason), b.worker);
    check('plain page: worker trains on 1 thread', decreasing(b.workerModel.loss) && b.workerModel.threads === 1, b.workerModel);
    check('plain page: main-thread model trains', decreasing(b.pageModel.loss), b.pageModel);
    check('plain page: mt files were not fetched', !plain.requests.some((p) => p.includes('engine_mt')), plain.requests);
  }
  console.log(`  plain page: ${plain.seconds.toFixed(1)} s; worker ${b.worker?.variant}, reason: ${b.worker?.reason}`);
  if (failed) for (const l of [...coi.consoleLines, ...plain.consoleLines]) console.log('  console ' + l);
} finally {
  await context.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
