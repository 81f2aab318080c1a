// Model descriptions to TF.js model.json topology (the format the engine reads): a functional
// graph from input()/apply() becomes class_name 'Model' with inbound_nodes; a layer list becomes
// class_name 'Sequential'. Pure JS, no engine: the worker Trainer sends the same JSON.
import { argError } from './errors.js';
import { Layer, SymbolicTensor, uniqueName } from './layers.js';

export const PACKAGE_VERSION = '0.1.0';

export interface FunctionalSpec {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
}

export interface SequentialSpec {
  /** An optional input({shape}) first, then layers (the first needs inputShape without it). */
  layers: ReadonlyArray<Layer | SymbolicTensor>;
  name?: string;
}

/** A model.json object (or its text) as TF.js writes it; only the topology is read. */
export type ModelJson = { modelTopology?: unknown; [k: string]: unknown };

export type ModelSpec = FunctionalSpec | SequentialSpec | ModelJson | string;

export interface Topology {
  kind: 'functional' | 'sequential' | 'json';
  name: string;
  /** model.json text for the engine. */
  json: string;
  /** The symbolic tensors of a functional spec (their shapes get filled in after building). */
  tensors: SymbolicTensor[];
}

function single(v: SymbolicTensor | readonly SymbolicTensor[], what: string): SymbolicTensor {
  const list = Array.isArray(v) ? v : [v];
  if (list.length !== 1) throw argError(`model: convnet-wasm models have exactly one ${what}, got ${list.length}`);
  const t = list[0];
  if (!(t instanceof SymbolicTensor))
    throw argError(`model: ${what} must be a symbolic tensor from input() or layer.apply()`);
  return t;
}

function wrap(topology: object): string {
  return JSON.stringify({
    modelTopology: { ...topology, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: `convnet-wasm ${PACKAGE_VERSION}`,
    convertedBy: null,
  });
}

function functional(spec: FunctionalSpec): Topology {
  const inp = single(spec.inputs, 'input');
  const out = single(spec.outputs, 'output');
  if (inp.layer.className !== 'InputLayer')
    throw argError(`model: inputs must come from input({shape}), got the output of layer '${inp.layer.name}'`);
  // Post-order walk from the output gives a topological order.
  const order: SymbolicTensor[] = [];
  const state = new Map<SymbolicTensor, 'visiting' | 'done'>();
  const visit = (t: SymbolicTensor) => {
    const s = state.get(t);
    if (s === 'done') return;
    if (s === 'visiting') throw argError(`model: the graph has a cycle through layer '${t.layer.name}'`);
    state.set(t, 'visiting');
    for (const i of t.inputs) visit(i);
    state.set(t, 'done');
    order.push(t);
  };
  visit(out);
  const reached = order.filter((t) => t.layer.className === 'InputLayer');
  for (const r of reached) {
    if (r !== inp)
      throw argError(
        `model: the output depends on input '${r.layer.name}', which is not the model's input '${inp.layer.name}'`,
      );
  }
  if (!reached.includes(inp))
    throw argError(`model: the output '${out.layer.name}' does not depend on the input '${inp.layer.name}'`);
  const names = new Set<string>();
  const layersJson = order.map((t) => {
    if (names.has(t.layer.name))
      throw argError(`model: two layers are named '${t.layer.name}'; layer names must be unique`);
    names.add(t.layer.name);
    return {
      name: t.layer.name,
      ...t.layer.toJSON(),
      inbound_nodes: t.inputs.length ? [t.inputs.map((i) => [i.layer.name, 0, 0, {}])] : [],
    };
  });
  const name = spec.name ?? uniqueName('model');
  const json = wrap({
    class_name: 'Model',
    config: {
      name,
      layers: layersJson,
      input_layers: [[inp.layer.name, 0, 0]],
      output_layers: [[out.layer.name, 0, 0]],
    },
  });
  return { kind: 'functional', name, json, tensors: order };
}

function sequential(spec: SequentialSpec): Topology {
  const items = [...spec.layers];
  if (items.length === 0) throw argError('sequential: needs at least one layer');
  const layersJson: Array<Record<string, unknown>> = [];
  const names = new Set<string>();
  let first = true;
  for (const [i, item] of items.entries()) {
    if (item instanceof SymbolicTensor) {
      if (i !== 0 || item.layer.className !== 'InputLayer')
        throw argError('sequential: only the first entry may be an input({shape})');
      layersJson.push(item.layer.toJSON());
      names.add(item.layer.name);
      first = false;
      continue;
    }
    if (!(item instanceof Layer)) throw argError(`sequential: entry ${i} is not a layer`);
    if (item.isMerge)
      throw argError(
        `sequential: layer '${item.name}' (${item.className}) merges tensors and needs the functional API`,
      );
    if (names.has(item.name))
      throw argError(`sequential: two layers are named '${item.name}'; layer names must be unique`);
    names.add(item.name);
    const j = item.toJSON();
    if (first) {
      if (!item.inputShape)
        throw argError(
          `sequential: the first layer '${item.name}' needs inputShape (or start the list with input({shape}))`,
        );
      j.config.batch_input_shape = [null, ...item.inputShape];
      first = false;
    }
    layersJson.push(j);
  }
  const name = spec.name ?? uniqueName('sequential');
  return {
    kind: 'sequential',
    name,
    json: wrap({ class_name: 'Sequential', config: { name, layers: layersJson } }),
    tensors: [],
  };
}

/** Turns any model description into the engine's model.json text. */
export function toTopology(spec: ModelSpec): Topology {
  if (typeof spec === 'string') return { kind: 'json', name: '', json: spec, tensors: [] };
  if (spec && typeof spec === 'object') {
    if ('inputs' in spec || 'outputs' in spec) return functional(spec as FunctionalSpec);
    if ('layers' in spec && Array.isArray((spec as SequentialSpec).layers)) return sequential(spec as SequentialSpec);
    if ('modelTopology' in spec || 'class_name' in spec)
      return { kind: 'json', name: '', json: JSON.stringify(spec), tensors: [] };
  }
  throw argError('model: expected {inputs, outputs}, {layers: [...]} or a TF.js model.json');
}
