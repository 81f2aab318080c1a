// The page's side of the app worker: promise-returning calls over the typed messages, and
// a listener list for the worker's events (progress, epochs, feature maps, state).
import type { AppApi, RequestType, Response, WorkerEvent } from './messages.js';

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners = new Set<(e: WorkerEvent) => void>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'convnet-app-worker' });
    this.worker.onmessage = (e: MessageEvent<Response>) => {
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
    this.worker.onerror = (e) => {
      const err = new Error(`the app worker failed: ${e.message || 'unknown error (see the console)'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const l of this.listeners) l({ kind: 'log', message: err.message });
    };
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

  on(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
