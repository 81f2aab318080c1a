// Train screen: optimizer, learning rate and schedule, batch size, epochs; start/pause/resume/
// stop; a progress bar with images/s and ETA; live loss and accuracy curves and a history table.
import { drawLineChart } from '../viz/index.js';
import type { App } from '../state.js';
import type { TrainConfig, TrainState } from '../train/messages.js';
import { $, $button, $canvas, $input, $select, fmtSeconds, h, setStatus } from './dom.js';
import { buildModel } from './model-panel.js';
import { draw } from './draw-queue.js';

export function trainConfig(): TrainConfig {
  return {
    epochs: Math.max(1, Math.floor(Number($input('t-epochs').value) || 1)),
    batchSize: Math.max(1, Math.floor(Number($input('t-batch').value) || 32)),
    optimizer: $select('t-opt').value as TrainConfig['optimizer'],
    learningRate: Number($input('t-lr').value) || 1e-3,
    schedule: $select('t-schedule').value as TrainConfig['schedule'],
    vizEvery: 5,
  };
}

export function setTrainConfig(t: TrainConfig): void {
  $input('t-epochs').value = String(t.epochs);
  $input('t-batch').value = String(t.batchSize);
  $select('t-opt').value = t.optimizer;
  $input('t-lr').value = String(t.learningRate);
  $select('t-schedule').value = t.schedule;
}

function drawCharts(app: App): void {
  const hs = app.state.history;
  const pts = (f: (r: (typeof hs)[number]) => number) => hs.filter((r) => Number.isFinite(f(r))).map((r) => ({ x: r.epoch, y: f(r) }));
  drawLineChart($canvas('chart-loss'), {
    title: 'Loss', xLabel: 'epoch', series: [
      { name: 'train', color: '#2f62c7', points: pts((r) => r.loss) },
      { name: 'validation', color: '#d9480f', points: pts((r) => r.valLoss), dashed: true },
    ],
  });
  drawLineChart($canvas('chart-acc'), {
    title: 'Accuracy', xLabel: 'epoch', yMin: 0, yMax: 1, series: [
      { name: 'train', color: '#2f62c7', points: pts((r) => r.accuracy) },
      { name: 'validation', color: '#d9480f', points: pts((r) => r.valAccuracy), dashed: true },
    ],
  });
  const body = $('history-table').querySelector('tbody')!;
  body.replaceChildren(...hs.map((r) => h('tr', {},
    h('td', { text: String(r.epoch) }), h('td', { text: r.loss.toFixed(4) }), h('td', { text: r.accuracy.toFixed(3) }),
    h('td', { text: Number.isFinite(r.valLoss) ? r.valLoss.toFixed(4) : '–' }),
    h('td', { class: 'val-acc', text: Number.isFinite(r.valAccuracy) ? r.valAccuracy.toFixed(3) : '–' }), h('td', { text: r.seconds.toFixed(1) }))));
}

function setButtons(s: TrainState): void {
  $button('train-start').disabled = s !== 'idle';
  $button('train-pause').disabled = s !== 'training';
  $button('train-resume').disabled = s !== 'paused';
  $button('train-stop').disabled = s === 'idle' || s === 'stopping';
  $('train-state').textContent = s;
  document.body.dataset.train = s;
}

export function setupTrainPanel(app: App): void {
  setButtons('idle');
  $button('train-start').addEventListener('click', async () => {
    if (!app.state.dataset) {
      setStatus('train-status', 'Load a dataset first (Data screen).', 'error');
      return;
    }
    if (!app.state.model && !(await buildModel(app))) {
      setStatus('train-status', 'Build a model first (Model screen).', 'error');
      return;
    }
    const cfg = trainConfig();
    if (app.state.history.length >= cfg.epochs) {
      setStatus('train-status', `Already trained ${app.state.history.length} epochs: raise "Epochs (total)" to continue.`, 'warn');
      return;
    }
    setStatus('train-status', app.state.history.length ? `Continuing from epoch ${app.state.history.length}…` : 'Starting…');
    try {
      const r = await app.worker.call('train', cfg);
      const last = app.state.history.at(-1);
      setStatus('train-status', `${r.stopped ? 'Stopped' : 'Finished'} after epoch ${app.state.history.length}` +
        (last ? `: validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%.` : '.'));
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
      draw('train', 'progress', () => showProgress(e));
    } else if (e.kind === 'epoch') {
      app.state.history = [...app.state.history, e.record];
      app.state.validation = e.validation;
      app.emit('history');
      app.emit('validation');
    } else if (e.kind === 'state') {
      app.state.trainState = e.state;
      setButtons(e.state);
      app.emit('train-state');
    } else if (e.kind === 'checkpoint') {
      $('train-status').dataset.checkpoint = String(e.epoch);
    } else if (e.kind === 'log') {
      setStatus('train-status', e.message, 'warn');
    }
  });
  app.on('history', () => draw('train', 'charts', () => drawCharts(app)));
  window.addEventListener('resize', () => draw('train', 'charts', () => drawCharts(app)));
}

function showProgress(e: { epoch: number; batch: number; batches: number; loss: number; accuracy: number; imagesPerSecond: number; etaSeconds: number; learningRate: number }): void {
  const cfg = trainConfig();
  const bar = $('train-progress') as HTMLProgressElement;
  bar.max = cfg.epochs * e.batches;
  bar.value = e.epoch * e.batches + e.batch;
  $('train-progress-text').textContent = `epoch ${e.epoch + 1}/${cfg.epochs} · batch ${e.batch}/${e.batches} · loss ${e.loss.toFixed(4)} · acc ${e.accuracy.toFixed(3)} · ${e.imagesPerSecond.toFixed(0)} images/s · ETA ${fmtSeconds(e.etaSeconds)} · lr ${e.learningRate.toPrecision(3)}`;
}
