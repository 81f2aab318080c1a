// The compiled viz modules, from the folder run.mjs compiled them into.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadViz(file = 'index.js') {
  const dir = process.env.VIZ_DIST;
  if (!dir) throw new Error('VIZ_DIST is not set: run the unit tests with node tests/unit/run.mjs');
  return import(pathToFileURL(join(dir, file)).href);
}
