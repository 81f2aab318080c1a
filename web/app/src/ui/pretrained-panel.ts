// Model screen, "or start from a pretrained model": drop a TF.js layers model (model.json + .bin)
// or a Teachable Machine export (+ metadata.json); the screen shows where it is cut (the layer
// before its classifier), what is frozen (the whole backbone by default), the input size and
// pixel scaling it wants. "Train head" builds the model with a new head for the dataset's
// classes and trains it; "Fine-tune" then unfreezes the top blocks and trains on at a 10x lower
// learning rate (Keras's transfer-learning recipe). Training is the Train screen's run (same
// worker loop, curves and checkpoints).
import { fromDataTransfer } from '../data/collect.js';
import type { App } from '../state.js';
import type { PretrainedInfo } from '../train/messages.js';
import { ingest, setInputSize } from './dataset-panel.js';
import { $, $button, $input, $select, h, setStatus } from './dom.js';
import { buildModel, setTransfer, showModel } from './model-panel.js';
import { setTrainConfig, trainConfig } from './train-settings.js';

let info: PretrainedInfo | null = null;
/** The learning rate the head was trained at: fine-tuning uses a tenth of it. */
let headRate = 0;
/** True while one of this section's runs trains (its progress goes to the status line here too). */
let running = false;

async function readFiles(
  files: File[],
): Promise<{ modelJson: string; weights: Uint8Array; metadata?: string; source: string }> {
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  let modelJson = '',
    manifest: Array<{ paths: string[] }> = [],
    metadata: string | undefined;
  for (const f of jsons) {
    const text = await f.text();
    let obj: { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[] }>; labels?: unknown };
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new Error(`${f.name} is not valid JSON: ${(e as Error).message}`);
    }
    if (obj.modelTopology) {
      modelJson = text;
      manifest = obj.weightsManifest ?? [];
    } else if (Array.isArray(obj.labels)) metadata = text;
  }
  if (!modelJson) throw new Error('choose the model.json with its weight .bin files (a TF.js layers model)');
  const paths = manifest.flatMap((g) => g.paths);
  const bins = files.filter((f) => !/\.json$/i.test(f.name));
  if (paths.length === 0) throw new Error('model.json names no weight files: a pretrained model needs its weights');
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    const f =
      bins.find((b) => b.name === p.split('/').pop()) ??
      (bins.length === 1 && paths.length === 1 ? bins[0] : undefined);
    if (!f) throw new Error(`the weight file ${p} named in model.json was not chosen: choose all the model's files`);
    parts.push(new Uint8Array(await f.arrayBuffer()));
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  return { modelJson, weights, metadata, source: files.map((f) => f.name).join(', ') };
}

const shape = (s: Array<number | null>) => s.slice(1).join('x');

function freezeOptions(p: PretrainedInfo, cut: string): void {
  const cutAt = p.layers.findIndex((l) => l.name === cut);
  const blocks = p.blocks.filter((b) => p.layers.findIndex((l) => l.name === b.first) <= cutAt);
  const sel = $select('pt-freeze');
  sel.replaceChildren(
    h('option', { value: 'backbone', text: `the whole backbone (up to ${cut})` }),
    ...blocks
      .slice(-3)
      .reverse()
      .map((b, i) =>
        h('option', {
          value: `from:${b.first}`,
          text: `all but its top ${i + 1} block${i ? 's' : ''} (from ${b.first}; batch norm stays frozen)`,
        }),
      ),
    h('option', { value: 'none', text: 'nothing: train every layer' }),
  );
  const ft = $select('pt-ft-blocks');
  ft.replaceChildren(
    ...blocks
      .slice(-6)
      .reverse()
      .map((b, i) => h('option', { value: b.first, text: `${i + 1} block${i ? 's' : ''} (from ${b.first})` })),
  );
  ft.value = blocks.at(-2)?.first ?? blocks.at(-1)?.first ?? '';
}

function cutNote(p: PretrainedInfo, cut: string): string {
  const at = p.layers.findIndex((l) => l.name === cut);
  const l = p.layers[at];
  const dropped = p.layers.slice(at + 1).map((x) => x.name);
  return (
    `${cut === p.cut ? 'The layer before its classifier. ' : ''}Output ${shape(l.outputShape)}; new head: ${l.outputShape.length === 4 ? 'GlobalAveragePooling2D → ' : ''}Dense (softmax over your classes). ` +
    (dropped.length === 0
      ? ''
      : dropped.length <= 6
        ? `Left out: ${dropped.join(', ')}.`
        : `Left out: ${dropped.length} layers (${dropped.slice(0, 3).join(', ')} … ${dropped.at(-1)}).`)
  );
}

function showInfo(p: PretrainedInfo): void {
  $('pt-info').hidden = false;
  $('pt-facts').replaceChildren(
    h('span', { text: 'Model' }),
    h('span', { id: 'pt-name', text: `${p.name} (${p.source})` }),
    h('span', { text: 'Parameters' }),
    h('span', { text: `${p.params.toLocaleString('en-US')} in ${p.layers.length} layers` }),
    h('span', { text: 'Input' }),
    h('span', { id: 'pt-size', text: `${p.inputSize}x${p.inputSize} RGB (the images are decoded at this size)` }),
    h('span', { text: 'Preprocessing' }),
    h('span', {
      id: 'pt-prep',
      text: p.preprocess === 'mobilenet' ? "pixels scaled to [-1, 1] (x / 127.5 - 1, MobileNet's)" : 'pixels as 0..255',
    }),
    ...(p.labels
      ? [
          h('span', { text: 'Its labels (Teachable Machine)' }),
          h('span', {
            id: 'pt-labels',
            text: `${p.labels.join(', ')} — the new head learns your dataset's classes instead`,
          }),
        ]
      : []),
  );
  const cut = $select('pt-cut');
  // Layers with a feature map or vector output, up to the suggested cut and a little past it.
  const cutAt = p.layers.findIndex((l) => l.name === p.cut);
  cut.replaceChildren(
    ...p.layers
      .slice(1, Math.min(p.layers.length, cutAt + 3))
      .filter((l) => l.outputShape.length === 4 || l.outputShape.length === 2)
      .reverse()
      .map((l) =>
        h('option', {
          value: l.name,
          text: `${l.name} (${l.className}, ${shape(l.outputShape)})`,
        }),
      ),
  );
  cut.value = p.cut;
  $('pt-cut-note').textContent = cutNote(p, p.cut);
  freezeOptions(p, p.cut);
  $button('pt-finetune').disabled = true;
}

function chosen(): { cut: string; freeze: string } {
  return { cut: $select('pt-cut').value, freeze: $select('pt-freeze').value };
}

async function load(app: App, files: File[]): Promise<void> {
  if (app.state.trainState !== 'idle') {
    setStatus('pt-status', 'Stop training before loading another model.', 'warn');
    return;
  }
  try {
    setStatus('pt-status', 'Reading the model…');
    const req = await readFiles(files);
    info = await app.worker.call('pretrained', req, [req.weights.buffer as ArrayBuffer]);
    showInfo(info);
    setTransfer({
      transfer: { source: info.source, ...chosen() },
      preprocess: info.preprocess,
    });
    setInputSize(info.inputSize);
    let note = '';
    if (app.state.dataset && app.state.dataset.size !== info.inputSize) {
      if (app.state.collected) {
        setStatus('pt-status', `Decoding the images again at ${info.inputSize}x${info.inputSize}…`);
        await ingest(app, app.state.collected);
      } else
        note = ` Load the images again (Data screen): they are stored at ${app.state.dataset.size}x${app.state.dataset.size}.`;
    }
    setStatus(
      'pt-status',
      `Loaded ${info.name}: cut at ${info.cut}. ${app.state.dataset ? 'Press "Train head".' : 'Load a dataset (Data screen), then press "Train head".'}${note}`,
      note ? 'warn' : '',
    );
    document.body.dataset.pretrained = info.name;
  } catch (e) {
    setStatus('pt-status', `Could not load the model: ${(e as Error).message}`, 'error');
  }
}

async function run(app: App, what: string, epochs: number, learningRate: number): Promise<boolean> {
  const cfg = { ...trainConfig(), epochs: app.state.history.length + epochs, learningRate };
  setTrainConfig(cfg); // the Train screen shows (and its Start continues) this run
  running = true;
  try {
    const r = await app.worker.call('train', cfg);
    const last = app.state.history.at(-1);
    setStatus(
      'pt-status',
      `${what} ${r.stopped ? 'stopped' : 'done'} after epoch ${app.state.history.length}` +
        (last ? `: validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%.` : '.'),
    );
    document.body.dataset.trained = String(app.state.history.length);
    return !r.stopped;
  } catch (e) {
    setStatus('pt-status', `${what} failed: ${(e as Error).message}`, 'error');
    return false;
  } finally {
    running = false;
  }
}

export function setupPretrainedPanel(app: App): void {
  const input = $input('pt-input');
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    void load(app, files);
  });
  const drop = $('pt-box');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (!e.dataTransfer) return;
    // Files, a folder (read through its entries) or a .zip of the folder.
    void fromDataTransfer(e.dataTransfer).then(
      (found) =>
        load(
          app,
          found.filter((f) => !f.problem).map((f) => new File([f.blob], f.path.split('/').pop() ?? f.path)),
        ),
      (err: Error) => setStatus('pt-status', `Could not read what was dropped: ${err.message}`, 'error'),
    );
  });
  const dir = $input('pt-dir');
  dir.addEventListener('change', () => {
    const files = Array.from(dir.files ?? []);
    dir.value = '';
    void load(app, files);
  });
  const choose = () => {
    if (!info) return;
    setTransfer({ transfer: { source: info.source, ...chosen() }, preprocess: info.preprocess });
    $button('pt-finetune').disabled = true;
  };
  $select('pt-cut').addEventListener('change', () => {
    if (!info) return;
    $('pt-cut-note').textContent = cutNote(info, $select('pt-cut').value);
    freezeOptions(info, $select('pt-cut').value);
    choose();
  });
  $select('pt-freeze').addEventListener('change', choose);
  $button('pt-train').addEventListener('click', async () => {
    if (!info) return setStatus('pt-status', 'Choose a pretrained model first.', 'error');
    if (!app.state.dataset) return setStatus('pt-status', 'Load a dataset first (Data screen).', 'error');
    if (app.state.trainState !== 'idle') return;
    choose();
    setStatus('pt-status', 'Building the model with a new head…');
    const m = await buildModel(app);
    if (!m) return setStatus('pt-status', $('model-status').textContent || 'Could not build the model.', 'error');
    headRate = trainConfig().learningRate;
    const epochs = Math.max(1, Math.floor(Number($input('pt-epochs').value) || 1));
    setStatus(
      'pt-status',
      `Training the head (${m.summary.trainableParams.toLocaleString('en-US')} trainable parameters)…`,
    );
    if (await run(app, 'Head training', epochs, headRate)) $button('pt-finetune').disabled = false;
  });
  $button('pt-finetune').addEventListener('click', async () => {
    const from = $select('pt-ft-blocks').value;
    if (!from || app.state.trainState !== 'idle') return;
    try {
      const r = await app.worker.call('fineTune', { from });
      app.state.model = r.model;
      app.state.modelConfig = r.config;
      setTransfer({ transfer: r.config.transfer!, preprocess: r.config.preprocess ?? 'none' });
      showModel(r.model);
      const rate = (headRate || trainConfig().learningRate) / 10;
      const epochs = Math.max(1, Math.floor(Number($input('pt-ft-epochs').value) || 1));
      setStatus(
        'pt-status',
        `Fine-tuning from ${from} up (${r.model.summary.trainableParams.toLocaleString('en-US')} trainable parameters; batch normalization stays frozen) at learning rate ${rate.toPrecision(2)}…`,
      );
      await run(app, 'Fine-tuning', epochs, rate);
    } catch (e) {
      setStatus('pt-status', `Fine-tuning failed: ${(e as Error).message}`, 'error');
    }
  });
  // Fine-tuning continues a trained transfer model: not one built from a preset since.
  app.on('model', () => {
    if (app.state.modelConfig?.kind !== 'transfer') $button('pt-finetune').disabled = true;
  });
  app.worker.on((e) => {
    if (running && e.kind === 'batch')
      $('pt-progress').textContent =
        `epoch ${e.epoch + 1} · batch ${e.batch}/${e.batches} · loss ${e.loss.toFixed(4)} · accuracy ${e.accuracy.toFixed(3)} · ${e.imagesPerSecond.toFixed(0)} images/s`;
  });
}
