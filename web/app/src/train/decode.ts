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

/** The image format its first bytes announce, or '' (text, damaged, unknown). */
export function sniffFormat(head: Uint8Array): string {
  const at = (o: number, s: string) => [...s].every((ch, i) => head[o + i] === ch.charCodeAt(0));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG';
  if (head[0] === 0x89 && at(1, 'PNG')) return 'PNG';
  if (at(0, 'GIF8')) return 'GIF';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'WebP';
  if (at(0, 'BM')) return 'BMP';
  if (at(4, 'ftyp')) return at(8, 'avif') || at(8, 'avis') ? 'AVIF' : 'HEIC';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'TIFF';
  return '';
}

/** A reason a person can act on for bytes the browser would not decode. */
async function whyUndecodable(blob: Blob, detail: string): Promise<string> {
  const head = new Uint8Array(await blob.slice(0, 16).arrayBuffer());
  const format = sniffFormat(head);
  if (format === 'HEIC' || format === 'TIFF')
    return `${format} image: this browser cannot decode it; convert it to JPEG or PNG`;
  if (format) return `damaged ${format} file: the browser could not decode it (${detail})`;
  const text =
    head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  return text
    ? 'not an image: the file holds text'
    : `not an image: its contents match no image format the browser reads (${detail})`;
}

/**
 * Whether a PNG's chunks run whole up to IEND. A PNG cut short (an interrupted download or
 * copy) is refused by Chromium's createImageBitmap, but Firefox and WebKit decode the part that
 * arrived and grey out the rest, which would put a damaged image into the dataset.
 */
export function pngComplete(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    if (bytes[at + 4] === 0x49 && bytes[at + 5] === 0x45 && bytes[at + 6] === 0x4e && bytes[at + 7] === 0x44)
      return true; // IEND
    at += 12 + length;
  }
  return false;
}

/** Throws with a readable reason when the bytes are not a decodable image. */
export async function decodeImage(blob: Blob, size: number): Promise<Decoded> {
  if (blob.size === 0) throw new Error('empty file (0 bytes)');
  if (
    sniffFormat(new Uint8Array(await blob.slice(0, 16).arrayBuffer())) === 'PNG' &&
    !pngComplete(new Uint8Array(await blob.arrayBuffer()))
  ) {
    throw new Error('damaged PNG file: it ends early (no IEND chunk), as after an interrupted download or copy');
  }
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob);
  } catch (e) {
    throw new Error(await whyUndecodable(blob, (e as Error).message || 'decode failed'));
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
