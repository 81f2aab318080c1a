#!/usr/bin/env node
// Issue #4 benchmark runner: our engine against its rivals, in one run, on one machine.
//
//   node run-bench.mjs [--quick] [--build DIR] [--native-build DIR] [--models A-32,B-64,B-180]
//                      [--batches 32,8] [--competing] [--out results.jsonl] [--skip LIST] [...]
//
// Runs, for each model and batch size:
//   - our wasm bench (bench_mt.js with 1 and 2 threads, bench_st.js) in a Worker in headless
//     Chromium (Debian's /usr/bin/chromium, COOP/COEP page on 127.0.0.1) and, for --engine-models
//     at the first batch, also in Firefox ESR and WebKitGTK (--engines; all three through the
//     package's runner, web/convnet-wasm/tests/browsers.mjs), engines taking turns, --repeats
//     times, with ratios to Chromium (issue #14) and each engine's startup GEMM kernel pick;
//   - TensorFlow.js 4.22 in a Worker in the same browser: wasm backend (XNNPACK) inference with
//     1 and 2 threads, wasm-backend training (recorded as an error if it fails), cpu-backend
//     training for a bounded number of steps;
//   - our wasm bench under Node (nn_bench_train_{mt,st}.js) and the native bench;
//   - native PyTorch (../torch/torch-bench.py with /usr/bin/python3), 1 and 2 threads;
//   - our f32 GEMM microkernel bench (peak GFLOP/s; every wasm SIMD kernel in every engine), if built;
// and with --competing, again (a subset) while a CPU-bound process holds one core.
// Every measurement is one JSON line on stdout (and in --out); a table of ratios with the
// issue's targets follows. Progress goes to stderr. Every sub-run has a timeout; a failure
// becomes a record with "error", never a hang.
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  statSync,
  readdirSync,
  appendFileSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// The package's browser runner: one page abstraction for Chromium, Firefox ESR and WebKitGTK.
import { ENGINES, launchBrowser } from '../../../web/convnet-wasm/tests/browsers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
const FIXTURES = path.join(REPO, 'wasm-tests/fixtures');
const TORCH_SCRIPT = path.resolve(HERE, '../torch/torch-bench.py');
const MODEL_FILES = {
  'A-16': 'model-a-16.json',
  'A-32': 'model-a.json',
  'B-64': 'model-b-64.json',
  'B-180': 'model-b-180.json',
};
const ALL_PARTS = ['ours-chromium', 'tfjs-wasm', 'tfjs-cpu', 'node', 'native', 'torch', 'gemm'];

// ---------------------------------------------------------------------------------------------
// Options

const { values: opt } = parseArgs({
  options: {
    build: { type: 'string', default: path.join(REPO, 'build-wasm') },
    'native-build': { type: 'string', default: path.join(REPO, 'build-native') },
    quick: { type: 'boolean', default: false },
    models: { type: 'string' },
    batches: { type: 'string' },
    competing: { type: 'boolean', default: false },
    'competing-models': { type: 'string' },
    out: { type: 'string' },
    skip: { type: 'string', default: '' },
    only: { type: 'string' },
    steps: { type: 'string' },
    'timeout-scale': { type: 'string', default: '1' },
    'tfjs-seconds': { type: 'string', default: '3' },
    'tfjs-train-timeout': { type: 'string', default: '120' },
    'tfjs-cpu-batch': { type: 'string', default: '2' },
    'tfjs-cpu-seconds': { type: 'string', default: '15' },
    'tfjs-cpu-models': { type: 'string', default: 'A-32' },
    'node-batches': { type: 'string' },
    'full-matrix': { type: 'boolean', default: false },
    'gemm-all': { type: 'boolean', default: false },
    'require-ours': { type: 'boolean', default: false },
    table: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    engines: { type: 'string' },
    'engine-models': { type: 'string' },
    repeats: { type: 'string' },
    'pick-samples': { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-malloc': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  process.stdout.write(`usage: node run-bench.mjs [options]
  --quick                 tiny smoke run: model A-32 at batch 2, one step everywhere (~1 minute)
  --build DIR             wasm build dir with bench-web/ and nn_bench_train_{st,mt}.js (default ${path.relative(process.cwd(), path.join(REPO, 'build-wasm')) || '.'})
  --native-build DIR      native build dir with nn_bench_train_native (default ../../../build-native)
  --models LIST           default A-32,B-64,B-180
  --batches LIST          default 32,8
  --node-batches LIST     batches for the Node/native runs of our engine (default: the first of --batches)
  --competing             also run (batch 32, --competing-models) while a busy-looping process holds one core
  --competing-models LIST default A-32,B-64
  --full-matrix           run B-180 in every configuration too (default: Chromium mt 1/2 threads, Node mt and native 2 threads)
  --require-ours          exit 1 unless every run of our engine (Chromium, Node, native) succeeded (CI smoke)
  --gemm-all              GEMM bench everywhere it is found, all kernels (default: wasm SIMD kernels in Chromium, else
                          Node; native --quick)
  --steps N               timed steps for our bench (default per model: A 12, B-64 6, B-180 2; x2 at batch <= 8)
  --engines LIST          browser engines for our engine: chromium,firefox,webkit (default: each one installed;
                          one that cannot run is said on stderr and recorded). TF.js runs in Chromium only
  --engine-models LIST    models compared across engines, at the first batch (default A-32,B-64); other
                          configurations (other batches, B-180, --competing) run in Chromium only
  --repeats N             runs of each engine-compared configuration, engines taking turns; medians (default 3,
                          --quick 1)
  --pick-samples N        fresh instances per engine that only report the startup GEMM kernel pick (default 5,
                          --quick 1)
  --skip LIST / --only LIST   parts: ${ALL_PARTS.join(',')} (ours-chromium: ours in every --engines browser)
  --tfjs-seconds S        minimum timed seconds per TF.js wasm inference run (default 3)
  --tfjs-train-timeout S  time limit of the TF.js wasm-backend training attempt (default 120 s)
  --tfjs-cpu-batch N      batch of the TF.js cpu-backend training runs (default 2)
  --tfjs-cpu-seconds S    time budget of a TF.js cpu-backend training run (default 15; steps go on while it lasts)
  --tfjs-cpu-models LIST  default A-32 (it trains at ~0.1 images/s; B models take minutes per step)
  --timeout-scale X       multiply every sub-run timeout
  --table FILE            only print the ratio table of a results file written by --out
  --verbose, -v           also show the browser's console messages (page and workers) on stderr
  --out FILE              also write the JSON records to FILE (JSON lines)
  --chromium PATH         default /usr/bin/chromium;  --python PATH  default /usr/bin/python3
  --torch-malloc LIST     allocator settings of the PyTorch process: tcmalloc (Debian's libtcmalloc-minimal4 via
                          LD_PRELOAD, memory kept), jemalloc (libjemalloc2, decay off), keep (glibc tunables: no
                          mmap, no trim), glibc (glibc's defaults: freed memory goes back to the kernel every step,
                          which on VMs with costly page faults cripples the rival). The first one is the rival of
                          the ratio table and runs everywhere; the others run at the first batch, idle only, and
                          are listed beside it. Default: tcmalloc if installed, else keep
`);
  process.exit(0);
}

const list = (s) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const quick = opt.quick;
let models = list(opt.models ?? (quick ? 'A-32' : 'A-32,B-64,B-180'));
let batches = list(opt.batches ?? (quick ? '2' : '32,8')).map(Number);
const nodeBatches = opt['node-batches'] ? list(opt['node-batches']).map(Number) : [batches[0]];
let competingModels = list(opt['competing-models'] ?? (quick ? 'A-32' : 'A-32,B-64')).filter((m) => models.includes(m));
const parts = new Set(opt.only ? list(opt.only) : ALL_PARTS);
for (const p of list(opt.skip)) parts.delete(p);
const timeoutScale = Number(opt['timeout-scale']) || 1;
// The browser engines: --engines, else all three (those not installed are recorded as such).
process.env.CHROMIUM = opt.chromium; // browsers.mjs's override
const enginesRequested = list(opt.engines ?? ENGINES.join(','));
for (const e of enginesRequested)
  if (!ENGINES.includes(e)) {
    console.error(`unknown engine ${e}; known: ${ENGINES}`);
    process.exit(2);
  }
let engines = []; // those that started
let engineModels = list(opt['engine-models'] ?? 'A-32,B-64').filter((m) => models.includes(m));
const repeats = Math.max(1, Number(opt.repeats ?? (quick ? 1 : 3)) || 1);
const pickSamples = Math.max(0, Number(opt['pick-samples'] ?? (quick ? 1 : 5)) || 0);
const buildDir = path.resolve(opt.build);
const nativeDir = path.resolve(opt['native-build']);
const tfjsSeconds = quick ? 0 : Number(opt['tfjs-seconds']);
const tfjsCpuBatch = quick ? Math.min(2, batches[0]) : Number(opt['tfjs-cpu-batch']);
const tfjsCpuSeconds = quick ? 0 : Number(opt['tfjs-cpu-seconds']);
const tfjsCpuModels = list(opt['tfjs-cpu-models']);
for (const m of models)
  if (!MODEL_FILES[m]) {
    console.error(`unknown model ${m}; known: ${Object.keys(MODEL_FILES)}`);
    process.exit(2);
  }

// The PyTorch rival's allocator. On the VMs this bench runs on, every freshly touched 4 KiB page
// costs microseconds (12-20 us measured for issue #13, ~3 us at a later run's load); glibc's defaults give PyTorch's large freed blocks back to the kernel after every
// step, so a B-180 training step took ~860,000 minor faults (most of its time). The fair rival keeps
// its memory; torch-bench.py records the faults per step (minflt_per_step) either way.
const MULTIARCH_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
const findLib = (name) => MULTIARCH_DIRS.map((d) => path.join(d, name)).find((f) => existsSync(f)) ?? null;
const MALLOC_SETTINGS = {
  tcmalloc: () => {
    const lib = findLib('libtcmalloc_minimal.so.4');
    return lib && { LD_PRELOAD: lib, TCMALLOC_RELEASE_RATE: '0' };
  },
  jemalloc: () => {
    const lib = findLib('libjemalloc.so.2');
    return lib && { LD_PRELOAD: lib, MALLOC_CONF: 'dirty_decay_ms:-1,muzzy_decay_ms:-1' };
  },
  keep: () => ({ GLIBC_TUNABLES: 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776' }),
  glibc: () => ({}),
};
const MALLOC_PACKAGES = { tcmalloc: 'libtcmalloc-minimal4', jemalloc: 'libjemalloc2' };
let torchMallocs = list(opt['torch-malloc'] ?? (MALLOC_SETTINGS.tcmalloc() ? 'tcmalloc' : 'keep'));
for (const m of torchMallocs)
  if (!MALLOC_SETTINGS[m]) {
    console.error(`unknown --torch-malloc ${m}; known: ${Object.keys(MALLOC_SETTINGS)}`);
    process.exit(2);
  }
let torchRival = torchMallocs[0];

function stepsFor(model, batch) {
  if (quick) return 1;
  if (opt.steps) return Number(opt.steps);
  // About 2-4 s of timed steps per measurement: with 3 steps (0.5 s) model A's 1-thread rate in
  // Chromium moved by +-25% between runs on the shared 2-core machine.
  const base = model.startsWith('A') ? 12 : model === 'B-64' ? 6 : 2;
  return batch <= 8 && model !== 'B-180' ? base * 2 : base;
}
// B-180 is ~8x B-64's work: unless --full-matrix, it runs only the configurations the issue's
// targets need (our mt build with 1 and 2 threads in Chromium) plus Node and native with 2 threads.
const heavy = (model) => model === 'B-180' && !opt['full-matrix'];
// Generous per-run timeouts for today's kernels (a run is warm-up + steps, train and infer).
function timeoutFor(model, batch) {
  const base = model.startsWith('A') ? 120 : model === 'B-64' ? 240 : 600;
  return Math.round(base * Math.max(batch / 32, 0.25) * timeoutScale * 1e3) + 20e3;
}

// ---------------------------------------------------------------------------------------------
// Records

const records = [];
let tags = {}; // merged into every record (e.g. competing: true)
const t0 = Date.now();
if (opt.out && !opt.table) writeFileSync(opt.out, '');

function emit(rec) {
  const r = { ...rec, competing: !!tags.competing };
  // This machine may be shared: the 1-minute load average says how much to trust a number.
  if (r.bench === 'train-step' && !r.error) r.load1 = +os.loadavg()[0].toFixed(2);
  records.push(r);
  const line = JSON.stringify(r);
  process.stdout.write(line + '\n');
  if (opt.out) appendFileSync(opt.out, line + '\n');
}
function progress(msg) {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1e3).toFixed(0).padStart(4)} s] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Static server with cross-origin isolation (COOP/COEP), for SharedArrayBuffer and wasm threads.

const TFJS = path.join(HERE, 'node_modules/@tensorflow');
const TFJS_FILES = {
  'tf-core.min.js': 'tfjs-core/dist/tf-core.min.js',
  'tf-layers.min.js': 'tfjs-layers/dist/tf-layers.min.js',
  'tf-backend-cpu.min.js': 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js',
  'tf-backend-wasm.min.js': 'tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
  'tfjs-backend-wasm.wasm': 'tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm': 'tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm': 'tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
};
const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

function resolveUrl(pathname) {
  const inside = (root, rel) => {
    const file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    return file.startsWith(path.resolve(root) + path.sep) ? file : null;
  };
  if (pathname === '/' || pathname === '/index.html') return path.join(HERE, 'page/index.html');
  if (pathname.startsWith('/page/')) return inside(path.join(HERE, 'page'), pathname.slice('/page/'.length));
  if (pathname.startsWith('/bench-web/'))
    return inside(path.join(buildDir, 'bench-web'), pathname.slice('/bench-web/'.length));
  if (pathname.startsWith('/tfjs/')) {
    const rel = TFJS_FILES[pathname.slice('/tfjs/'.length)];
    return rel ? path.join(TFJS, rel) : null;
  }
  return null;
}

function startServer() {
  const server = http.createServer((req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const file = resolveUrl(new URL(req.url, 'http://x').pathname);
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// Child processes: Node/native/Python benches, with a timeout; JSON lines become records.

// env: added to ours; fullEnv: the child's whole environment instead.
function runProcess(label, cmd, args, { timeoutMs, base = {}, env, fullEnv, cwd } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: fullEnv ?? { ...process.env, ...env }, cwd });
    } catch (e) {
      emit({ ...base, error: `${label}: cannot start: ${e.message}` });
      resolve(false);
      return;
    }
    let outBuf = '';
    let errTail = '';
    let got = 0;
    let timedOut = false;
    const onOut = (chunk) => {
      outBuf += chunk;
      let nl;
      while ((nl = outBuf.indexOf('\n')) >= 0) {
        const line = outBuf.slice(0, nl).trim();
        outBuf = outBuf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          emit({ ...JSON.parse(line), ...tagsFor(base) });
          got++;
        } catch {
          /* not JSON */
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onOut);
    child.stderr.setEncoding('utf8').on('data', (c) => {
      errTail = (errTail + c).slice(-2000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      errTail += `\n${e.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      onOut('\n');
      const secs = ((Date.now() - started) / 1e3).toFixed(1);
      if (timedOut)
        emit({ ...base, error: `${label}: timeout after ${Math.round(timeoutMs / 1e3)} s (${got} records before)` });
      else if (code !== 0) {
        const msg = errTail.trim().split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 400);
        emit({ ...base, error: `${label}: exit ${code ?? signal}${msg ? `: ${msg}` : ''}` });
      } else if (got === 0) emit({ ...base, error: `${label}: no JSON records in its output` });
      progress(`  ${label}: ${timedOut ? 'TIMEOUT' : code === 0 ? 'ok' : `exit ${code ?? signal}`} in ${secs} s`);
      resolve(code === 0 && !timedOut);
    });
  });
}
// Keys of the run description that a bench's own records lack (e.g. tag for torch runs).
function tagsFor(base) {
  return base.host ? { host: base.host } : {};
}

// ---------------------------------------------------------------------------------------------
// Browsers: every engine through the package's runner (web/convnet-wasm/tests/browsers.mjs:
// Chromium via playwright-core, Firefox ESR via puppeteer-core over WebDriver BiDi, WebKitGTK via
// WebKitWebDriver on Xvfb), all open at once so that configurations can alternate between them.

let server = null;
let origin = null;
// engine -> {browser, page, version, info, threads: true | 'reason they are unavailable'}
const sessions = new Map();

// Why an engine cannot run here (null: it can), from its executables alone.
function engineMissing(engine) {
  const onPath = (name) =>
    (process.env.PATH ?? '').split(':').some((d) => d && exists(path.join(d, name))) || exists(name);
  if (engine === 'chromium')
    return exists(process.env.CHROMIUM) ? null : `${process.env.CHROMIUM} not found (apt-get install -y chromium)`;
  if (engine === 'firefox') {
    const ff = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
    return exists(ff) ? null : `${ff} not found (apt-get install -y firefox-esr)`;
  }
  if (engine === 'webkit') {
    const mb = process.env.WEBKIT_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
    const missing = [
      !exists(mb) && mb,
      !onPath(process.env.WEBKIT_WEBDRIVER ?? 'WebKitWebDriver') && 'WebKitWebDriver',
      !onPath('Xvfb') && 'Xvfb',
    ].filter(Boolean);
    return missing.length ? `${missing.join(', ')} not found (apt-get install -y webkit2gtk-driver xvfb)` : null;
  }
  return `unknown engine ${engine}`;
}

async function openPage(engine) {
  let s = sessions.get(engine);
  if (!s) sessions.set(engine, (s = { engine, browser: null, page: null }));
  if (s.page) {
    await s.page.close().catch(() => {});
    s.page = null;
  }
  if (!s.browser) {
    s.browser = await launchBrowser(engine);
    s.version = s.browser.version; // 'Chromium 156.0...', 'Firefox 153.8.0', 'WebKitGTK 2.50.1'
  }
  try {
    s.page = await s.browser.newPage();
  } catch (e) {
    // The browser is gone (crashed, or its driver died): start it again.
    progress(`  ${engine}: new page failed (${e.message.split('\n')[0]}); relaunching`);
    await s.browser.close().catch(() => {});
    s.browser = await launchBrowser(engine);
    s.version = s.browser.version;
    s.page = await s.browser.newPage();
  }
  s.seenConsole = 0;
  await s.page.goto(`${origin}/`);
  await s.page.waitFor(() => document.body.dataset.ready === '1', { timeout: 30e3 });
  return s;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs one job of page/page.js in `engine` and streams its records (tagged with the browser).
// A job whose wasm instance has not finished loading after `loadLimitMs` is cancelled and run
// again in a fresh worker (at most twice), with a `load-hang` record: Firefox sometimes never
// finishes loading the pthreads build's pool workers (issue #14; the record counts how often).
async function browserJob(engine, label, kind, spec, timeoutMs, base, extra = {}) {
  const s = sessions.get(engine);
  const tag = { host: engine, browser: engine, browser_version: s?.version ?? null, ...extra };
  if (!s?.page) {
    emit({ ...base, ...tag, error: `${label}: no ${engine} page${s?.error ? ` (${s.error})` : ''}` });
    return false;
  }
  const started = Date.now();
  const before = records.length;
  const loadLimitMs = (quick ? 15e3 : 30e3) * timeoutScale;
  let result = null;
  for (let attempt = 1; !result; attempt++) {
    try {
      const t1 = Date.now();
      const id = await s.page.evaluate(([k, sp, t]) => globalThis.startJob(k, sp, t), [kind, spec, timeoutMs]);
      const deadline = t1 + timeoutMs + 30e3;
      for (;;) {
        await sleep(quick ? 200 : 500);
        const r = await s.page.evaluate((i) => globalThis.pollJob(i), id);
        for (const line of r.logs) if (!/^\s*$/.test(line)) progress(`    ${String(line).slice(0, 300)}`);
        // The bench's breakdown and per-layer records lack the batch: add the job's.
        for (const rec of r.records)
          emit({ ...rec, ...(rec.batch === undefined && base.batch ? { batch: base.batch } : {}), ...tag });
        if (r.done) {
          result = r.result;
          break;
        }
        const loading = kind === 'ours' && ['worker started', 'imported'].includes(r.stage);
        if (loading && Date.now() - t1 > loadLimitMs && attempt <= 2) {
          const why = `wasm instance still loading after ${Math.round(loadLimitMs / 1e3)} s (stage: ${r.stage})`;
          await s.page.evaluate(([i, w]) => globalThis.cancelJob(i, w), [id, why]);
          emit({
            bench: 'load-hang',
            runtime: base.runtime,
            model: base.model,
            threads: base.threads,
            ...tag,
            attempt,
            error: `${label}: ${why}; retrying`,
          });
          progress(`  ${label}: ${why}; cancelled, retrying (${attempt})`);
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`page did not end the job within ${Math.round(timeoutMs / 1e3) + 30} s`);
      }
    } catch (e) {
      result = { ok: false, error: `page: ${String(e.message).split('\n')[0]}` };
      try {
        await openPage(engine);
      } catch (e2) {
        progress(`  ${engine}: cannot reopen page: ${e2.message}`);
        s.page = null;
        s.error = e2.message.split('\n')[0];
      }
    }
  }
  if (opt.verbose && !result.ok && s.browser?.processLog?.length) {
    // Firefox: console messages of pages and workers go to its stdout (BiDi misses the workers').
    const tail = s.browser.processLog.slice(-8).map((l) => l.slice(0, 200));
    progress(`  ${engine} process log, last lines:\n      ${tail.join('\n      ')}`);
  }
  if (opt.verbose && s.page) {
    for (const l of s.page.console.slice(s.seenConsole ?? 0)) progress(`    ${engine} console ${l}`);
    s.seenConsole = s.page.console.length;
  }
  const got = records.length - before;
  if (!result.ok) emit({ ...base, ...tag, error: `${label}: ${result.error}` });
  else if (kind === 'ours' && (result.rcs ?? []).some((rc) => rc !== 0)) {
    result.ok = false;
    emit({ ...base, ...tag, error: `${label}: main returned ${result.rcs}${result.tail ? `: ${result.tail}` : ''}` });
  } else if (got === 0) {
    result.ok = false;
    emit({ ...base, ...tag, error: `${label}: no records` });
  }
  progress(`  ${label}: ${result.ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1e3).toFixed(1)} s`);
  return result.ok;
}

// ---------------------------------------------------------------------------------------------
// The runs

const exists = (f) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

function oursArgs(model, batch, threads, { breakdown = true } = {}) {
  const args = [
    '--name',
    model,
    '--batch',
    String(batch),
    '--threads',
    String(threads),
    '--steps',
    String(stepsFor(model, batch)),
  ];
  if (!breakdown) args.push('--no-breakdown');
  return args;
}

// Our bench_{mt,st}.js in every engine of `engineList`: for each build and thread count, the
// engines take turns (repeat 1 in each engine, then repeat 2, ...), so a burst of load on this
// shared machine hits them alike; the table takes each configuration's median over the repeats.
async function runOursBrowsers(
  model,
  batch,
  threadsList,
  { variants = ['mt', 'st'], engineList = engines, reps = 1 } = {},
) {
  for (const variant of variants) {
    const file = path.join(buildDir, 'bench-web', `bench_${variant}.js`);
    for (const threads of variant === 'st' ? [1] : threadsList) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const engine of engineList) {
          const runtime = `wasm-${engine}-${variant}`;
          const base = { bench: 'train-step', runtime, host: engine, model, batch, threads };
          const extra = reps > 1 ? { rep } : {};
          const label = `ours ${runtime} ${threads}t ${model} b${batch}${reps > 1 ? ` rep ${rep}/${reps}` : ''}`;
          const s = sessions.get(engine);
          if (!exists(file)) {
            if (rep === 1)
              emit({
                ...base,
                browser: engine,
                error: `${label}: ${file} not found (build target nn_bench_web_${variant})`,
              });
            continue;
          }
          if (variant === 'mt' && s?.threads !== true) {
            // Recorded once per configuration, with the reason (e.g. WebKitGTK: no SharedArrayBuffer).
            if (rep === 1) {
              const why = s?.threads ?? s?.error ?? 'browser not running';
              emit({
                ...base,
                browser: engine,
                browser_version: s?.version ?? null,
                unavailable: true,
                error: `threads unavailable in ${engine}: ${why}`,
              });
              progress(`${label}: skipped, threads unavailable (${why})`);
            }
            continue;
          }
          progress(label);
          const fixture = ['--model', `/fixtures/${MODEL_FILES[model]}`, '--name', model];
          const args = [...fixture, ...oursArgs(model, batch, threads).slice(2)];
          // Warm-up run in the same instance (records dropped), then the measured run.
          const warmup = [
            ...fixture,
            '--batch',
            String(Math.min(batch, 2)),
            '--threads',
            String(threads),
            '--steps',
            '1',
            '--no-breakdown',
          ];
          await browserJob(
            engine,
            label,
            'ours',
            { module: `bench_${variant}.js`, runtime, runs: quick ? [args] : [warmup, args], discard: quick ? 0 : 1 },
            timeoutFor(model, batch) * (engine === 'chromium' ? 1 : 2),
            base,
            extra,
          );
        }
      }
    }
  }
}

async function runTfjsWasmInfer(model, batch, threadsList) {
  for (const threads of threadsList) {
    const base = {
      bench: 'train-step',
      runtime: 'tfjs-wasm-chromium',
      host: 'chromium',
      model,
      batch,
      threads,
      mode: 'infer',
    };
    const label = `tfjs wasm infer ${threads}t ${model} b${batch}`;
    progress(label);
    await browserJob(
      'chromium',
      label,
      'tfjs',
      {
        backend: 'wasm',
        threads,
        model,
        batch,
        mode: 'infer',
        minSteps: quick ? 1 : 2,
        minSeconds: tfjsSeconds,
        maxSteps: quick ? 1 : 200,
      },
      timeoutFor(model, batch),
      base,
    );
  }
}

async function runTfjsTrain(backend, model, batch, threads) {
  const base = {
    bench: 'train-step',
    runtime: `tfjs-${backend}-chromium`,
    host: 'chromium',
    model,
    batch,
    threads,
    mode: 'train',
  };
  const label = `tfjs ${backend} train ${threads}t ${model} b${batch}`;
  progress(label);
  const seconds = backend === 'cpu' ? tfjsCpuSeconds : tfjsSeconds;
  // The cpu backend needs seconds per image: its first step is timed too (no warm-up; the JS JIT and
  // optimizer setup are noise at that speed), then more steps while the time budget lasts.
  await browserJob(
    'chromium',
    label,
    'tfjs',
    {
      backend,
      threads: backend === 'wasm' ? threads : null,
      model,
      batch,
      mode: 'train',
      minSteps: 1,
      minSeconds: seconds,
      maxSteps: quick ? 1 : 100,
      warmup: backend !== 'cpu',
    },
    // cpu: warm-up step + at least one step + budget; a B model step can take minutes
    backend === 'cpu'
      ? Math.round(seconds * 1e3 * timeoutScale + timeoutFor(model, batch) * 2)
      : Math.round(Number(opt['tfjs-train-timeout']) * 1e3 * timeoutScale),
    base,
  );
}

async function runOursNode(model, batch, threadsList, variants = ['mt', 'st']) {
  for (const variant of variants) {
    const file = path.join(buildDir, `nn_bench_train_${variant}.js`);
    for (const threads of variant === 'st' ? [1] : threadsList) {
      const base = { bench: 'train-step', runtime: `wasm-node-${variant}`, model, batch, threads };
      const label = `ours wasm-node-${variant} ${threads}t ${model} b${batch}`;
      if (!exists(file)) {
        emit({ ...base, error: `${label}: ${file} not found (build target nn_bench_train_${variant})` });
        continue;
      }
      progress(label);
      await runProcess(
        label,
        process.execPath,
        [
          '--no-experimental-fetch',
          file,
          '--model',
          path.join(FIXTURES, MODEL_FILES[model]),
          ...oursArgs(model, batch, threads),
        ],
        { timeoutMs: timeoutFor(model, batch), base },
      );
    }
  }
}

async function runOursNative(model, batch, threadsList) {
  const file = path.join(nativeDir, 'nn_bench_train_native');
  for (const threads of threadsList) {
    const base = { bench: 'train-step', runtime: 'native', model, batch, threads };
    const label = `ours native ${threads}t ${model} b${batch}`;
    if (!exists(file)) {
      emit({ ...base, error: `${label}: ${file} not found (native build, target nn_bench_train_native)` });
      continue;
    }
    progress(label);
    await runProcess(
      label,
      file,
      ['--model', path.join(FIXTURES, MODEL_FILES[model]), ...oursArgs(model, batch, threads)],
      { timeoutMs: timeoutFor(model, batch), base },
    );
  }
}

let torchAvailable = null;
async function runTorch(model, batch, threadsList, malloc = torchRival) {
  const base = { bench: 'train-step', runtime: 'pytorch-native', model, batch, malloc };
  if (torchAvailable === null) {
    const r = spawnSync(opt.python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60e3,
    });
    torchAvailable = r.status === 0 ? r.stdout.trim() : false;
    if (!torchAvailable) {
      emit({
        ...base,
        model: undefined,
        batch: undefined,
        error: `pytorch skipped: ${opt.python} cannot import torch (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); apt-get install python3-torch`,
      });
    }
  }
  if (!torchAvailable) return;
  const label = `pytorch ${threadsList.join('/')}t ${model} b${batch} malloc=${malloc}`;
  const mallocEnv = MALLOC_SETTINGS[malloc]();
  if (!mallocEnv) {
    emit({ ...base, error: `${label}: ${malloc} not found (apt-get install ${MALLOC_PACKAGES[malloc]})` });
    return;
  }
  progress(label);
  // A setting starts from our environment without any allocator variables: none leak in from ours.
  const fullEnv = { ...process.env };
  for (const k of ['LD_PRELOAD', 'GLIBC_TUNABLES', 'TCMALLOC_RELEASE_RATE', 'MALLOC_CONF']) delete fullEnv[k];
  Object.assign(fullEnv, mallocEnv);
  const args = [
    TORCH_SCRIPT,
    '--models',
    model,
    '--batch',
    String(batch),
    '--threads',
    threadsList.join(','),
    '--malloc',
    malloc,
  ];
  if (quick) args.push('--min-steps', '1', '--min-seconds', '0', '--max-steps', '1');
  else if (model === 'B-180') args.push('--min-steps', '2', '--min-seconds', '0');
  if (tags.competing) args.push('--tag', 'competing');
  // glibc's defaults make B-180 training ~10x slower here: give that setting the time it needs.
  const slow = malloc === 'glibc' ? 4 : 1;
  await runProcess(label, opt.python, args, {
    timeoutMs: timeoutFor(model, batch) * threadsList.length * slow,
    base,
    fullEnv,
  });
}

// Our f32 GEMM microkernel bench (wasm-tests/bench/f32-gemm-bench.cpp): single-thread GFLOP/s of every
// kernel on the seed models' conv shapes. Looked for under several names: in Chromium (an ES6 module in
// <build>/bench-web built like bench_st.js, shapes embedded), under Node (<build>/*.js) and natively.
const GEMM_NAME = /^(nn_)?(f32[-_]gemm[-_]bench|bench[-_](f32[-_])?gemm)([-_][a-z0-9]+)?$/;
function findGemmBenches() {
  const found = [];
  const scan = (dir, kind, pred) => {
    try {
      for (const f of readdirSync(dir).sort())
        if (pred(f) && exists(path.join(dir, f))) found.push({ kind, file: path.join(dir, f) });
    } catch {
      /* no dir */
    }
  };
  const js = (f) => f.endsWith('.js') && !f.endsWith('.worker.js') && GEMM_NAME.test(f.slice(0, -3));
  scan(path.join(buildDir, 'bench-web'), 'browser', js);
  scan(buildDir, 'node', js);
  scan(nativeDir, 'native', (f) => GEMM_NAME.test(f));
  return found;
}

async function runGemm() {
  const benches = findGemmBenches();
  if (benches.length === 0) {
    emit({
      bench: 'f32-gemm',
      error: `no f32-gemm bench found (looked for f32-gemm-bench*.js in ${path.join(buildDir, 'bench-web')} and ${buildDir}, and f32-gemm-bench in ${nativeDir})`,
    });
    return;
  }
  const shapes = path.join(REPO, 'wasm-tests/bench/models/seed-models-gemm.txt');
  const timeoutMs = (quick ? 120e3 : 300e3) * timeoutScale;
  // The wasm kernels' peak is what the training ratio needs: in the browsers when that build
  // exists (else Node), SIMD kernels only (--kernel wasmsimd); natively a --quick pass, for reference.
  const live = engines.filter((e) => sessions.get(e)?.page);
  const haveBrowser = benches.some((b) => b.kind === 'browser') && live.length > 0;
  for (const { kind, file } of benches) {
    const name = path.basename(file);
    if (kind === 'node' && haveBrowser && !opt['gemm-all']) continue;
    const mt = /(^|[-_])mt(\.js)?$/.test(name.replace(/\.js$/, '')) || /_mt\.js$/.test(name);
    const base = { bench: 'f32-gemm', file: name };
    if (kind === 'browser') {
      // Every wasm SIMD kernel in every engine, so a tile that one engine's code generator handles
      // badly shows up beside the others (and beside the tile the startup timing picked there).
      for (const engine of engines) {
        const runtime = `wasm-${engine}-${mt ? 'mt' : 'st'}`;
        const label = `gemm ${engine} ${name}`;
        progress(label);
        await browserJob(
          engine,
          label,
          'ours',
          { module: name, runtime, runs: [[...(quick ? ['--quick'] : []), '--kernel', 'wasmsimd']] },
          timeoutMs * (engine === 'chromium' ? 1 : 2),
          { ...base, runtime },
        );
      }
      // The startup pick again in fresh instances (the timing takes ~60 ms; a filter that
      // matches no kernel makes the bench print only its config), engines taking turns.
      for (let i = 1; i <= pickSamples; i++) {
        for (const engine of engines) {
          const runtime = `wasm-${engine}-${mt ? 'mt' : 'st'}`;
          await browserJob(
            engine,
            `gemm pick ${engine} ${i}/${pickSamples}`,
            'ours',
            { module: name, runtime, runs: [['--quick', '--kernel', 'pick-only: no kernel has this name']] },
            60e3 * timeoutScale,
            { ...base, runtime },
            { pick_sample: i },
          );
        }
      }
    } else {
      const label = `gemm ${kind} ${name}`;
      progress(label);
      const args = [
        ...(exists(shapes) ? ['--shapes', shapes] : []),
        ...(quick || (kind === 'native' && !opt['gemm-all']) ? ['--quick'] : []),
        ...(kind === 'node' && !opt['gemm-all'] ? ['--kernel', 'wasmsimd'] : []),
      ];
      await runProcess(
        label,
        kind === 'node' ? process.execPath : file,
        kind === 'node' ? ['--no-experimental-fetch', file, ...args] : args,
        {
          timeoutMs,
          base: { ...base, runtime: kind === 'node' ? `wasm-node-${mt ? 'mt' : 'st'}` : 'native' },
          cwd: REPO,
        },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ratio table

const ok = (r) => r && !r.error && r.bench === 'train-step' && Number.isFinite(r.images_per_second);
function find(q) {
  // One or two matching records: the last wins (one per configuration and phase, as before);
  // three or more (--repeats): the median run.
  // malloc: records written before it existed match any setting.
  const hits = records.filter(
    (r) =>
      ok(r) &&
      Object.entries(q).every(([k, v]) =>
        k === 'competing'
          ? !!r.competing === v
          : k === 'malloc'
            ? r.malloc === undefined || r.malloc === v
            : r[k] === v,
      ),
  );
  if (hits.length <= 2) return hits.at(-1) ?? null;
  // (the lower middle for an even count)
  const sorted = [...hits].sort((a, b) => a.images_per_second - b.images_per_second);
  return sorted[(sorted.length - 1) >> 1];
}
function gemmPeak() {
  const recs = records.filter((r) => r.bench === 'f32-gemm' && !r.error && Number.isFinite(r.gflops));
  const order = ['wasm-chromium', 'wasm-node-mt', 'wasm-node-st', 'wasm-node', 'native'];
  const single = recs.filter((r) => r.threads === undefined || r.threads === 1);
  for (const rt of order) {
    const hits = single.filter((r) => String(r.runtime ?? '').startsWith(rt));
    if (hits.length) return hits.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  }
  return single.length ? single.reduce((a, b) => (b.gflops > a.gflops ? b : a)) : null;
}

function ratioRows() {
  const rows = [];
  // Rows with a target are always listed (n/a when a side is missing); PASS/FAIL at batch 32, the
  // issue's batch, "info" at others. Rows without a target are listed only when both sides exist.
  const add = (
    name,
    batch,
    num,
    den,
    target,
    { field = 'images_per_second', numLabel, denLabel, min = true, detail, issue = 4 } = {},
  ) => {
    const a = num?.[field];
    const b = den?.[field];
    const value = Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null;
    if (target === null && value === null) return;
    let mark = '';
    if (target !== null)
      mark =
        value === null ? 'n/a' : batch !== 32 ? 'info' : (min ? value >= target : value <= target) ? 'PASS' : 'FAIL';
    rows.push({
      name,
      batch,
      value,
      target: target === null ? '' : `${min ? '>=' : '<='}${target} #${issue}`,
      mark,
      detail: detail ?? `${numLabel}: ${fmt(a)} / ${denLabel}: ${fmt(b)}`,
    });
  };
  const q = (runtime, model, batch, threads, mode, competing = false) =>
    find({
      runtime,
      model,
      batch,
      threads,
      mode,
      competing,
      ...(runtime === 'pytorch-native' ? { malloc: torchRival } : {}),
    });
  const W = 'wasm-chromium-mt';
  const T = 'tfjs-wasm-chromium';
  for (const batch of batches) {
    const main = batch === batches[0];
    for (const m of models) {
      const tf1 = q(T, m, batch, 1, 'infer');
      add(`infer ${m}: ours 1t / tfjs-wasm 1t`, batch, q(W, m, batch, 1, 'infer'), tf1, 1.0, {
        numLabel: 'ours',
        denLabel: 'tfjs',
      });
      add(`infer ${m}: ours 2t / tfjs-wasm 1t (its 2-core default)`, batch, q(W, m, batch, 2, 'infer'), tf1, 1.8, {
        numLabel: 'ours',
        denLabel: 'tfjs',
      });
      const tf2 = q(T, m, batch, 2, 'infer');
      add(
        `infer ${m}: ours 2t / tfjs-wasm setThreadsCount(2) (got ${tf2?.threads_reported ?? '?'})`,
        batch,
        q(W, m, batch, 2, 'infer'),
        tf2,
        null,
        { numLabel: 'ours', denLabel: 'tfjs' },
      );
    }
    const gemm = gemmPeak();
    add(
      `train A-32 1t GFLOP/s / GEMM 1t peak${gemm ? ` (${gemm.runtime}${gemm.kernel ? ` ${gemm.kernel.replace(/^nn_f32_gemm_/, '')}` : ''})` : ''}`,
      batch,
      q(W, 'A-32', batch, 1, 'train'),
      gemm,
      0.75,
      { field: 'gflops', numLabel: 'ours GFLOP/s', denLabel: 'gemm' },
    );
    for (const m of models) {
      add(`train ${m}: ours 2t / ours 1t`, batch, q(W, m, batch, 2, 'train'), q(W, m, batch, 1, 'train'), 1.7, {
        numLabel: '2t',
        denLabel: '1t',
      });
    }
    for (const t of [1, 2]) {
      for (const m of ['B-180', 'A-32'].filter((x) => models.includes(x))) {
        add(
          `train ${m} ${t}t: ours / pytorch (${torchRival})`,
          batch,
          q(W, m, batch, t, 'train'),
          q('pytorch-native', m, batch, t, 'train'),
          m === 'B-180' ? 1.0 : 0.3,
          { numLabel: 'ours', denLabel: 'torch' },
        );
      }
    }
    if (models.includes('B-180')) {
      const r = q(W, 'B-180', batch, 1, 'train') ?? q(W, 'B-180', batch, 2, 'train');
      const gib = r && Number.isFinite(r.heap_bytes) ? r.heap_bytes / 2 ** 30 : null;
      add('train B-180: wasm heap GiB (Chromium)', batch, { v: gib }, { v: 1 }, 2.0, {
        field: 'v',
        min: false,
        detail: gib === null ? 'heap: n/a' : `heap_bytes ${r.heap_bytes} (engine_bytes ${r.engine_bytes})`,
      });
    }
    // Issue #13's targets (model B at model A's efficiency, scaling, the fair PyTorch rival).
    for (const m of models.filter((x) => x.startsWith('B'))) {
      add(`train ${m} 1t GFLOP/s / GEMM 1t peak`, batch, q(W, m, batch, 1, 'train'), gemm, 0.8, {
        field: 'gflops',
        numLabel: 'ours GFLOP/s',
        denLabel: 'gemm',
        issue: 13,
      });
    }
    for (const t of [1, 2]) {
      for (const m of models) {
        add(
          `train ${m} ${t}t: ours / pytorch (${torchRival})`,
          batch,
          q(W, m, batch, t, 'train'),
          q('pytorch-native', m, batch, t, 'train'),
          0.5,
          { numLabel: 'ours', denLabel: 'torch', issue: 13 },
        );
      }
    }
    for (const m of models) {
      add(`train ${m}: ours 2t / ours 1t`, batch, q(W, m, batch, 2, 'train'), q(W, m, batch, 1, 'train'), 1.8, {
        numLabel: '2t',
        denLabel: '1t',
        issue: 13,
      });
    }
    for (const m of models) {
      add(`infer ${m}: ours 1t / tfjs-wasm 1t`, batch, q(W, m, batch, 1, 'infer'), q(T, m, batch, 1, 'infer'), 1.4, {
        numLabel: 'ours',
        denLabel: 'tfjs',
        issue: 13,
      });
    }
    if (opt.competing && batch === (batches.includes(32) ? 32 : batches[0])) {
      for (const m of competingModels) {
        add(
          `busy core, ${m} train: ours 2t busy / ours 1t busy`,
          batch,
          q(W, m, batch, 2, 'train', true),
          q(W, m, batch, 1, 'train', true),
          1.0,
          { numLabel: '2t', denLabel: '1t', issue: 13 },
        );
      }
    }
    // Information only.
    for (const m of models) {
      add(`infer ${m}: ours 2t / ours 1t`, batch, q(W, m, batch, 2, 'infer'), q(W, m, batch, 1, 'infer'), null, {
        numLabel: '2t',
        denLabel: '1t',
      });
    }
    if (!main) continue;
    for (const m of models) {
      for (const t of [1, 2])
        add(
          `infer ${m} ${t}t: ours / pytorch (${torchRival})`,
          batch,
          q(W, m, batch, t, 'infer'),
          q('pytorch-native', m, batch, t, 'infer'),
          null,
          { numLabel: 'ours', denLabel: 'torch' },
        );
    }
    for (const m of models) {
      add(
        `train ${m} 1t: ours st / ours mt (Chromium)`,
        batch,
        q('wasm-chromium-st', m, batch, 1, 'train'),
        q(W, m, batch, 1, 'train'),
        null,
        { numLabel: 'st', denLabel: 'mt' },
      );
      add(
        `train ${m} 2t: ours Node / ours Chromium`,
        batch,
        q('wasm-node-mt', m, batch, 2, 'train'),
        q(W, m, batch, 2, 'train'),
        null,
        { numLabel: 'node', denLabel: 'chromium' },
      );
      add(
        `train ${m} 2t: ours native / ours Chromium`,
        batch,
        q('native', m, batch, 2, 'train'),
        q(W, m, batch, 2, 'train'),
        null,
        { numLabel: 'native', denLabel: 'wasm' },
      );
      const cpu = records
        .filter(
          (r) => ok(r) && r.runtime === 'tfjs-cpu-chromium' && r.model === m && r.mode === 'train' && !r.competing,
        )
        .at(-1);
      add(`train ${m} 1t: ours / tfjs-cpu (its batch ${cpu?.batch})`, batch, q(W, m, batch, 1, 'train'), cpu, null, {
        numLabel: 'ours',
        denLabel: 'tfjs-cpu',
      });
    }
    if (opt.competing && batch === (batches.includes(32) ? 32 : batches[0])) {
      for (const m of competingModels) {
        add(
          `busy core, ${m} train: ours 2t busy / ours 2t idle`,
          batch,
          q(W, m, batch, 2, 'train', true),
          q(W, m, batch, 2, 'train'),
          null,
          { numLabel: 'busy', denLabel: 'idle' },
        );
        add(
          `busy core, ${m} train: torch 2t busy / torch 2t idle`,
          batch,
          q('pytorch-native', m, batch, 2, 'train', true),
          q('pytorch-native', m, batch, 2, 'train'),
          null,
          { numLabel: 'busy', denLabel: 'idle' },
        );
        add(
          `busy core, ${m} train 2t: ours / pytorch`,
          batch,
          q(W, m, batch, 2, 'train', true),
          q('pytorch-native', m, batch, 2, 'train', true),
          null,
          { numLabel: 'ours', denLabel: 'torch' },
        );
      }
    }
  }
  return rows;
}
function fmt(v) {
  if (!Number.isFinite(v)) return 'n/a';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

// ---------------------------------------------------------------------------------------------
// Engines side by side (issue #14): medians per engine, ratios to Chromium, the startup kernel
// picks against the measured candidates, and where the time goes per engine. Markdown on stdout;
// `bench: engine-ratio`, `kernel-candidate` and `kernel-pick` records when live (not --table).

const ENGINE_NAMES = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKitGTK' };
const medianOf = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return null;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};
const engineOf = (r) => /^wasm-(chromium|firefox|webkit)-(mt|st)$/.exec(r.runtime ?? '');
// The candidates kernel-config.cpp times at startup (kGemmNames, kTnNames) and their kernels.
const GEMM_CANDIDATES = {
  gemm: {
    '4x8 loadsplat_u2': 'nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat_u2',
    '4x8 loadsplat': 'nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat',
    '3x8 loadsplat_u2': 'nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2',
  },
  tn: {
    'tn 4x8 u2': 'nn_f32_gemm_tn_ukernel_4x8__wasmsimd_u2',
    'tn 4x8': 'nn_f32_gemm_tn_ukernel_4x8__wasmsimd',
    'tn 5x8': 'nn_f32_gemm_tn_ukernel_5x8__wasmsimd',
  },
};

function engineTables(live) {
  const out = [];
  const batch = batches[0];
  const runs = records.filter(
    (r) => ok(r) && !r.competing && r.batch === batch && engineModels.includes(r.model) && engineOf(r),
  );
  const present = ENGINES.filter((e) => records.some((r) => r.browser === e && (engineOf(r) || r.bench === 'browser')));
  if (!runs.length && !present.length) return out;
  const versionOf = (e) =>
    records.find((r) => r.browser === e && r.browser_version)?.browser_version ?? ENGINE_NAMES[e];
  const unavailable = (e, variant) =>
    records.find(
      (r) => r.browser === e && r.unavailable && (r.runtime === `wasm-${e}-${variant}` || r.bench === 'browser'),
    );
  const loads = runs.map((r) => r.load1).filter(Number.isFinite);
  out.push(
    '',
    `### Our engine per browser engine (batch ${batch}, images/s, median of ${repeatsOf()} interleaved runs; x = ratio to Chromium)`,
    '',
    `| model, mode | build, threads | ${present.map((e) => `${versionOf(e)} | x`).join(' | ')} |`,
    `| --- | --- | ${present.map(() => '---: | ---:').join(' | ')} |`,
  );
  for (const model of engineModels)
    for (const mode of ['train', 'infer'])
      for (const [variant, threads] of [
        ['mt', 1],
        ['mt', 2],
        ['st', 1],
      ]) {
        const med = {};
        for (const e of present) {
          const rs = runs.filter(
            (r) =>
              r.runtime === `wasm-${e}-${variant}` && r.model === model && r.mode === mode && r.threads === threads,
          );
          med[e] = rs.length ? { ips: medianOf(rs.map((r) => r.images_per_second)), n: rs.length, rs } : null;
        }
        const base = med.chromium?.ips;
        const cells = present.map((e) => {
          if (!med[e]) {
            const u = unavailable(e, variant);
            return `${u ? (variant === 'mt' && /threads unavailable/.test(u.error) ? 'no threads' : 'cannot run') : 'n/a'} | `;
          }
          const ratio = Number.isFinite(base) && base > 0 ? med[e].ips / base : null;
          if (live && e !== 'chromium' && ratio !== null)
            emit({
              bench: 'engine-ratio',
              browser: e,
              browser_version: versionOf(e),
              chromium_version: versionOf('chromium'),
              model,
              batch,
              mode,
              variant,
              threads,
              images_per_second: +med[e].ips.toFixed(2),
              chromium_images_per_second: +base.toFixed(2),
              ratio: +ratio.toFixed(3),
              runs: med[e].n,
              chromium_runs: med.chromium.n,
              ...(mode === 'train' ? { target: 0.8, meets: ratio >= 0.8 } : {}),
              load1: [Math.min(...med[e].rs.map((r) => r.load1)), Math.max(...med[e].rs.map((r) => r.load1))],
            });
          return `${fmt(med[e].ips)} | ${e === 'chromium' ? '' : ratio === null ? 'n/a' : ratio.toFixed(2)}`;
        });
        if (present.some((e) => med[e]))
          out.push(`| ${model} ${mode} | ${variant} ${threads}t | ${cells.join(' | ')} |`);
      }
  out.push(
    '',
    `Target (#14): train >= 0.8x Chromium. Load average (1 min) during these runs: ${
      loads.length ? `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}` : 'n/a'
    } on ${os.cpus().length} cpus${live ? '' : ' (from the records)'}.`,
  );

  // Where the time goes: the bench's phase counters (train-step-breakdown), st 1 thread (a build
  // every engine runs), median over the repeats, per model.
  const bd = records.filter(
    (r) =>
      r.bench === 'train-step-breakdown' &&
      !r.error &&
      !r.competing &&
      (r.batch === undefined || r.batch === batch) &&
      r.threads === 1 &&
      engineModels.includes(r.model) &&
      engineOf(r)?.[2] === 'st',
  );
  if (bd.length) {
    out.push(
      '',
      `### Training step by phase, st build 1 thread (ms per step, median; x = ratio to Chromium, > 1 is slower)`,
      '',
      `| model | phase | ${present.map((e) => `${ENGINE_NAMES[e]} | x`).join(' | ')} |`,
      `| --- | --- | ${present.map(() => '---: | ---:').join(' | ')} |`,
    );
    for (const model of engineModels) {
      const keys = [
        ...new Set(bd.filter((r) => r.model === model).flatMap((r) => Object.keys(r).filter((k) => k.endsWith('_ms')))),
      ];
      const med = (e, k) => medianOf(bd.filter((r) => r.model === model && r.browser === e).map((r) => r[k]));
      for (const k of keys) {
        const base = med('chromium', k);
        if (!(base >= 0.05) && !present.some((e) => med(e, k) >= 0.05)) continue; // skip counters that stay ~0
        const cells = present.map((e) => {
          const v = med(e, k);
          return `${v === null ? 'n/a' : v.toFixed(1)} | ${e === 'chromium' || !(base > 0) || v === null ? '' : (v / base).toFixed(2)}`;
        });
        out.push(`| ${model} | ${k.replace(/_ms$/, '')} | ${cells.join(' | ')} |`);
      }
    }
  }

  // The same by layer class (train-step-layer: forward + backward ms per step, summed over the
  // model's layers of that class; st build, so 1 thread): which ops an engine's code runs slower.
  const lay = records.filter(
    (r) =>
      r.bench === 'train-step-layer' &&
      !r.error &&
      !r.competing &&
      (r.batch === undefined || r.batch === batch) &&
      engineModels.includes(r.model) &&
      engineOf(r)?.[2] === 'st',
  );
  if (lay.length) {
    out.push(
      '',
      '### Training step by layer class, st build 1 thread (forward + backward ms per step, median; x = ratio to Chromium)',
      '',
      `| model | layer class | ${present.map((e) => `${ENGINE_NAMES[e]} | x`).join(' | ')} |`,
      `| --- | --- | ${present.map(() => '---: | ---:').join(' | ')} |`,
    );
    for (const model of engineModels) {
      const classes = [...new Set(lay.filter((r) => r.model === model).map((r) => r.class))];
      const med = (e, c) => {
        // One sum per run: records of one run share browser and rep.
        const sums = new Map();
        for (const r of lay.filter((x) => x.model === model && x.browser === e && x.class === c))
          sums.set(r.rep ?? 0, (sums.get(r.rep ?? 0) ?? 0) + r.forward_ms + r.backward_ms);
        return medianOf([...sums.values()]);
      };
      const rows = classes.map((c) => ({ c, base: med('chromium', c), v: present.map((e) => med(e, c)) }));
      rows.sort((a, b) => (b.base ?? 0) - (a.base ?? 0));
      for (const { c, base, v } of rows) {
        const cells = present.map((e, i) => {
          const x = v[i];
          return `${x === null ? 'n/a' : x.toFixed(1)} | ${e === 'chromium' || !(base > 0) || x === null ? '' : (x / base).toFixed(2)}`;
        });
        out.push(`| ${model} | ${c} | ${cells.join(' | ')} |`);
      }
    }
  }

  // The GEMM kernels: what the startup timing picked in each engine, against the same kernels
  // timed on the seed models' shapes in that engine (f32-gemm-kernel geomean GFLOP/s).
  const kern = records.filter((r) => r.bench === 'f32-gemm-kernel' && !r.error && r.browser);
  const cfgs = records.filter((r) => r.bench === 'f32-gemm-config' && !r.error && r.browser);
  if (kern.length || cfgs.length) {
    out.push(
      '',
      '### GEMM kernels per engine: startup picks vs the candidates timed on the seed shapes (geomean GFLOP/s, 1 thread)',
      '',
      '| engine | role | picked at startup (instances) | candidates, GFLOP/s | picked / fastest candidate | fastest wasmsimd kernel overall |',
      '| --- | --- | --- | --- | ---: | --- |',
    );
    for (const e of present) {
      const picks = { gemm: {}, tn: {} };
      let nPicks = 0;
      for (const c of cfgs.filter((r) => r.browser === e)) {
        const m = /^wasmsimd (.*?), (tn .*?)( \(timed at startup\))?$/.exec(c.config ?? '');
        if (!m) continue;
        nPicks++;
        picks.gemm[m[1]] = (picks.gemm[m[1]] ?? 0) + 1;
        picks.tn[m[2]] = (picks.tn[m[2]] ?? 0) + 1;
      }
      const geo = (kernel) =>
        medianOf(kern.filter((r) => r.browser === e && r.kernel === kernel).map((r) => r.geomean_gflops));
      for (const role of ['gemm', 'tn']) {
        const cand = Object.entries(GEMM_CANDIDATES[role]).map(([name, kernel]) => ({ name, kernel, g: geo(kernel) }));
        const timed = cand.filter((c) => c.g !== null);
        const fastest = timed.length ? timed.reduce((a, b) => (b.g > a.g ? b : a)) : null;
        const mostPicked = Object.entries(picks[role]).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
        const picked = cand.find((c) => c.name === mostPicked);
        const vs = picked?.g && fastest?.g ? picked.g / fastest.g : null;
        const isTn = (k) => /_tn_/.test(k);
        const all = kern.filter((r) => r.browser === e && isTn(r.kernel) === (role === 'tn'));
        const best = all.length ? all.reduce((a, b) => (b.geomean_gflops > a.geomean_gflops ? b : a)) : null;
        const short = (k) => k.replace(/^nn_f32_gemm_(tn_)?ukernel_/, role === 'tn' ? 'tn ' : '');
        if (live) {
          for (const c of cand)
            emit({
              bench: 'kernel-candidate',
              browser: e,
              browser_version: versionOf(e),
              role,
              candidate: c.name,
              kernel: c.kernel,
              geomean_gflops: c.g,
              vs_fastest: c.g && fastest?.g ? +(c.g / fastest.g).toFixed(3) : null,
              picked: picks[role][c.name] ?? 0,
              of: nPicks,
            });
          emit({
            bench: 'kernel-pick',
            browser: e,
            browser_version: versionOf(e),
            role,
            picks: picks[role],
            instances: nPicks,
            most_picked: mostPicked,
            fastest_candidate: fastest?.name ?? null,
            picked_vs_fastest: vs === null ? null : +vs.toFixed(3),
            // Within 3%: the geomean's own run-to-run noise on this machine.
            right: vs === null ? null : vs >= 0.97,
            fastest_kernel: best?.kernel ?? null,
            fastest_kernel_gflops: best?.geomean_gflops ?? null,
          });
        }
        const pickText = Object.entries(picks[role])
          .map(([k, n]) => `${k} (${n})`)
          .join(', ');
        out.push(
          `| ${ENGINE_NAMES[e]} | ${role} | ${pickText || 'n/a'} | ${
            cand.map((c) => `${c.name} ${c.g === null ? 'n/a' : c.g.toFixed(1)}`).join('; ') || 'n/a'
          } | ${vs === null ? 'n/a' : vs.toFixed(2)} | ${best ? `${short(best.kernel)} ${best.geomean_gflops.toFixed(1)}` : 'n/a'} |`,
        );
      }
    }
    out.push(
      '',
      'Depthwise kernels are not timed at startup: the wasm build has one SIMD set (f32-dwconv.inc, fixed at compile ' +
        'time); their per-engine cost is in the phase table (depthwise rows, in builds that count them) and the layer-class table (SeparableConv2D, DepthwiseConv2D).',
    );
    if (live)
      for (const e of present)
        emit({
          bench: 'kernel-pick',
          browser: e,
          browser_version: versionOf(e),
          role: 'dwconv',
          most_picked: 'wasmsimd',
          note: 'fixed at compile time (f32-dwconv.inc lists one SIMD set for wasm); not timed at startup',
        });
  }
  return out;
}
const repeatsOf = () => records.find((r) => r.bench === 'env')?.repeats ?? repeats;

function printTable() {
  const rows = ratioRows();
  const head = [
    'ratio (ours = our bench_mt.js in Chromium)',
    'batch',
    'value',
    'target',
    'mark',
    'from (images/s unless said)',
  ];
  const cells = rows.map((r) => [
    r.name,
    String(r.batch),
    r.value === null ? 'n/a' : r.value.toFixed(3),
    r.target,
    r.mark,
    r.detail,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((x, i) => (i === 1 || i === 2 ? x.padStart(widths[i]) : x.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = ['', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  // The PyTorch rival under each allocator setting, with its minor page faults per timed step.
  const torch = records.filter((r) => ok(r) && r.runtime === 'pytorch-native');
  if (torch.length) {
    const byKey = new Map(
      torch.map((r) => [`${r.malloc}|${r.model}|${r.batch}|${r.threads}|${r.mode}|${!!r.competing}`, r]),
    );
    const rival = (r) => byKey.get(`${torchRival}|${r.model}|${r.batch}|${r.threads}|${r.mode}|${!!r.competing}`);
    const th = ['pytorch (rival: ' + torchRival + ')', 'malloc', 'batch', 'images/s', 'faults/step', 'vs rival'];
    const tc = torch.map((r) => [
      `${r.model} ${r.mode} ${r.threads}t${r.competing ? ' busy core' : ''}`,
      String(r.malloc ?? '?'),
      String(r.batch),
      fmt(r.images_per_second),
      Number.isFinite(r.minflt_per_step) ? String(Math.round(r.minflt_per_step)) : 'n/a',
      rival(r) && rival(r) !== r ? (r.images_per_second / rival(r).images_per_second).toFixed(3) : '',
    ]);
    const tw = th.map((h, i) => Math.max(h.length, ...tc.map((c) => c[i].length)));
    const tline = (c) =>
      c
        .map((x, i) => (i >= 2 ? x.padStart(tw[i]) : x.padEnd(tw[i])))
        .join('  ')
        .trimEnd();
    out.push('', tline(th), tw.map((w) => '-'.repeat(w)).join('  '), ...tc.map(tline));
  }
  out.push(...engineTables(!opt.table));
  const pass = rows.filter((r) => r.mark === 'PASS').length;
  const fail = rows.filter((r) => r.mark === 'FAIL').length;
  const na = rows.filter((r) => r.mark === 'n/a').length;
  out.push(
    '',
    `targets at batch 32: ${pass} pass, ${fail} fail, ${na} n/a; ` +
      `errors recorded: ${records.filter((r) => r.error && !r.unavailable).length}` +
      ` (+${records.filter((r) => r.unavailable).length} unavailable in an engine); ` +
      (opt.table ? '' : `wall time ${((Date.now() - t0) / 1e3).toFixed(0)} s; `) +
      `load average now ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${os.cpus().length} cpus)`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function cpuModel() {
  try {
    return (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model;
  }
}

async function phase(batchList, modelList, { competing = false } = {}) {
  const chromium = sessions.get('chromium')?.page ? ['chromium'] : [];
  for (const batch of batchList) {
    for (const model of modelList) {
      if (parts.has('ours-chromium')) {
        // Issue #14's engine comparison (engine models at the first batch, idle): every engine,
        // taking turns, repeated; the rest (other batches, B-180, the busy core) in Chromium only.
        const compare = !competing && batch === batchList[0] && engineModels.includes(model);
        await runOursBrowsers(model, batch, [1, 2], {
          variants: competing || heavy(model) ? ['mt'] : ['mt', 'st'],
          engineList: compare ? engines : engines.filter((e) => e === 'chromium'),
          reps: compare ? repeats : 1,
        });
      }
      if (parts.has('tfjs-wasm') && chromium.length) {
        await runTfjsWasmInfer(model, batch, competing ? [1] : [1, 2]);
        if (!competing && batch === batchList[0]) await runTfjsTrain('wasm', model, batch, 1);
      }
      if (
        parts.has('tfjs-cpu') &&
        chromium.length &&
        !competing &&
        batch === batchList[0] &&
        tfjsCpuModels.includes(model)
      ) {
        await runTfjsTrain('cpu', model, tfjsCpuBatch, 1);
      }
      if (parts.has('node') && !competing && nodeBatches.includes(batch))
        await runOursNode(model, batch, heavy(model) ? [2] : [1, 2], heavy(model) ? ['mt'] : ['mt', 'st']);
      if (parts.has('native') && nodeBatches.includes(batch))
        await runOursNative(model, batch, competing || heavy(model) ? [2] : [1, 2]);
      if (parts.has('torch')) {
        await runTorch(model, batch, [1, 2]);
        // The other allocator settings side by side with the rival: idle, first batch only.
        if (!competing && batch === batchList[0])
          for (const m of torchMallocs.slice(1)) await runTorch(model, batch, [1, 2], m);
      }
    }
  }
}

// Starts every requested engine that can run here; says on stderr and in a record why one cannot.
async function startBrowsers() {
  server = await startServer();
  origin = `http://127.0.0.1:${server.address().port}`;
  const started = [];
  for (const engine of enginesRequested) {
    const missing = engineMissing(engine);
    if (missing) {
      progress(`${engine}: cannot run: ${missing}`);
      emit({ bench: 'browser', browser: engine, unavailable: true, error: `${engine} cannot run: ${missing}` });
      continue;
    }
    try {
      const s = await openPage(engine);
      const info = await s.page.evaluate(() => globalThis.pageInfo());
      // Threads need SharedArrayBuffer, which engines give only to cross-origin isolated pages;
      // WebKitGTK 2.50 says crossOriginIsolated === true and still has no SharedArrayBuffer.
      s.threads = !info.crossOriginIsolated
        ? 'the page is not cross-origin isolated (COOP/COEP)'
        : !info.sharedArrayBuffer
          ? 'crossOriginIsolated is true but this engine does not expose SharedArrayBuffer'
          : true;
      s.info = info;
      emit({ bench: 'browser', browser: engine, browser_version: s.version, origin, ...info, threads: s.threads });
      progress(`${engine}: ${s.version}; threads: ${s.threads === true ? 'yes' : `unavailable (${s.threads})`}`);
      if (!info.wasmSimd) progress(`WARNING: ${engine} does not validate wasm SIMD128: our runs will fail there`);
      started.push(engine);
    } catch (e) {
      const msg = String(e.message).split('\n')[0];
      progress(`${engine}: cannot run: ${msg}`);
      emit({ bench: 'browser', browser: engine, unavailable: true, error: `${engine} cannot run: ${msg}` });
      const s = sessions.get(engine);
      await s?.browser?.close().catch(() => {});
      sessions.delete(engine);
    }
  }
  return started;
}

let competitor = null;
function stopCompetitor() {
  if (competitor && competitor.exitCode === null) {
    competitor.kill('SIGKILL');
  }
  competitor = null;
}

async function main() {
  let chromiumVersion = null;
  const haveChromium = exists(opt.chromium);
  if (haveChromium) {
    const r = spawnSync(opt.chromium, ['--version'], { encoding: 'utf8', timeout: 30e3 });
    chromiumVersion = (r.stdout || '').trim().split('\n').pop() || null;
  }
  emit({
    bench: 'env',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpu: cpuModel(),
    cpus: os.cpus().length,
    mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    chromium: chromiumVersion,
    build: buildDir,
    native_build: nativeDir,
    quick,
    models,
    batches,
    node_batches: nodeBatches,
    competing_runs: opt.competing,
    competing_models: opt.competing ? competingModels : [],
    parts: [...parts],
    torch_malloc: torchMallocs,
    engines_requested: enginesRequested,
    engine_models: engineModels,
    repeats,
    pick_samples: pickSamples,
  });

  const needBrowser = ['ours-chromium', 'tfjs-wasm', 'tfjs-cpu', 'gemm'].some((p) => parts.has(p));
  if (needBrowser) {
    try {
      engines = await startBrowsers();
    } catch (e) {
      emit({ bench: 'browser', error: `browser runs skipped: ${String(e.message).split('\n')[0]}` });
      engines = [];
    }
    if (parts.has('tfjs-wasm') && sessions.get('chromium')?.page) {
      // What TF.js picks on this machine when nobody calls setThreadsCount.
      await browserJob(
        'chromium',
        'tfjs wasm default threads',
        'tfjs',
        { backend: 'wasm', threads: null, mode: 'info' },
        60e3,
        { bench: 'tfjs-info', runtime: 'tfjs-wasm-chromium' },
      );
    }
  }

  await phase(batches, models);
  if (parts.has('gemm')) await runGemm();

  if (opt.competing) {
    competitor = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    progress(`competing process ${competitor.pid} (busy loop) started`);
    tags = { competing: true };
    await new Promise((r) => setTimeout(r, 500));
    try {
      await phase([batches.includes(32) ? 32 : batches[0]], competingModels, { competing: true });
    } finally {
      stopCompetitor();
      tags = {};
      progress('competing process stopped');
    }
  }
  printTable();
}

const cleanup = async () => {
  stopCompetitor();
  for (const s of sessions.values()) await s.browser?.close().catch(() => {});
  sessions.clear();
  server?.close();
};
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});
process.on('SIGTERM', async () => {
  await cleanup();
  process.exit(143);
});

if (opt.table) {
  // Re-print the table of an earlier run: models, batches and competing come from its env record.
  const lines = readFileSync(opt.table, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'));
  for (const l of lines) {
    try {
      records.push(JSON.parse(l));
    } catch {
      /* skip */
    }
  }
  const env = records.find((r) => r.bench === 'env' && r.models);
  if (env) {
    models = env.models;
    batches = env.batches;
    opt.competing = env.competing_runs ?? records.some((r) => r.competing);
    competingModels = env.competing_models ?? [
      ...new Set(records.filter((r) => r.competing && r.bench === 'train-step').map((r) => r.model)),
    ];
    if (env.torch_malloc) [torchRival, torchMallocs] = [env.torch_malloc[0], env.torch_malloc];
    if (env.engine_models) engineModels = env.engine_models;
  }
  printTable();
  process.exit(0);
}

// CI's smoke check: the rivals may fail (TF.js cannot train, torch may be absent), ours may not.
function checkOurs() {
  // Configurations an engine cannot run (threads without SharedArrayBuffer) are recorded, not failed.
  const ours = records.filter(
    (r) => r.bench === 'train-step' && !r.unavailable && /^(wasm-|native$)/.test(r.runtime ?? ''),
  );
  const bad = ours.filter((r) => r.error || !Number.isFinite(r.images_per_second));
  if (ours.length === 0 || bad.length > 0) {
    console.error(
      `require-ours: ${ours.length} runs of our engine, ${bad.length} failed: ${bad.map((r) => `${r.runtime} ${r.model} ${r.error ?? ''}`).join('; ')}`,
    );
    process.exitCode = 1;
  }
}

try {
  await main();
  if (opt['require-ours']) checkOurs();
} catch (e) {
  emit({ bench: 'runner', error: `runner crashed: ${e.stack ?? e}` });
  printTable();
  process.exitCode = 1;
} finally {
  await cleanup();
}
