// Inspect screen: the model graph (residual blocks framed, layers clickable), feature maps of
// the chosen layer for the chosen image (any class, validation or training split; live during
// training), the first layer's filters, Grad-CAM, the confusion matrix and misclassified
// validation images (click one to look at it here).
// Everything shown belongs to the current model and dataset: a new model, dataset or restored
// session clears what the previous one produced, and answers to requests made for it are dropped.
import {
  canvasTextMeasure,
  confusionMatrix,
  drawFeatureMaps,
  drawFilters,
  drawHeatmapOverlay,
  inspectGuide,
  layoutModelGraph,
  predictionCaption,
  renderConfusionMatrix,
  renderImageTiles,
  renderModelGraph,
} from '../viz/index.js';
import type { App } from '../state.js';
import type { DatasetSummary, FeatureMaps, ModelInfo, ValidationResult } from '../train/messages.js';
import { $, $button, $canvas, $select, drawRgb, h, setStatus } from './dom.js';
import { draw } from './draw-queue.js';

type Split = 'val' | 'train';

const current = { layer: '', image: -1 };
const pick = { split: 'val' as Split, label: 0 };
/** The chosen class's images in the chosen split. */
let list: { indices: number[]; names: string[] } = { indices: [], names: [] };
/** Bumped whenever the model or dataset changes: async answers for an older one are dropped. */
let gen = 0;
/** The validation results and the model and dataset they were computed for. */
let results: { model: ModelInfo; dataset: DatasetSummary; validation: ValidationResult } | null = null;
let shownDataset: DatasetSummary | null = null;
/** The dataset `list` was loaded from. */
let listFor: DatasetSummary | null = null;

const MIS_MAX = 32;

function currentResults(app: App): ValidationResult | null {
  const s = app.state;
  if (
    !results ||
    !s.validation ||
    results.validation !== s.validation ||
    results.model !== s.model ||
    results.dataset !== s.dataset
  )
    return null;
  return results.validation;
}

function clearCanvas(id: string): void {
  const c = $canvas(id);
  // Renderers pin a CSS size; a cleared canvas takes no room.
  c.style.width = '';
  c.style.height = '';
  c.width = 0;
  c.height = 0;
}

const GRADCAM_HINT =
  'Press the button for a heat map of where the model looks in the chosen image (a click on a misclassified image below does it too).';

/** No heat map (another image or model): hide the canvas rather than leave an empty box. */
function clearGradCam(app: App): void {
  clearCanvas('gradcam-canvas');
  $canvas('gradcam-canvas').hidden = true;
  setStatus('gradcam-note', app.state.model && app.state.dataset ? GRADCAM_HINT : '');
  delete document.body.dataset.gradcam;
}

function blankThumb(id: string): void {
  const c = $canvas(id);
  c.width = 96;
  c.height = 96;
}

function drawMaps(m: FeatureMaps): void {
  if (m.shape.length !== 3) return;
  drawFeatureMaps($canvas('viz-maps'), m.data, m.shape as [number, number, number], { maxMaps: 64, cellPx: 48 });
  $('viz-caption').textContent =
    `${m.layer}: ${m.shape.join('x')} (${Math.min(64, m.shape[2])} of ${m.shape[2]} maps shown)`;
  document.body.dataset.maps = m.layer;
  document.body.dataset.mapsImage = String(m.image);
}

async function showImage(app: App): Promise<void> {
  const g = gen;
  if (current.image < 0 || !app.state.dataset) {
    blankThumb('viz-input');
    return;
  }
  const img = await app.worker.call('images', { indices: [current.image] });
  if (g === gen) drawRgb($canvas('viz-input'), img.data, img.size);
}

async function refresh(app: App): Promise<void> {
  if (!app.state.model || !app.state.dataset || !current.layer || current.image < 0) return;
  const g = gen,
    want = { ...current };
  try {
    await app.worker.call('setViz', want);
    const maps = await app.worker.call('featureMaps', want);
    // Another model, dataset, layer or image was chosen meanwhile: this answer is stale.
    if (g !== gen || want.layer !== current.layer || want.image !== current.image) return;
    drawMaps(maps);
  } catch (e) {
    if (g === gen) $('viz-caption').textContent = (e as Error).message;
  }
}

async function drawFirstFilters(app: App): Promise<void> {
  if (!app.state.model) return;
  const g = gen;
  try {
    const f = await app.worker.call('filters', null);
    if (g !== gen) return;
    if (f && f.shape.length === 4)
      drawFilters($canvas('viz-filters'), f.data, f.shape as [number, number, number, number], { maxFilters: 64 });
    else clearCanvas('viz-filters');
  } catch {
    /* no model in the worker (yet): nothing to draw */
  }
}

function renderGraph(app: App): void {
  const m = app.state.model;
  const box = $('graph');
  if (!m) {
    box.replaceChildren(
      h('p', { class: 'help', text: 'The model graph appears here once a model is built (Model screen).' }),
    );
    return;
  }
  const layout = layoutModelGraph(m.summary, { measure: canvasTextMeasure() ?? undefined });
  renderModelGraph(box, layout, {
    selected: current.layer,
    onSelect: (name) => {
      if (!m.mapLayers.includes(name)) {
        $('viz-caption').textContent =
          `${name} has no spatial output (feature maps exist for convolution-shaped layers only).`;
        return;
      }
      current.layer = name;
      $select('viz-layer').value = name;
      void refresh(app);
    },
  });
}

function fillLayerPicker(app: App): void {
  const m = app.state.model;
  const layerSel = $select('viz-layer');
  layerSel.replaceChildren(...(m?.mapLayers ?? []).map((l) => h('option', { value: l, text: l })));
  if (!m) current.layer = '';
  else if (!m.mapLayers.includes(current.layer))
    current.layer = m.mapLayers.find((l) => /conv/.test(l)) ?? m.mapLayers[0] ?? '';
  layerSel.value = current.layer;
}

function fillClassPicker(app: App): void {
  const d = app.state.dataset;
  const counts = d ? (pick.split === 'val' ? d.valCounts : d.trainCounts) : [];
  $select('viz-class').replaceChildren(
    ...(d?.classes ?? []).map((c, i) => h('option', { value: String(i), text: `${c} (${counts[i] ?? 0})` })),
  );
  $select('viz-class').value = String(pick.label);
  $select('viz-split').value = pick.split;
}

const baseName = (name: string) => name.split('/').pop() ?? name;

function describeImage(app: App): void {
  const d = app.state.dataset;
  const k = list.indices.indexOf(current.image);
  $('viz-image-note').textContent =
    d && k >= 0
      ? `${d.classes[pick.label]}, ${pick.split === 'val' ? 'validation' : 'training'} image ${k + 1} of ${list.indices.length}: ${list.names[k]}`
      : '';
  document.body.dataset.inspectImage = String(current.image);
  $button('viz-prev').disabled = k <= 0;
  $button('viz-next').disabled = k < 0 || k >= list.indices.length - 1;
}

/** Lists the chosen class's images in the chosen split; keeps `keep` selected when it is among them. */
async function loadList(app: App, keep = -1): Promise<void> {
  const d = app.state.dataset;
  const imgSel = $select('viz-image');
  if (!d) {
    list = { indices: [], names: [] };
    listFor = null;
    imgSel.replaceChildren();
    current.image = -1;
    describeImage(app);
    return;
  }
  const want = { ...pick };
  const r = await app.worker.call('classImages', { split: want.split, label: want.label });
  // The list depends on the dataset and the pick only (not on the model).
  if (app.state.dataset !== d || want.split !== pick.split || want.label !== pick.label) return;
  list = r;
  listFor = d;
  const n = r.indices.length;
  imgSel.replaceChildren(
    ...r.indices.map((idx, k) =>
      h('option', { value: String(idx), text: `${k + 1} of ${n}: ${baseName(r.names[k])}` }),
    ),
  );
  if (n === 0)
    imgSel.replaceChildren(
      h('option', { value: '-1', text: `no ${pick.split === 'val' ? 'validation' : 'training'} images of this class` }),
    );
  current.image = r.indices.includes(keep) ? keep : (r.indices[0] ?? -1);
  imgSel.value = String(current.image);
  describeImage(app);
}

/** A new image was chosen: show it, forget the previous image's heat map, redraw the maps. */
async function imageChanged(app: App): Promise<void> {
  $select('viz-image').value = String(current.image);
  describeImage(app);
  clearGradCam(app);
  await Promise.all([showImage(app), refresh(app)]);
}

/** Opens one dataset image in the picker (e.g. a misclassified one), then its maps and Grad-CAM. */
async function openImage(app: App, index: number, label: number, split: Split): Promise<void> {
  pick.split = split;
  pick.label = label;
  fillClassPicker(app);
  await loadList(app, index);
  if (current.image !== index) return;
  $('viz-input').scrollIntoView({ block: 'center' });
  await imageChanged(app);
  if (app.state.model) await gradCam(app);
}

function renderValidation(app: App): void {
  const v = currentResults(app),
    d = app.state.dataset;
  const box = $('confusion');
  if (!v || !d) {
    box.replaceChildren();
    $('mis-grid').replaceChildren();
    $('mis-note').textContent = '';
    $('confusion-note').textContent =
      !app.state.model || !d
        ? 'The confusion matrix and misclassified images appear after training a model on the loaded images.'
        : 'No validation results for this model and dataset yet: train at least one epoch.';
    delete document.body.dataset.inspectResults;
    return;
  }
  $('confusion-note').textContent = 'Click a cell to list its images below.';
  const k = d.classes.length;
  const matrix = confusionMatrix(v.trueLabels, v.predicted, k);
  renderConfusionMatrix(box, matrix, d.classes, {
    caption: 'Rows: true class; columns: predicted class',
    onCellClick: (t, p) =>
      void showMisclassified(
        app,
        (i) => v.trueLabels[i] === t && v.predicted[i] === p,
        `True ${d.classes[t]}, predicted ${d.classes[p]}`,
      ),
  });
  document.body.dataset.inspectResults = String(app.state.history.length);
  void showMisclassified(app, (i) => v.trueLabels[i] !== v.predicted[i], 'Misclassified');
}

async function showMisclassified(app: App, keep: (i: number) => boolean, what: string): Promise<void> {
  const v = currentResults(app),
    d = app.state.dataset;
  if (!v || !d) return;
  const g = gen;
  const sel: number[] = [];
  let total = 0;
  for (let i = 0; i < v.indices.length; i++) {
    if (!keep(i)) continue;
    total++;
    if (sel.length < MIS_MAX) sel.push(i);
  }
  const grid = $('mis-grid');
  $('mis-note').textContent = total
    ? `${what}: ${total} image${total === 1 ? '' : 's'}${total > sel.length ? `, the first ${sel.length} shown` : ''}. Under each: true class, predicted class, confidence. Click one to inspect it above.`
    : `${what}: none.`;
  if (!sel.length) {
    grid.replaceChildren();
    return;
  }
  const imgs = await app.worker.call('images', { indices: sel.map((i) => v.indices[i]) });
  if (g !== gen || currentResults(app) !== v) return;
  grid.replaceChildren();
  const tiles = renderImageTiles(
    grid,
    imgs,
    sel.map((i) => predictionCaption(d.classes[v.trueLabels[i]], d.classes[v.predicted[i]], v.confidence[i])),
    {
      cellPx: 72,
      onPick: (k) => {
        // The opened image stays marked, so the user sees which one is shown above.
        tiles.forEach((t, j) => t.classList.toggle('selected', j === k));
        void openImage(app, v.indices[sel[k]], v.trueLabels[sel[k]], 'val');
      },
    },
  );
}

async function gradCam(app: App): Promise<void> {
  const m = app.state.model;
  if (!m || !app.state.dataset || current.image < 0) return;
  const g = gen,
    image = current.image;
  try {
    const layer = m.mapLayers.filter((l) => /conv|add|activation/.test(l)).at(-1) ?? current.layer;
    const r = await app.worker.call('gradCam', { layer, image });
    if (g !== gen || image !== current.image) return;
    if (!r.available) {
      setStatus('gradcam-note', r.reason, 'warn');
      return;
    }
    const img = await app.worker.call('images', { indices: [image] });
    if (g !== gen || image !== current.image) return;
    const s = img.size;
    const rgba = new ImageData(s, s);
    for (let i = 0; i < s * s; i++) {
      rgba.data.set([img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2], 255], 4 * i);
    }
    $canvas('gradcam-canvas').hidden = false;
    drawHeatmapOverlay($canvas('gradcam-canvas'), rgba, r.heat, [r.h, r.w]);
    setStatus(
      'gradcam-note',
      `Where ${layer} looks for "${app.state.dataset?.classes[r.classIndex]}" (the predicted class) in this image.`,
    );
    document.body.dataset.gradcam = `${image}:${layer}`;
  } catch (e) {
    if (g === gen) setStatus('gradcam-note', (e as Error).message, 'error');
  }
}

function updateGuide(app: App): void {
  const s = app.state;
  const gd = inspectGuide({
    hasData: !!s.dataset,
    hasModel: !!s.model,
    hasResults: !!currentResults(app),
    training: s.trainState !== 'idle',
  });
  $('inspect-guide').hidden = !gd.message;
  $('inspect-guide-text').textContent = gd.message;
  const tabOf = { data: 'data', model: 'model', train: 'train' } as const;
  $('inspect-steps').replaceChildren(
    ...gd.steps.map((st) => {
      const li = h('li', { class: st.done ? 'done' : '', 'data-step': st.step }, st.label);
      if (st.step === gd.next) {
        const b = h('button', {
          type: 'button',
          class: 'primary',
          text: `Go to ${st.step === 'data' ? 'Data' : st.step === 'model' ? 'Model' : 'Train'}`,
        });
        b.addEventListener('click', () => app.selectTab(tabOf[st.step]));
        li.append(b);
      }
      return li;
    }),
  );
  for (const id of ['viz-split', 'viz-class', 'viz-image']) $select(id).disabled = !gd.canPickImage;
  if (!gd.canPickImage) $button('viz-prev').disabled = $button('viz-next').disabled = true;
  $select('viz-layer').disabled = !gd.canShowMaps;
  $button('viz-refresh').disabled = !gd.canShowMaps;
  $button('gradcam-btn').disabled = !gd.canShowMaps;
  if (!gd.canShowMaps) {
    $('viz-caption').textContent = s.model
      ? 'Load images to see feature maps.'
      : 'Feature maps appear here once a model is built.';
    setStatus(
      'gradcam-note',
      s.model
        ? 'Grad-CAM needs images: load them on the Data screen.'
        : 'Grad-CAM needs a model (and works best after training).',
    );
  }
  document.body.dataset.inspectNext = gd.next ?? 'none';
}

/** The model or the dataset changed: drop everything the previous ones produced, redraw for the new. */
async function contextChanged(app: App): Promise<void> {
  gen++;
  const d = app.state.dataset;
  clearCanvas('viz-maps');
  clearCanvas('viz-filters');
  clearGradCam(app);
  $('viz-caption').textContent = '';
  delete document.body.dataset.maps;
  delete document.body.dataset.mapsImage;
  fillLayerPicker(app);
  renderGraph(app);
  renderValidation(app);
  updateGuide(app);
  if (d !== shownDataset) {
    // Another dataset (or split): start from its first class with images in the validation split.
    shownDataset = d;
    const hasVal = !!d && d.valCounts.some((c) => c > 0);
    pick.split = hasVal ? 'val' : 'train';
    const counts = d ? (hasVal ? d.valCounts : d.trainCounts) : [];
    pick.label = Math.max(
      0,
      counts.findIndex((c) => c > 0),
    );
    current.image = -1;
    fillClassPicker(app);
  }
  if (d && listFor !== d) await loadList(app).catch(() => {});
  describeImage(app);
  await Promise.all([showImage(app).catch(() => {}), drawFirstFilters(app), refresh(app)]);
}

export function setupInspectPanel(app: App): void {
  app.on('model', () => void contextChanged(app));
  app.on('dataset', () => void contextChanged(app));
  app.on('validation', () => {
    const s = app.state;
    // Results arrive for the model and dataset that were trained (building or loading is
    // refused while training), so they belong to the current ones.
    results =
      s.validation && s.model && s.dataset ? { model: s.model, dataset: s.dataset, validation: s.validation } : null;
    draw('inspect', 'validation', () => {
      renderValidation(app);
      updateGuide(app);
      void drawFirstFilters(app);
    });
  });
  app.on('train-state', () => updateGuide(app));
  $select('viz-layer').addEventListener('change', () => {
    current.layer = $select('viz-layer').value;
    renderGraph(app);
    void refresh(app);
  });
  $select('viz-split').addEventListener('change', () => {
    pick.split = $select('viz-split').value as Split;
    fillClassPicker(app);
    void loadList(app).then(() => imageChanged(app));
  });
  $select('viz-class').addEventListener('change', () => {
    pick.label = Number($select('viz-class').value);
    void loadList(app).then(() => imageChanged(app));
  });
  $select('viz-image').addEventListener('change', () => {
    current.image = Number($select('viz-image').value);
    void imageChanged(app);
  });
  const step = (by: number) => {
    const k = list.indices.indexOf(current.image) + by;
    if (k < 0 || k >= list.indices.length) return;
    current.image = list.indices[k];
    void imageChanged(app);
  };
  $button('viz-prev').addEventListener('click', () => step(-1));
  $button('viz-next').addEventListener('click', () => step(1));
  $button('viz-refresh').addEventListener('click', () => void refresh(app));
  $button('gradcam-btn').addEventListener('click', () => void gradCam(app));
  app.worker.on((e) => {
    if (e.kind === 'maps' && e.maps.layer === current.layer && e.maps.image === current.image) {
      document.body.dataset.liveMaps = String(Number(document.body.dataset.liveMaps ?? 0) + 1);
      draw('inspect', 'maps', () => drawMaps(e.maps));
    }
  });
  void contextChanged(app);
}
