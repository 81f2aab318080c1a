// The renderers in headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// canvases get non-blank pixels, the model graph's nodes are focusable and selectable
// by keyboard, the confusion matrix is a table with working buttons.
// Set VIZ_SCREENSHOTS=DIR to keep a screenshot of the test page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = process.env.VIZ_DIST;
const fixtures = fileURLToPath(new URL('../../../../wasm-tests/fixtures/', import.meta.url));
let browser, page;

before(async () => {
  if (!dist) throw new Error('VIZ_DIST is not set: run the unit tests with node tests/unit/run.mjs');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM)`);
  // playwright-core from the app, or from the package while the app has none installed.
  let chromium;
  for (const from of ['../../package.json', '../../../convnet-wasm/package.json']) {
    try {
      ({ chromium } = createRequire(new URL(from, import.meta.url))('playwright-core'));
      break;
    } catch {
      /* next */
    }
  }
  if (!chromium) throw new Error('playwright-core not found: run npm install in web/app');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
  // The compiled modules are served from a made-up origin; nothing goes to the network.
  await page.route('http://viz.test/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/')
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><meta charset="utf-8"><body style="font-family:sans-serif"></body>',
      });
    const file = join(dist, path);
    if (!existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(file, 'utf8') });
  });
  await page.goto('http://viz.test/');
  await page.evaluate(async () => {
    window.viz = await import('/index.js');
  });
});

after(async () => {
  const dir = process.env.VIZ_SCREENSHOTS;
  if (page && dir) {
    await page.screenshot({ path: join(dir, 'viz-page.png'), fullPage: true });
    for (const sel of [
      '#chart',
      '#chart-one',
      '#fmaps',
      '#filters',
      '#grid',
      '#heat',
      'svg.model-graph',
      'table.confusion-matrix',
      '#cm-long',
      '#graph-long',
      '#tiles-long',
    ]) {
      const el = await page.$(sel);
      if (el) await el.screenshot({ path: join(dir, `viz-${sel.replace(/[^a-z-]/g, '')}.png`) });
    }
  }
  await browser?.close();
});

// Count of distinct colours and non-transparent pixels in a canvas.
const canvasStats = (id) =>
  page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let opaque = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) {
        opaque++;
        colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      }
    }
    return { w: c.width, h: c.height, cssW: c.getBoundingClientRect().width, opaque, colours: colours.size };
  }, id);

test('line chart: draws curves at the device pixel ratio, survives NaN, one point and no data', async () => {
  await page.evaluate(() => {
    const mk = (id) => {
      const c = document.createElement('canvas');
      c.id = id;
      c.width = 420;
      c.height = 220;
      document.body.appendChild(c);
      return c;
    };
    const loss = Array.from({ length: 30 }, (_, i) => ({ x: i + 1, y: 2 * Math.exp(-i / 8) + (i === 12 ? NaN : 0) }));
    const spec = {
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { name: 'train', color: '#1f6feb', points: loss },
        { name: 'validation', color: '#d1242f', dashed: true, points: loss.map((p) => ({ x: p.x, y: p.y * 1.2 })) },
      ],
    };
    const c = mk('chart');
    viz.drawLineChart(c, spec);
    viz.drawLineChart(c, spec); // a redraw must not grow the canvas
    viz.drawLineChart(mk('chart-one'), {
      title: 'Accuracy',
      series: [{ name: 'train', color: '#1f6feb', points: [{ x: 1, y: 0.5 }] }],
      yMin: 0,
      yMax: 1,
    });
    viz.drawLineChart(mk('chart-empty'), { title: 'Empty', series: [] });
  });
  const s = await canvasStats('chart');
  assert.equal(s.w, 840, 'backing store is 2x the CSS width');
  assert.equal(s.cssW, 420, 'CSS size unchanged after redraws');
  assert.ok(s.opaque > 2000 && s.colours > 20, JSON.stringify(s));
  // The blue series is drawn: some pixels are close to #1f6feb.
  const blue = await page.evaluate(() => {
    const c = document.getElementById('chart');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (
        d[i + 3] > 200 &&
        Math.abs(d[i] - 0x1f) < 30 &&
        Math.abs(d[i + 1] - 0x6f) < 30 &&
        Math.abs(d[i + 2] - 0xeb) < 30
      )
        n++;
    return n;
  });
  assert.ok(blue > 200, `blue pixels: ${blue}`);
  assert.ok((await canvasStats('chart-one')).opaque > 500);
  // Drawn first while hidden (display: none), then shown: the size settles, it does not grow.
  const sizes = await page.evaluate(() => {
    const wrap = document.createElement('div');
    wrap.style.display = 'none';
    const c = document.createElement('canvas');
    c.width = 300;
    c.height = 150;
    wrap.appendChild(c);
    document.body.appendChild(wrap);
    const spec = {
      title: 'hidden',
      series: [
        {
          name: 's',
          color: '#000',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
      ],
    };
    viz.drawLineChart(c, spec);
    wrap.style.display = 'block';
    const out = [];
    for (let i = 0; i < 3; i++) {
      viz.drawLineChart(c, spec);
      out.push([c.width, c.getBoundingClientRect().width]);
    }
    // A stylesheet width is followed, not overridden.
    const d = document.createElement('canvas');
    d.style.cssText = 'width: 500px; height: 200px';
    document.body.appendChild(d);
    viz.drawLineChart(d, spec);
    viz.drawLineChart(d, spec);
    out.push([d.width, d.getBoundingClientRect().width]);
    return out;
  });
  assert.deepEqual(sizes, [
    [600, 300],
    [600, 300],
    [600, 300],
    [1000, 500],
  ]);
  assert.ok((await canvasStats('chart-empty')).opaque > 100);
});

test('feature maps, filters, image grid and heat map draw non-blank canvases', async () => {
  const r = await page.evaluate(() => {
    const mk = (id) => {
      const c = document.createElement('canvas');
      c.id = id;
      document.body.appendChild(c);
      return c;
    };
    const fm = new Float32Array(12 * 12 * 8).map((_, i) => Math.sin(i * 0.37) * ((i % 8) + 1));
    const a = viz.drawFeatureMaps(mk('fmaps'), fm, [12, 12, 8], { maxMaps: 6, cellPx: 48 });
    const k = new Float32Array(3 * 3 * 3 * 16).map((_, i) => Math.cos(i * 1.3));
    const b = viz.drawFilters(mk('filters'), k, [3, 3, 3, 16]);
    const imgs = new Float32Array(6 * 10 * 10).map((_, i) => (i * 13) % 256);
    viz.drawImageGrid(mk('grid'), imgs, 6, 10, 10, 1, { cols: 3, labels: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const image = new ImageData(32, 32);
    image.data.fill(120);
    viz.drawHeatmapOverlay(mk('heat'), image, new Float32Array([0, 0.2, 0.5, 1]), [2, 2], { alpha: 0.6 });
    return [a.count, b.count];
  });
  assert.deepEqual(r, [6, 16]);
  for (const id of ['fmaps', 'filters', 'grid', 'heat']) {
    const s = await canvasStats(id);
    assert.ok(s.opaque > 100 && s.colours > 3, `${id}: ${JSON.stringify(s)}`);
  }
});

test('model graph: SVG with blocks, keyboard-focusable nodes, Enter and click select', async () => {
  const modelA = JSON.parse(readFileSync(join(fixtures, 'model-b-64.json'), 'utf8'));
  const r = await page.evaluate(async (json) => {
    const div = document.createElement('div');
    document.body.appendChild(div);
    window.selectedLayers = [];
    const layout = viz.layoutModelGraph(viz.summaryFromModelJson(json));
    const svg = viz.renderModelGraph(div, layout, {
      onSelect: (n) => window.selectedLayers.push(n),
      selected: 'conv2d',
    });
    const nodes = svg.querySelectorAll('[data-name]');
    const first = svg.querySelector('[data-name="separable_conv2d"]');
    first.focus();
    return {
      nodes: nodes.length,
      blocks: svg.querySelectorAll('.model-graph-block').length,
      edges: svg.querySelectorAll('path[data-from]').length,
      tabindex: first.getAttribute('tabindex'),
      label: first.getAttribute('aria-label'),
      focused: document.activeElement === first,
      pressed: svg.querySelector('[data-name="conv2d"]').getAttribute('aria-pressed'),
    };
  }, modelA);
  assert.equal(r.nodes, 52);
  assert.equal(r.blocks, 5);
  assert.ok(r.edges >= 51);
  assert.equal(r.tabindex, '0');
  assert.match(r.label, /separable_conv2d, SeparableConv2D/);
  assert.equal(r.focused, true);
  assert.equal(r.pressed, 'true');
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press(' ');
  await page.click('[data-name="add_2"]');
  const sel = await page.evaluate(() => ({
    picked: window.selectedLayers,
    pressed: [...document.querySelectorAll('[aria-pressed="true"]')].map((g) => g.dataset.name),
  }));
  assert.deepEqual(sel.picked, ['separable_conv2d', 'batch_normalization_1', 'add_2']);
  assert.deepEqual(sel.pressed, ['add_2']);
});

test('confusion matrix: table with headers, counts, and buttons that report their cell', async () => {
  const r = await page.evaluate(() => {
    const div = document.createElement('div');
    document.body.appendChild(div);
    window.clicked = [];
    const m = viz.confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3);
    const table = viz.renderConfusionMatrix(div, m, ['cat', 'dog', 'bird'], {
      onCellClick: (t, p) => window.clicked.push([t, p]),
    });
    return {
      rows: table.tBodies[0].rows.length,
      colHeaders: [...table.tHead.querySelectorAll('th')].map((t) => t.textContent),
      cell: table.tBodies[0].rows[2].cells[3].textContent,
      buttons: table.querySelectorAll('button').length,
      label: table.querySelector('button[aria-label^="true bird, predicted cat"]')?.getAttribute('aria-label'),
    };
  });
  assert.equal(r.rows, 3);
  assert.deepEqual(r.colHeaders, ['true \\ predicted', 'cat', 'dog', 'bird']);
  assert.equal(r.cell, '2');
  assert.equal(r.buttons, 9);
  assert.equal(r.label, 'true bird, predicted cat: 1 (33% of bird)');
  await page.focus('button[aria-label^="true cat, predicted dog"]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => window.clicked), [[0, 1]]);
});

// Bounding boxes of elements, as plain objects.
const LONG_NAMES = [
  't-shirt',
  'ankle boot',
  'Straßenschuhe',
  'a class name of 24 chars',
  'bag',
  'an absurdly long class name, 48 characters long!',
];

test('confusion matrix: long class names stay apart, readable and within their columns', async () => {
  const r = await page.evaluate((names) => {
    const div = document.createElement('div');
    div.id = 'cm-long';
    document.body.appendChild(div);
    const n = names.length;
    const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 20 : i + j)));
    const t = viz.renderConfusionMatrix(div, m, names, { onCellClick: () => {} });
    const box = (e) => {
      const b = e.getBoundingClientRect();
      return { x0: b.left, x1: b.right, y0: b.top, y1: b.bottom };
    };
    const heads = [...t.tHead.querySelectorAll('th[scope="col"] span')].map((s) => ({
      ...box(s),
      text: s.textContent,
      title: s.parentElement.title,
      clipped: s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1,
    }));
    const cols = [...t.tBodies[0].rows[0].cells].map(box); // [row header, cell 0, cell 1, ...]
    const rows = [...t.tBodies[0].rows].map((tr) => {
      const s = tr.cells[0].querySelector('span') ?? tr.cells[0];
      return { ...box(s), clipped: s.scrollWidth > s.clientWidth + 1 };
    });
    return { heads, cols, rows, corner: box(t.tHead.rows[0].cells[0]) };
  }, LONG_NAMES);
  assert.equal(r.heads.length, LONG_NAMES.length);
  for (let i = 0; i < r.heads.length; i++) {
    const hd = r.heads[i],
      col = r.cols[i + 1];
    assert.equal(hd.title, LONG_NAMES[i], 'the whole name in the tooltip');
    assert.equal(hd.text, LONG_NAMES[i]);
    assert.ok(
      hd.x0 >= col.x0 - 0.5 && hd.x1 <= col.x1 + 0.5,
      `header ${i} within its column: ${JSON.stringify([hd, col])}`,
    );
    if (i > 0)
      assert.ok(
        hd.x0 - r.heads[i - 1].x1 >= 4,
        `headers ${i - 1} and ${i} at least 4 px apart: ${r.heads[i - 1].x1} -> ${hd.x0}`,
      );
    // Names up to 28 characters are shown whole; longer ones are shortened (tooltip keeps them).
    assert.equal(hd.clipped, LONG_NAMES[i].length > 28, `header '${LONG_NAMES[i]}' clipped: ${hd.clipped}`);
    assert.equal(
      r.rows[i].clipped,
      LONG_NAMES[i].length > 28,
      `row header '${LONG_NAMES[i]}' clipped: ${r.rows[i].clipped}`,
    );
    assert.ok(r.rows[i].x1 <= r.cols[1].x0 + 0.5, 'row header left of the first cell');
  }
});

test('model graph: long layer names stay inside their boxes', async () => {
  const names = [
    'input_image_rgb',
    'block3_sepconv2_batch_normalization_long',
    'Straßen_conv2d_with_a_long_name',
    'z'.repeat(90),
    'logits',
  ];
  const r = await page.evaluate((names) => {
    const div = document.createElement('div');
    div.id = 'graph-long';
    document.body.appendChild(div);
    const layers = names.map((name, i) => ({
      name,
      className: i === 0 ? 'InputLayer' : 'SeparableConv2D',
      outputShape: [null, 128, 128, 256],
      params: i === 0 ? 0 : 1234567,
      inbound: i === 0 ? [] : [names[i - 1]],
    }));
    const svg = viz.renderModelGraph(div, viz.layoutModelGraph({ layers }));
    return [...svg.querySelectorAll('.model-graph-node')].map((g) => {
      const rect = g.querySelector('rect').getBBox();
      return {
        name: g.dataset.name,
        title: g.querySelector('title').textContent,
        rect: [rect.x, rect.y, rect.width, rect.height],
        texts: [...g.querySelectorAll('text')].map((t) => {
          const b = t.getBBox();
          return [t.textContent, b.x, b.y, b.width, b.height];
        }),
      };
    });
  }, names);
  assert.equal(r.length, names.length);
  for (const n of r) {
    const [x, y, w, hgt] = n.rect;
    for (const [text, tx, ty, tw, th] of n.texts) {
      assert.ok(
        tx >= x && tx + tw <= x + w - 4 && ty >= y && ty + th <= y + hgt,
        `'${text}' (${tw.toFixed(1)} px) inside ${n.name}'s ${w} px box`,
      );
    }
    assert.ok(n.title.startsWith(n.name), 'the whole name in the tooltip');
  }
  assert.equal(r[1].texts[0][0], names[1], 'a long but reasonable name is shown whole');
  assert.match(r[3].texts[0][0], /…$/, 'an absurd name is shortened');
});

test('image tiles: captions wrap inside their tiles, tiles do not overlap, click picks', async () => {
  const r = await page.evaluate((names) => {
    const div = document.createElement('div');
    div.id = 'tiles-long';
    div.style.width = '640px';
    document.body.appendChild(div);
    const n = names.length,
      size = 8;
    const data = new Uint8Array(n * size * size * 3).map((_, i) => (i * 7) % 256);
    const items = names.map((t, i) => viz.predictionCaption(t, names[(i + 1) % n], 0.5 + i / 20));
    window.picked = [];
    viz.renderImageTiles(div, { data, n, size }, items, { onPick: (k) => window.picked.push(k) });
    const box = (e) => {
      const b = e.getBoundingClientRect();
      return { x0: b.left, x1: b.right, y0: b.top, y1: b.bottom };
    };
    return [...div.querySelectorAll('.image-tile')].map((t) => ({
      tile: box(t),
      title: t.title,
      tag: t.tagName,
      caps: [...t.querySelectorAll('.image-tile-caption')].map((s) => ({
        ...box(s),
        text: s.textContent,
        over: s.scrollWidth > s.clientWidth + 1,
      })),
    }));
  }, LONG_NAMES);
  assert.equal(r.length, LONG_NAMES.length);
  for (let i = 0; i < r.length; i++) {
    const t = r[i];
    assert.equal(t.tag, 'BUTTON');
    assert.equal(t.caps[0].text, `true: ${LONG_NAMES[i]}`);
    assert.ok(t.caps[1].text.startsWith(`predicted: ${LONG_NAMES[(i + 1) % r.length]} (`), t.caps[1].text);
    assert.match(t.title, new RegExp(`True class: ${LONG_NAMES[i].replace(/[.,!]/g, '.')}`));
    for (const c of t.caps) {
      assert.ok(
        !c.over && c.x0 >= t.tile.x0 && c.x1 <= t.tile.x1 && c.y1 <= t.tile.y1,
        `caption '${c.text}' inside its tile`,
      );
    }
    for (let j = i + 1; j < r.length; j++) {
      const a = t.tile,
        b = r[j].tile;
      assert.ok(!(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1), `tiles ${i} and ${j} overlap`);
    }
  }
  await page.click('#tiles-long [data-tile="3"]');
  await page.focus('#tiles-long [data-tile="1"]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => window.picked), [3, 1]);
});
