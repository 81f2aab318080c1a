// TF.js layers-format interchange without the engine: reading the accepted input forms
// (model.json object or text, artifacts, weight buffers) and shaping what we export so that
// tf.loadLayersModel reads it — the augmentation layers (identity at inference, and unknown to
// TF.js 4.22) taken out, and the model's metadata (class names, image size) carried along as
// TF.js's userDefinedMetadata.
import { argError, ConvnetError } from './errors.js';
import { describeData } from './tensor.js';
import type { ModelJson } from './topology.js';
import type { TfjsArtifacts, TfjsModelJson, WeightBuffers } from './types.js';

/** Keras preprocessing layers that only act in training and have no weights. */
export const AUGMENTATION_LAYERS: readonly string[] = [
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomTranslation',
  'RandomContrast',
];

export interface TfjsExportOptions {
  /**
   * Keep the augmentation layers (RandomFlip, ...). Default false: they are identity at inference,
   * and TF.js 4.22 cannot load them. Our own loader and checkpoints take them either way.
   */
  includeAugmentation?: boolean;
  /** Merged over model.metadata into userDefinedMetadata (JSON-serializable). */
  metadata?: Record<string, unknown>;
}

type LayerEntry = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
type NodeRef = [string, number, number, ...unknown[]];

/**
 * The functional topology the engine writes ({class_name: 'Model', config: {layers, input_layers,
 * output_layers}}) without its augmentation layers: each one's consumers read its input instead.
 */
export function withoutAugmentation(topology: unknown): { topology: unknown; removed: string[] } {
  const t = topology as { class_name?: string; config?: { layers?: LayerEntry[]; output_layers?: NodeRef[] } };
  const layers = t?.config?.layers;
  if (!Array.isArray(layers)) return { topology, removed: [] };
  const replace = new Map<string, NodeRef>();
  const removed: string[] = [];
  const kept: LayerEntry[] = [];
  const rewrite = (ref: NodeRef): NodeRef => {
    let r = ref;
    while (replace.has(r[0])) r = replace.get(r[0])!;
    return r === ref ? ref : ([...r.slice(0, 3), ...ref.slice(3)] as NodeRef);
  };
  for (const l of layers) {
    const nodes = (l.inbound_nodes ?? []) as NodeRef[][];
    const inbound = nodes.map((node) => node.map(rewrite));
    if (AUGMENTATION_LAYERS.includes(l.class_name) && inbound.length === 1 && inbound[0].length === 1) {
      replace.set(l.name, inbound[0][0]);
      removed.push(l.name);
      continue;
    }
    kept.push({ ...l, inbound_nodes: inbound });
  }
  if (removed.length === 0) return { topology, removed };
  const outputs = (t.config!.output_layers ?? []).map(rewrite);
  return { topology: { ...t, config: { ...t.config, layers: kept, output_layers: outputs } }, removed };
}

/** Concatenates weight files (in manifest order) into one byte array. */
function concatWeights(w: WeightBuffers, what: string): Uint8Array {
  const one = (b: unknown, i?: number): Uint8Array => {
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer) return new Uint8Array(b);
    throw argError(
      `${what}: weight data${i === undefined ? '' : ` ${i}`} must be an ArrayBuffer or Uint8Array (a list of them: one per file, in weightsManifest order), got ${describeData(b)}`,
    );
  };
  if (!Array.isArray(w)) return one(w);
  const parts = w.map((b, i) => one(b, i));
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The userDefinedMetadata of a model.json, or {} (an object only). */
export function metadataOf(json: unknown): Record<string, unknown> {
  const m = (json as { userDefinedMetadata?: unknown })?.userDefinedMetadata;
  return m && typeof m === 'object' && !Array.isArray(m) ? { ...(m as Record<string, unknown>) } : {};
}

/** model.json text (with a weightsManifest), weight bytes and metadata from the accepted input forms. */
export function tfjsInput(
  modelJson: ModelJson | TfjsArtifacts | string,
  weightData: WeightBuffers | undefined,
  what: string,
): { text: string; bytes: Uint8Array; metadata: Record<string, unknown> } {
  let obj: Record<string, unknown>;
  if (typeof modelJson === 'string') {
    try {
      obj = JSON.parse(modelJson) as Record<string, unknown>;
    } catch (e) {
      throw new ConvnetError(`${what}: model.json is not valid JSON: ${(e as Error).message}`, 'parse_error');
    }
  } else if (modelJson && typeof modelJson === 'object') {
    obj = modelJson as Record<string, unknown>;
  } else {
    throw argError(`${what}: modelJson must be a model.json object or its text, got ${describeData(modelJson)}`);
  }
  // saveTfjs() artifacts: {modelJson, weightData, ...}; TF.js ModelArtifacts: {modelTopology, weightSpecs, weightData}.
  if (obj.modelJson && typeof obj.modelJson === 'object') {
    weightData ??= obj.weightData as WeightBuffers | undefined;
    obj = obj.modelJson as Record<string, unknown>;
  }
  if (!obj.weightsManifest && Array.isArray(obj.weightSpecs)) {
    weightData ??= obj.weightData as WeightBuffers | undefined;
    const { weightSpecs, weightData: _wd, ...rest } = obj;
    obj = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
  }
  if (weightData === undefined)
    throw argError(`${what}: the weight data is missing (the weight files' bytes, in weightsManifest order)`);
  // The engine takes all the files concatenated in manifest order as one buffer.
  return { text: JSON.stringify(obj), bytes: concatWeights(weightData, what), metadata: metadataOf(obj) };
}

/** The engine's model.json and weights as TF.js artifacts, shaped by the export options. */
export function exportTfjs(
  modelJsonText: string,
  weights: Uint8Array,
  metadata: Record<string, unknown>,
  options: TfjsExportOptions,
): TfjsArtifacts {
  if (options === null || typeof options !== 'object')
    throw argError(`saveTfjs: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options))
    if (!['includeAugmentation', 'metadata'].includes(k))
      throw argError(`saveTfjs: unknown option '${k}'; known options: includeAugmentation, metadata`);
  if (
    options.metadata !== undefined &&
    (typeof options.metadata !== 'object' || options.metadata === null || Array.isArray(options.metadata))
  ) {
    throw argError(`saveTfjs: metadata must be a plain object, got ${describeData(options.metadata)}`);
  }
  let modelJson = JSON.parse(modelJsonText) as TfjsModelJson;
  if (!options.includeAugmentation)
    modelJson = { ...modelJson, modelTopology: withoutAugmentation(modelJson.modelTopology).topology };
  const meta = { ...metadata, ...(options.metadata ?? {}) };
  if (Object.keys(meta).length > 0) modelJson.userDefinedMetadata = JSON.parse(JSON.stringify(meta));
  const manifest = modelJson.weightsManifest ?? [];
  return {
    modelJson,
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy ?? null,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: weights.buffer as ArrayBuffer,
    ...(Object.keys(meta).length > 0
      ? { userDefinedMetadata: modelJson.userDefinedMetadata as Record<string, unknown> }
      : {}),
  };
}
