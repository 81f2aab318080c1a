// Images as a grid of buttons with captions in HTML (not painted on a canvas), so captions
// wrap instead of being cut off, carry a tooltip, and each image can be picked by click or
// keyboard. Used for misclassified validation images.

export interface ImageTileItem {
  /** Caption lines under the image; each wraps as needed, nothing is cut off. */
  lines: string[];
  /** Tooltip and accessible label. */
  title: string;
}

export interface ImageTileOptions {
  /** Displayed image size in CSS pixels; default 72. */
  cellPx?: number;
  /** Width of a tile (image + caption) in CSS pixels; default 132. */
  tileWidth?: number;
  onPick?: (k: number) => void;
}

/** Caption of a misclassified (or any predicted) image: true class, predicted class and confidence. */
export function predictionCaption(trueName: string, predName: string, confidence: number): ImageTileItem {
  const pct = Number.isFinite(confidence) ? `${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}%` : '?%';
  return {
    lines: [`true: ${trueName}`, `predicted: ${predName} (${pct})`],
    title: `True class: ${trueName}. Predicted: ${predName}, ${pct} confidence.`,
  };
}

/**
 * Renders n RGB images (n * size * size * 3 bytes) as tiles into the container, replacing its
 * content; returns the tiles (buttons when onPick is given).
 */
export function renderImageTiles(
  container: HTMLElement,
  images: { data: Uint8Array; n: number; size: number },
  items: ImageTileItem[],
  opts: ImageTileOptions = {},
): HTMLElement[] {
  const { data, n, size } = images;
  if (items.length !== n) throw new Error(`renderImageTiles: ${n} images but ${items.length} captions`);
  if (data.length < n * size * size * 3)
    throw new Error(
      `renderImageTiles: ${n} images of ${size}x${size} need ${n * size * size * 3} bytes, got ${data.length}`,
    );
  const cellPx = opts.cellPx ?? 72,
    tileWidth = Math.max(cellPx, opts.tileWidth ?? 132);
  container.style.display = 'flex';
  container.style.flexWrap = 'wrap';
  container.style.gap = '0.5rem';
  const tiles: HTMLElement[] = [];
  for (let k = 0; k < n; k++) {
    const item = items[k]!;
    const tile = document.createElement(opts.onPick ? 'button' : 'figure');
    tile.className = 'image-tile';
    tile.title = item.title;
    tile.setAttribute('aria-label', item.title);
    tile.dataset['tile'] = String(k);
    tile.style.cssText =
      `display:flex;flex-direction:column;align-items:center;gap:0.2rem;width:${tileWidth}px;margin:0;padding:0.3rem;` +
      'border:1px solid rgba(128,128,128,0.45);border-radius:5px;background:transparent;color:inherit;font:inherit;text-align:center;';
    if (opts.onPick) {
      const btn = tile as HTMLButtonElement;
      btn.type = 'button';
      btn.style.cursor = 'pointer';
      btn.addEventListener('click', () => opts.onPick!(k));
    }
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    canvas.style.cssText = `width:${cellPx}px;height:${cellPx}px;image-rendering:pixelated;flex:none;`;
    const ctx = canvas.getContext('2d');
    if (ctx) {
      const img = ctx.createImageData(size, size);
      for (let i = 0, j = k * size * size * 3; i < size * size; i++, j += 3) {
        img.data[4 * i] = data[j]!;
        img.data[4 * i + 1] = data[j + 1]!;
        img.data[4 * i + 2] = data[j + 2]!;
        img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    }
    tile.appendChild(canvas);
    for (const line of item.lines) {
      const span = document.createElement('span');
      span.className = 'image-tile-caption';
      span.textContent = line;
      // Long class names break anywhere rather than overflow the tile.
      span.style.cssText = 'display:block;max-width:100%;font-size:0.78rem;line-height:1.25;overflow-wrap:anywhere;';
      tile.appendChild(span);
    }
    container.appendChild(tile);
    tiles.push(tile);
  }
  return tiles;
}
