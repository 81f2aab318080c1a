#!/usr/bin/env bash
# Runs every test suite: native (g++) and WebAssembly (Emscripten, single-threaded and
# pthreads builds, run under Node), each through ctest. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

echo "== formatting (clang-format, Prettier): scripts/format.sh --check"
(cd web/convnet-wasm && npm ci --no-audit --no-fund >/dev/null)
bash scripts/format.sh --check

echo "== native build and tests"
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release -DNN_WITH_XNNPACK=ON >/dev/null
cmake --build build-native -j"$jobs"
(cd build-native && ctest --output-on-failure)

echo "== wasm build (SIMD128, st + mt) and tests under node"
emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-wasm -j"$jobs" 2>&1 | grep -v "USE_PTHREADS + ALLOW_MEMORY_GROWTH may run non-wasm code slowly" || true
test -f build-wasm/nn_tests_st.js && test -f build-wasm/nn_tests_mt.js
(cd build-wasm && ctest --output-on-failure)

echo "== JS package (convnet-wasm): Node tests, and the browser tests in Chromium, Firefox ESR and WebKitGTK"
(cd web/convnet-wasm && npm ci --no-audit --no-fund && npm run build && npm run copy-engine -- ../../build-wasm \
  && npm test && npm run test:browsers)

echo "== the packed tarball in a fresh Vite project (headless Chromium, with and without COOP/COEP)"
(cd web/convnet-wasm && npm run test:vite)

# After npm test, the app in Chromium, Firefox ESR and WebKitGTK (npm run test:engines: sample,
# train, inspect, export, reload and resume; issue 14).
echo "== the web app: viz unit tests, vite build, headless Chromium end-to-end (screenshots in web/app/test-results)"
(cd web/app && npm ci --no-audit --no-fund && npm test && npm run test:engines)

echo "== bench smoke: ours (Chromium, Firefox ESR, WebKitGTK, Node, native) beside TF.js and PyTorch, one step each (Firefox and WebKitGTK add ~30 s together)"
(cd wasm-tests/bench/web && npm ci --no-audit --no-fund && node run-bench.mjs --quick --require-ours \
  --build ../../../build-wasm --native-build ../../../build-native --out ../../../build-wasm/bench-quick.jsonl)
