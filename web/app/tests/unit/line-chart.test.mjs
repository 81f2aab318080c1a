// Axis ranges and ticks of the line chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadViz } from './load-viz.mjs';

const viz = await loadViz();
const s = (points) => ({ name: 's', color: '#000', points: points.map(([x, y]) => ({ x, y })) });

test('nice ticks: round steps inside the range', () => {
  assert.deepEqual(viz.niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(viz.niceTicks(0.13, 2.9, 3), [1, 2]);
  assert.deepEqual(viz.niceTicks(0.13, 2.9, 6), [0.5, 1, 1.5, 2, 2.5]);
  assert.deepEqual(viz.niceTicks(1, 10, 4), [2, 4, 6, 8, 10]);
  assert.deepEqual(viz.niceTicks(5, 5, 4), []);
  for (const [lo, hi] of [
    [-3.7, 12.2],
    [1e-4, 3e-4],
    [100, 1e5],
  ]) {
    const t = viz.niceTicks(lo, hi, 5);
    assert.ok(t.length >= 2 && t.length <= 11, `${lo}..${hi}: ${t}`);
    assert.ok(t.every((v) => v >= lo - 1e-12 && v <= hi + 1e-12));
  }
});

test('extent ignores NaN, widens a single point, honours yMin/yMax', () => {
  const e = viz.seriesExtent([
    s([
      [1, 0.5],
      [2, NaN],
      [3, 0.25],
    ]),
    s([[4, Infinity]]),
  ]);
  assert.deepEqual([e.x0, e.x1, e.y0, e.y1, e.empty], [1, 4, 0.25, 0.5, false]);
  const one = viz.seriesExtent([s([[2, 0.7]])]);
  assert.ok(one.x0 < 2 && one.x1 > 2 && one.y0 < 0.7 && one.y1 > 0.7);
  const fixed = viz.seriesExtent(
    [
      s([
        [0, 0.3],
        [1, 0.9],
      ]),
    ],
    0,
    1,
  );
  assert.deepEqual([fixed.y0, fixed.y1], [0, 1]);
  const none = viz.seriesExtent([s([])]);
  assert.equal(none.empty, true);
  assert.ok(none.x1 > none.x0 && none.y1 > none.y0);
});
