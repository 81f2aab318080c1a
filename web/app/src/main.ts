// The app: wires the screens to the app worker, shows which engine build runs, offers to
// resume a saved session, and keeps a memory readout. Everything runs locally: the page makes
// no request outside its own origin.
import './styles.css';
import { App } from './state.js';
import { idbGet, idbPut } from './store/idb.js';
import { WorkerClient } from './train/client.js';
import type { SavedSession } from './train/messages.js';
import { setAugmentConfig, setupAugmentPanel } from './ui/augment-panel.js';
import { loadSample, renderDataset, setInputSize, setupDatasetPanel } from './ui/dataset-panel.js';
import { $, $button, fmtBytes, h, setStatus } from './ui/dom.js';
import { setupInspectPanel } from './ui/inspect-panel.js';
import { setEditor, setupModelPanel, showModel } from './ui/model-panel.js';
import { setupPretrainedPanel } from './ui/pretrained-panel.js';
import { setupTabs } from './ui/tabs.js';
import { setupTrainPanel } from './ui/train-panel.js';
import { setTrainConfig } from './ui/train-settings.js';
import { setupUsePanel } from './ui/use-panel.js';

const app = new App(new WorkerClient());
(window as unknown as { app: App }).app = app; // for tests and the console

setupTabs(app);
setupDatasetPanel(app);
setupAugmentPanel(app);
setupModelPanel(app);
setupPretrainedPanel(app);
setupTrainPanel(app);
setupInspectPanel(app);
setupUsePanel(app);

async function offerResume(): Promise<void> {
  const s = await idbGet<SavedSession & { datasetPersisted?: boolean; dismissed?: boolean }>('meta', 'session').catch(
    () => undefined,
  );
  if (!s || s.dismissed || !s.datasetPersisted) return;
  $('resume-text').textContent =
    `Saved training: ${s.modelName}, ${s.epoch} epoch${s.epoch === 1 ? '' : 's'} on ${s.total} images (${s.classes.join(', ')}), ${new Date(s.savedAt).toLocaleString()}.`;
  $('resume-banner').hidden = false;
  $button('resume-discard').onclick = async () => {
    $('resume-banner').hidden = true;
    await idbPut('meta', 'session', { ...s, dismissed: true });
  };
  $button('resume-btn').onclick = async () => {
    $button('resume-btn').disabled = true;
    try {
      const r = await app.worker.call('restore', null);
      setInputSize(r.dataset.size);
      app.state.collected = null;
      app.state.dataset = r.dataset;
      app.state.model = r.model;
      app.state.modelConfig = r.config;
      app.state.history = r.history;
      renderDataset(r.dataset);
      setStatus(
        'ingest-status',
        `Restored ${r.dataset.total} images in ${r.dataset.classes.length} classes from this browser's storage.`,
      );
      setEditor(r.config);
      setAugmentConfig(r.config.augment);
      if (r.train) setTrainConfig(r.train);
      showModel(r.model);
      setStatus('model-status', `Restored ${r.model.summary.name} at epoch ${r.history.length}.`);
      app.emit('dataset');
      app.emit('model');
      app.emit('history');
      // Inspect's confusion matrix and misclassified images for the restored model, at once.
      void app.worker
        .call('validate', null)
        .then((v) => {
          app.state.validation = v.result;
          app.emit('validation');
        })
        .catch(() => {});
      $('resume-banner').hidden = true;
      setStatus(
        'train-status',
        `Resumed from the checkpoint of epoch ${r.history.length}: raise "Epochs (total)" if needed and press Start to continue.`,
      );
      document.body.dataset.restored = String(r.history.length);
      app.selectTab('train');
    } catch (e) {
      $('resume-text').textContent = `Could not resume: ${(e as Error).message}`;
    } finally {
      $button('resume-btn').disabled = false;
    }
  };
}

async function memoryReadout(): Promise<void> {
  try {
    const m = await app.worker.call('memory', null);
    const js = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
    $('memory').textContent =
      `Worker: engine heap ${fmtBytes(m.heapBytes)}, dataset ${fmtBytes(m.datasetBytes)} in memory` +
      (m.spilledBytes ? ` + ${fmtBytes(m.spilledBytes)} on disk (OPFS)` : '') +
      (js ? ` · page JS heap ${fmtBytes(js)}` : '');
  } catch {
    /* the worker is busy or gone: try again later */
  }
}

/** The single-thread fallback in plain words: what it costs and how to get threads. */
function explainSingleThread(): void {
  const cores = navigator.hardwareConcurrency || 1;
  const engine = $('engine');
  engine.textContent =
    `Engine: single-threaded WebAssembly build (st). Training uses 1 of this computer's ${cores} CPU core${cores === 1 ? '' : 's'}, so it is slower than it could be` +
    (cores > 1 ? ' (with 2 cores the threaded build trains about 1.8x as fast; more cores help more).' : '.');
  engine.classList.add('warn');
  const headers = h('pre', {
    class: 'headers',
    text: 'Cross-Origin-Opener-Policy: same-origin\nCross-Origin-Embedder-Policy: require-corp',
  });
  const body = crossOriginIsolated
    ? [
        h('p', {
          text: 'Why: this browser does not offer SharedArrayBuffer, which WebAssembly threads need. A current Chrome, Edge, Firefox or Safari does.',
        }),
      ]
    : [
        h('p', {
          text: 'Why: the page is served without the cross-origin isolation headers, so the browser withholds SharedArrayBuffer, which WebAssembly threads need.',
        }),
        h('p', {
          text: 'Fix: have the web server send these two headers with the app\'s files (see "Deploying" in the README; scripts/run.sh already does), then reload:',
        }),
        headers,
        h('p', {
          text: 'Hosts that cannot set headers (e.g. GitHub Pages) can add them with a service worker such as coi-serviceworker. Everything works meanwhile, only slower.',
        }),
      ];
  const details = h(
    'details',
    { id: 'engine-help', class: 'engine-help' },
    h('summary', { text: 'Why one core, and how to make training faster' }),
    ...body,
  );
  document.getElementById('engine-help')?.remove();
  engine.after(details);
}

async function start(): Promise<void> {
  try {
    const threads = Number(new URLSearchParams(location.search).get('threads')) || undefined;
    const info = await app.worker.init(
      { threads },
      {
        onStall: (attempt) => {
          document.body.dataset.engineStalls = String(attempt);
          $('engine').textContent =
            `Loading the engine… (attempt ${attempt} stalled: the browser stopped the app worker's thread while it started its thread workers; trying again with a new worker)`;
          console.warn(`convnet-wasm app: engine start attempt ${attempt} stalled; restarting the app worker`);
        },
      },
    );
    app.state.engine = info;
    $('engine').textContent =
      `Engine: ${info.variant === 'mt' ? 'threaded' : 'single-threaded'} WebAssembly build (${info.variant}), ${info.threads} thread${info.threads === 1 ? '' : 's'}, SIMD ${info.simd ? 'on' : 'off'} — ${info.reason}.`;
    if (info.variant === 'st') explainSingleThread();
    document.body.dataset.engine = info.variant;
  } catch (e) {
    $('engine').textContent = `The engine did not load: ${(e as Error).message}`;
    $('engine').classList.add('error');
    document.body.dataset.ready = 'error';
    return;
  }
  await offerResume();
  setInterval(() => void memoryReadout(), 5000);
  for (const ev of ['dataset', 'model', 'history'] as const) app.on(ev, () => void memoryReadout());
  document.body.dataset.ready = '1';
  if (new URLSearchParams(location.search).has('sample')) void loadSample(app);
}

void start();
