// The app's dataset store (uint8 images in memory chunks and an OPFS spill file) as a batch
// source for the package's training loop: the loop picks sample positions (its seeded shuffle),
// the source maps them to store indices, gathers the pixels and labels into reused buffers.
import type { BatchSource } from 'convnet-wasm';
import type { DatasetStore } from './dataset-store.js';

/** `prepare` maps the gathered pixels to the model's input (e.g. MobileNet's x / 127.5 - 1). */
export function storeSource(
  store: DatasetStore,
  indices: Int32Array<ArrayBufferLike>,
  prepare?: (pixels: Uint8Array) => Uint8Array | Float32Array,
): BatchSource {
  let pixels = new Uint8Array(0);
  let labels = new Float32Array(0);
  let picked = new Int32Array(0);
  return {
    length: indices.length,
    batch(positions: Uint32Array) {
      const n = positions.length;
      if (picked.length < n) {
        picked = new Int32Array(n);
        pixels = new Uint8Array(n * store.per);
        labels = new Float32Array(n);
      }
      const idx = picked.subarray(0, n);
      for (let k = 0; k < n; k++) {
        idx[k] = indices[positions[k]];
        labels[k] = store.labels[idx[k]];
      }
      const x = store.gather(idx, pixels);
      return { x: prepare ? prepare(x) : x, y: labels.subarray(0, n) };
    },
  };
}
