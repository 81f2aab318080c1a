// Shared pieces of the browser tests: serve the built app (vite preview, COOP/COEP from
// vite.config.ts) on a free port, launch Debian's Chromium through playwright-core, record
// every request the page and its workers make, and count pass/fail checks.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

export const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const resultsDir = join(appDir, 'test-results');
mkdirSync(resultsDir, { recursive: true });

let passed = 0,
  failed = 0;
export function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 400) : ''}`,
  );
  return ok;
}
export const summary = () => ({ passed, failed });

export async function serve() {
  const server = await preview({
    root: appDir,
    logLevel: 'warn',
    preview: { port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls.local[0];
  return { server, url, origin: new URL(url).origin };
}

export async function launch({ origin }) {
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
      '--disable-sync',
      '--disable-default-apps',
    ],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  // Every request from the page and its workers passes here: recorded, and stopped if it
  // would leave the app's origin (blob: and data: URLs never reach the network).
  const requests = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    requests.push(u);
    if (new URL(u).origin !== origin) return route.abort('blockedbyclient');
    return route.continue();
  });
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('blob:') && !u.startsWith('data:') && !requests.includes(u)) requests.push(u);
  });
  return { browser, context, requests };
}

/** Pixels of a canvas that differ from its first pixel (0 for a blank canvas). */
export function canvasInk(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
    return n;
  }, selector);
}

/**
 * The Train tab's history table once it has at least `atLeast` rows (waits up to `timeout` ms,
 * then reads what is there): rows of cell texts (epoch, loss, accuracy, val loss, val accuracy,
 * seconds) and the last row's validation accuracy. Works with a playwright page and with the
 * package's browser runner's pages (both evaluate(fn, arg)).
 */
export async function historyTable(page, atLeast = 0, timeout = 5_000) {
  const count = () => page.evaluate(() => document.querySelectorAll('#history-table tbody tr').length);
  for (const end = Date.now() + timeout; (await count()) < atLeast && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 100));
  const rows = await page.evaluate(() =>
    [...document.querySelectorAll('#history-table tbody tr')].map((r) => Array.from(r.children, (c) => c.textContent)),
  );
  return { rows, valAcc: Number(rows.at(-1)?.[4]) };
}
