// Train screen: optimizer, learning rate and schedule, batch size, epochs; start/pause/resume/
// stop; a progress bar with images/s and ETA; live loss and accuracy curves and a history table.
import { drawLineChart } from '../viz/index.js';
import type { App } from '../state.js';
import type { TrainState } from '../train/messages.js';
import { $, $button, $canvas, fmtSeconds, h, setStatus } from './dom.js';
import { buildModel, modelConfig, modelDifference } from './model-panel.js';
import { trainConfig } from './train-settings.js';
import { draw } from './draw-queue.js';

/**
 * Live training curve: the running mean of the epoch so far, plotted at fractional epochs as the
 * batches arrive, so the first epoch is drawn while it runs. Cleared for a new model.
 */
let live: Array<{ x: number; loss: number; acc: number }> = [];

function drawCharts(app: App): void {
  const hs = app.state.history;
  const pts = (f: (r: (typeof hs)[number]) => number) =>
    hs.filter((r) => Number.isFinite(f(r))).map((r) => ({ x: r.epoch, y: f(r) }));
  const livePts = (f: (p: (typeof live)[number]) => number) =>
    live.filter((p) => Number.isFinite(f(p))).map((p) => ({ x: p.x, y: f(p) }));
  drawLineChart($canvas('chart-loss'), {
    title: 'Loss',
    xLabel: 'epoch',
    series: [
      { name: 'train (live)', color: '#2f62c7', points: livePts((p) => p.loss) },
      { name: 'validation', color: '#d9480f', points: pts((r) => r.valLoss), dashed: true },
    ],
  });
  drawLineChart($canvas('chart-acc'), {
    title: 'Accuracy',
    xLabel: 'epoch',
    yMin: 0,
    yMax: 1,
    series: [
      { name: 'train (live)', color: '#2f62c7', points: livePts((p) => p.acc) },
      { name: 'validation', color: '#d9480f', points: pts((r) => r.valAccuracy), dashed: true },
    ],
  });
  document.body.dataset.livePoints = String(live.length);
  const body = $('history-table').querySelector('tbody')!;
  body.replaceChildren(
    ...hs.map((r) =>
      h(
        'tr',
        {},
        h('td', { text: String(r.epoch) }),
        h('td', { text: r.loss.toFixed(4) }),
        h('td', { text: r.accuracy.toFixed(3) }),
        h('td', { text: Number.isFinite(r.valLoss) ? r.valLoss.toFixed(4) : '–' }),
        h('td', { class: 'val-acc', text: Number.isFinite(r.valAccuracy) ? r.valAccuracy.toFixed(3) : '–' }),
        h('td', { text: r.seconds.toFixed(1) }),
      ),
    ),
  );
}

function setButtons(s: TrainState): void {
  $button('train-start').disabled = s !== 'idle';
  $button('train-pause').disabled = s !== 'training';
  $button('train-resume').disabled = s !== 'paused';
  $button('train-stop').disabled = s === 'idle' || s === 'stopping';
  $('train-state').textContent = s;
  document.body.dataset.train = s;
}

/** Where the run is, in words, for the status line. */
let lastProgress = { epoch: 0, batch: 0, batches: 0 };
function describeState(s: TrainState): string {
  const at = `epoch ${lastProgress.epoch + 1}, batch ${lastProgress.batch}/${lastProgress.batches}`;
  switch (s) {
    case 'training':
      return lastProgress.batches ? `Training (${at})…` : 'Training…';
    case 'paused':
      return `Paused at ${at}: press Resume to go on (paused time does not count in the epoch time).`;
    case 'stopping':
      return 'Stopping after the current batch…';
    default:
      return '';
  }
}

/**
 * Whether Start may train the built model: it must be what the Model screen shows, at the
 * dataset's image size and class count. Returns why not, or '' when it may.
 */
async function readyModel(app: App): Promise<string> {
  const d = app.state.dataset!;
  const built = app.state.model && app.state.modelConfig;
  const diff = built ? modelDifference(app.state.modelConfig!, modelConfig(app), app.state.model!, d) : 'no model';
  if (!diff) return '';
  if (app.state.history.length > 0) {
    return (
      `The model trained so far (${app.state.history.length} epoch${app.state.history.length === 1 ? '' : 's'}) differs from what the Model screen shows now (${diff}). ` +
      'Press Build on the Model screen to start a new model with these settings, or change them back to continue training this one.'
    );
  }
  // Nothing trained yet: build what the screen shows, then train it.
  setStatus(
    'train-status',
    built ? `Building the model the Model screen shows (${diff})…` : 'Building the model the Model screen shows…',
  );
  return (await buildModel(app)) ? '' : 'The model could not be built: see the Model screen.';
}

export function setupTrainPanel(app: App): void {
  setButtons('idle');
  $button('train-start').addEventListener('click', async () => {
    if (!app.state.dataset) {
      setStatus('train-status', 'Load a dataset first (Data screen).', 'error');
      return;
    }
    if (app.state.trainState !== 'idle') return;
    const why = await readyModel(app);
    if (why) {
      setStatus('train-status', why, 'error');
      return;
    }
    const cfg = trainConfig();
    if (app.state.history.length >= cfg.epochs) {
      setStatus(
        'train-status',
        `Already trained ${app.state.history.length} epochs: raise "Epochs (total)" to continue.`,
        'warn',
      );
      return;
    }
    lastProgress = { epoch: app.state.history.length, batch: 0, batches: 0 };
    $('train-progress-text').textContent = '';
    setStatus(
      'train-status',
      app.state.history.length ? `Continuing from epoch ${app.state.history.length}…` : 'Starting…',
    );
    try {
      const r = await app.worker.call('train', cfg);
      const last = app.state.history.at(-1);
      setStatus(
        'train-status',
        `${r.stopped ? 'Stopped' : 'Finished'} after epoch ${app.state.history.length}` +
          (last ? `: validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%.` : '.'),
      );
      document.body.dataset.trained = String(app.state.history.length);
    } catch (e) {
      setStatus('train-status', `Training failed: ${(e as Error).message}`, 'error');
    }
  });
  $button('train-pause').addEventListener('click', () => void app.worker.call('pause', null));
  $button('train-resume').addEventListener('click', () => void app.worker.call('resume', null));
  $button('train-stop').addEventListener('click', () => void app.worker.call('stop', null));
  app.worker.on((e) => {
    if (e.kind === 'batch') {
      lastProgress = { epoch: e.epoch, batch: e.batch, batches: e.batches };
      live.push({ x: e.epoch + e.batch / e.batches, loss: e.loss, acc: e.accuracy });
      if (app.state.trainState === 'training') setStatus('train-status', describeState('training'));
      draw('train', 'progress', () => showProgress(e));
      draw('train', 'charts', () => drawCharts(app));
    } else if (e.kind === 'epoch') {
      app.state.history = [...app.state.history, e.record];
      app.state.validation = e.validation;
      app.emit('history');
      app.emit('validation');
    } else if (e.kind === 'state') {
      app.state.trainState = e.state;
      setButtons(e.state);
      if (e.state !== 'idle') setStatus('train-status', describeState(e.state));
      app.emit('train-state');
    } else if (e.kind === 'checkpoint') {
      $('train-status').dataset.checkpoint = String(e.epoch);
    } else if (e.kind === 'log') {
      setStatus('train-status', e.message, 'warn');
    }
  });
  app.on('history', () => draw('train', 'charts', () => drawCharts(app)));
  app.on('model', () => {
    // A new model (built, imported or restored) starts a new run: no stale curves or progress.
    live = app.state.history.map((r) => ({ x: r.epoch, loss: r.loss, acc: r.accuracy }));
    document.body.dataset.livePoints = String(live.length);
    lastProgress = { epoch: app.state.history.length, batch: 0, batches: 0 };
    ($('train-progress') as HTMLProgressElement).value = 0;
    $('train-progress-text').textContent = '';
    if (app.state.trainState === 'idle') setStatus('train-status', '');
  });
  window.addEventListener('resize', () => draw('train', 'charts', () => drawCharts(app)));
}

function showProgress(e: {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  etaSeconds: number;
  learningRate: number;
}): void {
  const cfg = trainConfig();
  const bar = $('train-progress') as HTMLProgressElement;
  bar.max = cfg.epochs * e.batches;
  bar.value = e.epoch * e.batches + e.batch;
  $('train-progress-text').textContent =
    `epoch ${e.epoch + 1}/${cfg.epochs} · batch ${e.batch}/${e.batches} · loss ${e.loss.toFixed(4)} · acc ${e.accuracy.toFixed(3)} · ${e.imagesPerSecond.toFixed(0)} images/s · ETA ${fmtSeconds(e.etaSeconds)} · lr ${e.learningRate.toPrecision(3)}`;
}
