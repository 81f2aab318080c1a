// Model presets from the seed (model A: small residual convnet; model B: Xception-like) made
// configurable: filters per stage, blocks per stage, regular or separable convolutions, batch
// normalization on/off, dropout, and the Keras augmentation layers in front. Two classes get
// Dense(1, sigmoid) + binary cross-entropy, more get softmax + sparse categorical.
import * as cw from 'convnet-wasm';
import type { Layer, SymbolicTensor } from 'convnet-wasm';
import type { AugmentConfig, ModelConfig } from './messages.js';

const { layers } = cw;

/** The Keras augmentation layers for a config (empty when everything is off). */
export function augmentationLayers(a: AugmentConfig, seed: number): Layer[] {
  const out: Layer[] = [];
  if (a.flip !== 'none') out.push(layers.randomFlip({ mode: a.flip, seed }));
  if (a.rotation > 0) out.push(layers.randomRotation({ factor: a.rotation, seed: seed + 1 }));
  if (a.zoom > 0) out.push(layers.randomZoom({ heightFactor: a.zoom, seed: seed + 2 }));
  if (a.translation > 0)
    out.push(layers.randomTranslation({ heightFactor: a.translation, widthFactor: a.translation, seed: seed + 3 }));
  if (a.contrast > 0) out.push(layers.randomContrast({ factor: a.contrast, seed: seed + 4 }));
  return out;
}

/** Batch-norm settings: the config's moving-average momentum, else Keras's 0.99. */
function bnOptions(c: ModelConfig): { momentum?: number } {
  return c.bnMomentum !== undefined ? { momentum: c.bnMomentum } : {};
}

function conv(c: ModelConfig, filters: number, x: SymbolicTensor, relu: boolean): SymbolicTensor {
  const opts = {
    filters,
    kernelSize: 3,
    padding: 'same' as const,
    useBias: !c.batchNorm,
    activation: (relu && !c.batchNorm ? 'relu' : 'linear') as 'relu' | 'linear',
  };
  x = (c.conv === 'separable' ? layers.separableConv2d(opts) : layers.conv2d(opts)).apply(x);
  if (c.batchNorm) {
    // Conv (no bias) -> BN -> ReLU, as the seed recommends.
    x = layers.batchNormalization(bnOptions(c)).apply(x);
    if (relu) x = layers.activation({ activation: 'relu' }).apply(x);
  }
  return x;
}

/** Model A's residual block: two 3x3 convs; max-pool and a strided 1x1 projection when pooling. */
function residualBlock(
  c: ModelConfig,
  x: SymbolicTensor,
  filters: number,
  pooling: boolean,
  inChannels: number,
): SymbolicTensor {
  let residual = x;
  x = conv(c, filters, x, true);
  x = conv(c, filters, x, true);
  if (pooling) {
    x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
    residual = layers.conv2d({ filters, kernelSize: 1, strides: 2 }).apply(residual);
  } else if (inChannels !== filters) {
    residual = layers.conv2d({ filters, kernelSize: 1 }).apply(residual);
  }
  return layers.add().apply([x, residual]);
}

/** Model B's block: BN-ReLU-SepConv twice, 3x3/2 max-pool, strided 1x1 projection of the input. */
function xceptionBlock(c: ModelConfig, x: SymbolicTensor, filters: number): SymbolicTensor {
  const residual = x;
  for (let k = 0; k < 2; k++) {
    if (c.batchNorm) x = layers.batchNormalization(bnOptions(c)).apply(x);
    x = layers.activation({ activation: 'relu' }).apply(x);
    const opts = { filters, kernelSize: 3, padding: 'same' as const, useBias: false };
    x = (c.conv === 'separable' ? layers.separableConv2d(opts) : layers.conv2d(opts)).apply(x);
  }
  x = layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
  const proj = layers.conv2d({ filters, kernelSize: 1, strides: 2, padding: 'same', useBias: false }).apply(residual);
  return layers.add().apply([x, proj]);
}

/** The functional spec for a preset config. */
export function buildSpec(c: ModelConfig): { inputs: SymbolicTensor; outputs: SymbolicTensor; name: string } {
  if (c.stages.length === 0 || c.stages.some((f) => !Number.isInteger(f) || f < 1 || f > 2048)) {
    throw new Error(`filters per stage must be whole numbers from 1 to 2048, got [${c.stages.join(', ')}]`);
  }
  if (!(c.inputSize >= 8 && c.inputSize <= 512))
    throw new Error(`input size must be 8 to 512 pixels, got ${c.inputSize}`);
  if (c.classes < 2) throw new Error(`the dataset needs at least 2 classes, got ${c.classes}`);
  cw.resetLayerNames();
  const inputs = cw.input({ shape: [c.inputSize, c.inputSize, 3] });
  let x: SymbolicTensor = inputs;
  for (const l of augmentationLayers(c.augment, c.seed)) x = l.apply(x);
  x = layers.rescaling({ scale: 1 / 255 }).apply(x);
  const blocks = Math.max(1, Math.floor(c.blocksPerStage));
  if (c.kind === 'xception') {
    x = layers.conv2d({ filters: c.stages[0], kernelSize: 5, useBias: false }).apply(x);
    let channels = c.stages[0];
    for (const f of c.stages) {
      for (let b = 0; b < blocks; b++)
        x = b === blocks - 1 ? xceptionBlock(c, x, f) : residualBlock({ ...c }, x, f, false, channels);
      channels = f;
    }
  } else {
    let channels = 3;
    c.stages.forEach((f, s) => {
      for (let b = 0; b < blocks; b++) {
        // The last block of every stage but the final one pools (halving the spatial size).
        const pooling = b === blocks - 1 && s < c.stages.length - 1;
        x = residualBlock(c, x, f, pooling, channels);
        channels = f;
      }
    });
  }
  x = layers.globalAveragePooling2d().apply(x);
  if (c.dropout > 0) x = layers.dropout({ rate: c.dropout, seed: c.seed + 5 }).apply(x);
  const outputs =
    c.classes === 2
      ? layers.dense({ units: 1, activation: 'sigmoid' }).apply(x)
      : layers.dense({ units: c.classes, activation: 'softmax' }).apply(x);
  return { inputs, outputs, name: c.kind === 'xception' ? 'xception_like' : 'small_resnet' };
}
