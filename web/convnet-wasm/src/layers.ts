// Layer builders in Keras's shape: layers.conv2d({filters, kernelSize, ...}) returns a Layer
// holding its Keras config (snake_case keys, as TF.js model.json stores them); layer.apply(x)
// connects it to symbolic tensors. Options are checked here for names and types (an unknown
// option is an error, not ignored); values and shapes are checked by the engine when the model
// is created, and its message names the layer.
import { argError } from './errors.js';

export type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';
export type Padding = 'valid' | 'same';
export type Pair = number | readonly [number, number];
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export type Interpolation = 'bilinear' | 'nearest';
export type Factor = number | readonly [number, number];

/** Options every layer takes. */
export interface BaseLayerOptions {
  /** Unique within a model; default: Keras-style 'conv2d', 'conv2d_1', ... */
  name?: string;
  /** For the first layer of a sequential model without an input(): [height, width, channels]. */
  inputShape?: readonly number[];
}

export interface Conv2DOptions extends BaseLayerOptions {
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  activation?: Activation;
  useBias?: boolean;
  dilationRate?: Pair;
  dataFormat?: 'channelsLast';
}
export interface DepthwiseConv2DOptions extends BaseLayerOptions {
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  depthMultiplier?: number;
  activation?: Activation;
  useBias?: boolean;
  dilationRate?: Pair;
  dataFormat?: 'channelsLast';
}
export interface SeparableConv2DOptions extends DepthwiseConv2DOptions {
  filters: number;
}
export interface DenseOptions extends BaseLayerOptions {
  units: number;
  activation?: Activation;
  useBias?: boolean;
}
export interface Pooling2DOptions extends BaseLayerOptions {
  poolSize?: Pair;
  strides?: Pair;
  padding?: Padding;
  dataFormat?: 'channelsLast';
}
export interface ReshapeOptions extends BaseLayerOptions {
  /** The new shape of each sample (batch excluded); one entry may be -1, inferred from the size. */
  targetShape: readonly number[];
}
export interface ActivationOptions extends BaseLayerOptions {
  activation: Activation;
}
export interface ConcatenateOptions extends BaseLayerOptions {
  axis?: number;
}
export interface BatchNormalizationOptions extends BaseLayerOptions {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}
export interface DropoutOptions extends BaseLayerOptions {
  rate: number;
  seed?: number;
}
export interface ZeroPadding2DOptions extends BaseLayerOptions {
  /** n, [h, w] or [[top, bottom], [left, right]] */
  padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
}
export interface ReLUOptions extends BaseLayerOptions {
  maxValue?: number;
  negativeSlope?: number;
  threshold?: number;
}
export interface LeakyReLUOptions extends BaseLayerOptions {
  alpha?: number;
}
export interface SoftmaxOptions extends BaseLayerOptions {
  axis?: number;
}
export interface RescalingOptions extends BaseLayerOptions {
  scale: number;
  offset?: number;
}
export interface RandomFlipOptions extends BaseLayerOptions {
  mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  seed?: number;
}
export interface RandomRotationOptions extends BaseLayerOptions {
  /** Fraction of a full turn: 0.1 means [-36°, 36°]; or [lower, upper]. */
  factor: Factor;
  fillMode?: FillMode;
  interpolation?: Interpolation;
  fillValue?: number;
  seed?: number;
}
export interface RandomZoomOptions extends BaseLayerOptions {
  heightFactor: Factor;
  widthFactor?: Factor;
  fillMode?: FillMode;
  interpolation?: Interpolation;
  fillValue?: number;
  seed?: number;
}
export interface RandomTranslationOptions extends BaseLayerOptions {
  heightFactor: Factor;
  widthFactor: Factor;
  fillMode?: FillMode;
  interpolation?: Interpolation;
  fillValue?: number;
  seed?: number;
}
export interface RandomContrastOptions extends BaseLayerOptions {
  factor: Factor;
  /** Keras 3: the pixel range results are clipped to (default [0, 255]). */
  valueRange?: readonly [number, number];
  seed?: number;
}

// ---- option checking ----------------------------------------------------------------------

type Kind =
  'int' | 'number' | 'bool' | 'pair' | 'factor' | 'numberPair' | 'zeroPadding' | 'shape' | 'targetShape' | 'string';
interface OptionSpec {
  kind: Kind;
  key?: string; // Keras config key; default: camelCase -> snake_case
  values?: readonly string[]; // allowed strings
  required?: boolean;
}
type OptionTable = Record<string, OptionSpec>;

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const isInt = (v: unknown) => Number.isInteger(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function kindOk(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'int':
      return isInt(v);
    case 'number':
      return isNum(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'pair':
      return isInt(v) || (Array.isArray(v) && v.length === 2 && v.every(isInt));
    case 'factor':
      return isNum(v) || (Array.isArray(v) && v.length === 2 && v.every(isNum));
    case 'numberPair':
      return Array.isArray(v) && v.length === 2 && v.every(isNum);
    case 'shape':
      return Array.isArray(v) && v.length >= 1 && v.every((d) => isInt(d) && d > 0);
    case 'targetShape':
      return Array.isArray(v) && v.length >= 1 && v.every((d) => isInt(d) && (d > 0 || d === -1));
    case 'zeroPadding':
      return (
        isInt(v) ||
        (Array.isArray(v) &&
          v.length === 2 &&
          (v.every(isInt) || v.every((p) => Array.isArray(p) && p.length === 2 && p.every(isInt))))
      );
  }
}

const KIND_TEXT: Record<Kind, string> = {
  int: 'an integer',
  number: 'a finite number',
  bool: 'true or false',
  string: 'a string',
  pair: 'an integer or [height, width]',
  factor: 'a number or [lower, upper]',
  numberPair: 'a list of 2 numbers [low, high]',
  shape: 'a list of positive integers like [32, 32, 3]',
  targetShape: 'a list of positive integers, one of which may be -1, like [-1, 64]',
  zeroPadding: 'n, [h, w] or [[top, bottom], [left, right]]',
};

const COMMON: OptionTable = { name: { kind: 'string' }, inputShape: { kind: 'shape' } };

function readOptions(builder: string, table: OptionTable, options: object | undefined): Record<string, unknown> {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw argError(`layers.${builder}: options must be an object`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  const all = { ...table, ...COMMON };
  for (const k of Object.keys(o)) {
    if (!(k in all)) {
      throw argError(`layers.${builder}: unknown option '${k}'; known options: ${Object.keys(all).join(', ')}`);
    }
  }
  const config: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(table)) {
    const v = o[k];
    if (v === undefined) {
      if (spec.required) throw argError(`layers.${builder}: option '${k}' is required`);
      continue;
    }
    if (!kindOk(spec.kind, v))
      throw argError(`layers.${builder}: option '${k}' must be ${KIND_TEXT[spec.kind]}, got ${JSON.stringify(v)}`);
    if (spec.values && !spec.values.includes(v as string)) {
      throw argError(
        `layers.${builder}: option '${k}' must be one of ${spec.values.map((s) => `'${s}'`).join(', ')}, got '${v}'`,
      );
    }
    config[spec.key ?? snake(k)] = v;
  }
  if (o.inputShape !== undefined && !kindOk('shape', o.inputShape)) {
    throw argError(
      `layers.${builder}: option 'inputShape' must be ${KIND_TEXT.shape}, got ${JSON.stringify(o.inputShape)}`,
    );
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === ''))
    throw argError(`layers.${builder}: option 'name' must be a non-empty string`);
  return config;
}

const pair = (v: unknown) => (typeof v === 'number' ? [v, v] : v);

// ---- names --------------------------------------------------------------------------------

const nameCounts = new Map<string, number>();

/** Keras-style unique names per prefix: 'conv2d', 'conv2d_1', ... (global, like Keras). */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Restarts automatic layer and model names (Keras's clear_session() does the same). */
export function resetLayerNames(): void {
  nameCounts.clear();
}

// ---- symbolic graph -----------------------------------------------------------------------

/** The output of a layer in a model being described; its shape is known once a model is built. */
export class SymbolicTensor {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  /** [null, ...dims] (null = batch); known for inputs, filled in by model() for the rest. */
  shape: Array<number | null> | null;

  constructor(layer: Layer, inputs: readonly SymbolicTensor[], shape: Array<number | null> | null) {
    this.layer = layer;
    this.inputs = inputs;
    this.shape = shape;
  }

  get name(): string {
    return this.layer.name;
  }

  toString(): string {
    return `SymbolicTensor(${this.layer.name}, shape=${this.shape ? JSON.stringify(this.shape) : 'unknown until model()'})`;
  }
}

export class Layer {
  /** Keras class name, e.g. 'Conv2D'. */
  readonly className: string;
  readonly name: string;
  /** Keras config (snake_case keys), without the name. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputShape: readonly number[] | undefined;
  /** Layers that take a list of tensors (Add, Concatenate). */
  readonly isMerge: boolean;
  private output: SymbolicTensor | null = null;

  constructor(
    className: string,
    prefix: string,
    config: Record<string, unknown>,
    options: BaseLayerOptions = {},
    isMerge = false,
  ) {
    this.className = className;
    this.name = options.name ?? uniqueName(prefix);
    this.config = Object.freeze({ ...config });
    this.inputShape = options.inputShape ? Object.freeze([...options.inputShape]) : undefined;
    this.isMerge = isMerge;
  }

  /** Connects the layer: apply(x), or apply([a, b]) for add and concatenate. */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
    if (this.className === 'InputLayer') throw argError(`input layer '${this.name}' cannot be applied to a tensor`);
    const list = Array.isArray(inputs) ? [...inputs] : [inputs as SymbolicTensor];
    for (const t of list) {
      if (!(t instanceof SymbolicTensor)) {
        throw argError(
          `layer '${this.name}' (${this.className}): apply() takes symbolic tensors from input() or another layer's apply(), got ${t === null ? 'null' : typeof t === 'object' ? t.constructor?.name : typeof t}`,
        );
      }
    }
    if (this.isMerge && list.length < 2)
      throw argError(`layer '${this.name}' (${this.className}) needs a list of at least 2 tensors, got ${list.length}`);
    if (!this.isMerge && list.length !== 1)
      throw argError(`layer '${this.name}' (${this.className}) takes one tensor, got ${list.length}`);
    if (this.output) {
      throw argError(
        `layer '${this.name}' is already applied; convnet-wasm does not support shared layers (one layer called on several inputs): create another layer`,
      );
    }
    this.output = new SymbolicTensor(this, list, null);
    return this.output;
  }

  /** The tensor this layer produced, once applied. */
  get outputTensor(): SymbolicTensor | null {
    return this.output;
  }

  /** {class_name, config} as in a TF.js model.json. */
  toJSON(): { class_name: string; config: Record<string, unknown> } {
    return { class_name: this.className, config: { name: this.name, trainable: true, ...this.config } };
  }

  toString(): string {
    return `${this.className}('${this.name}')`;
  }
}

export interface InputOptions {
  /** [height, width, channels] (no batch dimension). */
  shape: readonly number[];
  name?: string;
}

/** A model input: input({shape: [32, 32, 3]}). */
export function input(options: InputOptions): SymbolicTensor {
  const o = options as unknown as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw argError('input: options {shape} are required');
  for (const k of Object.keys(o))
    if (k !== 'shape' && k !== 'name') throw argError(`input: unknown option '${k}'; known options: shape, name`);
  if (!kindOk('shape', o.shape))
    throw argError(`input: shape must be ${KIND_TEXT.shape}, got ${JSON.stringify(o.shape)}`);
  const shape = [...(o.shape as number[])];
  const layer = new Layer(
    'InputLayer',
    'input',
    { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false },
    { name: options.name },
  );
  return new SymbolicTensor(layer, [], [null, ...shape]);
}

// ---- builders ------------------------------------------------------------------------------

const PADDING = ['valid', 'same'] as const;
const ACTIVATION: OptionSpec = { kind: 'string' }; // the engine names the supported ones
const FILL = ['reflect', 'wrap', 'constant', 'nearest'] as const;
const INTERP = ['bilinear', 'nearest'] as const;

const CONV_COMMON: OptionTable = {
  kernelSize: { kind: 'pair', required: true },
  strides: { kind: 'pair' },
  padding: { kind: 'string', values: PADDING },
  activation: ACTIVATION,
  useBias: { kind: 'bool' },
  dilationRate: { kind: 'pair' },
  dataFormat: { kind: 'string', values: ['channelsLast'] },
};

function convConfig(c: Record<string, unknown>): Record<string, unknown> {
  return {
    ...c,
    kernel_size: pair(c.kernel_size),
    strides: pair(c.strides ?? 1),
    padding: c.padding ?? 'valid',
    data_format: 'channels_last',
    dilation_rate: pair(c.dilation_rate ?? 1),
    activation: c.activation ?? 'linear',
    use_bias: c.use_bias ?? true,
  };
}

function augmentation(c: Record<string, unknown>): Record<string, unknown> {
  return { fill_mode: 'reflect', interpolation: 'bilinear', fill_value: 0, ...c, seed: c.seed ?? null };
}

/** A layer builder; its className is the Keras class it makes. */
export type LayerBuilder<O extends BaseLayerOptions> = ((options?: O) => Layer) & { readonly className: string };

function make<O extends BaseLayerOptions>(
  builder: string,
  className: string,
  prefix: string,
  table: OptionTable,
  finish: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c,
  isMerge = false,
): LayerBuilder<O> {
  const build = (options?: O): Layer => {
    const c = readOptions(builder, table, options);
    return new Layer(className, prefix, finish(c), options ?? {}, isMerge);
  };
  return Object.assign(build, { className });
}

/**
 * Layer builders; each takes Keras's options in camelCase. With input()'s InputLayer they cover
 * the engine's layer registry (src/layers/layer-registry.inc), class for class: a test
 * (tests/layer-classes.test.mjs) fails when one side has a class the other lacks.
 */
export const layers = {
  conv2d: make<Conv2DOptions>(
    'conv2d',
    'Conv2D',
    'conv2d',
    { filters: { kind: 'int', required: true }, ...CONV_COMMON },
    convConfig,
  ),
  depthwiseConv2d: make<DepthwiseConv2DOptions>(
    'depthwiseConv2d',
    'DepthwiseConv2D',
    'depthwise_conv2d',
    { ...CONV_COMMON, depthMultiplier: { kind: 'int' } },
    (c) => ({ ...convConfig(c), depth_multiplier: c.depth_multiplier ?? 1 }),
  ),
  separableConv2d: make<SeparableConv2DOptions>(
    'separableConv2d',
    'SeparableConv2D',
    'separable_conv2d',
    { filters: { kind: 'int', required: true }, ...CONV_COMMON, depthMultiplier: { kind: 'int' } },
    (c) => ({ ...convConfig(c), depth_multiplier: c.depth_multiplier ?? 1 }),
  ),
  dense: make<DenseOptions>(
    'dense',
    'Dense',
    'dense',
    { units: { kind: 'int', required: true }, activation: ACTIVATION, useBias: { kind: 'bool' } },
    (c) => ({ ...c, activation: c.activation ?? 'linear', use_bias: c.use_bias ?? true }),
  ),
  maxPooling2d: make<Pooling2DOptions>(
    'maxPooling2d',
    'MaxPooling2D',
    'max_pooling2d',
    {
      poolSize: { kind: 'pair' },
      strides: { kind: 'pair' },
      padding: { kind: 'string', values: PADDING },
      dataFormat: { kind: 'string', values: ['channelsLast'] },
    },
    (c) => ({
      pool_size: pair(c.pool_size ?? 2),
      strides: pair(c.strides ?? c.pool_size ?? 2),
      padding: c.padding ?? 'valid',
      data_format: 'channels_last',
    }),
  ),
  averagePooling2d: make<Pooling2DOptions>(
    'averagePooling2d',
    'AveragePooling2D',
    'average_pooling2d',
    {
      poolSize: { kind: 'pair' },
      strides: { kind: 'pair' },
      padding: { kind: 'string', values: PADDING },
      dataFormat: { kind: 'string', values: ['channelsLast'] },
    },
    (c) => ({
      pool_size: pair(c.pool_size ?? 2),
      strides: pair(c.strides ?? c.pool_size ?? 2),
      padding: c.padding ?? 'valid',
      data_format: 'channels_last',
    }),
  ),
  globalAveragePooling2d: make<BaseLayerOptions>(
    'globalAveragePooling2d',
    'GlobalAveragePooling2D',
    'global_average_pooling2d',
    {},
    () => ({ data_format: 'channels_last', keepdims: false }),
  ),
  flatten: make<BaseLayerOptions>('flatten', 'Flatten', 'flatten', {}, () => ({ data_format: 'channels_last' })),
  reshape: make<ReshapeOptions>(
    'reshape',
    'Reshape',
    'reshape',
    { targetShape: { kind: 'targetShape', required: true } },
    (c) => ({ target_shape: [...(c.target_shape as number[])] }),
  ),
  activation: make<ActivationOptions>('activation', 'Activation', 'activation', {
    activation: { kind: 'string', required: true },
  }),
  add: make<BaseLayerOptions>('add', 'Add', 'add', {}, (c) => c, true),
  concatenate: make<ConcatenateOptions>(
    'concatenate',
    'Concatenate',
    'concatenate',
    { axis: { kind: 'int' } },
    (c) => ({ axis: c.axis ?? -1 }),
    true,
  ),
  batchNormalization: make<BatchNormalizationOptions>(
    'batchNormalization',
    'BatchNormalization',
    'batch_normalization',
    {
      axis: { kind: 'int' },
      momentum: { kind: 'number' },
      epsilon: { kind: 'number' },
      center: { kind: 'bool' },
      scale: { kind: 'bool' },
    },
    (c) => ({
      axis: c.axis ?? -1,
      momentum: c.momentum ?? 0.99,
      epsilon: c.epsilon ?? 1e-3,
      center: c.center ?? true,
      scale: c.scale ?? true,
    }),
  ),
  dropout: make<DropoutOptions>(
    'dropout',
    'Dropout',
    'dropout',
    { rate: { kind: 'number', required: true }, seed: { kind: 'int' } },
    (c) => ({ rate: c.rate, seed: c.seed ?? null, noise_shape: null }),
  ),
  zeroPadding2d: make<ZeroPadding2DOptions>(
    'zeroPadding2d',
    'ZeroPadding2D',
    'zero_padding2d',
    { padding: { kind: 'zeroPadding' } },
    (c) => {
      const p = c.padding ?? 1;
      const hw = typeof p === 'number' ? [p, p] : (p as unknown[]);
      const full =
        typeof hw[0] === 'number'
          ? [
              [hw[0], hw[0]],
              [hw[1], hw[1]],
            ]
          : hw;
      return { padding: full, data_format: 'channels_last' };
    },
  ),
  reLU: make<ReLUOptions>(
    'reLU',
    'ReLU',
    're_lu',
    { maxValue: { kind: 'number' }, negativeSlope: { kind: 'number' }, threshold: { kind: 'number' } },
    (c) => ({ max_value: c.max_value ?? null, negative_slope: c.negative_slope ?? 0, threshold: c.threshold ?? 0 }),
  ),
  leakyReLU: make<LeakyReLUOptions>('leakyReLU', 'LeakyReLU', 'leaky_re_lu', { alpha: { kind: 'number' } }, (c) => ({
    alpha: c.alpha ?? 0.3,
  })),
  softmax: make<SoftmaxOptions>('softmax', 'Softmax', 'softmax', { axis: { kind: 'int' } }, (c) => ({
    axis: c.axis ?? -1,
  })),
  rescaling: make<RescalingOptions>(
    'rescaling',
    'Rescaling',
    'rescaling',
    { scale: { kind: 'number', required: true }, offset: { kind: 'number' } },
    (c) => ({ scale: c.scale, offset: c.offset ?? 0 }),
  ),
  randomFlip: make<RandomFlipOptions>(
    'randomFlip',
    'RandomFlip',
    'random_flip',
    { mode: { kind: 'string', values: ['horizontal', 'vertical', 'horizontal_and_vertical'] }, seed: { kind: 'int' } },
    (c) => ({ mode: c.mode ?? 'horizontal_and_vertical', seed: c.seed ?? null }),
  ),
  randomRotation: make<RandomRotationOptions>(
    'randomRotation',
    'RandomRotation',
    'random_rotation',
    {
      factor: { kind: 'factor', required: true },
      fillMode: { kind: 'string', values: FILL },
      interpolation: { kind: 'string', values: INTERP },
      fillValue: { kind: 'number' },
      seed: { kind: 'int' },
    },
    augmentation,
  ),
  randomZoom: make<RandomZoomOptions>(
    'randomZoom',
    'RandomZoom',
    'random_zoom',
    {
      heightFactor: { kind: 'factor', required: true },
      widthFactor: { kind: 'factor' },
      fillMode: { kind: 'string', values: FILL },
      interpolation: { kind: 'string', values: INTERP },
      fillValue: { kind: 'number' },
      seed: { kind: 'int' },
    },
    (c) => augmentation({ ...c, width_factor: c.width_factor ?? null }),
  ),
  randomTranslation: make<RandomTranslationOptions>(
    'randomTranslation',
    'RandomTranslation',
    'random_translation',
    {
      heightFactor: { kind: 'factor', required: true },
      widthFactor: { kind: 'factor', required: true },
      fillMode: { kind: 'string', values: FILL },
      interpolation: { kind: 'string', values: INTERP },
      fillValue: { kind: 'number' },
      seed: { kind: 'int' },
    },
    augmentation,
  ),
  randomContrast: make<RandomContrastOptions>(
    'randomContrast',
    'RandomContrast',
    'random_contrast',
    { factor: { kind: 'factor', required: true }, valueRange: { kind: 'numberPair' }, seed: { kind: 'int' } },
    (c) => ({ factor: c.factor, ...(c.value_range ? { value_range: c.value_range } : {}), seed: c.seed ?? null }),
  ),
};

export type LayerBuilders = typeof layers;
