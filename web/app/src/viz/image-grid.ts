// Grid of small images (augmentation previews, dataset thumbnails, misclassified
// examples). Images are (N, H, W, C) with C = 1 or 3; float values are mapped from
// valueRange (default 0..255) to bytes and clamped.

import { drawTileGrid, tileGridLayout } from './tile-grid.js';

export interface ImageGridOptions {
  cols?: number;
  cellPx?: number; // longer side of one image in CSS pixels; default 64
  valueRange?: [number, number]; // input values that map to black and white; default [0, 255]
  labels?: string[]; // a caption under each image
}

// One RGBA array (h*w*4) per image.
export function imageGridPixels(
  images: Float32Array | Uint8Array,
  n: number,
  h: number,
  w: number,
  c: 1 | 3,
  valueRange: [number, number] = [0, 255],
): Uint8ClampedArray[] {
  if (![n, h, w].every((d) => Number.isInteger(d) && d >= 0) || (c !== 1 && c !== 3)) {
    throw new Error(`imageGridPixels: bad shape n=${n} h=${h} w=${w} c=${c} (c must be 1 or 3)`);
  }
  if (images.length < n * h * w * c) {
    throw new Error(
      `imageGridPixels: ${n} images of ${h}x${w}x${c} need ${n * h * w * c} values, got ${images.length}`,
    );
  }
  const [lo, hi] = valueRange;
  if (!(hi > lo)) throw new Error(`imageGridPixels: valueRange [${lo}, ${hi}] must have max > min`);
  const bytes = images instanceof Uint8Array && lo === 0 && hi === 255;
  const scale = 255 / (hi - lo);
  const out: Uint8ClampedArray[] = [];
  const hw = h * w;
  for (let k = 0; k < n; k++) {
    const px = new Uint8ClampedArray(hw * 4);
    const base = k * hw * c;
    for (let i = 0; i < hw; i++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = images[base + i * c + (c === 3 ? ch : 0)]!;
        // Uint8ClampedArray clamps and rounds; NaN becomes 0.
        px[i * 4 + ch] = bytes ? v : (v - lo) * scale;
      }
      px[i * 4 + 3] = 255;
    }
    out.push(px);
  }
  return out;
}

export function drawImageGrid(
  canvas: HTMLCanvasElement,
  images: Float32Array | Uint8Array,
  n: number,
  h: number,
  w: number,
  c: 1 | 3,
  opts: ImageGridOptions = {},
): void {
  const tiles = imageGridPixels(images, n, h, w, c, opts.valueRange);
  const captionH = opts.labels && opts.labels.length > 0 ? 15 : 0;
  const layout = tileGridLayout(n, w, h, {
    cellPx: opts.cellPx ?? 64,
    gap: 4,
    captionH,
    ...(opts.cols !== undefined ? { cols: opts.cols } : {}),
  });
  drawTileGrid(canvas, tiles, w, h, layout, opts.labels);
}
