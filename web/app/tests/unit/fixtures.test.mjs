// The PNG encoder, the image-folder generator and the built-in sample dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng } from '../fixtures/png.mjs';
import { CLASS_NAMES, loadFashionMnist, makeImageFolders } from '../fixtures/make-image-folders.mjs';

// A minimal PNG reader for the files we write (8-bit, filter 0): enough to check them.
function readPng(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let off = 8,
    ihdr,
    idat = [],
    types = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    assert.equal(buf.readUInt32BE(off + 8 + len), crc32(buf.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    types.push(type);
    if (type === 'IHDR')
      ihdr = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colorType: data[9] };
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  assert.deepEqual([types[0], types.at(-1)], ['IHDR', 'IEND']);
  const ch = ihdr.colorType === 0 ? 1 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = ihdr.width * ch;
  assert.equal(raw.length, (stride + 1) * ihdr.height);
  const px = new Uint8Array(stride * ihdr.height);
  for (let y = 0; y < ihdr.height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, 'filter type 0');
    px.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { ...ihdr, channels: ch, pixels: px };
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
});

test('PNG round trip: grey and RGB, odd sizes', () => {
  for (const [w, h, c] of [
    [28, 28, 1],
    [5, 3, 3],
    [1, 1, 1],
    [17, 2, 3],
  ]) {
    const px = new Uint8Array(w * h * c).map((_, i) => (i * 37 + 11) & 255);
    const png = readPng(encodePng(px, w, h, c));
    assert.deepEqual([png.width, png.height, png.depth, png.channels], [w, h, 8, c]);
    assert.deepEqual(png.pixels, px);
  }
  assert.throws(() => encodePng(new Uint8Array(3), 2, 2, 1), /needs 4 bytes, got 3/);
  assert.throws(() => encodePng(new Uint8Array(16), 2, 2, 4), /channels must be 1 or 3/);
});

test('image folders: class folders with real images, corrupt files and a manifest', () => {
  const out = mkdtempSync(join(tmpdir(), 'imf-'));
  try {
    const m = makeImageFolders({ out, perClass: 7, classes: 3, corrupt: 4 });
    assert.equal(m.total, 21);
    assert.deepEqual(
      m.classes.map((c) => [c.name, c.count]),
      [
        ['t-shirt', 7],
        ['trouser', 7],
        ['pullover', 7],
      ],
    );
    const ds = loadFashionMnist('train');
    for (const [k, name] of CLASS_NAMES.slice(0, 3).entries()) {
      const pngs = readdirSync(join(out, name))
        .filter((f) => /^\d+\.png$/.test(f))
        .sort();
      assert.equal(pngs.length, 7);
      // Files hold the dataset's pixels for images of that class.
      const img = readPng(readFileSync(join(out, name, pngs[2])));
      const i = ds.byClass[k][2];
      assert.equal(ds.labels[i], k);
      assert.deepEqual(img.pixels, ds.images.subarray(i * 784, (i + 1) * 784));
    }
    assert.deepEqual(
      m.corrupt.map((c) => c.kind),
      ['truncated-png', 'text-as-jpg', 'zero-byte-png', 'truncated-png'],
    );
    for (const c of m.corrupt) assert.ok(existsSync(join(out, c.path)), c.path);
    assert.equal(statSync(join(out, m.corrupt[2].path)).size, 0);
    assert.throws(() => readPng(readFileSync(join(out, m.corrupt[0].path))));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')), m);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('image folders: --total mode spreads N images over the classes, RGB works', () => {
  const out = mkdtempSync(join(tmpdir(), 'imf-'));
  try {
    const t0 = performance.now();
    const m = makeImageFolders({ out, total: 1003, classes: 4, rgb: true });
    const ms = performance.now() - t0;
    assert.deepEqual(
      m.classes.map((c) => c.count),
      [251, 251, 251, 250],
    );
    let n = 0;
    for (const c of m.classes) n += readdirSync(join(out, c.name)).length;
    assert.equal(n, 1003);
    assert.equal(readPng(readFileSync(join(out, 'dress', '0000.png'))).channels, 3);
    assert.ok(ms < 20000, `1003 images took ${ms.toFixed(0)} ms`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('built-in sample dataset: index.json matches the files, under 1 MB', () => {
  const dir = fileURLToPath(new URL('../../../../public/sample/', import.meta.url));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  assert.ok(index.classes.length >= 3);
  let bytes = 0,
    total = 0;
  for (const c of index.classes) {
    assert.ok(c.files.length >= 100, `${c.name}: ${c.files.length} files`);
    for (const f of c.files) {
      assert.ok(f.startsWith(`${c.name}/`), f);
      const buf = readFileSync(join(dir, f));
      const png = readPng(buf);
      assert.deepEqual([png.width, png.height], index.imageSize);
      bytes += buf.length;
    }
    total += c.files.length;
  }
  assert.equal(total, index.total);
  assert.ok(bytes < 1024 * 1024, `${bytes} bytes`);
  assert.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /Zalando SE/);
});
