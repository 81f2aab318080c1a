// The app is served cross-origin isolated (COOP/COEP) so the engine's threaded build can use
// SharedArrayBuffer; NO_COI=1 serves it without the headers to try the single-thread fallback.
import { defineConfig } from 'vite';

const isolation: Record<string, string> = process.env.NO_COI ? {} : {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // The repository's public/ (built-in sample dataset) is served at the site root.
  publicDir: '../../public',
  base: './',
  server: { headers: isolation, host: '127.0.0.1', port: 5173, fs: { allow: ['..'] } },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  // APP_DIST lets several builds (e.g. parallel test runs) keep separate output folders.
  build: { target: 'es2022', outDir: process.env.APP_DIST ?? 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
