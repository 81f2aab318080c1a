// The training session in IndexedDB, written by the worker after every epoch: the dataset
// (chunks of uint8 pixels plus its index, once per dataset), the checkpoint bytes, and a small
// meta record (model topology, configs, history) that the page reads at start to offer "resume".
import { idbDeletePrefix, idbGet, idbPut } from '../store/idb.js';
import { DatasetStore } from './dataset-store.js';
import type { EpochRecord, ModelConfig, SavedSession, TrainConfig } from './messages.js';

/** Datasets above this are not persisted (resume then needs the images dropped again). */
export const PERSIST_LIMIT_BYTES = 512 * 1024 * 1024;

export interface SessionRecord extends SavedSession {
  modelJson: string;
  config: ModelConfig;
  train: TrainConfig;
  history: EpochRecord[];
  datasetPersisted: boolean;
}

interface DatasetIndex {
  classes: string[];
  size: number;
  labels: Uint16Array;
  names: string[];
  train: Int32Array<ArrayBufferLike>;
  val: Int32Array<ArrayBufferLike>;
  valFraction: number;
  seed: number;
  corrupt: DatasetStore['corrupt'];
  duplicates: string[][];
  tiny: string[];
  chunks: number;
}

let persistedDataset: string | null = null;

export async function persistDataset(ds: DatasetStore): Promise<boolean> {
  if (persistedDataset === ds.id) return true;
  if (ds.spilled || ds.bytes > PERSIST_LIMIT_BYTES) return false;
  await idbDeletePrefix('blobs', 'ds/');
  for (let k = 0; k < ds.chunks.length; k++) await idbPut('blobs', `ds/${ds.id}/chunk/${k}`, ds.chunks[k]);
  const index: DatasetIndex = {
    classes: ds.classes,
    size: ds.size,
    labels: Uint16Array.from(ds.labels),
    names: ds.names,
    train: ds.train,
    val: ds.val,
    valFraction: ds.valFraction,
    seed: ds.seed,
    corrupt: ds.corrupt,
    duplicates: ds.duplicates,
    tiny: ds.tiny,
    chunks: ds.chunks.length,
  };
  await idbPut('blobs', `ds/${ds.id}/index`, index);
  persistedDataset = ds.id;
  return true;
}

export async function loadDataset(id: string): Promise<DatasetStore> {
  const index = await idbGet<DatasetIndex>('blobs', `ds/${id}/index`);
  if (!index) throw new Error('the saved dataset is missing from IndexedDB: load the images again');
  const ds = new DatasetStore(index.classes, index.size, id);
  for (let k = 0; k < index.chunks; k++) {
    const c = await idbGet<Uint8Array>('blobs', `ds/${id}/chunk/${k}`);
    if (!c) throw new Error(`the saved dataset is incomplete (chunk ${k} missing): load the images again`);
    ds.chunks.push(c);
  }
  ds.labels = Array.from(index.labels);
  ds.names = index.names;
  ds.train = index.train;
  ds.val = index.val;
  ds.valFraction = index.valFraction;
  ds.seed = index.seed;
  ds.corrupt = index.corrupt;
  ds.duplicates = index.duplicates;
  ds.tiny = index.tiny;
  persistedDataset = id;
  return ds;
}

export async function saveSession(record: SessionRecord, checkpoint: Uint8Array): Promise<void> {
  await idbPut('blobs', 'session/checkpoint', checkpoint);
  await idbPut('meta', 'session', record);
}

export async function loadSession(): Promise<{ record: SessionRecord; checkpoint: Uint8Array }> {
  const record = await idbGet<SessionRecord>('meta', 'session');
  const checkpoint = await idbGet<Uint8Array>('blobs', 'session/checkpoint');
  if (!record || !checkpoint) throw new Error('no saved training session');
  return { record, checkpoint };
}
