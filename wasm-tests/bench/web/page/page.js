// Benchmark page: runs each job in a fresh dedicated Worker (so every configuration gets a
// fresh wasm instance and heap, and a hung job can be terminated). run-bench.mjs drives it in
// every browser engine through one runner (web/convnet-wasm/tests/browsers.mjs), which can only
// call functions in the page: a job is started with startJob() and its records, log lines and
// end are collected with pollJob() (WebKit's WebDriver cannot hold a call open for a minutes-long
// job, nor call back into Node).
const jobs = new Map();
let nextId = 1;

const WORKERS = {
  ours: () => new Worker('/page/ours-worker.js', { type: 'module' }),
  tfjs: () => new Worker('/page/tfjs-worker.js'), // classic: importScripts of the UMD bundles
};

// Returns a job id at once; the job ends (never throws) with {ok, error?, ms, ...}.
globalThis.startJob = (kind, spec, timeoutMs) => {
  const id = nextId++;
  // stage: how far the worker got (shown when a job fails: where it hung).
  const job = { records: [], logs: [], result: null, stage: 'worker started' };
  jobs.set(id, job);
  const t0 = performance.now();
  let worker;
  const finish = (result) => {
    if (job.result) return;
    clearTimeout(timer);
    try {
      worker?.terminate();
    } catch {
      /* already gone */
    }
    job.result = { ...result, ms: Math.round(performance.now() - t0) };
    if (!result.ok) job.result.error += ` (last stage: ${job.stage})`;
  };
  const timer = setTimeout(
    () => finish({ ok: false, error: `timeout after ${Math.round(timeoutMs / 1000)} s` }),
    timeoutMs,
  );
  try {
    worker = WORKERS[kind]();
  } catch (e) {
    finish({ ok: false, error: `cannot start worker: ${e}` });
    return id;
  }
  worker.onmessage = ({ data }) => {
    if (data.type === 'record') job.records.push(data.record);
    else if (data.type === 'log') job.logs.push(data.line);
    else if (data.type === 'stage') job.stage = data.stage;
    else if (data.type === 'done') finish({ ok: true, ...data.result });
    else if (data.type === 'error') finish({ ok: false, error: data.message });
  };
  worker.onerror = (e) => {
    e.preventDefault?.();
    finish({ ok: false, error: `worker error: ${e.message ?? e}` });
  };
  worker.onmessageerror = () => finish({ ok: false, error: 'worker message error' });
  worker.postMessage(spec);
  job.cancel = (why) => finish({ ok: false, error: why });
  return id;
};

// Ends a job now (its worker terminated), e.g. one whose wasm instance never finished loading.
globalThis.cancelJob = (id, why) => jobs.get(id)?.cancel?.(why);

// What the job produced since the last call, and its result once it has ended.
globalThis.pollJob = (id) => {
  const job = jobs.get(id);
  if (!job) return { done: true, records: [], logs: [], result: { ok: false, error: `no job ${id} in this page` } };
  const out = {
    done: !!job.result,
    stage: job.stage,
    records: job.records.splice(0),
    logs: job.logs.splice(0),
    result: job.result,
  };
  if (out.done) jobs.delete(id);
  return out;
};

globalThis.pageInfo = () => ({
  crossOriginIsolated: globalThis.crossOriginIsolated,
  sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  wasmSimd: (() => {
    // (module (func (result v128) i32.const 0 i8x16.splat)): validates only with SIMD128.
    try {
      return WebAssembly.validate(
        new Uint8Array([
          0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
        ]),
      );
    } catch {
      return false;
    }
  })(),
  // Smallest step of performance.now() (what wasm's clock reads): the startup kernel timing's
  // samples of ~1.5 ms need it well below that.
  timerResolutionMs: (() => {
    let min = Infinity;
    let last = performance.now();
    const end = last + 20;
    for (let now = last; now < end; now = performance.now()) {
      if (now > last) min = Math.min(min, now - last);
      last = now;
    }
    return Number.isFinite(min) ? +min.toFixed(4) : null;
  })(),
  hardwareConcurrency: navigator.hardwareConcurrency,
  userAgent: navigator.userAgent,
  deviceMemory: navigator.deviceMemory ?? null,
});
document.body.dataset.ready = '1';
