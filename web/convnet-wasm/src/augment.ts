// What training sees: the Keras augmentation layers applied in training mode to a batch of
// images, without a model — for previews of an augmentation pipeline (the web app's grid).
import { engine } from './engine.js';
import { argError, check } from './errors.js';
import { Layer } from './layers.js';
import { SessionIO } from './session-io.js';
import { Tensor, describeData } from './tensor.js';
import { toTopology } from './topology.js';

export interface AugmentOptions {
  /** Seeds the random transforms; each call draws new ones. Default: random. */
  seed?: number;
  /** Calls to draw: each gives another version of the batch (default 1). */
  repeats?: number;
}

/**
 * Applies layers.randomFlip(), randomRotation(), randomZoom(), randomTranslation() and
 * randomContrast() in training mode to a batch of NHWC images. Returns [repeats * n, H, W, C]:
 * repeat r of image i at r * n + i.
 */
export function augment(x: Tensor, augmentation: ReadonlyArray<Layer>, options: AugmentOptions = {}): Tensor {
  if (!(x instanceof Tensor) || x.rank !== 4)
    throw argError(`augment: x must be a Tensor [N, H, W, C], got ${describeData(x)}`);
  if (!Array.isArray(augmentation) || augmentation.length === 0)
    throw argError('augment: give a non-empty list of augmentation layers');
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw argError(`augment: repeats must be a positive integer, got ${repeats}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed) || seed < 0) throw argError(`augment: seed must be a non-negative integer, got ${seed}`);
  const [n, h, w, c] = x.shape;
  // The layers' configs only (they need not be, or may already be, applied in a model).
  const configs = augmentation.map((l, i) => {
    if (!(l instanceof Layer))
      throw argError(`augment: item ${i} is not a layer (use layers.randomFlip() and the like)`);
    return l.toJSON();
  });
  configs[0] = { ...configs[0], config: { ...configs[0].config, batch_input_shape: [null, h, w, c] } };
  const topology = { class_name: 'Sequential', config: { name: 'augment', layers: configs } };
  const io = new SessionIO(engine().createSession(toTopology({ modelTopology: topology }).json, seed));
  try {
    const size = h * w * c;
    const out = new Float32Array(repeats * n * size);
    for (let r = 0; r < repeats; ++r) {
      out.set(io.mapBatches(x.data, n, 64, (m) => check(io.raw.augment(m), 'augment'), [h, w, c]).data, r * n * size);
    }
    return new Tensor(out, [repeats * n, h, w, c]);
  } finally {
    io.raw.delete();
  }
}
