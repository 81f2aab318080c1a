#!/usr/bin/env node
// The package as users get it: `npm pack`, install the tarball into a fresh Vite project (in a
// temp folder), and open its page in headless Chromium: built (vite build + preview) and in the
// dev server, each with COOP/COEP (threaded build, Trainer worker on 2 threads) and without
// (single-threaded fallback). Nothing but the tarball is installed into the project; Vite and
// playwright-core run from this package's devDependencies.
//   npm run copy-engine -- <build-dir> && node tests/vite-tarball.mjs
// Prints `vite: N passed, N failed`; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, createServer, preview } from 'vite';

const pkg = resolve(fileURLToPath(new URL('..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'convnet-vite-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let passed = 0,
  failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail !== undefined ? ': ' + JSON.stringify(detail).slice(0, 600) : ''}`,
  );
}

// 1. Pack (prepack builds dist/ and checks wasm/) and install the tarball into a fresh project.
execFileSync(npm, ['pack', '--silent', '--pack-destination', work], {
  cwd: pkg,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
const app = join(work, 'app');
mkdirSync(join(app, 'src'), { recursive: true });
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'convnet-vite-check', private: true, type: 'module' }));
execFileSync(npm, ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], {
  cwd: app,
  stdio: ['ignore', 'ignore', 'inherit'],
});
writeFileSync(
  join(app, 'index.html'),
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><script type="module" src="/src/main.js"></script></body></html>`,
);
writeFileSync(
  join(app, 'src/main.js'),
  `
import * as cw from 'convnet-wasm';
const { layers } = cw;
async function run() {
  const trainer = await cw.Trainer.create({ threads: 2 });
  const x0 = cw.input({ shape: [8, 8, 3] });
  let x = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x0);
  x = layers.globalAveragePooling2d().apply(x);
  const built = await trainer.build({ inputs: x0, outputs: layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) }, { seed: 1 });
  await trainer.compile({ loss: 'binaryCrossentropy', optimizer: { name: 'adam', learningRate: 0.02 } });
  const n = 64, data = new Float32Array(n * 192), y = new Float32Array(n).map((_, i) => i % 2);
  for (let i = 0; i < n; i++) for (let j = 0; j < 192; j++) data[i * 192 + j] = (y[i] ? 0.5 : -0.5) + Math.sin(i * 3 + j) * 0.5;
  const h = await trainer.fit(cw.tensor(data, [n, 8, 8, 3]), y, { epochs: 4, batchSize: 16 });
  trainer.dispose();
  const page = await cw.init();
  return { isolated: self.crossOriginIsolated, worker: trainer.info, threads: built.threads, loss: h.history.loss, page };
}
run().then((r) => { window.result = r; document.body.dataset.done = '1'; },
  (e) => { window.result = { error: String(e && e.stack || e) }; document.body.dataset.done = 'error'; });
`,
);

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const config = (headers) => ({
  root: app,
  configFile: false,
  logLevel: 'warn',
  clearScreen: false,
  server: { headers, host: '127.0.0.1', port: 0 },
  preview: { headers, host: '127.0.0.1', port: 0 },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: join(app, 'dist') },
});

// 2. vite build: every engine file is emitted.
await build(config(isolation));
const assets = readdirSync(join(app, 'dist/assets'));
for (const f of ['engine_st', 'engine_mt', 'engine_mt.worker-source', 'trainer-worker']) {
  check(
    `vite build emits ${f}`,
    assets.some((a) => a.startsWith(f + '-')),
    assets,
  );
}
check('vite build emits both .wasm files', assets.filter((a) => a.endsWith('.wasm')).length === 2, assets);

// 3. The page, built and in dev, with and without isolation.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
  ],
});
try {
  for (const mode of ['preview', 'dev']) {
    for (const isolated of [true, false]) {
      const server =
        mode === 'dev'
          ? await (await createServer(config(isolated ? isolation : {}))).listen()
          : await preview(config(isolated ? isolation : {}));
      const url = server.resolvedUrls.local[0];
      const origin = new URL(url).origin;
      const page = await browser.newPage();
      const problems = [];
      const foreign = [];
      page.on('pageerror', (e) => problems.push(e.message.slice(0, 300)));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text().slice(0, 300));
      });
      page.on('request', (r) => {
        if (!r.url().startsWith(origin) && !/^(blob|data):/.test(r.url())) foreign.push(r.url());
      });
      const t0 = Date.now();
      let r;
      try {
        await page.goto(url, { waitUntil: 'load' });
        await page.waitForFunction(() => document.body.dataset.done !== undefined, null, { timeout: 90_000 });
        r = await page.evaluate(() => window.result);
      } catch (e) {
        r = { error: String(e) };
      }
      const name = `${mode}, ${isolated ? 'COOP/COEP' : 'no headers'}`;
      const want = isolated ? 'mt' : 'st';
      check(
        `${name}: trains without errors`,
        !r.error && r.loss.every(Number.isFinite) && r.loss.at(-1) < r.loss[0],
        r.error ? [r.error, ...problems] : r.loss,
      );
      if (!r.error) {
        check(
          `${name}: worker and page load the ${want} build`,
          r.worker.variant === want && r.page.variant === want && r.isolated === isolated,
          r,
        );
        check(
          `${name}: worker model runs on ${isolated ? 2 : 1} thread(s)`,
          r.threads === (isolated ? 2 : 1),
          r.threads,
        );
      }
      check(`${name}: no requests outside the page's origin`, foreign.length === 0, foreign);
      console.log(
        `  ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${r.worker?.variant ?? '?'} build, loss ${r.loss?.map((v) => v.toFixed(3)).join(' -> ') ?? '?'}`,
      );
      await page.close();
      await (mode === 'dev' ? server.close() : new Promise((ok) => server.httpServer.close(ok)));
    }
  }
} finally {
  await browser.close();
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
}
console.log(`vite: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
