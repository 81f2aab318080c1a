#!/usr/bin/env bash
# Builds everything the web app needs and serves it: the WebAssembly engine (Emscripten, if not
# built yet), the convnet-wasm package, then the app (web/app) with `vite build` + `vite preview`,
# which sends the COOP/COEP headers the threaded engine needs. Open the printed URL; the
# built-in sample dataset loads with one click (or open the URL with ?sample to load it at once).
#   bash scripts/run.sh            # http://127.0.0.1:4173/
#   PORT=8080 bash scripts/run.sh  # another port;  NO_COI=1 serves without the headers (single-thread fallback)
#   DEV=1 bash scripts/run.sh      # the Vite dev server instead (hot reload)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
jobs=$(nproc)

engine_files=(engine_st.js engine_st.wasm engine_mt.js engine_mt.wasm engine_mt.worker.js
              engine_node_st.cjs engine_node_st.wasm engine_node_mt.cjs engine_node_mt.wasm engine_node_mt.worker.js)
need_engine=0
for f in "${engine_files[@]}"; do [ -f "build-wasm/engine/$f" ] || need_engine=1; done
if [ "$need_engine" = 1 ]; then
  echo "== building the WebAssembly engine (about 2 minutes)"
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-wasm -j"$jobs" --target nn_engine_web_st nn_engine_web_mt nn_engine_node_st nn_engine_node_mt 2>&1 \
    | grep -v "USE_PTHREADS + ALLOW_MEMORY_GROWTH may run non-wasm code slowly" || true
fi

echo "== the convnet-wasm package"
(cd web/convnet-wasm && npm ci --no-audit --no-fund --prefer-offline >/dev/null && npm run build >/dev/null \
  && npm run copy-engine -- "$root/build-wasm" >/dev/null)

echo "== the app"
cd web/app
npm ci --no-audit --no-fund --prefer-offline >/dev/null
port=${PORT:-}
if [ "${DEV:-}" = 1 ]; then
  exec npx vite --host 127.0.0.1 --port "${port:-5173}" --strictPort
fi
npx vite build --logLevel warn
echo "serving web/app/dist with COOP/COEP headers${NO_COI:+ (disabled: NO_COI set)}; open the URL below (Ctrl-C stops)"
exec npx vite preview --host 127.0.0.1 --port "${port:-4173}" --strictPort
