#!/usr/bin/env node
// Diagnostic, not a test: loads each transfer fixture (make-fixtures.mjs's output) with this
// package and prints what fails, verbatim, or how close our predictions are to TF.js's.
//
//   node tests/transfer/probe.mjs [fixturesDir]      (default: tests/transfer/out/)
//
// Needs the built package (npm run build) and the engine in wasm/ (npm run copy-engine).
// For each fixture:
//   1. loadTfjsModel on model.json + weights.bin; if it loads: max relative error of predict()
//      vs expected.json, parameter counts vs TF.js's, and layerOutput() at the recorded cuts.
//   2. every leaf layer (nested models flattened) alone, as a one-layer model.json through
//      modelFromJson, with its input shape as TF.js computes it: which classes and config fields
//      the engine rejects, grouped by message.
//   3. work-arounds done here in the probe, to reach the failures behind the first one: the
//      model.json cut at a recorded layer, each nested model loaded on its own (the head fed
//      TF.js's features), SeparableConv2D's depth_multiplier written back from the weight shape.
// With random weights through ~50 layers, float32 rounding alone moves activations by ~1e-3
// relative (the "TF.js noise floor" line: TF.js against itself with the weights moved by one
// ulp), so intermediate outputs are reported as abs error and relative error over the larger
// elements, without a pass/fail mark; predictions (softmax) stay near 2e-5.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cw from 'convnet-wasm';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(process.argv[2] ?? join(here, 'out'));
if (!existsSync(root)) {
  console.error(`probe: ${root} does not exist: run npm run fixtures:transfer first`);
  process.exit(2);
}

// TF.js only to learn each layer's input shape (step 2).
const tf = await (async () => {
  const { warn, log } = console;
  console.warn = console.log = () => {};
  try {
    const core = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    const layers = require('@tensorflow/tfjs-layers');
    await core.setBackend('cpu');
    core.tensor([0]).dispose();
    return { ...core, ...layers, io: core.io };
  } finally {
    console.warn = warn;
    console.log = log;
  }
})();

await cw.init();

// ---------------------------------------------------------------------------------------------
const decode = (b) => {
  const buf = Buffer.from(b.base64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};
const tensorOf = (b) => cw.tensor(decode(b), b.shape);
function maxRelErr(ours, want) {
  if (ours.length !== want.length) return `length ${ours.length} vs ${want.length}`;
  let worst = 0,
    at = 0;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(ours[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-6);
    if (!(r <= worst)) {
      worst = r;
      at = i;
    } // NaN counts as worst
  }
  return worst;
}
const fmtErr = (e) =>
  typeof e === 'number' ? `${e.toExponential(2)}${e <= 1e-4 ? ' (within 1e-4)' : ' (ABOVE 1e-4)'}` : e;
/**
 * For activations (ReLU outputs have many values at or near 0, where an elementwise relative
 * error means nothing): max abs error, max |TF.js|, and the max relative error over the
 * elements whose |TF.js| is at least 1% of max |TF.js|.
 */
function activationErr(ours, want) {
  if (ours.length !== want.length) return `length ${ours.length} vs ${want.length}`;
  let peak = 0;
  for (const v of want) peak = Math.max(peak, Math.abs(v));
  let abs = 0,
    rel = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(ours[i] - want[i]);
    if (!(d <= abs)) abs = d;
    if (Math.abs(want[i]) >= 0.01 * peak && !(d / Math.abs(want[i]) <= rel)) rel = d / Math.abs(want[i]);
  }
  return `max abs err ${abs.toExponential(2)} (max |TF.js| ${peak.toPrecision(3)}), max rel err where |TF.js| >= 1% of max: ${rel.toExponential(2)}`;
}
const errText = (e) => `[${e?.code ?? e?.name ?? 'error'}] ${e?.message ?? e}`;
const isContainer = (l) => ['Sequential', 'Model', 'Functional'].includes(l.class_name);
/** Leaf layer configs of a topology, nested models flattened, each with its path. */
function leaves(topo, path = []) {
  const out = [];
  for (const l of topo.config.layers) {
    const name = l.config?.name ?? l.name;
    if (isContainer(l)) out.push(...leaves(l, [...path, name]));
    else out.push({ ...l, name, path });
  }
  return out;
}
function findContainer(topo, name) {
  for (const l of topo.config.layers) {
    if (!isContainer(l)) continue;
    if (l.config.name === name) return l;
    const inner = findContainer(l, name);
    if (inner) return inner;
  }
  return null;
}
/** The weights whose layer (the part before '/') is in `keep`, with their bytes, in manifest order. */
function subsetWeights(modelJson, bytes, keep) {
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const kept = [],
    parts = [];
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1) * 4;
    if (keep.has(s.name.split('/')[0])) {
      kept.push(s);
      parts.push(bytes.subarray(off, off + n));
    }
    off += n;
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { weights: kept, bytes: out };
}
function jsonWith(modelJson, topology, weights) {
  return {
    ...modelJson,
    modelTopology: { ...modelJson.modelTopology, ...topology },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
}

async function tryLoad(json, bytes) {
  try {
    return { model: await cw.loadTfjsModel(json, bytes) };
  } catch (e) {
    return { error: e };
  }
}

function compare(m, x, want, label, activations = false) {
  try {
    const y = m.predict(x);
    const err = activations ? activationErr(y.data, want) : `max rel err vs TF.js ${fmtErr(maxRelErr(y.data, want))}`;
    console.log(`  ${label}: predict shape [${y.shape}], ${err}`);
  } catch (e) {
    console.log(`  ${label}: predict FAILS ${errText(e)}`);
  }
}

function compareParams(m, params, label = 'params') {
  try {
    const s = m.summaryData();
    const ours = `${s.totalParams} (trainable ${s.trainableParams}, non-trainable ${s.nonTrainableParams})`;
    const theirs = `${params.total} (trainable ${params.trainable}, non-trainable ${params.nonTrainable})`;
    const same =
      s.totalParams === params.total &&
      s.trainableParams === params.trainable &&
      s.nonTrainableParams === params.nonTrainable;
    console.log(`  ${label}: ours ${ours}, TF.js ${theirs}: ${same ? 'equal' : 'DIFFER'}`);
  } catch (e) {
    console.log(`  ${label}: summaryData FAILS ${errText(e)}`);
  }
}

/** Step 2: each leaf layer alone through modelFromJson, input shapes from TF.js. */
async function layerCensus(modelJson, bytes) {
  // Shapes from TF.js. depth_multiplier is written back from the weights first, or TF.js cannot load.
  const topo = JSON.parse(JSON.stringify(modelJson.modelTopology));
  for (const l of leaves(topo)) patchDepthMultiplier(l, modelJson);
  let tm;
  try {
    tm = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topo,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: bytes.slice().buffer,
      }),
    );
  } catch (e) {
    console.log(`  census skipped: TF.js cannot load it either: ${e.message}`);
    return;
  }
  const shapes = new Map();
  const walk = (m) => {
    for (const l of m.layers) {
      if (l.layers) walk(l);
      else shapes.set(l.name, l.inboundNodes[0]?.inputTensors.map((t) => t.shape) ?? []);
    }
  };
  walk(tm);
  const byClass = new Map();
  for (const l of leaves(modelJson.modelTopology)) {
    if (l.class_name === 'InputLayer') continue;
    const inShapes = shapes.get(l.name) ?? [];
    // the engine takes one model input: a merge layer whose inputs share a shape gets it twice
    const same = inShapes.every((sh) => JSON.stringify(sh) === JSON.stringify(inShapes[0]));
    const inputs = (same ? inShapes.slice(0, 1) : inShapes).map((s, i) => ({
      name: `probe_in${i}`,
      class_name: 'InputLayer',
      inbound_nodes: [],
      config: { batch_input_shape: s, dtype: 'float32', sparse: false, name: `probe_in${i}` },
    }));
    const config = { ...l.config };
    delete config.batch_input_shape;
    delete config.input_shape;
    const json = {
      modelTopology: {
        class_name: 'Model',
        keras_version: 'tfjs-layers',
        backend: 'tensor_flow.js',
        config: {
          name: 'probe',
          input_layers: inputs.map((i) => [i.name, 0, 0]),
          output_layers: [[l.name, 0, 0]],
          layers: [
            ...inputs,
            {
              name: l.name,
              class_name: l.class_name,
              config,
              inbound_nodes: [inShapes.map((_, k) => [inputs[same ? 0 : k].name, 0, 0, {}])],
            },
          ],
        },
      },
    };
    let msg = 'ok';
    try {
      const m = cw.modelFromJson(json);
      m.dispose?.();
    } catch (e) {
      msg = errText(e).replaceAll(l.name, '<layer>');
    }
    const key = `${l.class_name}\u0000${msg}`;
    if (!byClass.has(key)) byClass.set(key, { cls: l.class_name, msg, names: [] });
    byClass.get(key).names.push(l.name);
  }
  const rows = [...byClass.values()].sort((a, b) => (a.msg === 'ok') - (b.msg === 'ok') || a.cls.localeCompare(b.cls));
  for (const r of rows) {
    const names =
      r.names.length > 3 ? `${r.names.slice(0, 3).join(', ')}, ... (${r.names.length})` : r.names.join(', ');
    console.log(`    ${r.msg === 'ok' ? 'ok  ' : 'FAIL'} ${r.cls} [${names}]${r.msg === 'ok' ? '' : `: ${r.msg}`}`);
  }
  tm.dispose();
}

/**
 * TF.js against itself with every weight moved by about one float32 ulp (relative 2^-23,
 * random sign): how far float32 rounding alone moves the outputs and the recorded cuts. Our
 * errors at that size are rounding, not a wrong layer.
 */
async function tfjsNoiseFloor(modelJson, bytes, expected, x) {
  const topo = JSON.parse(JSON.stringify(modelJson.modelTopology));
  for (const l of leaves(topo)) patchDepthMultiplier(l, modelJson);
  let m;
  try {
    m = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topo,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: bytes.slice().buffer,
      }),
    );
  } catch {
    return;
  }
  const rand = (() => {
    let a = 12345;
    return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296;
  })();
  const walk = (mm) => {
    for (const l of mm.layers) {
      if (l.layers) {
        walk(l);
        continue;
      }
      const ws = l.getWeights();
      if (!ws.length) continue;
      l.setWeights(
        ws.map((w) => {
          const d = Float32Array.from(w.dataSync());
          for (let i = 0; i < d.length; i++) d[i] *= 1 + (rand() < 0.5 ? -1 : 1) * 2 ** -23;
          return tf.tensor(d, w.shape);
        }),
      );
    }
  };
  walk(m);
  const tx = tf.tensor(x.data, x.shape);
  const find = (mm, name) => {
    for (const l of mm.layers) {
      if (l.name === name) return l;
      if (l.layers) {
        const f = find(l, name);
        if (f) return f;
      }
    }
    return null;
  };
  const y = m.predict(tx);
  console.log(
    `  TF.js noise floor (TF.js vs itself, weights moved ~1 ulp): predict max rel err ${maxRelErr(y.dataSync(), decode(expected.output)).toExponential(2)}`,
  );
  for (const [cut, blob] of Object.entries(expected.intermediate ?? {})) {
    const l = find(m, cut);
    const out = l?.layers ? l.predict(tx) : tf.model({ inputs: m.inputs, outputs: l.output }).predict(tx);
    console.log(`    '${cut}': ${activationErr(out.dataSync(), decode(blob))}`);
  }
  m.dispose();
}

/** SeparableConv2D without depth_multiplier: infer it from the depthwise kernel's last dimension. */
function patchDepthMultiplier(l, modelJson) {
  if (!['SeparableConv2D', 'DepthwiseConv2D'].includes(l.class_name) || l.config.depth_multiplier !== undefined)
    return false;
  const spec = modelJson.weightsManifest
    .flatMap((g) => g.weights)
    .find((w) => w.name === `${l.config.name}/depthwise_kernel`);
  if (!spec) return false;
  l.config.depth_multiplier = spec.shape[3];
  return true;
}

/** A functional model.json cut at `output`: only the layers it needs, and their weights. */
function cutFunctional(modelJson, bytes, output) {
  const topo = modelJson.modelTopology;
  const byName = new Map(topo.config.layers.map((l) => [l.name, l]));
  const keep = new Set();
  const visit = (name) => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const node of byName.get(name).inbound_nodes) for (const [src] of node) visit(src);
  };
  visit(output);
  const layers = topo.config.layers.filter((l) => keep.has(l.name));
  const w = subsetWeights(modelJson, bytes, keep);
  return {
    json: jsonWith(modelJson, { config: { ...topo.config, layers, output_layers: [[output, 0, 0]] } }, w.weights),
    bytes: w.bytes,
  };
}

/** A nested model's config as a model.json of its own, with its weights. */
function extractNested(modelJson, bytes, name) {
  const c = findContainer(modelJson.modelTopology, name);
  const keep = new Set(leaves(c).map((l) => l.name));
  const w = subsetWeights(modelJson, bytes, keep);
  return {
    json: jsonWith(modelJson, { class_name: c.class_name, config: c.config }, w.weights),
    bytes: w.bytes,
    config: c,
  };
}

// ---------------------------------------------------------------------------------------------
const fixtures = readdirSync(root)
  .filter((d) => existsSync(join(root, d, 'model.json')))
  .sort();
for (const name of fixtures) {
  const dir = join(root, name);
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bytes = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const x = tensorOf(expected.input);
  const want = decode(expected.output);
  const p = expected.params;
  console.log(`\n=== ${name} ===`);
  const classes = new Map();
  for (const l of leaves(modelJson.modelTopology)) classes.set(l.class_name, (classes.get(l.class_name) ?? 0) + 1);
  const nested = [];
  (function nest(t, d) {
    for (const l of t.config.layers)
      if (isContainer(l)) {
        nested.push(`${'  '.repeat(d)}${l.class_name} '${l.config.name}'`);
        nest(l, d + 1);
      }
  })(modelJson.modelTopology, 0);
  console.log(
    `  top: ${modelJson.modelTopology.class_name} '${modelJson.modelTopology.config.name}'${nested.length ? `, nested: ${nested.join('; ')}` : ''}`,
  );
  console.log(`  leaf layers: ${[...classes].map(([c, n]) => `${c} x${n}`).join(', ')}`);
  console.log(
    `  TF.js: params ${p.total} (trainable ${p.trainable}, non-trainable ${p.nonTrainable}); TF.js reloads its own files: ${expected.tfjsReload.loads ? 'yes' : `no (${expected.tfjsReload.error})`}`,
  );
  if (existsSync(join(dir, 'metadata.json'))) {
    const md = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    console.log(`  metadata.json: ${md.packageName}, labels ${JSON.stringify(md.labels)}, imageSize ${md.imageSize}`);
  }

  // 1. as it is
  const full = await tryLoad(modelJson, bytes);
  if (full.model) {
    console.log('  1. loadTfjsModel: loads');
    compare(full.model, x, want, 'predict');
    compareParams(full.model, p);
    for (const [cut, blob] of Object.entries(expected.intermediate ?? {})) {
      try {
        const y = full.model.layerOutput(cut, x);
        console.log(`  layerOutput('${cut}'): shape [${y.shape}], ${activationErr(y.data, decode(blob))}`);
      } catch (e) {
        console.log(`  layerOutput('${cut}'): FAILS ${errText(e)}`);
      }
    }
    full.model.dispose?.();
  } else {
    console.log(`  1. loadTfjsModel FAILS: ${errText(full.error)}`);
  }

  await tfjsNoiseFloor(modelJson, bytes, expected, x);

  // 2. layer by layer
  console.log('  2. each layer alone (modelFromJson):');
  await layerCensus(modelJson, bytes);

  // 3. work-arounds in the probe, to see past the first failure
  if (full.model) continue;
  console.log('  3. past the first failure (model.json edited by the probe):');
  const topClass = modelJson.modelTopology.class_name;
  if (topClass !== 'Sequential') {
    for (const [cut, blob] of Object.entries(expected.intermediate ?? {})) {
      const c = cutFunctional(modelJson, bytes, cut);
      const r = await tryLoad(c.json, c.bytes);
      if (r.error) console.log(`  cut at '${cut}': FAILS ${errText(r.error)}`);
      else {
        compare(r.model, x, decode(blob), `cut at '${cut}'`, true);
        r.model.dispose?.();
      }
    }
  }
  // nested models on their own
  for (const [cut, blob] of Object.entries(expected.intermediate ?? {})) {
    if (!findContainer(modelJson.modelTopology, cut)) continue;
    const n = extractNested(modelJson, bytes, cut);
    const r = await tryLoad(n.json, n.bytes);
    if (r.error) console.log(`  nested ${n.config.class_name} '${cut}' alone: FAILS ${errText(r.error)}`);
    else {
      compare(r.model, x, decode(blob), `nested ${n.config.class_name} '${cut}' alone`, true);
      r.model.dispose?.();
    }
  }
  // a nested head: the last nested model, fed TF.js's features (the intermediate just before it)
  const top = modelJson.modelTopology.config.layers;
  if (topClass === 'Sequential' && top.length >= 2 && isContainer(top[top.length - 1])) {
    const headName = top[top.length - 1].config.name,
      featName = top[top.length - 2].config?.name;
    const feats = expected.intermediate?.[featName];
    if (feats) {
      const n = extractNested(modelJson, bytes, headName);
      const r = await tryLoad(n.json, n.bytes);
      if (r.error) console.log(`  nested head '${headName}' alone: FAILS ${errText(r.error)}`);
      else {
        compare(r.model, tensorOf(feats), want, `nested head '${headName}' alone, fed TF.js's '${featName}' features`);
        compareParams(
          r.model,
          {
            total: n.json.weightsManifest[0].weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0),
            trainable: n.json.weightsManifest[0].weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0),
            nonTrainable: 0,
          },
          `nested head '${headName}' params`,
        );
        r.model.dispose?.();
      }
    }
  }
  // SeparableConv2D / DepthwiseConv2D whose config lacks depth_multiplier
  const patched = JSON.parse(JSON.stringify(modelJson));
  const fixed =
    leaves(patched.modelTopology).length &&
    (function fix(t) {
      let any = false;
      for (const l of t.config.layers) any = (isContainer(l) ? fix(l) : patchDepthMultiplier(l, patched)) || any;
      return any;
    })(patched.modelTopology);
  if (fixed) {
    const r = await tryLoad(patched, bytes);
    if (r.error) console.log(`  with depth_multiplier written back from the weight shapes: FAILS ${errText(r.error)}`);
    else {
      console.log('  with depth_multiplier written back from the weight shapes: loads');
      compare(r.model, x, want, 'predict');
      compareParams(r.model, p);
      r.model.dispose?.();
    }
  }
}
