// Images to model input: RGBA bytes (ImageData, an ImageBitmap drawn on an OffscreenCanvas, or
// {data, width, height}) become float32 HWC values in 0..255, resized with bilinear sampling at
// half-pixel centers as tf.image.resize does (so Keras preprocessing matches).
import { argError } from './errors.js';
import { Tensor } from './tensor.js';

export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** An ImageBitmap, described without the DOM types so Node-only TypeScript projects compile. */
export interface ImageBitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}

export interface ImageToInputOptions {
  /** Output [height, width]; default: the image's own size. */
  size?: readonly [number, number];
  /** 1 (grayscale, ITU-R 601 luma like PIL's 'L'), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Write into this buffer at `offset` (floats) instead of allocating; returns a view of it. */
  out?: Float32Array;
  offset?: number;
}

function toRgba(source: unknown): RgbaImage {
  const s = source as Partial<RgbaImage>;
  if (
    s &&
    (s.data instanceof Uint8ClampedArray || s.data instanceof Uint8Array) &&
    Number.isInteger(s.width) &&
    Number.isInteger(s.height)
  ) {
    if (s.data.length !== s.width! * s.height! * 4) {
      throw argError(
        `imageToInput: ${s.width}x${s.height} RGBA needs ${s.width! * s.height! * 4} bytes, got ${s.data.length}`,
      );
    }
    return s as RgbaImage;
  }
  const g = globalThis as {
    ImageBitmap?: new () => unknown;
    OffscreenCanvas?: new (w: number, h: number) => OffscreenCanvas;
  };
  if (g.ImageBitmap && source instanceof g.ImageBitmap) {
    if (!g.OffscreenCanvas)
      throw argError('imageToInput: ImageBitmap needs OffscreenCanvas, which this environment lacks');
    const bmp = source as unknown as ImageBitmap;
    const canvas = new g.OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | null;
    if (!ctx) throw argError('imageToInput: no 2d context on OffscreenCanvas');
    ctx.drawImage(bmp, 0, 0);
    return ctx.getImageData(0, 0, bmp.width, bmp.height);
  }
  throw argError('imageToInput: expected ImageData, ImageBitmap or {data: Uint8ClampedArray (RGBA), width, height}');
}

/**
 * One image as model input: a [1, height, width, channels] float32 tensor of 0..255 values
 * (add a Rescaling layer in the model, as Keras does). With `out`, writes there instead.
 */
export function imageToInput(source: RgbaImage | ImageBitmapLike, options: ImageToInputOptions = {}): Tensor {
  const img = toRgba(source);
  const [oh, ow] = options.size ?? [img.height, img.width];
  const c = options.channels ?? 3;
  if (![1, 3, 4].includes(c)) throw argError(`imageToInput: channels must be 1, 3 or 4, got ${c}`);
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) {
    throw argError(
      `imageToInput: size must be [height, width] of positive integers, got ${JSON.stringify(options.size)}`,
    );
  }
  if (img.width === 0 || img.height === 0) throw argError('imageToInput: the image is empty');
  const n = oh * ow * c;
  const offset = options.offset ?? 0;
  let out: Float32Array;
  if (options.out) {
    if (offset + n > options.out.length)
      throw argError(
        `imageToInput: out has room for ${options.out.length - offset} floats at offset ${offset}, needs ${n}`,
      );
    out = options.out.subarray(offset, offset + n);
  } else {
    out = new Float32Array(n);
  }
  const { data, width: iw, height: ih } = img;
  const sy = ih / oh,
    sx = iw / ow;
  const px = new Float32Array(4);
  for (let y = 0; y < oh; y++) {
    // Half-pixel centers: output pixel y samples input row (y + 0.5) * scale - 0.5.
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), ih - 1);
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, ih - 1),
      wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), iw - 1);
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, iw - 1),
        wx = fx - x0;
      const a = (y0 * iw + x0) * 4,
        b = (y0 * iw + x1) * 4,
        d = (y1 * iw + x0) * 4,
        e = (y1 * iw + x1) * 4;
      for (let k = 0; k < 4; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bot = data[d + k] + (data[e + k] - data[d + k]) * wx;
        px[k] = top + (bot - top) * wy;
      }
      const o = (y * ow + x) * c;
      if (c === 1) out[o] = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
      else {
        out[o] = px[0];
        out[o + 1] = px[1];
        out[o + 2] = px[2];
        if (c === 4) out[o + 3] = px[3];
      }
    }
  }
  return new Tensor(out, [1, oh, ow, c]);
}
