// Ingest logic in Node: labelling by the top-level class folder (directory picker paths, a
// dropped folder walked through webkitGetAsEntry-style entries, a .zip), the skipped-file
// reasons, the exact count of small images, and the one-ingest-at-a-time gate.
// The TypeScript sources are transpiled (types stripped) into node_modules/.cache so that
// their `fflate` import resolves; run with the other unit tests: node tests/unit/run.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { zipSync } from 'fflate';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sources = ['data/collect.ts', 'data/rng.ts', 'train/dataset-store.ts', 'train/decode.ts', 'train/messages.ts'];
let out, collect, store, decode;

before(async () => {
  const ts = createRequire(join(appDir, 'package.json'))('typescript');
  const cache = join(appDir, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  out = mkdtempSync(join(cache, 'ingest-unit-'));
  for (const s of sources) {
    const js = ts.transpileModule(readFileSync(join(appDir, 'src', s), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: s,
    }).outputText;
    mkdirSync(join(out, dirname(s)), { recursive: true });
    writeFileSync(join(out, s.replace(/\.ts$/, '.js')), js);
  }
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n');
  const load = (p) => import(pathToFileURL(join(out, p)).href);
  [collect, store, decode] = await Promise.all([
    load('data/collect.js'),
    load('train/dataset-store.js'),
    load('train/decode.js'),
  ]);
});
after(() => out && rmSync(out, { recursive: true, force: true }));

const blob = (text = 'x', type = '') => new Blob([text], { type });
const files = (paths) => paths.map((path) => ({ path, blob: blob() }));
/** Class name of every item, by its path. */
const labelled = (c) => Object.fromEntries(c.items.map((it) => [it.name, c.classes[it.label]]));

describe('labelByFolder: classes are the top-level folders', () => {
  test('a nested folder is no class: its images count for the top-level folder (issue 11, flaw 3)', () => {
    const c = collect.labelByFolder(
      files([
        'shoes/boots/a.jpg',
        'shoes/sneakers/b.jpg',
        'shoes/sneakers/2019 trip/c.jpg',
        'shoes/sneakers/2019 trip/day 2/d.JPG',
        'shoes/boots/e.png',
      ]),
    );
    assert.deepEqual(c.classes, ['boots', 'sneakers']);
    assert.equal(c.root, 'shoes');
    assert.deepEqual(labelled(c), {
      'shoes/boots/a.jpg': 'boots',
      'shoes/sneakers/b.jpg': 'sneakers',
      'shoes/sneakers/2019 trip/c.jpg': 'sneakers',
      'shoes/sneakers/2019 trip/day 2/d.JPG': 'sneakers',
      'shoes/boots/e.png': 'boots',
    });
    assert.equal(c.nested, 2);
    assert.deepEqual(c.skipped, []);
  });

  test('several dropped class folders (no common root) and non-ASCII names', () => {
    const c = collect.labelByFolder(
      files(['Bälle/x.jpg', 'Bälle/Urlaub 2020/写真.jpg', 'Streifen 縞/café.webp', 'Streifen 縞/a/b/c/d.png']),
    );
    assert.deepEqual(c.classes.slice().sort(), ['Bälle', 'Streifen 縞']);
    assert.equal(c.root, '');
    assert.equal(labelled(c)['Bälle/Urlaub 2020/写真.jpg'], 'Bälle');
    assert.equal(labelled(c)['Streifen 縞/a/b/c/d.png'], 'Streifen 縞');
  });

  test('images directly in the root are skipped with a reason; text, HEIC and hidden files too', () => {
    const c = collect.labelByFolder(
      files([
        'photos/cats/a.jpg',
        'photos/dogs/b.jpg',
        'photos/cover.jpg',
        'photos/notes.txt',
        'photos/dogs/IMG_1.HEIC',
        'photos/.DS_Store',
        'photos/cats/._a.jpg',
        '__MACOSX/photos/cats/._a.jpg',
      ]),
    );
    assert.deepEqual(c.classes, ['cats', 'dogs']);
    const reasons = Object.fromEntries(c.skipped.map((s) => [s.name, s.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['photos/cover.jpg', 'photos/dogs/IMG_1.HEIC', 'photos/notes.txt']);
    assert.match(reasons['photos/cover.jpg'], /not inside a class folder/);
    assert.match(reasons['photos/notes.txt'], /not an image file type \(\.txt/);
    assert.match(reasons['photos/dogs/IMG_1.HEIC'], /HEIC\/HEIF photo/);
  });

  test('a zip with a top folder and Windows separators unwraps to the same classes', () => {
    const c = collect.labelByFolder(files(['data\\train\\cats\\a.jpg', 'data\\train\\dogs\\sub\\b.jpg']));
    assert.deepEqual(c.classes, ['cats', 'dogs']);
    assert.equal(c.root, 'data/train');
  });
});

describe('sources: zip and dropped folders', () => {
  test('fromZip keeps nested and non-ASCII paths; labels match the folder', async () => {
    const enc = new TextEncoder();
    const zip = zipSync({
      'photos/Würfel/a.jpg': enc.encode('a'),
      'photos/Würfel/tief/unten/b.jpg': enc.encode('b'),
      'photos/Streifen 縞/2019 trip/写真.jpg': enc.encode('c'),
      'photos/Streifen 縞/d.jpg': enc.encode('d'),
    });
    const c = collect.labelByFolder(await collect.fromZip(new Blob([zip])));
    assert.deepEqual(c.classes.slice().sort(), ['Streifen 縞', 'Würfel']);
    assert.equal(labelled(c)['photos/Streifen 縞/2019 trip/写真.jpg'], 'Streifen 縞');
    assert.equal(labelled(c)['photos/Würfel/tief/unten/b.jpg'], 'Würfel');
    assert.equal(c.nested, 2);
  });

  // FileSystemEntry stand-ins: readEntries hands out at most 100 entries per call, as Chromium does.
  function dirEntry(fullPath, children) {
    return {
      isFile: false,
      isDirectory: true,
      fullPath,
      name: fullPath.split('/').pop(),
      createReader() {
        let at = 0;
        return {
          readEntries(ok) {
            const batch = children.slice(at, at + 100);
            at += batch.length;
            setTimeout(() => ok(batch), 0);
          },
        };
      },
    };
  }
  function fileEntry(fullPath) {
    return {
      isFile: true,
      isDirectory: false,
      fullPath,
      name: fullPath.split('/').pop(),
      file(ok) {
        ok(new Blob(['x']));
      },
    };
  }

  test('a dropped folder is walked to any depth, past 100 entries per folder, and labelled by its top-level folders', async () => {
    const many = Array.from({ length: 150 }, (_, i) => fileEntry(`/photos/cats/${i}.jpg`));
    const tree = dirEntry('/photos', [
      dirEntry('/photos/cats', many),
      dirEntry('/photos/dogs', [
        fileEntry('/photos/dogs/a.jpg'),
        dirEntry('/photos/dogs/2019 trip', [
          fileEntry('/photos/dogs/2019 trip/b.jpg'),
          dirEntry('/photos/dogs/2019 trip/day 2', [fileEntry('/photos/dogs/2019 trip/day 2/c.jpg')]),
        ]),
      ]),
    ]);
    const dt = { items: [{ webkitGetAsEntry: () => tree }], files: [] };
    const got = await collect.fromDataTransfer(dt);
    assert.equal(got.length, 153);
    const c = collect.labelByFolder(got);
    assert.deepEqual(c.classes, ['cats', 'dogs']);
    assert.equal(c.items.filter((it) => c.classes[it.label] === 'dogs').length, 3);
    assert.equal(c.nested, 2);
  });

  test('an unreadable file or folder in a drop is listed with a reason; the rest still loads', async () => {
    const broken = {
      ...fileEntry('/photos/cats/locked.jpg'),
      file(_ok, fail) {
        fail(new DOMException('A requested file could not be read', 'NotReadableError'));
      },
    };
    const badDir = {
      ...dirEntry('/photos/dogs/private', []),
      createReader: () => ({
        readEntries(_ok, fail) {
          fail(new DOMException('denied', 'SecurityError'));
        },
      }),
    };
    const tree = dirEntry('/photos', [
      dirEntry('/photos/cats', [fileEntry('/photos/cats/a.jpg'), broken]),
      dirEntry('/photos/dogs', [fileEntry('/photos/dogs/b.jpg'), badDir]),
    ]);
    const c = collect.labelByFolder(
      await collect.fromDataTransfer({ items: [{ webkitGetAsEntry: () => tree }], files: [] }),
    );
    assert.deepEqual(c.classes, ['cats', 'dogs']);
    assert.equal(c.items.length, 2);
    const reasons = Object.fromEntries(c.skipped.map((x) => [x.name, x.reason]));
    assert.match(reasons['photos/cats/locked.jpg'], /could not be read \(A requested file could not be read\)/);
    assert.match(reasons['photos/dogs/private/'], /^folder could not be read \(denied\)/);
  });
});

describe('DatasetStore', () => {
  test('the count of images smaller than the input is exact past the 500 kept names (flaw 13)', () => {
    const s = new store.DatasetStore(['a', 'b'], 4);
    for (let i = 0; i < 1234; i++) {
      s.add(new Uint8Array(s.per).fill(i % 251), i % 2, `img${i}.png`);
      const side = i % 3 === 0 ? 8 : 2;
      s.noteSize(`img${i}.png`, side, side);
    }
    s.split(0.2, 1);
    const sum = s.summary();
    const small = Array.from({ length: 1234 }, (_, i) => i).filter((i) => i % 3 !== 0).length;
    assert.equal(sum.tinyCount, small);
    assert.ok(small > 500);
    assert.equal(sum.tiny.length, store.TINY_NAMES);
    assert.equal(sum.tiny[0], 'img1.png (2x2)');
  });
});

describe('DatasetStore duplicates', () => {
  test('every group of identical images is counted, past the 200 groups named', () => {
    const s = new store.DatasetStore(['a', 'b'], 4);
    // 300 pairs of identical images, and 100 unique ones.
    // Bytes 0-2 tell the images apart (a group number, or 255 and a unique number).
    const img = (a, b, c) =>
      new Uint8Array(s.per).map((_, j) => (j === 0 ? a : j === 1 ? b : j === 2 ? c : (j * 13) & 255));
    for (let i = 0; i < 300; i++) for (let k = 0; k < 2; k++) s.add(img(i & 255, i >> 8, 0), k, `p${i}-${k}.png`);
    for (let i = 0; i < 100; i++) s.add(img(255, 255, i + 1), 0, `u${i}.png`);
    s.findDuplicates();
    s.split(0.2, 1);
    const sum = s.summary();
    assert.equal(sum.duplicateGroups, 300);
    assert.equal(sum.duplicates.length, store.DUPLICATE_GROUPS);
    assert.deepEqual(sum.duplicates[0], ['p0-0.png', 'p0-1.png']);
  });
});

describe('IngestGate: one ingest at a time, the newest wins (flaw 6)', () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));
  test('a newer ingest cancels the running one and starts only after it stopped', async () => {
    const gate = new store.IngestGate();
    const log = [];
    const slow = gate.run(async (cancelled) => {
      log.push('old start');
      for (let i = 0; i < 1000 && !cancelled(); i++) await tick();
      log.push('old end');
      return 'old';
    });
    await tick();
    const fresh = gate.run(async () => {
      log.push('new start');
      return 'new';
    });
    await assert.rejects(slow, (e) => e instanceof store.IngestCancelled && /ingest cancelled/.test(e.message));
    assert.equal(await fresh, 'new');
    assert.deepEqual(log, ['old start', 'old end', 'new start']);
    assert.equal(gate.busy, false);
  });

  test('of three quick requests only the last runs to the end; cancel() stops a running one', async () => {
    const gate = new store.IngestGate();
    const job = (name) =>
      gate.run(async (cancelled) => {
        for (let i = 0; i < 20; i++) {
          if (cancelled()) return `${name} stopped`;
          await tick();
        }
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b'), job('c')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'fulfilled'],
    );
    assert.equal(results[2].value, 'c');
    const running = job('d');
    await tick();
    assert.equal(gate.cancel(), true);
    await assert.rejects(running, store.IngestCancelled);
    assert.equal(gate.cancel(), false);
  });
});

describe('decode: readable reasons', () => {
  test('sniffFormat knows the formats by their first bytes', () => {
    const b = (...x) => Uint8Array.from(x);
    const s = (t) => new TextEncoder().encode(t);
    assert.equal(decode.sniffFormat(b(0xff, 0xd8, 0xff, 0xe0)), 'JPEG');
    assert.equal(decode.sniffFormat(b(0x89, 0x50, 0x4e, 0x47)), 'PNG');
    assert.equal(decode.sniffFormat(s('RIFF\0\0\0\0WEBPVP8 ')), 'WebP');
    assert.equal(decode.sniffFormat(b(0, 0, 0, 24, ...s('ftypheic'))), 'HEIC');
    assert.equal(decode.sniffFormat(b(0, 0, 0, 24, ...s('ftypavif'))), 'AVIF');
    assert.equal(decode.sniffFormat(s('hello, world')), '');
  });

  test('an empty file is rejected before decoding, with its size in the reason', async () => {
    await assert.rejects(decode.decodeImage(new Blob([]), 64), /empty file \(0 bytes\)/);
  });
});
