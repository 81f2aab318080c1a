// Seed models A and B rebuilt with the tfjs-layers API (same architecture as the fixtures written
// by wasm-tests/fixtures/generate/generate-fixtures.mjs). Model B leaves out the data_augmentation
// block: tfjs-layers 4.22 has no RandomFlip/RandomRotation/RandomZoom, and they are identity at
// inference. Classic script: defines self.convnetBenchModels (used by tfjs-worker.js).
(function () {
  const KERNEL_INIT = 'glorotUniform';

  function buildModelA(tf, size) {
    const inputs = tf.input({ shape: [size, size, 3] });
    let x = tf.layers.rescaling({ scale: 1 / 255 }).apply(inputs);
    const conv = (args) => tf.layers.conv2d({ ...args, kernelInitializer: KERNEL_INIT });
    const block = (x, filters, pooling) => {
      let residual = x;
      x = conv({ filters, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
      x = conv({ filters, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
      if (pooling) {
        x = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
        residual = conv({ filters, kernelSize: 1, strides: 2 }).apply(residual);
      } else if (filters !== residual.shape[residual.shape.length - 1]) {
        residual = conv({ filters, kernelSize: 1 }).apply(residual);
      }
      return tf.layers.add().apply([x, residual]);
    };
    x = block(x, 32, true);
    x = block(x, 64, true);
    x = block(x, 128, false);
    x = tf.layers.globalAveragePooling2d({}).apply(x);
    const outputs = tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: KERNEL_INIT }).apply(x);
    return tf.model({ inputs, outputs, name: 'model_a' });
  }

  function buildModelB(tf, size) {
    const inputs = tf.input({ shape: [size, size, 3] });
    let x = tf.layers.rescaling({ scale: 1 / 255 }).apply(inputs);
    x = tf.layers.conv2d({ filters: 32, kernelSize: 5, useBias: false, kernelInitializer: KERNEL_INIT }).apply(x);
    const sep = (filters) =>
      tf.layers.separableConv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: 'glorotUniform',
        pointwiseInitializer: 'glorotUniform',
      });
    for (const filters of [32, 64, 128, 256, 512]) {
      let residual = x;
      x = tf.layers.batchNormalization({}).apply(x);
      x = tf.layers.activation({ activation: 'relu' }).apply(x);
      x = sep(filters).apply(x);
      x = tf.layers.batchNormalization({}).apply(x);
      x = tf.layers.activation({ activation: 'relu' }).apply(x);
      x = sep(filters).apply(x);
      x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
      residual = tf.layers
        .conv2d({
          filters,
          kernelSize: 1,
          strides: 2,
          padding: 'same',
          useBias: false,
          kernelInitializer: KERNEL_INIT,
        })
        .apply(residual);
      x = tf.layers.add().apply([x, residual]);
    }
    x = tf.layers.globalAveragePooling2d({}).apply(x);
    x = tf.layers.dropout({ rate: 0.5 }).apply(x);
    const outputs = tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: KERNEL_INIT }).apply(x);
    return tf.model({ inputs, outputs, name: 'model_b' });
  }

  // Conv and dense multiply-adds per sample (what the engine's forward_macs_per_sample counts).
  function forwardMacs(model) {
    let macs = 0;
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      const out = layer.outputShape;
      const spatial = Array.isArray(out) ? out.slice(1, -1).reduce((a, b) => a * b, 1) : 1;
      if (cls === 'Conv2D') {
        const [kh, kw, ci, co] = layer.getWeights()[0].shape;
        macs += spatial * kh * kw * ci * co;
      } else if (cls === 'SeparableConv2D') {
        const [kh, kw, ci] = layer.getWeights()[0].shape;
        const co = out[out.length - 1];
        macs += spatial * (kh * kw * ci + ci * co);
      } else if (cls === 'Dense') {
        const [ci, co] = layer.getWeights()[0].shape;
        macs += ci * co;
      }
    }
    return macs;
  }

  const EXPECTED_PARAMS = { A: 297697, B: 721857 };
  // name: 'A-32', 'B-64', 'B-180', 'A-16'
  function build(tf, name) {
    const [kind, size] = name.split('-');
    const model = kind === 'A' ? buildModelA(tf, Number(size)) : buildModelB(tf, Number(size));
    const params = model.countParams();
    if (params !== EXPECTED_PARAMS[kind])
      throw new Error(`${name}: ${params} params, expected ${EXPECTED_PARAMS[kind]}`);
    return { model, size: Number(size), macs: forwardMacs(model) };
  }

  self.convnetBenchModels = { build };
})();
