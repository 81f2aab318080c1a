// Feature maps: one image's activation (H, W, C in NHWC order, channels last) shown as a
// grid of grayscale tiles, one per channel, each normalized by its own min and max so
// that weak channels are still visible. Longer data (a batch) is read for its first image only.

import { drawTileGrid, grayToRgba, tileGridLayout } from './tile-grid.js';

export interface FeatureMapTiles {
  tiles: Uint8ClampedArray[]; // one per channel: h*w grayscale bytes, row-major
  h: number;
  w: number;
  count: number;
  ranges: [number, number][]; // per channel [min, max] of the finite values
}

export interface FeatureMapOptions {
  maxMaps?: number; // at most this many channels (the first ones); default all
  cellPx?: number; // longer side of one tile in CSS pixels; default 56
  gap?: number; // pixels between tiles; default 2
}

function checkShape(data: ArrayLike<number>, shape: readonly number[], what: string, dims: number): void {
  if (shape.length !== dims || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${what}: shape must be ${dims} positive integers, got [${shape.join(', ')}]`);
  }
  const need = shape.reduce((a, b) => a * b, 1);
  if (data.length < need) {
    throw new Error(`${what}: shape [${shape.join(', ')}] needs ${need} values, got ${data.length}`);
  }
}

export function featureMapTiles(
  data: Float32Array,
  shape: [number, number, number],
  maxMaps?: number,
): FeatureMapTiles {
  checkShape(data, shape, 'featureMapTiles', 3);
  const [h, w, c] = shape;
  const count = Math.min(c, maxMaps === undefined ? c : Math.max(0, Math.floor(maxMaps)));
  const hw = h * w;
  const tiles: Uint8ClampedArray[] = [];
  const ranges: [number, number][] = [];
  for (let k = 0; k < count; k++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < hw; i++) {
      const v = data[i * c + k]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(lo <= hi)) {
      lo = 0;
      hi = 0;
    } // no finite value at all
    const tile = new Uint8ClampedArray(hw);
    if (hi > lo) {
      const scale = 255 / (hi - lo);
      for (let i = 0; i < hw; i++) {
        const v = data[i * c + k]!;
        // Non-finite values (a diverged network) show as black instead of poisoning the tile.
        tile[i] = Number.isFinite(v) ? Math.round((v - lo) * scale) : 0;
      }
    } else {
      tile.fill(128); // a constant channel has no contrast to show: mid-grey
    }
    tiles.push(tile);
    ranges.push([lo, hi]);
  }
  return { tiles, h, w, count, ranges };
}

export function drawFeatureMaps(
  canvas: HTMLCanvasElement,
  data: Float32Array,
  shape: [number, number, number],
  opts: FeatureMapOptions = {},
): { count: number } {
  const fm = featureMapTiles(data, shape, opts.maxMaps);
  const layout = tileGridLayout(fm.count, fm.w, fm.h, { cellPx: opts.cellPx ?? 56, gap: opts.gap ?? 2 });
  drawTileGrid(canvas, fm.tiles.map(grayToRgba), fm.w, fm.h, layout);
  return { count: fm.count };
}
