// Trainer worker for browsers (a module Web Worker started by Trainer); owns the engine.
import { setPlatform } from '../engine.js';
import { browserPlatform } from '../platform-browser.js';
import { createWorkerHandler } from './handler.js';
import type { Request } from './messages.js';

setPlatform(browserPlatform);
const scope = globalThis as unknown as {
  postMessage(m: unknown, t?: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};
const handle = createWorkerHandler((message, transfer) => scope.postMessage(message, transfer ?? []));
scope.onmessage = (e: MessageEvent) => void handle(e.data as Request);
