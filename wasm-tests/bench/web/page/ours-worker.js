// Module worker (any engine): loads one of our ES6 bench modules from <build>/bench-web (bench_st.js, bench_mt.js,
// or a GEMM bench built the same way: -sMODULARIZE -sEXPORT_ES6 -sINVOKE_RUN=0, callMain exported),
// captures its stdout (one JSON object per line) and calls main() once per argument list.
// spec: {module: 'bench_mt.js', runs: [[...args], ...], discard: 0, runtime: 'wasm-chromium-mt'}
// The records of the first `discard` runs are dropped: a small warm-up run in the same instance lets
// V8 tier the hot wasm functions up from Liftoff to TurboFan before the measured run.
const post = (m) => self.postMessage(m);
// An abort inside wasm (e.g. out of memory) may surface only as an unhandled rejection or error
// event, leaving the awaited call pending: report it so the job ends now instead of at its timeout.
self.addEventListener('unhandledrejection', (e) =>
  post({ type: 'error', message: `unhandled rejection: ${String(e.reason?.message ?? e.reason).split('\n')[0]}` }),
);
self.addEventListener('error', (e) =>
  post({ type: 'error', message: `uncaught: ${String(e.message ?? e).split('\n')[0]}` }),
);

self.onmessage = async ({ data: spec }) => {
  try {
    const url = new URL(`/bench-web/${spec.module}`, self.location.origin).href;
    const t0 = performance.now();
    const { default: createBench } = await import(url);
    post({ type: 'stage', stage: 'imported' });
    const tail = []; // last lines that were not JSON (the bench's error messages)
    let runIndex = 0;
    const onLine = (line) => {
      const text = String(line).trim();
      if (text.startsWith('{') && runIndex < (spec.discard ?? 0)) return;
      if (text.startsWith('{')) {
        try {
          // printf's inf/nan (e.g. a rate over a sample too short for the engine's clock) are not JSON.
          const rec = JSON.parse(text.replace(/:(-?inf|-?nan)\b/g, ':null'));
          // The bench names its runtime after the build (wasm-node-*); here it runs in a browser.
          if (rec.runtime) rec.runtime = spec.runtime;
          post({ type: 'record', record: rec });
          return;
        } catch {
          /* not JSON after all */
        }
      }
      if (text) {
        tail.push(text);
        if (tail.length > 3) tail.shift();
        post({ type: 'log', line: `[${spec.runtime}] ${text}` });
      }
    };
    const mod = await createBench({ print: onLine, printErr: onLine });
    post({ type: 'stage', stage: 'instantiated' });
    const initMs = performance.now() - t0;
    const rcs = [];
    for (const args of spec.runs) {
      let rc;
      try {
        rc = mod.callMain(args);
      } catch (e) {
        post({ type: 'error', message: `callMain(${args.join(' ')}) threw: ${e?.message ?? e}` });
        return;
      }
      rcs.push(rc);
      runIndex++;
      post({ type: 'stage', stage: `run ${runIndex} done` });
    }
    post({
      type: 'done',
      result: {
        rcs,
        tail: tail.join(' | ').slice(0, 400),
        init_ms: Math.round(initMs),
        heap_bytes: mod.HEAPU8 ? mod.HEAPU8.buffer.byteLength : null,
      },
    });
  } catch (e) {
    post({
      type: 'error',
      message: String(e?.stack ?? e?.message ?? e)
        .split('\n')
        .slice(0, 4)
        .join(' | '),
    });
  }
};
