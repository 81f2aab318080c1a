// Augment screen: sliders for the Keras augmentation layers and a preview grid of what the
// model will see (needs the package's augment(); until then the panel says so).
import { drawImageGrid } from '../viz/index.js';
import type { App } from '../state.js';
import type { AugmentConfig } from '../train/messages.js';
import { $, $button, $canvas, $input, $select, setStatus } from './dom.js';

export function augmentConfig(): AugmentConfig {
  const num = (id: string) => Number($input(id).value) || 0;
  return {
    flip: $select('aug-flip').value as AugmentConfig['flip'],
    rotation: num('aug-rotation'),
    zoom: num('aug-zoom'),
    translation: num('aug-translation'),
    contrast: num('aug-contrast'),
  };
}

export function setAugmentConfig(a: AugmentConfig): void {
  $select('aug-flip').value = a.flip;
  for (const k of ['rotation', 'zoom', 'translation', 'contrast'] as const) {
    $input(`aug-${k}`).value = String(a[k]);
    $(`panel-augment`).querySelector<HTMLOutputElement>(`output[for="aug-${k}"]`)!.value = String(a[k]);
  }
}

export function setupAugmentPanel(app: App): void {
  let sample = 1;
  const preview = async () => {
    if (!app.state.dataset) {
      setStatus('aug-note', 'Load a dataset first (Data screen).');
      return;
    }
    try {
      const r = await app.worker.call('augmentPreview', { augment: augmentConfig(), count: 16, seed: sample++ });
      if (!r.available) {
        setStatus('aug-note', `${r.reason}. The settings still apply to training.`, 'warn');
        return;
      }
      setStatus('aug-note', '');
      document.body.dataset.augment = String(sample);
      drawImageGrid($canvas('aug-canvas'), r.images.data, r.images.n, r.images.size, r.images.size, 3, {
        cols: 8,
        cellPx: 64,
      });
    } catch (e) {
      setStatus('aug-note', (e as Error).message, 'error');
    }
  };
  for (const k of ['rotation', 'zoom', 'translation', 'contrast']) {
    const input = $input(`aug-${k}`);
    input.addEventListener('input', () => {
      $('panel-augment').querySelector<HTMLOutputElement>(`output[for="aug-${k}"]`)!.value = input.value;
    });
    input.addEventListener('change', () => void preview());
  }
  $select('aug-flip').addEventListener('change', () => void preview());
  $button('aug-preview').addEventListener('click', () => void preview());
  window.addEventListener('screen', (e) => {
    if ((e as CustomEvent).detail === 'augment') void preview();
  });
}
