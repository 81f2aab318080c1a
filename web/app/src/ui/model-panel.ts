// Model screen: presets (seed models A and B, and a tiny one), the editor fields, TF.js import,
// and after building: the summary, parameter count, and estimates of memory and epoch time.
import { PRESETS } from '../train/presets.js';
import type { App } from '../state.js';
import type { DatasetSummary, ModelConfig, ModelInfo, TransferConfig } from '../train/messages.js';
import { augmentConfig } from './augment-panel.js';
import { ingest, inputSize, setInputSize } from './dataset-panel.js';
import { $, $button, $input, $select, fmtBytes, fmtSeconds, h, setStatus } from './dom.js';
import { setTrainConfig, trainConfig } from './train-settings.js';

const PRESET_NAMES = { residual: 'The small residual net', xception: 'The Xception-like net', tiny: 'The tiny net' };

let imported: { json: string; weights?: Uint8Array } | null = null;
/** Set while the Model screen shows a pretrained model with a new head (ui/pretrained-panel.ts). */
let transfer: { transfer: TransferConfig; preprocess: 'mobilenet' | 'none' } | null = null;

/** The pretrained model and its cut/freeze choice become what Build and Start build (null: the editor's model again). */
export function setTransfer(t: typeof transfer): void {
  transfer = t;
  if (t) imported = null;
}

function applyPreset(
  p: Pick<ModelConfig, 'kind' | 'stages' | 'blocksPerStage' | 'conv' | 'batchNorm' | 'dropout'>,
): void {
  $select('m-kind').value = p.kind;
  $input('m-stages').value = p.stages.join(',');
  $input('m-blocks').value = String(p.blocksPerStage);
  $select('m-conv').value = p.conv;
  $input('m-bn').checked = p.batchNorm;
  $input('m-dropout').value = String(p.dropout);
  imported = null;
  transfer = null;
}

export function setEditor(c: ModelConfig): void {
  if (c.kind === 'transfer' && c.transfer) setTransfer({ transfer: c.transfer, preprocess: c.preprocess ?? 'none' });
  else if (c.kind !== 'import') applyPreset(c);
  $input('seed').value = String(c.seed); // the seed is part of what Start compares
}

/**
 * Batch-norm momentum from the steps per epoch. Keras's 0.99 averages over ~100 steps: on a
 * small dataset (15 steps an epoch for 480 images) the moving statistics that validation uses
 * lag the weights by several epochs and validation stays near chance while training accuracy
 * climbs. An average over about a third of an epoch keeps up; 0.8 bounds the noise.
 */
export function bnMomentumFor(trainImages: number, batchSize: number): number {
  const steps = Math.max(1, Math.ceil(trainImages / Math.max(1, batchSize)));
  return Math.round(Math.min(0.99, Math.max(0.8, 1 - 3 / steps)) * 1000) / 1000;
}

export function modelConfig(app: App): ModelConfig {
  const trainImages = app.state.dataset?.trainCounts.reduce((a, b) => a + b, 0) ?? 0;
  const stages = $input('m-stages')
    .value.split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  return {
    kind: transfer ? 'transfer' : imported ? 'import' : ($select('m-kind').value as 'residual' | 'xception'),
    inputSize: inputSize(),
    classes: app.state.dataset?.classes.length ?? 2,
    stages,
    blocksPerStage: Number($input('m-blocks').value) || 1,
    conv: $select('m-conv').value as 'regular' | 'separable',
    batchNorm: $input('m-bn').checked,
    dropout: Math.min(0.9, Math.max(0, Number($input('m-dropout').value) || 0)),
    bnMomentum: trainImages > 0 ? bnMomentumFor(trainImages, trainConfig().batchSize) : undefined,
    augment: augmentConfig(),
    seed: Math.max(0, Math.floor(Number($input('seed').value) || 0)),
    importJson: imported?.json,
    importWeights: imported?.weights,
    ...(transfer ? { transfer: { ...transfer.transfer }, preprocess: transfer.preprocess } : {}),
  };
}

/**
 * How the editor's config (and the loaded dataset) differs from the built model, in words, or ''
 * when Start would train exactly what the Model screen shows.
 */
export function modelDifference(
  built: ModelConfig,
  shown: ModelConfig,
  model: ModelInfo,
  d: DatasetSummary | null,
): string {
  const out: string[] = [];
  if (d && model.inputShape[0] !== d.size)
    out.push(`the images are now ${d.size}x${d.size}, the model takes ${model.inputShape[0]}x${model.inputShape[1]}`);
  const classes = model.binary ? 2 : model.outputShape[0];
  if (d && classes !== d.classes.length) out.push(`the dataset has ${d.classes.length} classes, the model ${classes}`);
  else if (d && model.classNames && model.classNames.join('\u0000') !== d.classes.join('\u0000')) {
    out.push(`the dataset's classes (${d.classes.join(', ')}) are not the model's (${model.classNames.join(', ')})`);
  }
  if (shown.kind === 'transfer' || built.kind === 'transfer') {
    if (shown.kind !== built.kind || JSON.stringify(shown.transfer) !== JSON.stringify(built.transfer))
      out.push('a different model or cut or frozen part was chosen');
    return out.join('; ');
  }
  if (shown.kind === 'import' || built.kind === 'import') {
    if (shown.kind !== built.kind || shown.importJson !== built.importJson) out.push('a different model was chosen');
    return out.join('; ');
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (shown.kind !== built.kind) out.push(`model type ${shown.kind} instead of ${built.kind}`);
  if (!same(shown.stages, built.stages))
    out.push(`filters ${shown.stages.join(',')} instead of ${built.stages.join(',')}`);
  if (shown.blocksPerStage !== built.blocksPerStage)
    out.push(`${shown.blocksPerStage} blocks per stage instead of ${built.blocksPerStage}`);
  if (shown.conv !== built.conv) out.push(`${shown.conv} convolutions instead of ${built.conv}`);
  if (shown.batchNorm !== built.batchNorm) out.push(`batch normalization ${shown.batchNorm ? 'on' : 'off'}`);
  if (shown.dropout !== built.dropout) out.push(`dropout ${shown.dropout} instead of ${built.dropout}`);
  if (!same(shown.augment, built.augment)) out.push('other augmentation settings');
  if (shown.seed !== built.seed) out.push(`seed ${shown.seed} instead of ${built.seed}`);
  return out.join('; ');
}

export function showModel(m: ModelInfo, bnMomentum?: number): void {
  $('model-summary').textContent = m.summaryText;
  const est = $('model-estimate');
  est.replaceChildren(
    h('span', { text: 'Parameters' }),
    h('span', { id: 'param-count', text: m.params.toLocaleString('en-US') }),
    h('span', { text: 'Input → output' }),
    h('span', {
      text: `${m.inputShape.join('x')} → ${m.binary ? '1 (sigmoid, 2 classes)' : `${m.outputShape[0]} (softmax)`}`,
    }),
    h('span', { text: 'Trainable / frozen' }),
    h('span', {
      id: 'param-trainable',
      text: `${m.summary.trainableParams.toLocaleString('en-US')} trainable, ${m.summary.nonTrainableParams.toLocaleString('en-US')} non-trainable (frozen layers and batch-norm statistics)`,
    }),
    h('span', { text: 'Layers' }),
    h('span', { text: String(m.summary.layers.length) }),
    h('span', { text: 'Threads' }),
    h('span', { text: String(m.threads) }),
  );
  if (bnMomentum !== undefined) {
    est.append(
      h('span', { text: 'Batch-norm momentum' }),
      h('span', {
        id: 'bn-momentum',
        text:
          `${bnMomentum} (from the steps per epoch: ` +
          "Keras's 0.99 would make the statistics used for validation lag by about 100 steps, several epochs on a small dataset)",
      }),
    );
  }
}

async function estimate(app: App): Promise<void> {
  const batchSize = Number($input('t-batch').value) || 32;
  const model = app.state.model;
  try {
    const e = await app.worker.call('estimate', { batchSize });
    if (app.state.model !== model) return; // a newer model was built meanwhile: its own estimate follows
    const memory =
      `${fmtBytes(e.memoryBytes)} of at most ${fmtBytes(e.limitBytes)}` +
      (!e.fits && e.memoryBytes <= e.limitBytes ? ' (the activations must fit one block, under 2 GiB)' : '') +
      (e.fits
        ? `; batches up to ${e.maxBatch.toLocaleString('en-US')} fit`
        : e.maxBatch > 0
          ? ` — too much: set the batch size to ${e.maxBatch} or less (Train screen), or use smaller images`
          : ' — too much even for one image: use smaller images or a smaller model');
    $('model-estimate').append(
      h('span', { text: 'Engine memory (batch ' + batchSize + ')' }),
      h('span', { id: 'est-memory', class: e.fits ? '' : 'error', text: memory }),
    );
    if (Number.isFinite(e.secondsPerBatch)) {
      $('model-estimate').append(
        h('span', { text: 'Time per batch' }),
        h('span', { text: `${(e.secondsPerBatch * 1000).toFixed(0)} ms` }),
        h('span', { text: 'Time per epoch (estimate)' }),
        h('span', { id: 'est-epoch', text: app.state.dataset ? fmtSeconds(e.secondsPerEpoch) : 'load a dataset' }),
      );
    }
  } catch (e) {
    if (app.state.model !== model) return;
    $('model-estimate').append(
      h('span', { text: 'Estimate' }),
      h('span', { class: 'error', text: (e as Error).message }),
    );
  }
}

/** Builds the model from the editor (re-decoding the dataset if the input size changed). */
/** The build in flight: a second click (or a preset click then Build) waits for it, so builds never overlap. */
let building: Promise<unknown> = Promise.resolve();

export function buildModel(app: App): Promise<ModelInfo | null> {
  const run = building.then(() => buildNow(app));
  building = run.catch(() => null);
  return run;
}

async function buildNow(app: App): Promise<ModelInfo | null> {
  if (app.state.trainState !== 'idle') {
    setStatus('model-status', 'Stop training before building a new model.', 'warn');
    return null;
  }
  const cfg = modelConfig(app);
  setStatus('model-status', 'Building…');
  try {
    if (app.state.dataset && app.state.collected && app.state.dataset.size !== cfg.inputSize) {
      setStatus('model-status', `Decoding the images again at ${cfg.inputSize}x${cfg.inputSize}…`);
      if (!(await ingest(app, app.state.collected)))
        throw new Error('the dataset could not be decoded at the new size');
    }
    const m = await app.worker.call('build', cfg);
    if (
      (cfg.kind === 'import' || cfg.kind === 'transfer') &&
      app.state.dataset &&
      m.inputShape[0] !== app.state.dataset.size
    ) {
      // The imported model decides the input size: decode again at its size.
      setInputSize(m.inputShape[0]);
      if (app.state.collected) await ingest(app, app.state.collected);
    }
    app.state.model = m;
    app.state.modelConfig = cfg;
    app.state.history = [];
    app.state.validation = null;
    setStatus(
      'model-status',
      `Built ${m.summary.name}: ${m.params.toLocaleString('en-US')} parameters, ${m.summary.layers.length} layers.`,
    );
    showModel(
      m,
      cfg.batchNorm && cfg.kind !== 'import' && cfg.kind !== 'transfer' ? (cfg.bnMomentum ?? 0.99) : undefined,
    );
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
    const f =
      bins.find((b) => b.name === p.split('/').pop()) ??
      (bins.length === 1 && paths.length === 1 ? bins[0] : undefined);
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
  // A preset click builds it (and sets its suggested training settings): what the screen shows is what Start trains.
  for (const name of ['residual', 'xception', 'tiny'] as const) {
    $button(`preset-${name}`).addEventListener('click', () => {
      if (app.state.trainState !== 'idle') {
        setStatus('model-status', 'Stop training before choosing another model.', 'warn');
        return;
      }
      applyPreset(PRESETS[name]);
      setTrainConfig({ ...trainConfig(), ...PRESETS[name].train });
      if (app.state.dataset) void buildModel(app);
      else
        setStatus(
          'model-status',
          `${PRESET_NAMES[name]} chosen: load a dataset (Data screen), then it is built for it.`,
        );
    });
  }
  for (const id of ['m-kind', 'm-stages', 'm-blocks', 'm-conv', 'm-bn', 'm-dropout'])
    $(id).addEventListener('change', () => {
      imported = null;
      transfer = null;
    });
  $button('build-btn').addEventListener('click', () => void buildModel(app));
  const imp = $input('import-input');
  imp.addEventListener('change', async () => {
    try {
      imported = await readImport(Array.from(imp.files ?? []));
      transfer = null;
      imp.value = '';
      await buildModel(app);
      setStatus(
        'model-status',
        `Imported model.json ${imported?.weights ? 'with its weights' : '(fresh weights: no .bin chosen)'}.`,
      );
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
