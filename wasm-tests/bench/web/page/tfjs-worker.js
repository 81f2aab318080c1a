// Classic worker: TensorFlow.js 4.22 (UMD bundles) on the wasm (XNNPACK) or cpu backend.
// spec: {backend: 'wasm'|'cpu', threads: n|null, model: 'A-32', batch, mode: 'infer'|'train'|'info',
//        minSteps, minSeconds, maxSteps, warmup (default true)}
importScripts(
  '/tfjs/tf-core.min.js',
  '/tfjs/tf-backend-cpu.min.js',
  '/tfjs/tf-layers.min.js',
  '/tfjs/tf-backend-wasm.min.js',
  '/page/tfjs-models.js',
);

const post = (m) => self.postMessage(m);
// An abort inside wasm (e.g. out of memory) may surface only as an unhandled rejection or error
// event, leaving the awaited call pending: report it so the job ends now instead of at its timeout.
self.addEventListener('unhandledrejection', (e) =>
  post({ type: 'error', message: `unhandled rejection: ${String(e.reason?.message ?? e.reason).split('\n')[0]}` }),
);
self.addEventListener('error', (e) =>
  post({ type: 'error', message: `uncaught: ${String(e.message ?? e).split('\n')[0]}` }),
);
const firstLine = (e) => String(e?.message ?? e).split('\n')[0];

async function initBackend(spec) {
  if (spec.backend === 'wasm') {
    tf.wasm.setWasmPaths(new URL('/tfjs/', self.location.origin).href);
    if (spec.threads) tf.wasm.setThreadsCount(spec.threads);
  }
  if (!(await tf.setBackend(spec.backend))) throw new Error(`tf.setBackend('${spec.backend}') failed`);
  await tf.ready();
  const info = {
    tfjs: tf.version_core ?? tf.version?.['tfjs-core'],
    backend: tf.getBackend(),
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  if (spec.backend === 'wasm') {
    info.threads_requested = spec.threads ?? null;
    info.threads_reported = tf.wasm.getThreadsCount();
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.wasm_binary =
      info.simd && info.multithread
        ? 'tfjs-backend-wasm-threaded-simd.wasm'
        : info.simd
          ? 'tfjs-backend-wasm-simd.wasm'
          : 'tfjs-backend-wasm.wasm';
  }
  return info;
}

function wasmHeapBytes() {
  try {
    return tf.backend().wasm?.HEAPU8?.buffer?.byteLength ?? null;
  } catch {
    return null;
  }
}

async function timed(fn, spec) {
  if (spec.warmup !== false) await fn(); // warm-up: kernels, weights upload, optimizer state
  let steps = 0;
  const t0 = performance.now();
  while (steps < spec.minSteps || (performance.now() - t0 < spec.minSeconds * 1e3 && steps < spec.maxSteps)) {
    await fn();
    steps++;
  }
  return { seconds: (performance.now() - t0) / 1e3 / steps, steps };
}

self.onmessage = async ({ data: spec }) => {
  const runtime = `tfjs-${spec.backend}-chromium`;
  const base = { bench: 'train-step', runtime, model: spec.model, batch: spec.batch, mode: spec.mode };
  let info = {};
  try {
    info = await initBackend(spec);
    if (spec.mode === 'info') {
      post({ type: 'record', record: { bench: 'tfjs-info', runtime, ...info } });
      post({ type: 'done', result: {} });
      return;
    }
    const { model, size, macs } = convnetBenchModels.build(tf, spec.model);
    // threads: what was asked for (setThreadsCount); threads_reported: what XNNPACK's pool got.
    Object.assign(base, {
      input: `${size}x${size}x3`,
      threads: spec.backend === 'wasm' ? spec.threads : 1,
      threads_reported: spec.backend === 'wasm' ? info.threads_reported : 1,
      wasm_binary: info.wasm_binary,
    });
    const x = tf.randomUniform([spec.batch, size, size, 3], 0, 255);
    const y = tf.tensor2d(
      Array.from({ length: spec.batch }, (_, i) => i % 2),
      [spec.batch, 1],
    );
    let loss = null;
    let fn;
    if (spec.mode === 'infer') {
      fn = () => {
        const out = model.predict(x);
        out.dataSync();
        out.dispose();
      };
    } else {
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
      fn = async () => {
        loss = await model.trainOnBatch(x, y);
      };
    }
    const { seconds, steps } = await timed(fn, spec);
    const flops = 2 * macs * spec.batch * (spec.mode === 'train' ? 3 : 1);
    const rec = {
      ...base,
      step_ms: +(seconds * 1e3).toFixed(3),
      images_per_second: +(spec.batch / seconds).toFixed(2),
      gflops: +((flops / seconds) * 1e-9).toFixed(2),
      steps,
      warmup: spec.warmup !== false,
      tf_memory_bytes: tf.memory().numBytes,
      heap_bytes: wasmHeapBytes(),
    };
    if (loss !== null) rec.loss = +Number(loss).toFixed(5);
    post({ type: 'record', record: rec });
    post({ type: 'done', result: {} });
  } catch (e) {
    post({
      type: 'record',
      record: {
        ...base,
        threads: spec.backend === 'wasm' ? spec.threads : 1,
        error: firstLine(e),
        heap_bytes: wasmHeapBytes(),
      },
    });
    post({ type: 'done', result: {} });
  }
};
