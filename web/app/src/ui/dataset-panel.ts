// Data screen: drop/pick/zip/sample/manual ingest, then class counts with balance warnings,
// thumbnails per class, the split, and the lists of skipped, duplicate and tiny images.
import { drawImageGrid } from '../viz/index.js';
import { expandZips, fromDataTransfer, fromFileList, fromSample, fromZip, labelByFolder } from '../data/collect.js';
import type { Collected, PathFile } from '../data/collect.js';
import type { App } from '../state.js';
import type { DatasetSummary } from '../train/messages.js';
import { $, $button, $input, $select, fmtBytes, h, setStatus } from './dom.js';

export function inputSize(): number {
  return Number($select('input-size').value);
}

export function setInputSize(size: number): void {
  const sel = $select('input-size');
  if (![...sel.options].some((o) => Number(o.value) === size)) sel.append(h('option', { text: String(size) }));
  sel.value = String(size);
}

function splitSettings(): { valFraction: number; seed: number } {
  const v = Number($input('val-frac').value);
  return {
    valFraction: Number.isFinite(v) ? Math.min(0.5, Math.max(0, v)) : 0.2,
    seed: Math.max(0, Math.floor(Number($input('seed').value) || 0)),
  };
}

// One ingest at a time, the newest wins: every new folder, zip, drop, sample or size change
// takes a new ticket and cancels the running decode (the worker also runs one at a time).
// A result or progress event of an older ticket is dropped, so an old folder can never
// replace a newer one.
let ticket = 0;
let phase: 'idle' | 'reading' | 'decoding' = 'idle';

function setBusy(mine: number, p: typeof phase): void {
  if (mine !== ticket) return;
  phase = p;
  const cancel = $button('ingest-cancel');
  cancel.hidden = p === 'idle';
  cancel.disabled = false;
  $('dropzone').setAttribute('aria-busy', String(p !== 'idle'));
  if (p !== 'idle') document.body.dataset.ingest = 'running';
}

/** Stops the running read or decode; the current dataset stays unloaded. */
export async function cancelIngest(app: App): Promise<void> {
  if (phase === 'idle') return;
  const mine = ++ticket;
  $button('ingest-cancel').disabled = true;
  await app.worker.call('cancelIngest', null).catch(() => false);
  if (mine !== ticket) return;
  setBusy(mine, 'idle');
  setStatus(
    'ingest-status',
    app.state.dataset
      ? 'Cancelled: the dataset loaded before stays.'
      : 'Decoding cancelled: no dataset is loaded. Choose a folder again, or change the image size to decode the last one.',
    'warn',
  );
  document.body.dataset.ingest = 'cancelled';
}

const sameSplit = (s: DatasetSummary, w: { valFraction: number; seed: number }) =>
  Math.abs(s.valFraction - w.valFraction) < 1e-9 && s.seed === w.seed;

/** Decodes the collected files in the worker at the current input size. */
export async function ingest(app: App, collected: Collected, mine = ++ticket): Promise<DatasetSummary | null> {
  if (mine !== ticket) return null;
  if (collected.items.length === 0) {
    setBusy(mine, 'idle');
    setStatus(
      'ingest-status',
      `No images found (${collected.skipped.length} files skipped). Class folders must contain image files.`,
      'error',
    );
    document.body.dataset.ingest = 'error';
    return null;
  }
  if (collected.classes.length < 2) {
    setBusy(mine, 'idle');
    setStatus(
      'ingest-status',
      `Found only one class (${collected.classes[0]}): training needs at least two class folders.`,
      'error',
    );
    document.body.dataset.ingest = 'error';
    return null;
  }
  app.state.collected = collected;
  // The worker lets go of the current dataset while it decodes the new one.
  if (app.state.dataset) {
    app.state.dataset = null;
    $('dataset-view').replaceChildren();
    app.emit('dataset');
  }
  const t0 = performance.now();
  setBusy(mine, 'decoding');
  setStatus('ingest-status', `Decoding ${collected.items.length} images…`);
  const off = app.worker.on((e) => {
    if (e.kind === 'ingest' && e.ticket === mine && mine === ticket)
      setStatus('ingest-status', `Decoding: ${e.done} of ${e.total} images (${e.corrupt} skipped so far)…`);
  });
  try {
    let summary = await app.worker.call('ingest', {
      items: collected.items,
      classes: collected.classes,
      size: inputSize(),
      ...splitSettings(),
      extraProblems: collected.skipped,
      budgetBytes: Math.max(16, Number($input('budget').value) || 512) * 1024 * 1024,
      ticket: mine,
    });
    if (mine !== ticket) return null;
    // Split settings changed while decoding: apply them now.
    const wanted = splitSettings();
    if (!sameSplit(summary, wanted)) summary = await app.worker.call('split', wanted);
    if (mine !== ticket) return null;
    app.state.dataset = summary;
    const nested = collected.nested
      ? `; ${collected.nested} file${collected.nested === 1 ? '' : 's'} from nested folders counted in their top-level class folder`
      : '';
    setStatus(
      'ingest-status',
      `Loaded ${summary.total} images in ${summary.classes.length} classes at ${summary.size}x${summary.size} (${fmtBytes(summary.bytes)} in memory${summary.spilledBytes ? `, ${fmtBytes(summary.spilledBytes)} on disk` : ''}) in ${((performance.now() - t0) / 1000).toFixed(1)} s${nested}; ${summary.corrupt.length} files skipped${summary.corrupt.length ? ' (listed below with the reason)' : ''}.`,
    );
    render(summary);
    setBusy(mine, 'idle');
    document.body.dataset.ingest = 'done';
    app.emit('dataset');
    return summary;
  } catch (e) {
    if (mine !== ticket) return null;
    setBusy(mine, 'idle');
    if (/ingest cancelled/.test((e as Error).message)) {
      setStatus('ingest-status', 'Decoding cancelled: no dataset is loaded.', 'warn');
      document.body.dataset.ingest = 'cancelled';
    } else {
      setStatus('ingest-status', `Could not load the images: ${(e as Error).message}`, 'error');
      document.body.dataset.ingest = 'error';
    }
    return null;
  } finally {
    off();
  }
}

function render(s: DatasetSummary): void {
  const view = $('dataset-view');
  view.replaceChildren();
  const max = Math.max(...s.counts),
    min = Math.min(...s.counts);
  const table = h(
    'table',
    { class: 'counts', id: 'class-counts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { text: 'class' }),
        h('th', { text: 'images' }),
        h('th', { text: 'train' }),
        h('th', { text: 'validation' }),
      ),
    ),
  );
  const body = h('tbody');
  s.classes.forEach((c, i) =>
    body.append(
      h(
        'tr',
        { 'data-class': c },
        h('td', { text: c }),
        h('td', { text: String(s.counts[i]), class: 'count' }),
        h('td', { text: String(s.trainCounts[i]) }),
        h('td', { text: String(s.valCounts[i]) }),
      ),
    ),
  );
  table.append(body);
  view.append(table);
  if (min === 0 || max / min > 1.5) {
    view.append(
      h('p', {
        class: 'warn',
        text: `Classes are unbalanced (largest ${max}, smallest ${min} images): accuracy can mislead; consider more images for the small classes.`,
      }),
    );
  }
  for (const [i, c] of s.classes.entries()) {
    const t = s.thumbs[i];
    const canvas = h('canvas', { 'aria-label': `Examples of ${c}` });
    const row = h('div', { class: 'class-row' }, h('strong', { text: c }), canvas);
    view.append(row);
    if (t.n > 0) drawImageGrid(canvas, t.data, t.n, t.size, t.size, 3, { cols: 8, cellPx: 40 });
  }
  const listed = (shown: number, total: number) => (total > shown ? ` (the first ${shown} are listed)` : '');
  const corrupt = h(
    'details',
    { open: '' },
    h('summary', {
      id: 'corrupt-summary',
      text: `Skipped files: ${s.corrupt.length}${listed(Math.min(500, s.corrupt.length), s.corrupt.length)}`,
    }),
  );
  const list = h('ul', { class: 'problems', id: 'corrupt-list' });
  for (const p of s.corrupt.slice(0, 500)) list.append(h('li', {}, h('code', { text: p.name }), ` — ${p.reason}`));
  corrupt.append(list);
  view.append(corrupt);
  const dupCount = s.duplicateGroups ?? s.duplicates.length;
  const dup = h(
    'details',
    {},
    h('summary', {
      id: 'duplicate-summary',
      text: `Duplicate images (identical after resizing): ${dupCount} group${dupCount === 1 ? '' : 's'}${listed(Math.min(200, s.duplicates.length), dupCount)}`,
    }),
  );
  const dl = h('ul', { class: 'problems', id: 'duplicate-list' });
  for (const g of s.duplicates.slice(0, 200)) dl.append(h('li', { text: g.join(' = ') }));
  dup.append(dl);
  view.append(dup);
  // The count is exact; the worker sends only the first 500 names, and 200 are listed here.
  const tinyCount = s.tinyCount ?? s.tiny.length;
  const tiny = h(
    'details',
    {},
    h('summary', {
      id: 'tiny-summary',
      text: `Images smaller than ${s.size}x${s.size} (upscaled): ${tinyCount}${listed(Math.min(200, s.tiny.length), tinyCount)}`,
    }),
  );
  const tl = h('ul', { class: 'problems', id: 'tiny-list' });
  for (const t of s.tiny.slice(0, 200)) tl.append(h('li', { text: t }));
  tiny.append(tl);
  view.append(tiny);
}

async function load(app: App, files: Promise<PathFile[]> | PathFile[], what: string): Promise<void> {
  // The ticket is taken before reading: a folder picked while an older one is still being
  // read or unzipped wins over it.
  const mine = ++ticket;
  // An older decode is stopped now rather than when this one's files are read.
  if (phase === 'decoding') void app.worker.call('cancelIngest', null).catch(() => false);
  try {
    setBusy(mine, 'reading');
    setStatus('ingest-status', `Reading ${what}…`);
    const collected = labelByFolder(await files);
    if (mine !== ticket) return;
    // The worker's decode of an older folder is cancelled by this one's ingest request.
    await ingest(app, collected, mine);
  } catch (e) {
    if (mine !== ticket) return;
    setBusy(mine, 'idle');
    setStatus('ingest-status', `Could not read ${what}: ${(e as Error).message}`, 'error');
    document.body.dataset.ingest = 'error';
  }
}

export async function loadSample(app: App): Promise<void> {
  // The sample's images are small (28x28): train at their own size unless the user chose one.
  if (!$select('input-size').dataset.chosen) {
    const index = (await fetch('sample/index.json')
      .then((r) => r.json())
      .catch(() => null)) as { imageSize?: number[] } | null;
    if (index?.imageSize?.[0]) setInputSize(Math.max(...index.imageSize));
  }
  return load(app, fromSample(), 'the sample dataset');
}

export function setupDatasetPanel(app: App): void {
  $button('sample-btn').addEventListener('click', () => void loadSample(app));
  const dir = $input('dir-input');
  dir.addEventListener('change', () => {
    if (dir.files?.length) void load(app, expandZips(fromFileList(dir.files)), 'the folder');
  });
  const zip = $input('zip-input');
  zip.addEventListener('change', () => {
    const f = zip.files?.[0];
    if (f) void load(app, fromZip(f), f.name);
  });
  const zone = $('dropzone');
  // Keyboard users: Enter or Space on the drop area opens the folder picker.
  zone.addEventListener('keydown', (e) => {
    if (e.target === zone && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      dir.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer) void load(app, fromDataTransfer(e.dataTransfer), 'the dropped files');
  });
  // Manual: files added class by class.
  const pending = new Map<string, File[]>();
  const manual = $input('manual-files');
  manual.addEventListener('change', () => {
    const cls = $input('manual-class').value.trim().replace(/\//g, '_') || 'class';
    pending.set(cls, [...(pending.get(cls) ?? []), ...Array.from(manual.files ?? [])]);
    manual.value = '';
    $('manual-list').textContent = [...pending].map(([c, f]) => `${c}: ${f.length}`).join(', ');
    $button('manual-use').disabled = pending.size < 2;
  });
  $button('manual-use').addEventListener('click', () => {
    const files: PathFile[] = [];
    for (const [c, list] of pending) for (const f of list) files.push({ path: `${c}/${f.name}`, blob: f });
    void load(app, files, 'the chosen images');
  });
  const resplit = async () => {
    if (!app.state.dataset || app.state.trainState !== 'idle') return;
    try {
      app.state.dataset = await app.worker.call('split', splitSettings());
      render(app.state.dataset);
      app.emit('dataset');
    } catch (e) {
      setStatus('ingest-status', (e as Error).message, 'error');
    }
  };
  $input('val-frac').addEventListener('change', () => void resplit());
  $input('seed').addEventListener('change', () => void resplit());
  $select('input-size').addEventListener('change', () => {
    $select('input-size').dataset.chosen = '1';
    // While a folder is being read, its decode starts afterwards at the size chosen now.
    if (phase === 'reading') return;
    // Otherwise the newest folder is decoded again at the new size (cancelling a running decode).
    if (app.state.collected && app.state.trainState === 'idle') void ingest(app, app.state.collected);
  });
  $button('ingest-cancel').addEventListener('click', () => void cancelIngest(app));
}

export function renderDataset(s: DatasetSummary): void {
  render(s);
}
