// Tensors: plain typed arrays with a shape, NHWC for images (batch, height, width, channels).
// float32 is the engine's type; uint8 is accepted for pixels and class labels (converted as
// each batch is staged), which keeps image datasets at a quarter of the memory.
import { argError } from './errors.js';

export type DType = 'float32' | 'uint8';
export type TensorData = Float32Array | Uint8Array | Uint8ClampedArray;

export class Tensor {
  readonly data: TensorData;
  readonly shape: readonly number[];
  readonly dtype: DType;

  constructor(data: TensorData, shape: readonly number[]) {
    if (!(data instanceof Float32Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
      throw argError(`Tensor: data must be a Float32Array, Uint8Array or Uint8ClampedArray, got ${describeData(data)}`);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw argError(`Tensor: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const need = shape.reduce((a, b) => a * b, 1);
    // Too little data would train on whatever the staging buffer held before.
    if (data.length !== need)
      throw argError(`Tensor: shape [${shape.join(', ')}] needs ${need} values, got ${data.length}`);
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float32Array ? 'float32' : 'uint8';
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Samples [begin, end) along the first (batch) axis, sharing this tensor's memory. */
  slice(begin: number, end = this.shape[0]): Tensor {
    const n = this.shape[0];
    if (!(begin >= 0 && end <= n && begin <= end))
      throw argError(`slice(${begin}, ${end}) is out of range for ${n} samples`);
    const per = n === 0 ? 0 : this.data.length / n;
    return new Tensor(this.data.subarray(begin * per, end * per), [end - begin, ...this.shape.slice(1)]);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

export function describeData(data: unknown): string {
  if (data === null) return 'null';
  if (typeof data !== 'object') return typeof data;
  return (data as object).constructor?.name ?? 'object';
}

function checkShape(shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw argError(`${what}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

/**
 * A tensor from data and a shape (NHWC for images). data: Float32Array, a number[] (copied to
 * float32), or Uint8Array/Uint8ClampedArray pixels. Without a shape the tensor is 1-D.
 */
export function tensor(data: TensorData | number[], shape?: readonly number[]): Tensor {
  let d: TensorData;
  if (data instanceof Float32Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray) d = data;
  else if (Array.isArray(data)) {
    if (data.some((v) => typeof v !== 'number')) throw argError('tensor: a plain array must hold only numbers');
    d = Float32Array.from(data);
  } else {
    throw argError(
      `tensor: data must be a Float32Array (or Uint8Array pixels, or a number[]), got ${describeData(data)}` +
        (ArrayBuffer.isView(data) ? ': convert it with Float32Array.from(data)' : ''),
    );
  }
  const s = checkShape(shape ?? [d.length], 'tensor');
  const n = s.reduce((a, b) => a * b, 1);
  if (n !== d.length) throw argError(`tensor: shape [${s.join(', ')}] needs ${n} values but the data has ${d.length}`);
  return new Tensor(d, s);
}

/** Stacks same-shaped tensors (e.g. [h, w, c] images or [1, h, w, c] batches) along a new batch axis. */
export function stack(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw argError('stack: needs at least one tensor');
  let item = [...tensors[0].shape];
  if (item[0] === 1 && tensors.every((t) => t.shape[0] === 1)) item = item.slice(1);
  const per = item.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per * tensors.length);
  tensors.forEach((t, i) => {
    if (t.size !== per)
      throw argError(`stack: tensor ${i} has shape [${t.shape.join(', ')}], expected [${item.join(', ')}]`);
    out.set(t.data, i * per);
  });
  return new Tensor(out, [tensors.length, ...item]);
}
