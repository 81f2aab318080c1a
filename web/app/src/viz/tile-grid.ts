// Grid of equally sized image tiles (feature maps, filters, thumbnails): the layout is
// pure, the drawing blits RGBA tiles through a small canvas so they scale by nearest
// neighbour instead of blurring.

import { fitCanvasToContent } from './canvas.js';

export interface TileGridLayout {
  cols: number;
  rows: number;
  cellW: number; // CSS pixels of one tile
  cellH: number;
  captionH: number;
  gap: number;
  width: number; // whole grid, CSS pixels
  height: number;
}

// Tiles keep their aspect ratio: the longer side is cellPx.
export function tileGridLayout(
  count: number,
  tileW: number,
  tileH: number,
  opts: { cols?: number; cellPx: number; gap: number; captionH?: number },
): TileGridLayout {
  const n = Math.max(0, Math.floor(count));
  const cols = Math.max(1, Math.min(n || 1, Math.floor(opts.cols ?? Math.ceil(Math.sqrt(n || 1)))));
  const rows = Math.max(n === 0 ? 0 : 1, Math.ceil(n / cols));
  const scale = opts.cellPx / Math.max(1, tileW, tileH);
  const cellW = Math.max(1, Math.round(tileW * scale));
  const cellH = Math.max(1, Math.round(tileH * scale));
  const captionH = opts.captionH ?? 0;
  const gap = Math.max(0, opts.gap);
  return {
    cols,
    rows,
    cellW,
    cellH,
    captionH,
    gap,
    width: cols * cellW + (cols - 1) * gap,
    height: rows === 0 ? 1 : rows * (cellH + captionH) + (rows - 1) * gap,
  };
}

// Grayscale bytes (one per pixel) to RGBA.
export function grayToRgba(gray: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(gray.length * 4);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i]!;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

// Draws RGBA tiles (each tileW x tileH) into the canvas as a grid, with optional captions.
export function drawTileGrid(
  canvas: HTMLCanvasElement,
  rgbaTiles: Uint8ClampedArray[],
  tileW: number,
  tileH: number,
  layout: TileGridLayout,
  captions?: string[],
): void {
  const { ctx } = fitCanvasToContent(canvas, layout.width, layout.height);
  ctx.clearRect(0, 0, layout.width, layout.height);
  if (rgbaTiles.length === 0) return;
  const scratch = document.createElement('canvas');
  scratch.width = tileW;
  scratch.height = tileH;
  const sctx = scratch.getContext('2d');
  if (!sctx) throw new Error('viz: could not create a scratch 2D canvas');
  ctx.imageSmoothingEnabled = false;
  ctx.font = `${Math.max(9, Math.min(12, layout.captionH - 2))}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = getComputedStyle(canvas).color || '#222';
  for (let i = 0; i < rgbaTiles.length; i++) {
    const col = i % layout.cols;
    const row = Math.floor(i / layout.cols);
    const x = col * (layout.cellW + layout.gap);
    const y = row * (layout.cellH + layout.captionH + layout.gap);
    const img = sctx.createImageData(tileW, tileH);
    img.data.set(rgbaTiles[i]!);
    sctx.putImageData(img, 0, 0);
    ctx.drawImage(scratch, 0, 0, tileW, tileH, x, y, layout.cellW, layout.cellH);
    const caption = captions?.[i];
    if (caption && layout.captionH > 0) {
      ctx.fillText(fitText(ctx, caption, layout.cellW), x + layout.cellW / 2, y + layout.cellH + 1, layout.cellW);
    }
  }
}

function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(s + '…').width > maxWidth) s = s.slice(0, -1);
  return s + '…';
}
