// Model screen: presets (seed models A and B, and a tiny one), the editor fields, TF.js import,
// and after building: the summary, parameter count, and estimates of memory and epoch time.
import { PRESETS } from '../train/presets.js';
import type { App } from '../state.js';
import type { ModelConfig, ModelInfo } from '../train/messages.js';
import { augmentConfig } from './augment-panel.js';
import { ingest, inputSize, setInputSize } from './dataset-panel.js';
import { $, $button, $input, $select, fmtBytes, fmtSeconds, h, setStatus } from './dom.js';

let imported: { json: string; weights?: Uint8Array } | null = null;

function applyPreset(p: (typeof PRESETS)[keyof typeof PRESETS]): void {
  $select('m-kind').value = p.kind;
  $input('m-stages').value = p.stages.join(',');
  $input('m-blocks').value = String(p.blocksPerStage);
  $select('m-conv').value = p.conv;
  $input('m-bn').checked = p.batchNorm;
  $input('m-dropout').value = String(p.dropout);
  imported = null;
}

export function setEditor(c: ModelConfig): void {
  if (c.kind !== 'import') applyPreset(c);
}

export function modelConfig(app: App): ModelConfig {
  const stages = $input('m-stages').value.split(/[\s,]+/).filter(Boolean).map(Number);
  return {
    kind: imported ? 'import' : ($select('m-kind').value as 'residual' | 'xception'),
    inputSize: inputSize(),
    classes: app.state.dataset?.classes.length ?? 2,
    stages,
    blocksPerStage: Number($input('m-blocks').value) || 1,
    conv: $select('m-conv').value as 'regular' | 'separable',
    batchNorm: $input('m-bn').checked,
    dropout: Math.min(0.9, Math.max(0, Number($input('m-dropout').value) || 0)),
    augment: augmentConfig(),
    seed: Math.max(0, Math.floor(Number($input('seed').value) || 0)),
    importJson: imported?.json,
    importWeights: imported?.weights,
  };
}

export function showModel(m: ModelInfo): void {
  $('model-summary').textContent = m.summaryText;
  const est = $('model-estimate');
  est.replaceChildren(
    h('span', { text: 'Parameters' }), h('span', { id: 'param-count', text: m.params.toLocaleString('en-US') }),
    h('span', { text: 'Input → output' }), h('span', { text: `${m.inputShape.join('x')} → ${m.binary ? '1 (sigmoid, 2 classes)' : `${m.outputShape[0]} (softmax)`}` }),
    h('span', { text: 'Layers' }), h('span', { text: String(m.summary.layers.length) }),
    h('span', { text: 'Threads' }), h('span', { text: String(m.threads) }),
  );
}

async function estimate(app: App): Promise<void> {
  const batchSize = Number($input('t-batch').value) || 32;
  try {
    const e = await app.worker.call('estimate', { batchSize });
    $('model-estimate').append(
      h('span', { text: 'Engine memory (batch ' + batchSize + ')' }), h('span', { id: 'est-memory', text: fmtBytes(e.memoryBytes) }),
      h('span', { text: 'Time per batch' }), h('span', { text: `${(e.secondsPerBatch * 1000).toFixed(0)} ms` }),
      h('span', { text: 'Time per epoch (estimate)' }), h('span', { id: 'est-epoch', text: app.state.dataset ? fmtSeconds(e.secondsPerEpoch) : 'load a dataset' }),
    );
  } catch (e) {
    $('model-estimate').append(h('span', { text: 'Estimate' }), h('span', { class: 'error', text: (e as Error).message }));
  }
}

/** Builds the model from the editor (re-decoding the dataset if the input size changed). */
export async function buildModel(app: App): Promise<ModelInfo | null> {
  if (app.state.trainState !== 'idle') {
    setStatus('model-status', 'Stop training before building a new model.', 'warn');
    return null;
  }
  const cfg = modelConfig(app);
  setStatus('model-status', 'Building…');
  try {
    if (app.state.dataset && app.state.collected && app.state.dataset.size !== cfg.inputSize) {
      setStatus('model-status', `Decoding the images again at ${cfg.inputSize}x${cfg.inputSize}…`);
      if (!(await ingest(app, app.state.collected))) throw new Error('the dataset could not be decoded at the new size');
    }
    const m = await app.worker.call('build', cfg);
    if (cfg.kind === 'import' && app.state.dataset && m.inputShape[0] !== app.state.dataset.size) {
      // The imported model decides the input size: decode again at its size.
      setInputSize(m.inputShape[0]);
      if (app.state.collected) await ingest(app, app.state.collected);
    }
    app.state.model = m;
    app.state.modelConfig = cfg;
    app.state.history = [];
    app.state.validation = null;
    setStatus('model-status', `Built ${m.summary.name}: ${m.params.toLocaleString('en-US')} parameters, ${m.summary.layers.length} layers.`);
    showModel(m);
    document.body.dataset.model = 'built';
    app.emit('model');
    app.emit('history');
    void estimate(app);
    return m;
  } catch (e) {
    setStatus('model-status', `Could not build the model: ${(e as Error).message}`, 'error');
    return null;
  }
}

async function readImport(files: File[]): Promise<{ json: string; weights?: Uint8Array }> {
  const jsonFile = files.find((f) => /\.json$/i.test(f.name));
  if (!jsonFile) throw new Error('choose the model.json (and its .bin weight files)');
  const json = await jsonFile.text();
  let obj: { weightsManifest?: Array<{ paths: string[] }>; modelTopology?: unknown };
  try {
    obj = JSON.parse(json);
  } catch (e) {
    throw new Error(`${jsonFile.name} is not valid JSON: ${(e as Error).message}`);
  }
  if (!obj.modelTopology) throw new Error(`${jsonFile.name} has no modelTopology: is it a TF.js layers model?`);
  const paths = (obj.weightsManifest ?? []).flatMap((g) => g.paths);
  const bins = files.filter((f) => !/\.json$/i.test(f.name));
  if (paths.length === 0 || bins.length === 0) return { json };
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    const f = bins.find((b) => b.name === p.split('/').pop()) ?? (bins.length === 1 && paths.length === 1 ? bins[0] : undefined);
    if (!f) throw new Error(`the weight file ${p} named in model.json was not chosen`);
    parts.push(new Uint8Array(await f.arrayBuffer()));
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  return { json, weights };
}

export function setupModelPanel(app: App): void {
  $button('preset-residual').addEventListener('click', () => applyPreset(PRESETS.residual));
  $button('preset-xception').addEventListener('click', () => applyPreset(PRESETS.xception));
  $button('preset-tiny').addEventListener('click', () => applyPreset(PRESETS.tiny));
  for (const id of ['m-kind', 'm-stages', 'm-blocks', 'm-conv', 'm-bn', 'm-dropout']) $(id).addEventListener('change', () => (imported = null));
  $button('build-btn').addEventListener('click', () => void buildModel(app));
  const imp = $input('import-input');
  imp.addEventListener('change', async () => {
    try {
      imported = await readImport(Array.from(imp.files ?? []));
      imp.value = '';
      await buildModel(app);
      setStatus('model-status', `Imported model.json ${imported?.weights ? 'with its weights' : '(fresh weights: no .bin chosen)'}.`);
    } catch (e) {
      imported = null;
      setStatus('model-status', `Import failed: ${(e as Error).message}`, 'error');
    }
  });
  app.on('dataset', () => {
    const m = app.state.model;
    const d = app.state.dataset;
    if (m && d && (m.binary ? d.classes.length !== 2 : m.outputShape[0] !== d.classes.length)) {
      setStatus('model-status', `The dataset now has ${d.classes.length} classes: build the model again.`, 'warn');
    }
  });
}
