// Inspect screen: the model graph (residual blocks framed, layers clickable), feature maps of
// the chosen layer for the chosen image (live during training), the first layer's filters,
// Grad-CAM (when the engine has it), the confusion matrix and misclassified validation images.
import {
  confusionMatrix, drawFeatureMaps, drawFilters, drawHeatmapOverlay, drawImageGrid, layoutModelGraph, renderConfusionMatrix, renderModelGraph,
} from '../viz/index.js';
import type { App } from '../state.js';
import type { FeatureMaps } from '../train/messages.js';
import { $, $button, $canvas, $select, drawRgb, h, setStatus } from './dom.js';
import { draw } from './draw-queue.js';

let current = { layer: '', image: -1 };

function drawMaps(m: FeatureMaps): void {
  if (m.shape.length !== 3) return;
  drawFeatureMaps($canvas('viz-maps'), m.data, m.shape as [number, number, number], { maxMaps: 64, cellPx: 48 });
  $('viz-caption').textContent = `${m.layer}: ${m.shape.join('x')} (${Math.min(64, m.shape[2])} of ${m.shape[2]} maps shown)`;
  document.body.dataset.maps = m.layer;
}

async function showImage(app: App): Promise<void> {
  if (current.image < 0) return;
  const img = await app.worker.call('images', { indices: [current.image] });
  drawRgb($canvas('viz-input'), img.data, img.size);
}

async function refresh(app: App): Promise<void> {
  if (!app.state.model || !app.state.dataset || !current.layer) return;
  try {
    await app.worker.call('setViz', current);
    await showImage(app);
    drawMaps(await app.worker.call('featureMaps', current));
  } catch (e) {
    $('viz-caption').textContent = (e as Error).message;
  }
}

async function drawFirstFilters(app: App): Promise<void> {
  if (!app.state.model) return;
  const f = await app.worker.call('filters', null);
  if (f && f.shape.length === 4) drawFilters($canvas('viz-filters'), f.data, f.shape as [number, number, number, number], { maxFilters: 64 });
}

function renderGraph(app: App): void {
  const m = app.state.model;
  const box = $('graph');
  box.replaceChildren();
  if (!m) return;
  const layout = layoutModelGraph(m.summary);
  renderModelGraph(box, layout, {
    selected: current.layer,
    onSelect: (name) => {
      if (!m.mapLayers.includes(name)) {
        $('viz-caption').textContent = `${name} has no spatial output (feature maps exist for convolution-shaped layers only).`;
        return;
      }
      current.layer = name;
      $select('viz-layer').value = name;
      void refresh(app);
    },
  });
}

function fillPickers(app: App): void {
  const m = app.state.model, d = app.state.dataset;
  const layerSel = $select('viz-layer');
  layerSel.replaceChildren(...(m?.mapLayers ?? []).map((l) => h('option', { value: l, text: l })));
  if (m && !m.mapLayers.includes(current.layer)) current.layer = m.mapLayers.find((l) => /conv/.test(l)) ?? m.mapLayers[0] ?? '';
  layerSel.value = current.layer;
  const imgSel = $select('viz-image');
  const p = d?.valPreview;
  imgSel.replaceChildren(...(p?.indices ?? []).map((idx, k) => h('option', { value: String(idx), text: `${d!.classes[p!.labels[k]]}: ${p!.names[k].split('/').pop()}` })));
  if (p && !p.indices.includes(current.image)) current.image = p.indices[0] ?? -1;
  imgSel.value = String(current.image);
}

function renderValidation(app: App): void {
  const v = app.state.validation, d = app.state.dataset;
  const box = $('confusion');
  box.replaceChildren();
  if (!v || !d) return;
  const k = d.classes.length;
  const matrix = confusionMatrix(v.trueLabels, v.predicted, k);
  renderConfusionMatrix(box, matrix, d.classes, {
    caption: 'rows: true class, columns: predicted',
    onCellClick: (t, p) => void showMisclassified(app, (i) => v.trueLabels[i] === t && v.predicted[i] === p),
  });
  void showMisclassified(app, (i) => v.trueLabels[i] !== v.predicted[i]);
}

async function showMisclassified(app: App, pick: (i: number) => boolean): Promise<void> {
  const v = app.state.validation, d = app.state.dataset;
  if (!v || !d) return;
  const sel: number[] = [];
  for (let i = 0; i < v.indices.length && sel.length < 32; i++) if (pick(i)) sel.push(i);
  $('mis-note').textContent = sel.length ? `${sel.length}${sel.length === 32 ? '+' : ''} images (true → predicted, confidence)` : 'None.';
  const canvas = $canvas('mis-canvas');
  if (!sel.length) {
    canvas.width = 0;
    return;
  }
  const imgs = await app.worker.call('images', { indices: sel.map((i) => v.indices[i]) });
  drawImageGrid(canvas, imgs.data, imgs.n, imgs.size, imgs.size, 3, {
    cellPx: 72, labels: sel.map((i) => `${d.classes[v.trueLabels[i]]}→${d.classes[v.predicted[i]]} ${(v.confidence[i] * 100).toFixed(0)}%`),
  });
}

async function gradCam(app: App): Promise<void> {
  if (!app.state.model || current.image < 0) return;
  try {
    const layer = app.state.model.mapLayers.filter((l) => /conv|add|activation/.test(l)).at(-1) ?? current.layer;
    const r = await app.worker.call('gradCam', { layer, image: current.image });
    if (!r.available) {
      setStatus('gradcam-note', r.reason, 'warn');
      return;
    }
    const img = await app.worker.call('images', { indices: [current.image] });
    const s = img.size;
    const rgba = new ImageData(s, s);
    for (let i = 0; i < s * s; i++) {
      rgba.data.set([img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2], 255], 4 * i);
    }
    drawHeatmapOverlay($canvas('gradcam-canvas'), rgba, r.heat, [r.h, r.w]);
    setStatus('gradcam-note', `Where ${layer} looks for "${app.state.dataset?.classes[r.classIndex]}".`);
  } catch (e) {
    setStatus('gradcam-note', (e as Error).message, 'error');
  }
}

export function setupInspectPanel(app: App): void {
  app.on('model', () => {
    fillPickers(app);
    renderGraph(app);
    void drawFirstFilters(app);
    void refresh(app);
  });
  app.on('dataset', () => {
    fillPickers(app);
    void refresh(app);
  });
  app.on('validation', () => draw('inspect', 'validation', () => {
    renderValidation(app);
    void drawFirstFilters(app);
  }));
  $select('viz-layer').addEventListener('change', () => {
    current.layer = $select('viz-layer').value;
    renderGraph(app);
    void refresh(app);
  });
  $select('viz-image').addEventListener('change', () => {
    current.image = Number($select('viz-image').value);
    void refresh(app);
  });
  $button('viz-refresh').addEventListener('click', () => void refresh(app));
  $button('gradcam-btn').addEventListener('click', () => void gradCam(app));
  app.worker.on((e) => {
    if (e.kind === 'maps' && e.maps.layer === current.layer && e.maps.image === current.image) {
      document.body.dataset.liveMaps = String(Number(document.body.dataset.liveMaps ?? 0) + 1);
      draw('inspect', 'maps', () => drawMaps(e.maps));
    }
  });
}
