// Browser platform (page or worker): the ES6 engine modules, located with
// new URL('../wasm/...', import.meta.url) so bundlers (Vite, webpack, Rollup) see and emit them.
// Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages
// (served with COOP: same-origin and COEP: require-corp or credentialless).
import type { InitOptions, Platform, ThreadSupport, Variant, WorkerLike } from './engine.js';
import type { EngineFactory, RawEngine } from './engine-types.js';
import { ConvnetError } from './errors.js';

// Literal URLs, one per file, so that bundlers find every engine file.
const FILES: Record<string, () => URL> = {
  'engine_st.js': () => new URL('../wasm/engine_st.js', import.meta.url),
  'engine_st.wasm': () => new URL('../wasm/engine_st.wasm', import.meta.url),
  'engine_mt.js': () => new URL('../wasm/engine_mt.js', import.meta.url),
  'engine_mt.wasm': () => new URL('../wasm/engine_mt.wasm', import.meta.url),
};

function locate(file: string, options: InitOptions): string {
  if (options.locateFile) return options.locateFile(file);
  const f = FILES[file];
  return f ? f().href : file;
}

let pthreadWorker: Promise<string> | null = null;

// Emscripten starts its pthread workers from engine_mt.worker.js, a classic script found by URL.
// Bundlers mishandle such a file (Vite inlines it as a data: URL, whose opaque origin cannot
// import the engine glue, and its dev server rewrites it into a module), so the package ships
// the script's text as a module (written by copy-engine) and starts the workers from a
// same-origin blob: URL. Blob workers inherit the page's cross-origin isolation.
function pthreadWorkerUrl(): Promise<string> {
  pthreadWorker ??= import('../wasm/engine_mt.worker-source.js' as string).then((m: { default: string }) =>
    URL.createObjectURL(new Blob([m.default], { type: 'text/javascript' })),
  );
  return pthreadWorker;
}

// A 1-function module using one SIMD instruction (i32x4.splat); validates only with SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function hasSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function threadSupport(): ThreadSupport {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (!g.crossOriginIsolated) {
    return {
      ok: false,
      reason: 'page is not cross-origin isolated (COOP/COEP headers missing), SharedArrayBuffer unavailable',
    };
  }
  // WebKitGTK 2.50 (Debian 12) reports crossOriginIsolated === true under COOP/COEP yet exposes no
  // SharedArrayBuffer global, which the threaded build's loader needs: say so rather than fail in it.
  if (typeof g.SharedArrayBuffer !== 'function') {
    return {
      ok: false,
      reason:
        'page is cross-origin isolated but this browser does not expose SharedArrayBuffer, so wasm threads are unavailable',
    };
  }
  return { ok: true, reason: 'crossOriginIsolated: SharedArrayBuffer and wasm threads available' };
}

async function load(variant: Variant, options: InitOptions): Promise<RawEngine> {
  if (!hasSimd())
    throw new ConvnetError('this browser lacks WebAssembly SIMD, which both engine builds need', 'unavailable');
  const js = locate(`engine_${variant}.js`, options);
  let factory: EngineFactory;
  try {
    factory = (await import(/* @vite-ignore */ /* webpackIgnore: true */ js)).default as EngineFactory;
  } catch (e) {
    throw new ConvnetError(`could not load the engine module ${js}: ${(e as Error).message}`, 'unavailable');
  }
  const worker = variant === 'mt' ? await pthreadWorkerUrl() : '';
  return factory({
    locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : locate(path, options)),
    // pthread workers import the glue by this URL (it may be hashed by a bundler).
    mainScriptUrlOrBlob: js,
  });
}

// Yields a macrotask without setTimeout's clamping (and without throttling in hidden tabs).
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

function createTrainerWorker(url?: string | URL): WorkerLike {
  // The literal new Worker(new URL(...), {type: 'module'}) lets bundlers build the worker.
  const w = url
    ? new Worker(url, { type: 'module' })
    : new Worker(new URL('./worker/trainer-worker.js', import.meta.url), { type: 'module' });
  const like: WorkerLike = {
    postMessage: (m, t) => w.postMessage(m, (t ?? []) as Transferable[]),
    onmessage: null,
    onerror: null,
    terminate: () => w.terminate(),
  };
  w.onmessage = (e) => like.onmessage?.({ data: e.data });
  w.onerror = (e) => like.onerror?.({ message: e.message, error: e.error });
  w.onmessageerror = () => like.onerror?.({ message: 'a message from the trainer worker could not be deserialized' });
  return like;
}

export const browserPlatform: Platform = {
  name: 'browser',
  threadSupport,
  load,
  yieldToEventLoop,
  createTrainerWorker,
};
