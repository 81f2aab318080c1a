// Trainer worker for Node (a worker_threads Worker started by Trainer); owns the engine.
import { parentPort } from 'node:worker_threads';
import { setPlatform } from '../engine.js';
import { nodePlatform } from '../platform-node.js';
import { createWorkerHandler } from './handler.js';
import type { Request } from './messages.js';

if (!parentPort) throw new Error('trainer-worker-node.js must run as a worker_threads Worker');
const port = parentPort;
setPlatform(nodePlatform);
const handle = createWorkerHandler((message, transfer) => port.postMessage(message, (transfer ?? []) as never));
port.on('message', (data: Request) => void handle(data));
