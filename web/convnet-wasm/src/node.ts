// convnet-wasm for Node >= 20 (CommonJS engine builds, threads through worker_threads).
import { getPlatform, setPlatform } from './engine.js';
import { ConvnetError } from './errors.js';
import { loadTfjsModel } from './model.js';
import type { Model } from './model.js';
import type { ModelOptions, TfjsModelJson } from './types.js';
import { nodePlatform } from './platform-node.js';

setPlatform(nodePlatform);

export * from './api.js';

/**
 * Node: a model with its weights from a TF.js model.json file and the weight files its
 * weightsManifest lists (read from the same folder), as tf.loadLayersModel('file://...') does.
 */
export async function loadTfjsModelFromFile(path: string, options: ModelOptions = {}): Promise<Model> {
  const files = getPlatform().files!;
  const text = new TextDecoder().decode(await files.readFile(path));
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (e) {
    throw new ConvnetError(`loadTfjsModelFromFile: ${path} is not valid JSON: ${(e as Error).message}`, 'parse_error');
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest))
    throw new ConvnetError(
      `loadTfjsModelFromFile: ${path} has no weightsManifest (is it a TF.js layers model.json?)`,
      'parse_error',
    );
  const paths = manifest.flatMap((g) => g.paths ?? []);
  const buffers = await Promise.all(
    paths.map((p) =>
      files.readFile(files.sibling(path, p)).catch((e: Error) => {
        throw new ConvnetError(
          `loadTfjsModelFromFile: weight file '${p}' listed in ${path} cannot be read: ${e.message}`,
          'not_found',
        );
      }),
    ),
  );
  return loadTfjsModel(json, buffers, options);
}
