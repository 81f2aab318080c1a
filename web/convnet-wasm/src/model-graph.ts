// A built model's layers as symbolic objects, for model surgery the way Keras users write it:
//
//   const base = await loadTfjsModel(json, weights);
//   const features = base.getLayer('out_relu').outputTensor;
//   const y = layers.dense({ units: 3, activation: 'softmax' }).apply(layers.globalAveragePooling2d({}).apply(features));
//   const transfer = model({ inputs: base.input, outputs: y }); // base's layers bring their weights
//
// The graph is rebuilt from the engine's own model.json (flat, functional: nested models are
// already expanded there), so every model has one, however it was made. The engine gives each
// model its own memory: a new model copies the weights of the layers it takes from another model
// when it is created (a snapshot; training one later does not change the other).
import { ConvnetError } from './errors.js';
import { input, Layer, SymbolicTensor } from './layers.js';
import type { Weight } from './types.js';

/** What model-graph needs from a Model (a structural type: model.ts imports this file). */
export interface GraphHost {
  readonly name: string;
  readonly isDisposed: boolean;
  /** The engine's model.json topology (flat functional graph). */
  engineTopology(): string;
  layerShapes(): Map<string, Array<number | null>>;
  getWeights(): Weight[];
  setWeights(weights: ReadonlyArray<Float32Array>): void;
  readonly layers: ReadonlyArray<{ name: string; trainable: boolean }>;
  setTrainable(trainable: boolean, which: { layers: readonly string[] }): void;
}

export interface ModelGraph {
  input: SymbolicTensor;
  output: SymbolicTensor;
  layers: Map<string, Layer>;
}

/** The model whose memory holds each layer's weights: the first model built from the layer. */
const owners = new WeakMap<Layer, GraphHost>();
const graphs = new WeakMap<GraphHost, ModelGraph>();

const MERGE_CLASSES = new Set(['Add', 'Concatenate', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract']);

interface TopologyLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name?: string };
  inbound_nodes?: Array<Array<[string, number, number, unknown]>>;
}

/** The model's layers as Layer objects connected by SymbolicTensors (built once per model). */
export function graphOf(host: GraphHost): ModelGraph {
  const cached = graphs.get(host);
  if (cached) return cached;
  const topology = (JSON.parse(host.engineTopology()) as { modelTopology: { config: unknown } }).modelTopology
    .config as { layers: TopologyLayer[]; input_layers: Array<[string]>; output_layers: Array<[string]> };
  const shapes = host.layerShapes();
  const layers = new Map<string, Layer>();
  const outputs = new Map<string, SymbolicTensor>();
  for (const entry of topology.layers) {
    const { name: configName, ...config } = entry.config;
    const name = entry.name ?? String(configName);
    let out: SymbolicTensor;
    if (entry.class_name === 'InputLayer') {
      const shape = (config.batch_input_shape as Array<number | null>).slice(1) as number[];
      out = input({ shape, name });
    } else {
      const inbound = (entry.inbound_nodes?.[0] ?? []).map(([from]) => {
        const t = outputs.get(from);
        if (!t) throw new ConvnetError(`getLayer: layer '${name}' reads '${from}', which comes later`, 'parse_error');
        return t;
      });
      const merge = MERGE_CLASSES.has(entry.class_name) || inbound.length > 1;
      const layer = new Layer(entry.class_name, name, config, { name }, merge);
      out = layer.apply(merge ? inbound : inbound[0]);
      out.shape = shapes.get(name) ?? null;
    }
    layers.set(name, out.layer);
    outputs.set(name, out);
    owners.set(out.layer, host);
  }
  const graph: ModelGraph = {
    input: outputs.get(topology.input_layers[0][0])!,
    output: outputs.get(topology.output_layers[0][0])!,
    layers,
  };
  graphs.set(host, graph);
  return graph;
}

/** model.getLayer(name): the layer with its .outputTensor, or a not_found error listing the names. */
export function layerOf(host: GraphHost, name: string): Layer {
  const layer = graphOf(host).layers.get(name);
  if (layer) return layer;
  const names = [...graphOf(host).layers.keys()];
  const shown = names.length > 40 ? [...names.slice(0, 40), `... (${names.length} layers)`] : names;
  throw new ConvnetError(
    `getLayer: model '${host.name}' has no layer '${name}'; its layers: ${shown.join(', ')}`,
    'not_found',
  );
}

/**
 * Called by a model just built from symbolic tensors: layers first built into this model belong
 * to it; layers taken from other models bring those models' current weights (matched by layer
 * and weight name, shapes checked) and their trainable flags (a frozen backbone stays frozen).
 */
export function adoptWeights(host: GraphHost, tensors: readonly SymbolicTensor[]): void {
  const sources = new Map<GraphHost, Set<string>>();
  for (const t of tensors) {
    const owner = owners.get(t.layer);
    if (!owner) {
      owners.set(t.layer, host);
      continue;
    }
    if (owner === host) continue;
    if (owner.isDisposed) {
      throw new ConvnetError(
        `model: layer '${t.layer.name}' comes from model '${owner.name}', which has been disposed: build the new model before disposing the one it takes layers from`,
        'disposed',
      );
    }
    if (!sources.has(owner)) sources.set(owner, new Set());
    sources.get(owner)!.add(t.layer.name);
  }
  if (sources.size === 0) return;
  const target = host.getWeights();
  const index = new Map(target.map((w, i) => [w.name, i]));
  const datas = target.map((w) => w.data);
  for (const [owner, names] of sources) {
    for (const w of owner.getWeights()) {
      if (!names.has(w.layer)) continue;
      const i = index.get(w.name);
      if (i === undefined) continue;
      const shape = target[i].shape;
      if (shape.length !== w.shape.length || shape.some((d, j) => d !== w.shape[j])) {
        throw new ConvnetError(
          `model: weight '${w.name}' has shape [${shape.join(', ')}] here but [${w.shape.join(', ')}] in model '${owner.name}'`,
          'shape_mismatch',
        );
      }
      datas[i] = w.data;
    }
  }
  host.setWeights(datas);
  const flags = new Map<string, boolean>();
  for (const [owner, names] of sources)
    for (const l of owner.layers) if (names.has(l.name)) flags.set(l.name, l.trainable);
  const differ = (want: boolean) =>
    host.layers
      .filter((l) => flags.has(l.name) && flags.get(l.name) === want && l.trainable !== want)
      .map((l) => l.name);
  const freeze = differ(false),
    unfreeze = differ(true);
  if (freeze.length) host.setTrainable(false, { layers: freeze });
  if (unfreeze.length) host.setTrainable(true, { layers: unfreeze });
}
