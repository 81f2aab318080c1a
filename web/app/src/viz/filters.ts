// First-layer filters. The kernel is (KH, KW, CI, CO), as Keras and TF.js store Conv2D
// kernels. Weights are signed, so they are normalized symmetrically around 0: zero is
// mid-grey, and the sign of a weight keeps its meaning across tiles.

import { drawTileGrid, tileGridLayout } from './tile-grid.js';

export interface FilterOptions {
  maxFilters?: number; // at most this many tiles; default 64
  cellPx?: number; // longer side of one tile in CSS pixels; default 36
  gap?: number; // default 3
  normalize?: 'filter' | 'layer'; // scale per filter (default) or one scale for all
}

export interface FilterTiles {
  tiles: Uint8ClampedArray[]; // RGBA, kh*kw*4 bytes each
  h: number;
  w: number;
  count: number;
  rgb: boolean; // true: one colour tile per filter; false: one grey tile per (filter, input channel)
  cols: number; // suggested grid columns (CI when it is small, so rows are filters)
}

function maxAbs(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number, o: number | null): number {
  let m = 0;
  for (let p = 0; p < kh * kw * cin; p++) {
    const base = p * cout;
    if (o === null) for (let q = 0; q < cout; q++) m = Math.max(m, Math.abs(kernel[base + q]!) || 0);
    else m = Math.max(m, Math.abs(kernel[base + o]!) || 0);
  }
  return m;
}

export function filterTiles(
  kernel: Float32Array,
  shape: [number, number, number, number],
  opts: FilterOptions = {},
): FilterTiles {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`filterTiles: shape must be [kh, kw, cin, cout] of positive integers, got [${shape.join(', ')}]`);
  }
  const [kh, kw, cin, cout] = shape;
  if (kernel.length < kh * kw * cin * cout) {
    throw new Error(
      `filterTiles: shape [${shape.join(', ')}] needs ${kh * kw * cin * cout} weights, got ${kernel.length}`,
    );
  }
  const limit = Math.max(1, Math.floor(opts.maxFilters ?? 64));
  const rgb = cin === 3;
  const layerScale = opts.normalize === 'layer' ? maxAbs(kernel, kh, kw, cin, cout, null) : 0;
  // v in [-m, m] maps to [0, 255] with 0 at 127.5; an all-zero filter stays mid-grey.
  const toByte = (v: number, m: number) => (m > 0 && Number.isFinite(v) ? 127.5 + (127.5 * v) / m : 127.5);
  const tiles: Uint8ClampedArray[] = [];
  for (let o = 0; o < cout && tiles.length < limit; o++) {
    const m = opts.normalize === 'layer' ? layerScale : maxAbs(kernel, kh, kw, cin, cout, o);
    const channels = rgb ? [-1] : Array.from({ length: cin }, (_, i) => i);
    for (const ci of channels) {
      if (tiles.length >= limit) break;
      const tile = new Uint8ClampedArray(kh * kw * 4);
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const px = (y * kw + x) * 4;
          const at = (i: number) => kernel[((y * kw + x) * cin + i) * cout + o]!;
          if (rgb) {
            tile[px] = toByte(at(0), m);
            tile[px + 1] = toByte(at(1), m);
            tile[px + 2] = toByte(at(2), m);
          } else {
            const g = toByte(at(ci), m);
            tile[px] = g;
            tile[px + 1] = g;
            tile[px + 2] = g;
          }
          tile[px + 3] = 255;
        }
      }
      tiles.push(tile);
    }
  }
  const cols = !rgb && cin > 1 && cin <= 16 ? cin : Math.ceil(Math.sqrt(tiles.length));
  return { tiles, h: kh, w: kw, count: tiles.length, rgb, cols };
}

export function drawFilters(
  canvas: HTMLCanvasElement,
  kernel: Float32Array,
  shape: [number, number, number, number],
  opts: FilterOptions = {},
): { count: number } {
  const ft = filterTiles(kernel, shape, opts);
  const layout = tileGridLayout(ft.count, ft.w, ft.h, { cols: ft.cols, cellPx: opts.cellPx ?? 36, gap: opts.gap ?? 3 });
  drawTileGrid(canvas, ft.tiles, ft.w, ft.h, layout);
  return { count: ft.count };
}
