// Compiles src/viz/*.ts with the TypeScript compiler into a temporary folder and runs the
// unit tests (node --test) against the compiled JavaScript. Run: node tests/unit/run.mjs
// (from web/app). Extra arguments are passed to node --test, e.g. --test-name-pattern.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(here, '../..');
const vizDir = join(appDir, 'src/viz');

// The app's own TypeScript when installed, else the package's (same major version).
function findTsc() {
  for (const base of [join(appDir, 'package.json'), join(appDir, '../convnet-wasm/package.json')]) {
    try {
      const pkgPath = createRequire(base).resolve('typescript/package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.tsc;
      if (bin) return join(dirname(pkgPath), bin);
    } catch {
      /* try the next one */
    }
  }
  throw new Error('tests/unit/run.mjs: TypeScript not found; run npm install in web/app (or web/convnet-wasm)');
}

const out = mkdtempSync(join(tmpdir(), 'viz-unit-'));
let status = 1;
try {
  const sources = readdirSync(vizDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(vizDir, f));
  const tsc = spawnSync(
    process.execPath,
    [
      findTsc(),
      '--outDir',
      out,
      '--rootDir',
      vizDir,
      '--target',
      'ES2022',
      '--module',
      'ES2022',
      '--moduleResolution',
      'Bundler',
      '--lib',
      'ES2022,DOM',
      '--strict',
      '--noUnusedLocals',
      '--noUnusedParameters',
      '--skipLibCheck',
      ...sources,
    ],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tests/unit/run.mjs: compiling src/viz failed (tsc exit ${tsc.status})`);
  // The compiled files are ES modules.
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n');

  const tests = readdirSync(here)
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(here, f));
  const run = spawnSync(process.execPath, ['--test', ...process.argv.slice(2), ...tests], {
    stdio: 'inherit',
    env: { ...process.env, VIZ_DIST: out },
  });
  status = run.status ?? 1;
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(status);
