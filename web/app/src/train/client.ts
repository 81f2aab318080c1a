// The page's side of the app worker: promise-returning calls over the typed messages, and
// a listener list for the worker's events (progress, epochs, feature maps, state).
import type { AppApi, RequestType, Response, WorkerEvent } from './messages.js';

/** A worker that answers no ping for this long while the engine starts is stuck, not slow. */
export const STALL_MS = 8000;
const PING_EVERY_MS = 1000;

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners = new Set<(e: WorkerEvent) => void>();

  constructor() {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'convnet-app-worker' });
    w.onmessage = (e: MessageEvent<Response>) => {
      if (w !== this.worker) return; // a replaced worker's late answers
      const m = e.data;
      if (m.type === 'event') {
        for (const l of this.listeners) l(m.out);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.err) p.reject(new Error(m.err.message));
      else p.resolve(m.out);
    };
    w.onerror = (e) => {
      if (w !== this.worker) return;
      this.failPending(new Error(`the app worker failed: ${e.message || 'unknown error (see the console)'}`));
    };
    return w;
  }

  private failPending(err: Error, log = true): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (log) for (const l of this.listeners) l({ kind: 'log', message: err.message });
  }

  call<K extends RequestType>(
    type: K,
    input: AppApi[K]['in'],
    transfer: Transferable[] = [],
  ): Promise<AppApi[K]['out']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type, id, in: input }, transfer);
    });
  }

  /**
   * Starts the engine in the worker, watching that the worker's thread stays alive meanwhile.
   * Firefox ESR 153 now and then (about 1 page load in 80 in the e2e runs) blocks a worker's
   * thread for good inside `new Worker()` when the threaded engine starts its pthread workers
   * (nested workers): that worker never answers again, init included. A start that is only slow
   * (a busy machine, a slow compile) still answers pings, so a worker that answers none for
   * STALL_MS is replaced by a fresh one and init asked again, up to `attempts` times;
   * `onStall(attempt)` lets the page say so.
   */
  async init(
    input: AppApi['init']['in'],
    { attempts = 3, onStall }: { attempts?: number; onStall?: (attempt: number) => void } = {},
  ): Promise<AppApi['init']['out']> {
    for (let attempt = 1; ; attempt++) {
      const init = this.call('init', input);
      let answered = performance.now();
      let timer: ReturnType<typeof setInterval> | undefined;
      const stalled = new Promise<'stalled'>((resolve) => {
        timer = setInterval(() => {
          if (performance.now() - answered > STALL_MS) resolve('stalled');
          else
            this.call('ping', null).then(
              () => (answered = performance.now()),
              () => {},
            );
        }, PING_EVERY_MS);
      });
      try {
        const r = await Promise.race([init, stalled]);
        if (r !== 'stalled') return r;
      } finally {
        clearInterval(timer);
      }
      const why = `the app worker's thread stopped answering for ${STALL_MS / 1000} s while the engine started its thread workers`;
      if (attempt >= attempts) {
        this.restart(why);
        throw new Error(
          `${why}, ${attempts} times in a row (seen in Firefox, whose nested worker creation can stall). Reload the page to try again.`,
        );
      }
      onStall?.(attempt);
      this.restart(why);
    }
  }

  /** Ends the worker (one whose thread is stuck too) and starts a fresh one; calls in flight fail with `reason`. */
  restart(reason: string): void {
    const old = this.worker;
    this.worker = this.spawn();
    old.terminate();
    this.failPending(new Error(`the app worker was restarted: ${reason}`), false);
  }

  on(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
