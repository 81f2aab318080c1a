// One way to drive each browser engine from the tests, so a browser test is written once:
//   const b = await launchBrowser('firefox');        // 'chromium' | 'firefox' | 'webkit'
//   const page = await b.newPage();
//   await page.goto(url); await page.reload();
//   await page.waitFor(() => document.body.dataset.done !== undefined, { timeout: 90_000 });
//   const r = await page.evaluate(() => window.result);  // any JSON value; fn may be async
//   page.console  -> ['error: ...', 'log: ...', 'pageerror: ...'];  page.errors() -> the errors only
//   await page.screenshot(path); await page.close(); await b.close();
// Engines, all from Debian packages:
//   chromium  /usr/bin/chromium through playwright-core (CDP), headless - the same launch as before.
//   firefox   /usr/bin/firefox-esr through puppeteer-core over WebDriver BiDi, headless.
//   webkit    WebKitGTK's MiniBrowser through WebKitWebDriver (W3C WebDriver classic, HTTP), on a
//             private Xvfb display (the GTK MiniBrowser has no headless mode). This WebKitWebDriver
//             refuses `webSocketUrl` ("Failed to match capabilities": no BiDi) and has no log
//             endpoint, and MiniBrowser ignores --enable-write-console-messages-to-stdout in
//             automation mode, so the runner hooks console.error/warn, onerror and
//             unhandledrejection in the page when it loads and drains them with every call:
//             errors before the load event and inside workers are not seen in WebKit (an error in
//             a test page's own run still shows, as the page reports it).
// Overrides: CHROMIUM, FIREFOX, WEBKIT_MINIBROWSER (executables).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** Engines named by --browsers=a,b (or --browsers=all), else BROWSERS=..., else the default. */
export function enginesFromArgs(argv = process.argv, fallback = ['chromium']) {
  const arg = argv.find((a) => a.startsWith('--browsers='))?.slice(11) ?? process.env.BROWSERS;
  if (!arg) return fallback;
  const list =
    arg === 'all'
      ? ENGINES
      : arg
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  for (const e of list)
    if (!ENGINES.includes(e)) throw new Error(`unknown browser engine '${e}' (known: ${ENGINES.join(', ')}, all)`);
  return list;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clip = (s) => String(s).slice(0, 300);

export async function launchBrowser(engine, options = {}) {
  if (engine === 'chromium') return launchChromium(options);
  if (engine === 'firefox') return launchFirefox(options);
  if (engine === 'webkit') return launchWebKit(options);
  throw new Error(`unknown browser engine '${engine}'`);
}

// ---- Chromium: playwright-core, exactly the launch tests/browser.mjs always used.
async function launchChromium({ viewport } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ...(viewport ? { viewport } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const cdp = await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
  const version = (await cdp.send('Browser.getVersion')).product; // 'HeadlessChrome/156.0...'
  await cdp.detach();
  return {
    engine: 'chromium',
    version: `Chromium ${String(version).replace(/^.*?\//, '')}`,
    newPage: async () => wrapPlaywrightLike(await context.newPage()),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// ---- Firefox ESR: puppeteer-core over WebDriver BiDi.
async function launchFirefox({ viewport } = {}) {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    defaultViewport: viewport ?? { width: 1280, height: 720 },
    // No update checks, telemetry or remote settings: every request the page makes is its own.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false,
      // Console messages of pages and workers (which BiDi's log events miss) on stdout.
      'devtools.console.stdout.content': true,
      'browser.dom.window.dump.enabled': true,
    },
  });
  const processLog = [];
  for (const stream of [browser.process()?.stdout, browser.process()?.stderr])
    stream?.on('data', (d) => processLog.push(...String(d).split('\n').filter(Boolean)));
  const version = await browser.version(); // 'firefox/153.8.0'
  return {
    engine: 'firefox',
    version: `Firefox ${version.replace(/^.*?\//, '')}`,
    processLog,
    newPage: async () => wrapPlaywrightLike(await browser.newPage()),
    close: () => browser.close(),
  };
}

// The page every engine hands out: the engine's own operations (goto, reload, setInputFiles,
// evaluate, screenshot, close) plus what is the same everywhere (console lines, errors, waitFor).
function runnerPage(lines, ops) {
  return {
    console: lines,
    errors: () => lines.filter((l) => /^(error|pageerror):/.test(l)),
    waitFor: (fn, options) => pollUntil(ops.evaluate, fn, options),
    ...ops,
  };
}

// playwright-core's and puppeteer-core's Page share the calls used here, console events included.
function wrapPlaywrightLike(page) {
  const lines = [];
  page.on('console', (m) => lines.push(clip(`${m.type()}: ${m.text()}`)));
  page.on('pageerror', (e) => lines.push(clip(`pageerror: ${e.message}`)));
  return runnerPage(lines, {
    raw: page,
    goto: (url) => page.goto(url, { waitUntil: 'load' }),
    reload: () => page.reload({ waitUntil: 'load' }),
    // Files (paths) into an <input type=file>; a folder path for a webkitdirectory input.
    setInputFiles: async (selector, paths) => {
      if (typeof page.setInputFiles === 'function') return page.setInputFiles(selector, paths); // playwright
      const el = await page.$(selector); // puppeteer: BiDi input.setFiles
      try {
        await el.uploadFile(...[].concat(paths));
      } finally {
        await el.dispose();
      }
    },
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    close: () => page.close(),
  });
}

// ---- WebKitGTK: WebKitWebDriver (W3C WebDriver over HTTP) + MiniBrowser on Xvfb.
async function launchWebKit({ viewport } = {}) {
  const minibrowser = process.env.WEBKIT_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

  const children = [];
  const stopAll = () => {
    for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.once('exit', stopAll); // no stray Xvfb or driver if a test dies without close()
  try {
    // A private X display: -displayfd picks a free number and writes it on stdout.
    const size = viewport ? `${viewport.width}x${viewport.height}x24` : '1280x900x24';
    const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', size, '-nolisten', 'tcp'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(xvfb);
    const display = await new Promise((ok, no) => {
      const timer = setTimeout(() => no(new Error('Xvfb did not start within 10 s')), 10_000);
      xvfb.stdout.once('data', (d) => {
        clearTimeout(timer);
        ok(String(d).trim());
      });
      xvfb.once('error', (e) => {
        clearTimeout(timer);
        no(new Error(`Xvfb: ${e.message} (is the xvfb package installed?)`));
      });
    });
    const port = await freePort();
    const driverLog = [];
    const driver = spawn(process.env.WEBKIT_WEBDRIVER ?? 'WebKitWebDriver', [`--port=${port}`], {
      env: { ...process.env, DISPLAY: `:${display}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(driver);
    driver.stdout.on('data', (d) => driverLog.push(String(d)));
    driver.stderr.on('data', (d) => driverLog.push(String(d)));
    const base = `http://127.0.0.1:${port}`;
    const call = async (method, path, body) => {
      const r = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const j = await r.json();
      if (j.value && j.value.error)
        throw new Error(`WebDriver ${method} ${path}: ${j.value.error}: ${j.value.message}`);
      return j.value;
    };
    for (let i = 0; ; i++) {
      // wait for the driver to listen
      try {
        await call('GET', '/status');
        break;
      } catch (e) {
        if (i > 100 || driver.exitCode !== null)
          throw new Error(`WebKitWebDriver did not start: ${e.message} ${driverLog.join('').slice(0, 300)}`);
        await sleep(100);
      }
    }
    const session = await call('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary: minibrowser, args: ['--automation'] },
        },
      },
    });
    const sid = session.sessionId;
    const s = (p) => `/session/${sid}${p}`;
    await call('POST', s('/timeouts'), { script: 120_000, pageLoad: 120_000 });
    if (viewport)
      await call('POST', s('/window/rect'), { width: viewport.width, height: viewport.height }).catch(() => {});
    let pageOpen = false;
    return {
      engine: 'webkit',
      version: `WebKitGTK ${session.capabilities.browserVersion}`,
      async newPage() {
        if (pageOpen) throw new Error('webkit runner: one page at a time');
        pageOpen = true;
        const lines = [];
        const evaluate = async (fn, arg) => {
          const script = `const done = arguments[arguments.length - 1];
            (${installConsoleHook.toString()})();
            const drain = () => window.__runnerConsole.splice(0);
            Promise.resolve().then(() => (${fn.toString()})(arguments[0]))
              .then((v) => done({ ok: v === undefined ? null : JSON.parse(JSON.stringify(v)), console: drain() }),
                (e) => done({ error: String(e && e.stack || e), console: drain() }));`;
          const r = await call('POST', s('/execute/async'), { script, args: [arg ?? null] });
          for (const l of r?.console ?? []) lines.push(clip(l));
          if (r && 'error' in r) throw new Error(`evaluate in webkit: ${r.error}`);
          return r?.ok;
        };
        return runnerPage(lines, {
          goto: async (url) => {
            await call('POST', s('/url'), { url });
            await evaluate(() => null);
          },
          reload: async () => {
            await call('POST', s('/refresh'), {});
            await evaluate(() => null);
          },
          // W3C Element Send Keys on a file input: paths joined by newlines.
          async setInputFiles(selector, paths) {
            const el = await call('POST', s('/element'), { using: 'css selector', value: selector });
            const id = el[Object.keys(el)[0]];
            await call('POST', s(`/element/${id}/value`), { text: [].concat(paths).join('\n') });
          },
          evaluate,
          async screenshot(path) {
            writeFileSync(path, Buffer.from(await call('GET', s('/screenshot')), 'base64'));
          },
          async close() {
            await evaluate(() => null).catch(() => {});
            await call('POST', s('/url'), { url: 'about:blank' }).catch(() => {});
            pageOpen = false;
          },
        });
      },
      async close() {
        await call('DELETE', s('')).catch(() => {});
        stopAll();
      },
    };
  } catch (e) {
    stopAll();
    throw e;
  }
}

// Runs in the page (WebKit only): records console errors and warnings and uncaught errors
// into window.__runnerConsole, once per document.
function installConsoleHook() {
  if (window.__runnerConsole) return;
  const out = (window.__runnerConsole = []);
  const text = (args) =>
    args
      .map((a) =>
        a instanceof Error
          ? a.message
          : typeof a === 'string'
            ? a
            : (() => {
                try {
                  return JSON.stringify(a);
                } catch {
                  return String(a);
                }
              })(),
      )
      .join(' ');
  for (const [name, type] of [
    ['error', 'error'],
    ['warn', 'warning'],
  ]) {
    const orig = console[name].bind(console);
    console[name] = (...args) => {
      out.push(`${type}: ${text(args)}`);
      orig(...args);
    };
  }
  window.addEventListener('error', (e) => out.push(`pageerror: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) =>
    out.push(`pageerror: ${(e.reason && e.reason.message) || e.reason}`),
  );
}

// Polls fn in the page from here (not inside the page), so a navigation or a reload while
// waiting costs one failed evaluate instead of a wait that never ends.
async function pollUntil(evaluate, fn, { timeout = 30_000 } = {}) {
  const end = Date.now() + timeout;
  let lastError = null;
  for (;;) {
    try {
      if (await evaluate(fn)) return;
      lastError = null;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end) {
      throw new Error(
        `waitFor timed out after ${timeout} ms: ${fn.toString().slice(0, 160)}${lastError ? ` (last error: ${lastError.message})` : ''}`,
      );
    }
    await sleep(100);
  }
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((ok, no) => {
    const srv = createServer();
    srv.once('error', no);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}
