#!/usr/bin/env bash
# Builds the native engine and trains seed model A on the built-in synthetic image set,
# printing one JSON line per epoch. (The browser app arrives with issue #6; this is the
# engine's runnable demo until then.) Extra arguments go to `convnet demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --native-only
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j"$(nproc)" --target convnet
./build-native/convnet demo wasm-tests/fixtures/model-a.json "$@"
