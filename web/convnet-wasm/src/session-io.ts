// The one way data crosses into the engine: stage a batch into the session's staging buffers,
// run one engine step, copy its output out. Staging views are fetched fresh for every batch,
// because any call that grows wasm memory detaches the old ones.
import type { RawSession } from './engine-types.js';
import { check, ConvnetError } from './errors.js';
import type { Batch } from './dataset.js';
import type { TensorData } from './tensor.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export class SessionIO {
  readonly raw: RawSession;
  /** Values per input sample and per label. */
  readonly xSize: number;

  constructor(raw: RawSession) {
    this.raw = raw;
    this.xSize = prod(raw.inputShape());
  }

  get ySize(): number {
    return this.raw.labelSize();
  }

  /** Sizes the staging buffers for batches of `batch` (the engine re-plans only when it grows); returns the capacity. */
  reserve(batch: number): number {
    if (this.raw.reservedBatch() < batch) check(this.raw.reserve(batch), 'reserve');
    return this.raw.reservedBatch();
  }

  /** Copies a batch's inputs (and labels) into the staging buffers; uint8 pixels become float32 on the way. */
  stage(x: TensorData, y?: Batch['y']): void {
    this.raw.stagingX().set(x);
    if (y) {
      const sy = this.raw.stagingY();
      if (ArrayBuffer.isView(y)) sy.set(y as Float32Array);
      else for (let i = 0; i < y.length; i++) sy[i] = y[i];
    }
  }

  /**
   * Runs `step` over n samples of x in batches of at most `maxBatch`, staging each, and gathers
   * the per-sample outputs into one array: [n, ...shape], shape as the step reports it.
   */
  mapBatches(
    x: TensorData,
    n: number,
    maxBatch: number,
    step: (m: number) => { output: Float32Array; shape?: number[] },
    outShape?: readonly number[],
  ): { data: Float32Array; shape: number[] } {
    if (n === 0) throw new ConvnetError('no samples', 'invalid_argument');
    const batch = Math.min(this.reserve(Math.min(maxBatch, n)), maxBatch, n);
    let out: Float32Array | null = null;
    let shape: number[] = outShape ? [...outShape] : [];
    for (let begin = 0; begin < n; begin += batch) {
      const m = Math.min(batch, n - begin);
      this.stage(x.subarray(begin * this.xSize, (begin + m) * this.xSize));
      const r = step(m);
      if (r.shape) shape = r.shape;
      const per = prod(shape);
      out ??= new Float32Array(n * per);
      out.set(r.output.subarray(0, m * per), begin * per);
    }
    return { data: out!, shape: [n, ...shape] };
  }
}
