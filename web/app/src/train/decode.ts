// Image decoding in the worker: createImageBitmap (JPEG, PNG, WebP, GIF, BMP: whatever the
// browser decodes) drawn resized onto an OffscreenCanvas, read back as RGB bytes. The image is
// stretched to the square input, as Keras's image_dataset_from_directory does by default.
export interface Decoded {
  rgb: Uint8Array;
  width: number;
  height: number;
}

let canvas: OffscreenCanvas | null = null;
let ctx: OffscreenCanvasRenderingContext2D | null = null;

function context(size: number): OffscreenCanvasRenderingContext2D {
  if (!canvas || canvas.width !== size) {
    canvas = new OffscreenCanvas(size, size);
    ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | null;
    if (!ctx) throw new Error('no 2d context on OffscreenCanvas');
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
  }
  return ctx!;
}

/** Throws with a readable reason when the bytes are not a decodable image. */
export async function decodeImage(blob: Blob, size: number): Promise<Decoded> {
  if (blob.size === 0) throw new Error('empty file');
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob);
  } catch (e) {
    throw new Error(`not a decodable image (${(e as Error).message || 'decode failed'})`);
  }
  const { width, height } = bmp;
  try {
    if (width === 0 || height === 0) throw new Error('image has no pixels');
    // Draw and read back in one synchronous step: the shared canvas is safe across awaits.
    const c = context(size);
    c.fillStyle = '#000';
    c.fillRect(0, 0, size, size);
    c.drawImage(bmp, 0, 0, size, size);
    const rgba = c.getImageData(0, 0, size, size).data;
    const rgb = new Uint8Array(size * size * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return { rgb, width, height };
  } finally {
    bmp.close();
  }
}
