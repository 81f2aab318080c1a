// Heat maps (Grad-CAM): our own dark-to-bright colour map, bilinear upsampling of a
// coarse heat map to the image size, and alpha blending over the image.

// Hand-picked anchors from near-black violet through crimson and orange to pale yellow.
// Each step is brighter than the last, so the map reads as "more" without a legend.
const ANCHORS: [number, number, number][] = [
  [16, 10, 40],
  [72, 22, 110],
  [158, 36, 104],
  [222, 84, 52],
  [246, 168, 38],
  [252, 240, 160],
];

// Channels are 0..255 floats; Uint8ClampedArray and CSS rgb() round them.
export function colormap(t: number): [number, number, number] {
  const u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const f = u * (ANCHORS.length - 1);
  const i = Math.min(ANCHORS.length - 2, Math.floor(f));
  const s = f - i;
  const a = ANCHORS[i]!,
    b = ANCHORS[i + 1]!;
  // Not rounded: rounding each channel separately can make luminance dip by a hair.
  return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s];
}

// Relative luminance of an sRGB colour (WCAG 2 definition), 0..1.
export function luminance(rgb: readonly [number, number, number]): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}

// Bilinear resize of a single-channel (h, w) map to (outH, outW), sampling at pixel
// centres so that the map is not shifted by half a cell.
export function bilinearResize(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  if (src.length < h * w || h <= 0 || w <= 0)
    throw new Error(`bilinearResize: ${h}x${w} needs ${h * w} values, got ${src.length}`);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / outH - 0.5));
    const y0 = Math.floor(fy),
      y1 = Math.min(h - 1, y0 + 1),
      wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / outW - 0.5));
      const x0 = Math.floor(fx),
        x1 = Math.min(w - 1, x0 + 1),
        wx = fx - x0;
      const top = src[y0 * w + x0]! * (1 - wx) + src[y0 * w + x1]! * wx;
      const bot = src[y1 * w + x0]! * (1 - wx) + src[y1 * w + x1]! * wx;
      out[y * outW + x] = top * (1 - wy) + bot * wy;
    }
  }
  return out;
}

export interface HeatmapOptions {
  alpha?: number; // opacity of the heat colour at full heat; default 0.5
}

// RGBA pixels of the image with the heat map blended in. Heat is normalized by its range
// (a constant map shows no heat); the blend weight grows with heat, so cold areas keep
// the image visible.
export function heatmapOverlayPixels(
  image: { data: Uint8ClampedArray; width: number; height: number },
  heat: Float32Array,
  heatShape: [number, number],
  alpha = 0.5,
): Uint8ClampedArray {
  const { width, height, data } = image;
  if (data.length < width * height * 4)
    throw new Error(
      `heatmap: image data has ${data.length} bytes, ${width}x${height} RGBA needs ${width * height * 4}`,
    );
  const [hh, hw] = heatShape;
  const up = bilinearResize(heat, hh, hw, height, width);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < hh * hw; i++) {
    const v = heat[i]!;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const range = hi > lo ? hi - lo : 0;
  const a = Math.min(1, Math.max(0, alpha));
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = up[i]!;
    const t = range > 0 && Number.isFinite(v) ? (v - lo) / range : 0;
    const [r, g, b] = colormap(t);
    const k = a * (0.35 + 0.65 * t);
    out[i * 4] = data[i * 4]! * (1 - k) + r * k;
    out[i * 4 + 1] = data[i * 4 + 1]! * (1 - k) + g * k;
    out[i * 4 + 2] = data[i * 4 + 2]! * (1 - k) + b * k;
    out[i * 4 + 3] = 255;
  }
  return out;
}

// Draws at the image's own resolution; scale the canvas with CSS for display.
export function drawHeatmapOverlay(
  canvas: HTMLCanvasElement,
  image: ImageData,
  heat: Float32Array,
  heatShape: [number, number],
  opts: HeatmapOptions = {},
): void {
  const pixels = heatmapOverlayPixels(image, heat, heatShape, opts.alpha ?? 0.5);
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('viz: the canvas has no 2D context');
  // createImageData + set avoids typing trouble between ArrayBuffer and SharedArrayBuffer views.
  const out = ctx.createImageData(image.width, image.height);
  out.data.set(pixels);
  ctx.putImageData(out, 0, 0);
}
