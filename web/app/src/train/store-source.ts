// The app's dataset store (uint8 images in memory chunks and an OPFS spill file) as a batch
// source for the package's training loop: the loop picks sample positions (its seeded shuffle),
// the source maps them to store indices, gathers the pixels and labels into reused buffers.
import type { BatchSource } from 'convnet-wasm';
import type { DatasetStore } from './dataset-store.js';

export function storeSource(store: DatasetStore, indices: Int32Array<ArrayBufferLike>): BatchSource {
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
      return { x: store.gather(idx, pixels), y: labels.subarray(0, n) };
    },
  };
}
