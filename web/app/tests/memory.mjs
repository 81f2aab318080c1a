#!/usr/bin/env node
// Memory while loading a large folder: 20,000 generated Fashion-MNIST PNGs (10 classes) are
// uploaded through the directory picker and decoded at 64x64 (245 MB of pixels) with a 64 MB
// memory budget, so most images go to the OPFS spill file; then one epoch of a tiny model
// trains from it. Prints JSON: peak memory (PSS) of all Chromium processes (sampled from
// /proc every 250 ms), the page's JS heap (CDP Performance.getMetrics), the worker's engine heap and the
// dataset bytes in memory and on disk.
//   npm run build && node tests/memory.mjs [--count=20000] [--size=64] [--budget=64] [--no-train]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, launch, serve, summary } from './e2e-helpers.mjs';
import { makeFolders } from './e2e-data.mjs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const count = Number(arg('count', 20000)),
  size = arg('size', '64'),
  budget = arg('budget', '64');
const train = !process.argv.includes('--no-train');

/**
 * Memory of every process below this one (Chromium and its children), bytes: the sum of PSS
 * (shared pages split between the processes that map them, so nothing is counted twice).
 */
function treeRss(byType) {
  const parent = new Map();
  const rss = new Map();
  const type = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(Number(pid), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
      const m = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      rss.set(Number(pid), m ? Number(m[1]) * 1024 : 0);
      if (byType)
        type.set(Number(pid), /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser');
    } catch {
      /* process ended */
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        total += bytes;
        if (byType) byType[type.get(pid)] = (byType[type.get(pid)] ?? 0) + bytes;
        break;
      }
    }
  }
  return total;
}

const work = mkdtempSync(join(tmpdir(), 'convnet-app-mem-'));
const t0 = Date.now();
const data = makeFolders(join(work, 'images'), { total: count, classes: 10, corrupt: 3 });
const genSeconds = (Date.now() - t0) / 1000;
const { server, url, origin } = await serve();
const { browser, context } = await launch({ origin });
const result = { images: data.total, size: Number(size), budgetMB: Number(budget), generateSeconds: genSeconds };
let peakRss = 0,
  peakHeap = 0,
  sampling = true,
  peakByType = {};
try {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const sampler = (async () => {
    while (sampling) {
      const byType = {};
      const now = treeRss(byType);
      if (now > peakRss) {
        peakRss = now;
        peakByType = byType;
      }
      const m = await cdp.send('Performance.getMetrics').catch(() => null);
      const heap = m?.metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? 0;
      peakHeap = Math.max(peakHeap, heap);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
  result.rssAtStart = treeRss();
  await page.selectOption('#input-size', size);
  await page.fill('#budget', budget);
  const t1 = Date.now();
  await page.setInputFiles('#dir-input', data.dir);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.ingest), null, {
    timeout: 900_000,
    polling: 500,
  });
  result.ingestSeconds = (Date.now() - t1) / 1000;
  result.ingestStatus = await page.$eval('#ingest-status', (e) => e.textContent);
  result.peakRssAfterIngest = peakRss;
  result.peakPageHeapAfterIngest = peakHeap;
  Object.assign(result, { worker: await page.evaluate(() => window.app.worker.call('memory', null)) });
  check(
    '20,000-image folder loaded',
    new RegExp(`Loaded ${result.images} images`).test(result.ingestStatus),
    result.ingestStatus,
  );
  if (train) {
    await page.click('#tab-model');
    await page.click('#preset-tiny');
    await page.click('#build-btn');
    await page.waitForFunction(() => document.body.dataset.model === 'built', null, { timeout: 60_000 });
    await page.click('#tab-train');
    await page.fill('#t-epochs', '1');
    await page.fill('#t-batch', '64');
    const t2 = Date.now();
    await page.click('#train-start');
    await page.waitForFunction(
      () => document.body.dataset.trained === '1' || /failed/.test(document.getElementById('train-status').textContent),
      null,
      { timeout: 900_000, polling: 1000 },
    );
    result.trainSeconds = (Date.now() - t2) / 1000;
    result.trainStatus = await page.$eval('#train-status', (e) => e.textContent);
    check(
      'one epoch trains from the spilled dataset',
      /Finished after epoch 1/.test(result.trainStatus),
      result.trainStatus,
    );
  }
} catch (e) {
  check('memory test ran to the end', false, String(e?.stack ?? e));
} finally {
  sampling = false;
  result.peakRssBytes = peakRss;
  result.peakByProcessType = peakByType;
  result.peakPageJsHeapBytes = peakHeap;
  await browser.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 1));
const { failed } = summary();
process.exit(failed ? 1 : 0);
