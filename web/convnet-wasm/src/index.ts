// convnet-wasm for browsers (page or worker) and bundlers. Node resolves to node.ts instead
// (package.json "exports" conditions), so browser bundles never see node: imports.
import { setPlatform } from './engine.js';
import { browserPlatform } from './platform-browser.js';

setPlatform(browserPlatform);

export * from './api.js';
