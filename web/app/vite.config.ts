// The app is served cross-origin isolated (COOP/COEP) so the engine's threaded build can use
// SharedArrayBuffer; NO_COI=1 serves it without the headers to try the single-thread fallback.
import { defineConfig, type Plugin } from 'vite';

const isolation: Record<string, string> = process.env.NO_COI
  ? {}
  : {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    };

// The headers on every response, 304 Not Modified included: Vite's `headers` options reach
// only full responses, and WebKit (WebKitGTK 2.50) checks a revalidated worker script's COEP
// on the 304 itself, so every other reload of the app lost its worker ("the app worker failed").
const isolationOnEveryResponse: Plugin = {
  name: 'isolation-headers-on-every-response',
  configureServer: (s) =>
    void s.middlewares.use((_req, res, next) => {
      for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
      next();
    }),
  configurePreviewServer: (s) =>
    void s.middlewares.use((_req, res, next) => {
      for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
      next();
    }),
};

export default defineConfig({
  plugins: [isolationOnEveryResponse],
  // The repository's public/ (built-in sample dataset) is served at the site root.
  publicDir: '../../public',
  base: './',
  server: { headers: isolation, host: '127.0.0.1', port: 5173, fs: { allow: ['..'] } },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  // APP_DIST lets several builds (e.g. parallel test runs) keep separate output folders.
  build: { target: 'es2022', outDir: process.env.APP_DIST ?? 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
