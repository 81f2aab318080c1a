// Node platform: the CommonJS engine builds (engine_node_{st,mt}.cjs), loaded with
// createRequire and given the .wasm bytes directly. Passing wasmBinary keeps Emscripten 3.1.6's
// glue away from Node 20's global fetch (which it would call with a file path), so no node flags
// are needed. Node always has worker_threads and SharedArrayBuffer, so 'auto' picks mt.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InitOptions, Platform, PlatformFiles, ThreadSupport, Variant, WorkerLike } from './engine.js';
import type { EngineFactory, RawEngine } from './engine-types.js';
import { ConvnetError } from './errors.js';

const require = createRequire(import.meta.url);
const WASM_DIR = fileURLToPath(new URL('../wasm/', import.meta.url));

function locate(file: string, options: InitOptions): string {
  if (options.locateFile) return options.locateFile(file);
  // The pthread worker is CommonJS; copy-engine names it .cjs because this package is ESM.
  if (file.endsWith('.worker.js')) file = file.replace(/\.js$/, '.cjs');
  return join(WASM_DIR, file);
}

function threadSupport(): ThreadSupport {
  if (typeof SharedArrayBuffer !== 'function')
    return { ok: false, reason: 'SharedArrayBuffer is unavailable in this Node.js' };
  return { ok: true, reason: 'Node.js: worker_threads and SharedArrayBuffer are always available' };
}

async function load(variant: Variant, options: InitOptions): Promise<RawEngine> {
  const js = locate(`engine_node_${variant}.cjs`, options);
  const wasm = locate(`engine_node_${variant}.wasm`, options);
  for (const f of [js, wasm]) {
    if (!existsSync(f)) {
      throw new ConvnetError(
        `engine file ${f} is missing: build the engine and run \`npm run copy-engine -- <build-dir>\` in the package`,
        'unavailable',
      );
    }
  }
  // The 3.1.6 glue adds process-wide 'uncaughtException'/'unhandledRejection' listeners that
  // rethrow; a library must not change the host's error handling, so take them off again.
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  const factory = require(js) as EngineFactory;
  try {
    return await factory({
      wasmBinary: readFileSync(wasm),
      locateFile: (path: string) => locate(path, options),
    });
  } finally {
    for (const l of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.includes(l)) process.removeListener('uncaughtException', l);
    }
    for (const l of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.includes(l)) process.removeListener('unhandledRejection', l);
    }
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function createTrainerWorker(url?: string | URL): WorkerLike {
  const w = new Worker(url ?? new URL('./worker/trainer-worker-node.js', import.meta.url));
  w.unref();
  let terminated = false;
  const like: WorkerLike = {
    postMessage: (m, t) => w.postMessage(m, (t ?? []) as never),
    onmessage: null,
    onerror: null,
    terminate: () => {
      terminated = true;
      void w.terminate();
    },
    setBusy: (busy) => (busy ? w.ref() : w.unref()),
  };
  w.on('message', (data) => like.onmessage?.({ data }));
  w.on('error', (error) => like.onerror?.({ message: error.message, error }));
  w.on('exit', (code) => {
    if (code !== 0 && !terminated) like.onerror?.({ message: `the trainer worker exited with code ${code}` });
  });
  return like;
}

const files: PlatformFiles = {
  async readFile(path) {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  async writeFiles(dir, list) {
    await mkdir(dir, { recursive: true });
    for (const f of list) await writeFile(join(dir, f.name), f.data);
  },
  sibling: (path, name) => join(dirname(path), name),
};

export const nodePlatform: Platform = {
  name: 'node',
  threadSupport,
  load,
  yieldToEventLoop,
  createTrainerWorker,
  files,
};
