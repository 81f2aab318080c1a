// Test images for the browser tests, written by tests/fixtures/make-image-folders.mjs
// (Fashion-MNIST PNGs in class folders, corrupt files, manifest.json), plus a few images from
// the test split for the predict screen.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASS_NAMES, imagePng, loadFashionMnist, makeImageFolders } from './fixtures/make-image-folders.mjs';

/**
 * dir/<class>/<n>.png for the first `classes` Fashion-MNIST classes (perClass each, or `total`
 * over all), `corrupt` corrupt files; returns the class names, counts, the corrupt paths, the
 * other non-image files the app should skip, and `extra`: one unseen PNG per class.
 */
export function makeFolders(dir, { perClass = 60, classes = 3, corrupt = 3, total } = {}) {
  const m = makeImageFolders({ out: dir, perClass, classes, corrupt, total });
  const extraDir = join(dir, '..', 'extra');
  mkdirSync(extraDir, { recursive: true });
  const test = loadFashionMnist('test');
  const extra = m.classes.map((c) => {
    const p = join(extraDir, `${c.name}-test.png`);
    writeFileSync(p, imagePng(test, test.byClass[c.label][0]));
    return p;
  });
  return {
    dir,
    classes: m.classes.map((c) => c.name).sort(),
    counts: Object.fromEntries(m.classes.map((c) => [c.name, c.count])),
    total: m.total,
    corrupt: m.corrupt.map((c) => c.path),
    otherFiles: ['manifest.json'],
    extra,
    names: CLASS_NAMES,
  };
}
