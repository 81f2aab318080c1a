// The engine loader: picks the threaded (mt) or single-threaded (st) SIMD build, loads it through
// the platform (browser or Node, registered by the package entry point), and hands out sessions
// with a thread budget that never exceeds the pthread pool (spawning beyond it deadlocks a
// blocking caller, see TOOLCHAIN.md gotcha 6). init() is idempotent: later calls share the load.
import type { RawEngine, RawEngineInfo, RawSession } from './engine-types.js';
import { asErrorCode, ConvnetError } from './errors.js';

export type Variant = 'st' | 'mt';

/** Which build loaded and why. */
export interface EngineInfo {
  /** 'mt': threaded SIMD build; 'st': single-threaded SIMD build. */
  variant: Variant;
  /** The most threads one model may use (counting the calling thread). */
  threads: number;
  simd: boolean;
  platform: 'browser' | 'node';
  /** Why this build was chosen, e.g. "page is not cross-origin isolated ...". */
  reason: string;
}

export interface InitOptions {
  /** 'auto' (default) picks mt when threads are available. */
  variant?: 'auto' | Variant;
  /** Cap on threads per model (default: all the build allows, at most the pthread pool). */
  threads?: number;
  /**
   * Where the engine files are, when not next to the package (e.g. a CDN or a public/ folder):
   * called with a file name such as 'engine_mt.wasm', returns its URL (browser) or path (Node).
   */
  locateFile?: (file: string) => string;
}

export interface ThreadSupport {
  ok: boolean;
  reason: string;
}

/** Buffers moved (not copied) by postMessage; a DOM-free spelling of Transferable[]. */
export type TransferList = ArrayBuffer[];

/** A worker that runs src/worker/trainer-worker*.ts, seen through the Web Worker interface. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: TransferList): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string; error?: unknown }) => void) | null;
  terminate(): void;
  /** Node only: keep the process alive while requests are in flight, not when idle. */
  setBusy?(busy: boolean): void;
}

/** File access for the Node-only helpers (saveTfjsToDir, loadTfjsModelFromFile). */
export interface PlatformFiles {
  readFile(path: string): Promise<Uint8Array>;
  /** Creates the folder (and its parents) if needed, then writes the files into it. */
  writeFiles(dir: string, files: Array<{ name: string; data: Uint8Array | string }>): Promise<void>;
  /** path.dirname + path.join. */
  sibling(path: string, name: string): string;
}

export interface Platform {
  name: 'browser' | 'node';
  /** Node only. */
  files?: PlatformFiles;
  threadSupport(): ThreadSupport;
  load(variant: Variant, options: InitOptions): Promise<RawEngine>;
  yieldToEventLoop(): Promise<void>;
  createTrainerWorker(url?: string | URL): WorkerLike;
}

let platform: Platform | null = null;

/** Called once by the package entry point (index.ts for browsers, node.ts for Node). */
export function setPlatform(p: Platform): void {
  platform = p;
}

export function getPlatform(): Platform {
  if (!platform)
    throw new Error('convnet-wasm: no platform registered (import the package entry point, not its internals)');
  return platform;
}

/** The loaded engine: the Embind module plus what init() decided. */
export class Engine {
  readonly raw: RawEngine;
  readonly info: EngineInfo;

  constructor(raw: RawEngine, info: EngineInfo) {
    this.raw = raw;
    this.info = info;
  }

  /** Heap and allocation counters (mallocBytes: bytes in use, for leak checks). */
  memory(): { heapBytes: number; mallocBytes: number } {
    const i: RawEngineInfo = this.raw.info();
    return { heapBytes: i.heapBytes, mallocBytes: i.mallocBytes };
  }

  /** Threads a new session may use: the request, capped by the build and the idle pthread workers. */
  threadBudget(requested?: number): number {
    let n = requested === undefined || requested <= 0 ? this.info.threads : Math.min(requested, this.info.threads);
    const pool = this.raw.PThread;
    if (this.info.variant === 'mt' && pool) n = Math.min(n, 1 + pool.unusedWorkers.length);
    return Math.max(1, Math.floor(n));
  }

  createSession(modelJson: string, seed: number, threads?: number): RawSession {
    const session = this.raw.createSession(modelJson, seed, this.threadBudget(threads));
    if (!session) {
      throw new ConvnetError(
        this.raw.lastError() || 'the engine could not create the model',
        asErrorCode(this.raw.lastErrorCode?.()),
      );
    }
    if (platform?.name === 'node') unrefWorkers(this.raw);
    return session;
  }
}

/**
 * A pthread that traps makes Emscripten's handler rethrow its error in the thread that owns the
 * engine, which ends a Node process (or the worker hosting the engine). The caller already gets
 * the failure (fatalEngineError), so the handler does nothing.
 */
function quietPthreadErrors(raw: RawEngine): void {
  const pool = raw.PThread;
  if (!pool) return;
  for (const w of [...pool.unusedWorkers, ...pool.runningWorkers]) (w as { onerror?: unknown }).onerror = () => {};
}

/** Node: pthread workers must not keep the process alive (the engine runs on the caller's thread). */
export function unrefWorkers(raw: RawEngine): void {
  const pool = raw.PThread;
  if (!pool) return;
  for (const w of pool.unusedWorkers) w.unref?.();
  for (const w of pool.runningWorkers) w.unref?.();
}

let loading: Promise<Engine> | null = null;
let loadedWith: InitOptions | null = null;
let loaded: Engine | null = null;

function chooseVariant(p: Platform, options: InitOptions): { variant: Variant; reason: string } {
  const support = p.threadSupport();
  const wanted = options.variant ?? 'auto';
  if (wanted === 'st') return { variant: 'st', reason: "single-threaded build requested (variant: 'st')" };
  if (wanted === 'mt') {
    if (!support.ok)
      throw new ConvnetError(`the threaded build was requested but cannot run here: ${support.reason}`, 'unavailable');
    return { variant: 'mt', reason: `threaded build requested (variant: 'mt'); ${support.reason}` };
  }
  return support.ok ? { variant: 'mt', reason: support.reason } : { variant: 'st', reason: support.reason };
}

async function load(options: InitOptions): Promise<Engine> {
  const p = getPlatform();
  if (options.variant !== undefined && !['auto', 'st', 'mt'].includes(options.variant)) {
    throw new ConvnetError(
      `init: variant '${String(options.variant)}' is not one of 'auto', 'st', 'mt'`,
      'invalid_argument',
    );
  }
  const choice = chooseVariant(p, options);
  let raw: RawEngine;
  let { variant, reason } = choice;
  try {
    raw = await p.load(variant, options);
  } catch (e) {
    if (variant !== 'mt' || options.variant === 'mt') throw e;
    // Threads looked available but the threaded build did not start: fall back and say why.
    reason = `the threaded build failed to load (${(e as Error).message}); using the single-threaded build`;
    variant = 'st';
    raw = await p.load(variant, options);
  }
  const ri = raw.info();
  if (p.name === 'node') unrefWorkers(raw);
  quietPthreadErrors(raw);
  let threads = variant === 'mt' ? ri.maxThreads : 1;
  if (variant === 'mt' && raw.PThread) threads = Math.min(threads, 1 + raw.PThread.unusedWorkers.length);
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new ConvnetError(`init: threads must be a positive integer, got ${options.threads}`, 'invalid_argument');
    }
    threads = Math.min(threads, options.threads);
  }
  return new Engine(raw, { variant, threads, simd: ri.simd, platform: p.name, reason });
}

/**
 * Loads the engine (once per page, worker or process) and reports which build runs and why.
 * Later calls return the same result; calling again with a different variant or threads is an error.
 */
export async function init(options: InitOptions = {}): Promise<EngineInfo> {
  if (loading) {
    const prev = loadedWith ?? {};
    const differs =
      (options.variant !== undefined && options.variant !== 'auto' && options.variant !== (prev.variant ?? 'auto')) ||
      (options.threads !== undefined && options.threads !== prev.threads);
    if (differs) {
      const e = await loading;
      throw new ConvnetError(
        `init: the engine is already loaded (${e.info.variant}, ${e.info.threads} threads); ` +
          `it cannot be reloaded with ${JSON.stringify(options)} in the same ${e.info.platform === 'node' ? 'process' : 'page or worker'}`,
        'failed_precondition',
      );
    }
    return (await loading).info;
  }
  loadedWith = { ...options };
  loading = load(options);
  try {
    loaded = await loading;
  } catch (e) {
    loading = null;
    loadedWith = null;
    throw e;
  }
  return loaded.info;
}

/** The loaded engine, or a clear error when init() has not finished. */
export function engine(): Engine {
  if (!loaded)
    throw new ConvnetError(
      'convnet-wasm is not initialized: call `await init()` before building models',
      'failed_precondition',
    );
  return loaded;
}

/** The engine's info, or null before init() resolves. */
export function engineInfo(): EngineInfo | null {
  return loaded ? loaded.info : null;
}

/** Heap counters of the loaded engine (mallocBytes = bytes allocated and not freed). */
export function memory(): { heapBytes: number; mallocBytes: number } {
  return engine().memory();
}

/**
 * Yields one macrotask (without setTimeout's clamping, and without throttling in hidden tabs), so
 * a long loop in a page or worker lets messages, clicks and AbortSignals through.
 */
export function yieldToEventLoop(): Promise<void> {
  return getPlatform().yieldToEventLoop();
}
