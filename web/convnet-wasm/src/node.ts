// convnet-wasm for Node >= 20 (CommonJS engine builds, threads through worker_threads).
import { setPlatform } from './engine.js';
import { nodePlatform } from './platform-node.js';

setPlatform(nodePlatform);

export * from './api.js';
