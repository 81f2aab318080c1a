// Predict & export screen: class probabilities for newly dropped images; downloads of the
// TF.js model (model.json + weights.bin) and of the full checkpoint (a .zip with the topology,
// the training state and the app's settings and history).
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { expandZips, fromDataTransfer, fromFileList } from '../data/collect.js';
import type { PathFile } from '../data/collect.js';
import type { App } from '../state.js';
import { setAugmentConfig } from './augment-panel.js';
import { $, $button, $input, download, drawRgb, h, setStatus } from './dom.js';
import { setEditor, showModel } from './model-panel.js';
import { setTrainConfig } from './train-settings.js';

async function predict(app: App, files: PathFile[]): Promise<void> {
  const box = $('predict-results');
  if (!app.state.model) {
    box.replaceChildren(h('p', { class: 'error', text: 'Build and train a model first.' }));
    return;
  }
  const items = files.map((f) => ({ name: f.path, blob: f.blob }));
  try {
    const r = await app.worker.call('predict', { items });
    const classes =
      app.state.model.classNames ??
      app.state.dataset?.classes ??
      Array.from({ length: r.classes }, (_, i) => `class ${i}`);
    box.replaceChildren();
    const per = r.images.size * r.images.size * 3;
    r.names.forEach((name, i) => {
      const canvas = h('canvas');
      drawRgb(canvas, r.images.data, r.images.size, i * per);
      const probs = Array.from(r.probs.subarray(i * r.classes, (i + 1) * r.classes));
      const order = probs
        .map((p, c) => [p, c] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 5);
      const card = h(
        'div',
        { class: 'prediction', 'data-top': classes[order[0][1]] },
        canvas,
        h('div', { text: name.split('/').pop() ?? name }),
      );
      for (const [p, c] of order) {
        const bar = h('div', { class: 'bar' });
        bar.style.width = `${Math.round(p * 100)}%`;
        card.append(h('div', { text: `${classes[c]}: ${(p * 100).toFixed(1)}%` }), bar);
      }
      box.append(card);
    });
    for (const f of r.failed) box.append(h('p', { class: 'error', text: `${f.name}: ${f.reason}` }));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error', text: (e as Error).message }));
  }
}

export function setupUsePanel(app: App): void {
  const input = $input('predict-input');
  input.addEventListener('change', () => {
    if (input.files?.length) void expandZips(fromFileList(input.files)).then((f) => predict(app, f));
  });
  const zone = $('predict-drop');
  zone.addEventListener('dragover', (e) => e.preventDefault());
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer) void fromDataTransfer(e.dataTransfer).then((f) => predict(app, f));
  });
  $button('export-tfjs').addEventListener('click', async () => {
    try {
      const r = await app.worker.call('exportTfjs', null);
      download('model.json', r.modelJson, 'application/json');
      // A pause between the two downloads keeps browsers from treating them as one burst.
      await new Promise((res) => setTimeout(res, 300));
      download('weights.bin', r.weights as Uint8Array<ArrayBuffer>);
      setStatus(
        'export-status',
        `Exported model.json and weights.bin (${r.weights.byteLength.toLocaleString('en-US')} bytes): an inference model ` +
          '(the augmentation layers, which act only in training, are left out) with its class names and input size in userDefinedMetadata. ' +
          "Load it with TF.js's tf.loadLayersModel or convnet-wasm's loadTfjsModel. The full model, augmentation included, is in the checkpoint.",
      );
    } catch (e) {
      setStatus('export-status', `Export failed: ${(e as Error).message}`, 'error');
    }
  });
  $button('export-ckpt').addEventListener('click', async () => {
    try {
      const r = await app.worker.call('exportCheckpoint', null);
      const zip = zipSync({
        'model.json': strToU8(r.modelJson),
        'checkpoint.bin': r.checkpoint,
        'app.json': strToU8(r.meta),
      });
      download('convnet-checkpoint.zip', zip as Uint8Array<ArrayBuffer>, 'application/zip');
      setStatus(
        'export-status',
        `Checkpoint exported (${zip.byteLength.toLocaleString('en-US')} bytes): topology, weights, optimizer state, history. ` +
          'Import it here (in this or another browser) to predict or to continue training.',
      );
    } catch (e) {
      setStatus('export-status', `Export failed: ${(e as Error).message}`, 'error');
    }
  });
  const ckpt = $input('import-ckpt');
  ckpt.addEventListener('change', async () => {
    const file = ckpt.files?.[0];
    ckpt.value = '';
    if (file) await importCheckpoint(app, file);
  });
}

/** Reads a checkpoint .zip (model.json, checkpoint.bin, app.json) and hands it to the worker. */
async function importCheckpoint(app: App, file: File): Promise<void> {
  if (app.state.trainState !== 'idle') {
    setStatus('export-status', 'Stop training before importing a checkpoint.', 'warn');
    return;
  }
  try {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(new Uint8Array(await file.arrayBuffer()));
    } catch (e) {
      throw new Error(`${file.name} is not a readable .zip (${(e as Error).message})`);
    }
    const get = (name: string) => {
      const key = Object.keys(files).find((k) => k === name || k.endsWith(`/${name}`));
      if (!key) throw new Error(`${file.name} has no ${name}: is it a checkpoint exported by this app?`);
      return files[key];
    };
    const checkpoint = get('checkpoint.bin');
    const r = await app.worker.call(
      'importCheckpoint',
      { modelJson: strFromU8(get('model.json')), checkpoint, meta: strFromU8(get('app.json')) },
      [checkpoint.buffer as ArrayBuffer],
    );
    app.state.model = r.model;
    app.state.modelConfig = r.config;
    app.state.history = r.history;
    app.state.validation = null;
    setEditor(r.config);
    setAugmentConfig(r.config.augment);
    if (r.train) setTrainConfig(r.train);
    showModel(r.model);
    app.emit('model');
    app.emit('history');
    const d = app.state.dataset;
    const same = d && d.size === r.size && d.classes.join('\u0000') === r.classes.join('\u0000');
    setStatus(
      'export-status',
      `Imported ${r.model.summary.name} at epoch ${r.history.length} (classes ${r.classes.join(', ')}; ${r.size}x${r.size} images). ` +
        (same
          ? 'The loaded dataset matches: press Start on the Train screen to continue.'
          : `Predict works now; to continue training, load the images of these classes on the Data screen at ${r.size}x${r.size}, then press Start.`),
    );
    if (same) {
      const v = await app.worker.call('validate', null);
      app.state.validation = v.result;
      app.emit('validation');
    }
    document.body.dataset.imported = String(r.history.length);
  } catch (e) {
    setStatus('export-status', `Import failed: ${(e as Error).message}`, 'error');
  }
}
