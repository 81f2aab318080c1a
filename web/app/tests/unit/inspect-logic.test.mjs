// Pure parts behind the Inspect screen: what it can show before data/model/training, the
// prediction captions, text fitting, and model-graph node widths for long layer names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadViz } from './load-viz.mjs';

const viz = await loadViz();

test('inspect guide: the next step and which controls work, from empty to trained', () => {
  const empty = viz.inspectGuide({ hasData: false, hasModel: false, hasResults: false, training: false });
  assert.equal(empty.next, 'data');
  assert.equal(empty.canPickImage, false);
  assert.equal(empty.canShowMaps, false);
  assert.match(empty.message, /load images/i);
  assert.match(empty.message, /build a model/i);
  assert.match(empty.message, /train/i);
  assert.deepEqual(
    empty.steps.map((s) => [s.step, s.done]),
    [
      ['data', false],
      ['model', false],
      ['train', false],
    ],
  );

  const data = viz.inspectGuide({ hasData: true, hasModel: false, hasResults: false, training: false });
  assert.equal(data.next, 'model');
  assert.equal(data.canPickImage, true, 'images can be browsed before a model exists');
  assert.equal(data.canShowMaps, false, 'feature maps need a model');
  assert.match(data.message, /build a model/i);

  const modelOnly = viz.inspectGuide({ hasData: false, hasModel: true, hasResults: false, training: false });
  assert.equal(modelOnly.next, 'data');
  assert.equal(modelOnly.canShowMaps, false, 'feature maps need an image');

  const built = viz.inspectGuide({ hasData: true, hasModel: true, hasResults: false, training: false });
  assert.equal(built.next, 'train');
  assert.equal(built.canShowMaps, true);
  assert.match(built.message, /train at least one epoch/i);
  assert.match(
    viz.inspectGuide({ hasData: true, hasModel: true, hasResults: false, training: true }).message,
    /after the first epoch/,
  );

  const done = viz.inspectGuide({ hasData: true, hasModel: true, hasResults: true, training: false });
  assert.equal(done.next, null);
  assert.equal(done.message, '', 'nothing to say once everything can be shown');
  assert.ok(done.steps.every((s) => s.done));
});

test('prediction captions carry the whole class names and the confidence', () => {
  const c = viz.predictionCaption('Straßenschuhe', 'a very long class name, 31 chars', 0.8749);
  assert.deepEqual(c.lines, ['true: Straßenschuhe', 'predicted: a very long class name, 31 chars (87%)']);
  assert.match(c.title, /True class: Straßenschuhe\. Predicted: a very long class name, 31 chars, 87% confidence/);
  assert.equal(viz.predictionCaption('a', 'b', 1.2).lines[1], 'predicted: b (100%)', 'clamped');
  assert.equal(viz.predictionCaption('a', 'b', NaN).lines[1], 'predicted: b (?%)');
});

test('ellipsize keeps what fits and shortens the rest to the longest fitting prefix', () => {
  const measure = (s) => [...s].length * 10; // 10 px per character
  assert.equal(viz.ellipsize('short', 50, measure), 'short');
  assert.equal(viz.ellipsize('much too long', 50, measure), 'much…');
  assert.equal(viz.ellipsize('Straßenschuhe', 80, measure), 'Straßen…', 'counts characters, not bytes');
  assert.equal(viz.ellipsize('abc', 5, measure), '…');
  assert.ok(viz.estimateTextWidth('WWWW', 12) > viz.estimateTextWidth('iiii', 12));
  assert.ok(viz.estimateTextWidth('conv', 12, true) > viz.estimateTextWidth('conv', 12));
  assert.equal(viz.estimateTextWidth('', 12), 0);
});

function chain(names, className = 'SeparableConv2D', params = 123456, outputShape = [null, 64, 64, 128]) {
  return {
    layers: names.map((name, i) => ({
      name,
      className: i === 0 ? 'InputLayer' : className,
      outputShape,
      params: i === 0 ? 0 : params,
      inbound: i === 0 ? [] : [names[i - 1]],
    })),
  };
}

test('graph nodes grow with long layer names (up to a limit) and estimated text fits them', () => {
  const short = viz.layoutModelGraph(chain(['input', 'conv2d', 'conv2d_1'], 'Conv2D', 896, [null, 8, 8, 32]));
  assert.equal(short.nodeWidth, viz.MIN_NODE_W, 'short names keep the default width');
  const longName = 'block3_sepconv2_batch_normalization_long';
  const long = viz.layoutModelGraph(chain(['input_image_rgb', longName, 'x']));
  assert.ok(long.nodeWidth > viz.MIN_NODE_W && long.nodeWidth <= viz.MAX_NODE_W, `width ${long.nodeWidth}`);
  for (const n of long.nodes) {
    assert.equal(n.w, long.nodeWidth);
    const [a, b] = viz.nodeText(n);
    assert.ok(viz.estimateTextWidth(a, 12, true) + 20 <= n.w, `${a} fits ${n.w}`);
    assert.ok(viz.estimateTextWidth(b, 11) + 20 <= n.w, `${b} fits ${n.w}`);
    assert.ok(n.x + n.w <= long.width, 'inside the drawing');
  }
  const huge = viz.layoutModelGraph(chain(['in', 'x'.repeat(120)]));
  assert.equal(huge.nodeWidth, viz.MAX_NODE_W, 'absurd names are capped (and shortened when drawn)');
});
