#!/bin/sh
# Native AddressSanitizer + UndefinedBehaviorSanitizer run of the engine's tests (issue 12):
# builds nn_tests_native and the convnet CLI with -fsanitize=address,undefined in its own
# folder and runs the doctest suites, the reader fuzz cases and the CLI test under ctest. Any
# sanitizer report fails the run (halt_on_error). About 10 minutes on 2 cores, most of it the
# build. Not part of scripts/test.sh (time budget); run it by hand:
#   wasm-tests/asan.sh                 # BUILD=build-asan JOBS=2 by default
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-asan}
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$SAN" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target nn_tests_native convnet
cd "$BUILD"
# allocator_may_return_null: a failed allocation is a Status in the engine, as without ASan.
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --output-on-failure -R '^(nn_tests_native|fuzz_readers_native|convnet_cli)$'
