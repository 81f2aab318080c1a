// Predict & export screen: class probabilities for newly dropped images; downloads of the
// TF.js model (model.json + weights.bin) and of the full checkpoint (a .zip with the topology,
// the training state and the app's settings and history).
import { zipSync, strToU8 } from 'fflate';
import { expandZips, fromDataTransfer, fromFileList } from '../data/collect.js';
import type { PathFile } from '../data/collect.js';
import type { App } from '../state.js';
import { $, $button, $input, download, drawRgb, h, setStatus } from './dom.js';

async function predict(app: App, files: PathFile[]): Promise<void> {
  const box = $('predict-results');
  if (!app.state.model) {
    box.replaceChildren(h('p', { class: 'error', text: 'Build and train a model first.' }));
    return;
  }
  const items = files.map((f) => ({ name: f.path, blob: f.blob }));
  try {
    const r = await app.worker.call('predict', { items });
    const classes = app.state.dataset?.classes ?? Array.from({ length: r.classes }, (_, i) => `class ${i}`);
    box.replaceChildren();
    const per = r.images.size * r.images.size * 3;
    r.names.forEach((name, i) => {
      const canvas = h('canvas');
      drawRgb(canvas, r.images.data, r.images.size, i * per);
      const probs = Array.from(r.probs.subarray(i * r.classes, (i + 1) * r.classes));
      const order = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
      const card = h('div', { class: 'prediction', 'data-top': classes[order[0][1]] }, canvas, h('div', { text: name.split('/').pop() ?? name }));
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
      setStatus('export-status', `Exported model.json and weights.bin (${r.weights.byteLength.toLocaleString('en-US')} bytes). Load it with convnet-wasm's loadTfjsModel or TF.js's tf.loadLayersModel.`);
    } catch (e) {
      setStatus('export-status', `Export failed: ${(e as Error).message}`, 'error');
    }
  });
  $button('export-ckpt').addEventListener('click', async () => {
    try {
      const r = await app.worker.call('exportCheckpoint', null);
      const zip = zipSync({ 'model.json': strToU8(r.modelJson), 'checkpoint.bin': r.checkpoint, 'app.json': strToU8(r.meta) });
      download('convnet-checkpoint.zip', zip as Uint8Array<ArrayBuffer>, 'application/zip');
      setStatus('export-status', `Checkpoint exported (${zip.byteLength.toLocaleString('en-US')} bytes): topology, weights, optimizer state, history.`);
    } catch (e) {
      setStatus('export-status', `Export failed: ${(e as Error).message}`, 'error');
    }
  });
}
