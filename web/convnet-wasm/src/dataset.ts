// Batch sources: what fit() trains on. A source knows how many samples it has and hands out
// the samples at given indices as one batch (uint8 or float32 pixels plus labels), at once or
// asynchronously — from tensors in memory, or from a store that keeps images as uint8 chunks
// and spills them to disk (the web app's). fit() owns the order (a seeded shuffle per epoch),
// the batching and the copy into the engine, so every caller shares one training loop.
import { argError } from './errors.js';
import { Tensor, describeData } from './tensor.js';
import type { TensorData } from './tensor.js';

/** n samples: x is [n, ...inputShape] flattened (NHWC), y is n labels (or n one-hot rows). */
export interface Batch {
  x: TensorData;
  y: Float32Array | Uint8Array | Int32Array | Uint16Array | ArrayLike<number>;
}

export interface BatchSource {
  /** Number of samples. */
  readonly length: number;
  /**
   * The samples at `indices` as one batch. The source may reuse its buffers from call to call:
   * fit() copies a batch into the engine before it asks for the next one.
   */
  batch(indices: Uint32Array): Batch | Promise<Batch>;
}

export function isBatchSource(v: unknown): v is BatchSource {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Tensor) &&
    typeof (v as BatchSource).batch === 'function' &&
    Number.isInteger((v as BatchSource).length)
  );
}

/** The batch source of samples [begin, end) of x and y (whole-sample rows of each). */
export function tensorSource(x: Tensor, y: TensorData, begin = 0, end = x.shape[0]): BatchSource {
  const n = x.shape[0];
  if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin <= end && end <= n)) {
    throw argError(`tensorSource: samples [${begin}, ${end}) are out of range for ${n}`);
  }
  const xSize = n === 0 ? 0 : x.data.length / n;
  const ySize = n === 0 ? 0 : y.length / n;
  const Ctor = x.data.constructor as new (n: number) => TensorData;
  let xb: TensorData | null = null;
  let yb: Float32Array | null = null;
  return {
    length: end - begin,
    batch(indices: Uint32Array): Batch {
      const m = indices.length;
      const first = indices[0] ?? 0;
      // In order (no shuffle): views, no copy.
      if (m > 0 && indices[m - 1] === first + m - 1 && indices.every((v, i) => v === first + i)) {
        const a = begin + first;
        return { x: x.data.subarray(a * xSize, (a + m) * xSize), y: y.subarray(a * ySize, (a + m) * ySize) };
      }
      if (!xb || xb.length < m * xSize) xb = new Ctor(m * xSize);
      if (!yb || yb.length < m * ySize) yb = new Float32Array(m * ySize);
      for (let i = 0; i < m; i++) {
        const k = begin + indices[i];
        xb.set(x.data.subarray(k * xSize, (k + 1) * xSize), i * xSize);
        yb.set(y.subarray(k * ySize, (k + 1) * ySize), i * ySize);
      }
      return { x: xb.subarray(0, m * xSize), y: yb.subarray(0, m * ySize) };
    },
  };
}

/** Checks one batch a source returned: sizes and element types, with a message that says which. */
export function checkBatch(b: unknown, n: number, xSize: number, ySize: number, what: string): Batch {
  const batch = b as Batch;
  if (!batch || typeof batch !== 'object')
    throw argError(`${what}: the batch source returned ${describeData(b)}, not {x, y}`);
  const { x, y } = batch;
  if (!(x instanceof Float32Array || x instanceof Uint8Array || x instanceof Uint8ClampedArray)) {
    throw argError(`${what}: batch x must be a Float32Array or Uint8Array, got ${describeData(x)}`);
  }
  if (x.length !== n * xSize)
    throw argError(`${what}: batch x has ${x.length} values; ${n} samples of ${xSize} need ${n * xSize}`);
  if (!y || typeof (y as ArrayLike<number>).length !== 'number')
    throw argError(`${what}: batch y must be an array of labels, got ${describeData(y)}`);
  if (y.length !== n * ySize) throw argError(`${what}: batch y has ${y.length} values; ${n} samples need ${n * ySize}`);
  return batch;
}
