// Benchmark page: runs each job in a fresh dedicated Worker (so every configuration gets a
// fresh wasm instance and heap, and a hung job can be terminated), and streams every record
// to Node through window.benchReport (exposed by run-bench.mjs).
const report = (rec) => (globalThis.benchReport ? globalThis.benchReport(JSON.stringify(rec)) : console.log(rec));

const WORKERS = {
  ours: () => new Worker('/page/ours-worker.js', { type: 'module' }),
  tfjs: () => new Worker('/page/tfjs-worker.js'), // classic: importScripts of the UMD bundles
};

// Resolves (never rejects) with {ok, error?, ms}.
globalThis.runJob = (kind, spec, timeoutMs) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    let worker;
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        worker?.terminate();
      } catch {
        /* already gone */
      }
      resolve({ ...result, ms: Math.round(performance.now() - t0) });
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `timeout after ${Math.round(timeoutMs / 1000)} s` }),
      timeoutMs,
    );
    try {
      worker = WORKERS[kind]();
    } catch (e) {
      finish({ ok: false, error: `cannot start worker: ${e}` });
      return;
    }
    worker.onmessage = ({ data }) => {
      if (data.type === 'record') report(data.record);
      else if (data.type === 'log') report({ log: data.line });
      else if (data.type === 'done') finish({ ok: true, ...data.result });
      else if (data.type === 'error') finish({ ok: false, error: data.message });
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      finish({ ok: false, error: `worker error: ${e.message ?? e}` });
    };
    worker.onmessageerror = () => finish({ ok: false, error: 'worker message error' });
    worker.postMessage(spec);
  });

globalThis.pageInfo = () => ({
  crossOriginIsolated: globalThis.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,
  userAgent: navigator.userAgent,
  deviceMemory: navigator.deviceMemory ?? null,
});
document.body.dataset.ready = '1';
