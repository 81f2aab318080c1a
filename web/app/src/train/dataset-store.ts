// The decoded dataset, held in the worker: uint8 RGB images at the model's input size in
// fixed-size chunks (so growth never copies everything), labels, names, a stratified seeded
// train/validation split, duplicate and tiny-image flags. 25,000 images at 64x64 take 307 MB;
// at 180x180, 2.4 GB. Past a memory budget, images go to a file in the origin-private file
// system (OPFS) and are read back synchronously (a worker-only sync access handle), so memory
// stays bounded and the training loop needs no change.
import { fnv1a, rng, shuffle } from '../data/rng.js';
import type { DatasetSummary, FileProblem, ImageItem, RgbImages } from './messages.js';
import { decodeImage } from './decode.js';

const CHUNK = 1024;

/** OPFS's synchronous file handle (dedicated workers only; not in TypeScript's DOM lib). */
interface SyncHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  close(): void;
}
const CONCURRENCY = 4;
/** Names kept for the lists of small images (the count is always exact). */
export const TINY_NAMES = 500;
/** Groups of duplicates named in the summary (the count is always exact). */
export const DUPLICATE_GROUPS = 200;

/** Thrown by an ingest that a newer one (or the user) cancelled. */
export class IngestCancelled extends Error {
  constructor() {
    super('ingest cancelled');
    this.name = 'IngestCancelled';
  }
}

/**
 * One ingest at a time, the newest wins: starting one cancels the one running, and it begins
 * only once that one has stopped, so an older decode can never finish after a newer one and
 * replace its dataset.
 */
export class IngestGate {
  private running: { cancelled: boolean; done: Promise<void> } | null = null;

  async run<T>(job: (cancelled: () => boolean) => Promise<T>): Promise<T> {
    const previous = this.running;
    if (previous) previous.cancelled = true;
    let finish!: () => void;
    const mine = { cancelled: false, done: new Promise<void>((r) => (finish = r)) };
    this.running = mine;
    try {
      if (previous) await previous.done;
      if (mine.cancelled) throw new IngestCancelled();
      const out = await job(() => mine.cancelled);
      if (mine.cancelled) throw new IngestCancelled();
      return out;
    } finally {
      if (this.running === mine) this.running = null;
      finish();
    }
  }

  /** Cancels the running ingest; false when none runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.cancelled = true;
    return true;
  }

  get busy(): boolean {
    return this.running !== null;
  }
}

export class DatasetStore {
  /** The worker's ingests go through this gate: one at a time, the newest wins. */
  static readonly gate = new IngestGate();
  readonly id: string;
  readonly size: number;
  readonly classes: string[];
  readonly per: number;
  chunks: Uint8Array[] = [];
  labels: number[] = [];
  names: string[] = [];
  corrupt: FileProblem[] = [];
  /** The first DUPLICATE_GROUPS groups of identical images; duplicateGroups counts all. */
  duplicates: string[][] = [];
  duplicateGroups = 0;
  /** Names of images smaller than the input (the first TINY_NAMES of them); tinyCount counts all. */
  tiny: string[] = [];
  tinyCount = 0;
  train: Int32Array<ArrayBufferLike> = new Int32Array(0);
  val: Int32Array<ArrayBufferLike> = new Int32Array(0);
  valFraction = 0.2;
  seed = 1;
  private hashes = new Map<number, number[]>();
  /** Images kept in memory; the rest are in the spill file. */
  private resident = Infinity;
  private spill: SyncHandle | null = null;
  spilledBytes = 0;

  constructor(classes: string[], size: number, id?: string) {
    this.classes = classes;
    this.size = size;
    this.per = size * size * 3;
    this.id = id ?? `ds-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  }

  get length(): number {
    return this.labels.length;
  }

  /** Bytes held in memory. */
  get bytes(): number {
    return this.chunks.length * CHUNK * this.per;
  }

  get spilled(): boolean {
    return this.spill !== null;
  }

  /**
   * Keeps at most budgetBytes of pixels in memory when `count` images would exceed it; the
   * rest go to an OPFS file. Without OPFS sync access (not in a worker, old browser) the store
   * stays in memory and the reason is returned.
   */
  async prepare(count: number, budgetBytes: number): Promise<string> {
    if (count * this.per <= budgetBytes) return '';
    try {
      const root = await navigator.storage.getDirectory();
      const file = await root.getFileHandle(`dataset-${this.id}.bin`, { create: true });
      this.spill = await (
        file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }
      ).createSyncAccessHandle();
      this.spill.truncate(0);
      this.resident = Math.max(CHUNK, Math.floor(budgetBytes / this.per / CHUNK) * CHUNK);
      return `the dataset exceeds the memory budget: ${this.resident} images stay in memory, the rest are read from disk (OPFS)`;
    } catch (e) {
      return `the dataset exceeds the memory budget but OPFS is unavailable (${(e as Error).message}): keeping it all in memory`;
    }
  }

  /** Closes and deletes the spill file. */
  async close(): Promise<void> {
    if (!this.spill) return;
    this.spill.close();
    this.spill = null;
    try {
      await (await navigator.storage.getDirectory()).removeEntry(`dataset-${this.id}.bin`);
    } catch {
      /* already gone */
    }
  }

  image(i: number): Uint8Array {
    if (i >= this.resident) {
      const out = new Uint8Array(this.per);
      this.spill!.read(out, { at: (i - this.resident) * this.per });
      return out;
    }
    const c = this.chunks[Math.floor(i / CHUNK)];
    const o = (i % CHUNK) * this.per;
    return c.subarray(o, o + this.per);
  }

  add(rgb: Uint8Array, label: number, name: string): number {
    const i = this.labels.length;
    if (i >= this.resident) {
      this.spill!.write(rgb, { at: (i - this.resident) * this.per });
      this.spilledBytes += rgb.length;
    } else {
      if (i % CHUNK === 0) this.chunks.push(new Uint8Array(CHUNK * this.per));
      this.chunks[this.chunks.length - 1].set(rgb, (i % CHUNK) * this.per);
    }
    this.labels.push(label);
    this.names.push(name);
    const h = fnv1a(rgb);
    const same = this.hashes.get(h);
    if (same) same.push(i);
    else this.hashes.set(h, [i]);
    return i;
  }

  /** Records an image smaller than the input (it is upscaled). */
  noteSize(name: string, width: number, height: number): void {
    if (width >= this.size && height >= this.size) return;
    this.tinyCount++;
    if (this.tiny.length < TINY_NAMES) this.tiny.push(`${name} (${width}x${height})`);
  }

  /**
   * Decodes items (a few in flight at once); undecodable ones go to `corrupt`, never throw.
   * `cancelled` is polled between images: once it says true, decoding stops and this throws
   * IngestCancelled.
   */
  async ingest(
    items: ImageItem[],
    onProgress: (done: number) => void,
    cancelled: () => boolean = () => false,
  ): Promise<void> {
    let next = 0,
      done = 0;
    // Keep the input order in the store so splits repeat: decode in parallel, add in order.
    const results: Array<{ rgb: Uint8Array; width: number; height: number } | Error | undefined> = new Array(
      items.length,
    );
    let added = 0;
    const flush = () => {
      while (added < items.length && results[added] !== undefined) {
        const r = results[added]!;
        const it = items[added];
        if (r instanceof Error) this.corrupt.push({ name: it.name, reason: r.message });
        else {
          this.add(r.rgb, it.label, it.name);
          this.noteSize(it.name, r.width, r.height);
        }
        results[added] = undefined as never;
        added++;
      }
    };
    const run = async () => {
      while (next < items.length && !cancelled()) {
        const k = next++;
        try {
          results[k] = await decodeImage(items[k].blob, this.size);
        } catch (e) {
          results[k] = e instanceof Error ? e : new Error(String(e));
        }
        done++;
        if (done % 100 === 0) onProgress(done);
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, run));
    if (cancelled()) throw new IngestCancelled();
    flush();
    onProgress(done);
    this.findDuplicates();
  }

  /** Groups the images whose resized pixels hash the same (names of the first groups, count of all). */
  findDuplicates(): void {
    const groups = [...this.hashes.values()].filter((g) => g.length > 1);
    this.duplicateGroups = groups.length;
    this.duplicates = groups.slice(0, DUPLICATE_GROUPS).map((g) => g.map((i) => this.names[i]));
  }

  /** Stratified split: each class's images shuffled with the seed, the first fraction held out. */
  split(valFraction: number, seed: number): void {
    this.valFraction = valFraction;
    this.seed = seed;
    const random = rng(seed);
    const byClass: number[][] = this.classes.map(() => []);
    this.labels.forEach((l, i) => byClass[l].push(i));
    const train: number[] = [],
      val: number[] = [];
    for (const idx of byClass) {
      shuffle(idx, random);
      // At least one validation image per class when the class has two or more.
      const nVal = valFraction > 0 && idx.length > 1 ? Math.max(1, Math.round(idx.length * valFraction)) : 0;
      val.push(...idx.slice(0, nVal));
      train.push(...idx.slice(nVal));
    }
    this.train = Int32Array.from(train.sort((a, b) => a - b));
    this.val = Int32Array.from(val.sort((a, b) => a - b));
  }

  /** Copies the images at `indices` into one NHWC batch. */
  gather(indices: ArrayLike<number>, out?: Uint8Array): Uint8Array {
    const x =
      out && out.length >= indices.length * this.per
        ? out.subarray(0, indices.length * this.per)
        : new Uint8Array(indices.length * this.per);
    for (let k = 0; k < indices.length; k++) x.set(this.image(indices[k]), k * this.per);
    return x;
  }

  images(indices: ArrayLike<number>): RgbImages {
    return { data: this.gather(indices), n: indices.length, size: this.size };
  }

  summary(): DatasetSummary {
    const count = (idx: ArrayLike<number>) => {
      const c = this.classes.map(() => 0);
      for (let k = 0; k < idx.length; k++) c[this.labels[idx[k]]]++;
      return c;
    };
    const counts = this.classes.map(() => 0);
    for (const l of this.labels) counts[l]++;
    const thumbs = this.classes.map((_, c) => {
      const idx: number[] = [];
      for (let i = 0; i < this.labels.length && idx.length < 8; i++) if (this.labels[i] === c) idx.push(i);
      return this.images(idx);
    });
    return {
      id: this.id,
      classes: this.classes,
      size: this.size,
      counts,
      trainCounts: count(this.train),
      valCounts: count(this.val),
      total: this.length,
      corrupt: this.corrupt,
      duplicates: this.duplicates,
      duplicateGroups: Math.max(this.duplicateGroups, this.duplicates.length),
      tiny: this.tiny.slice(0, TINY_NAMES),
      tinyCount: Math.max(this.tinyCount, this.tiny.length),
      thumbs,
      bytes: this.bytes,
      spilledBytes: this.spilledBytes,
      valFraction: this.valFraction,
      seed: this.seed,
      valPreview: {
        indices: Array.from(this.val.subarray(0, 24)),
        names: Array.from(this.val.subarray(0, 24), (i) => this.names[i]),
        labels: Array.from(this.val.subarray(0, 24), (i) => this.labels[i]),
      },
    };
  }
}
