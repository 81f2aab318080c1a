#!/usr/bin/env bash
# Formats the tree: C++ with clang-format (.clang-format), TypeScript/JavaScript/CSS with Prettier
# (.prettierrc.json; the pinned copy in web/convnet-wasm's devDependencies).
#   scripts/format.sh          rewrite files in place
#   scripts/format.sh --check  change nothing; list unformatted files and fail if there are any
# X-macro lists (*.inc) are left as written: their one-entry-per-line layout is the point.
set -euo pipefail
cd "$(dirname "$0")/.."
prettier=web/convnet-wasm/node_modules/.bin/prettier
if [ ! -x "$prettier" ]; then
  echo "format.sh: $prettier is missing; run 'npm ci' in web/convnet-wasm first" >&2
  exit 2
fi
mapfile -t cpp < <(git ls-files -- 'src/*.cpp' 'src/*.h' 'wasm-tests/*.cpp' 'wasm-tests/*.h')
mapfile -t web < <(git ls-files -- '*.ts' '*.mjs' '*.js' '*.css')
if [ "${1:-}" = "--check" ]; then
  status=0
  clang-format --dry-run --Werror "${cpp[@]}" 2>/dev/null || {
    status=1
    echo "C++ files not formatted (run scripts/format.sh):"
    for f in "${cpp[@]}"; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "  $f"; done
  }
  "$prettier" --check --log-level warn "${web[@]}" || status=1
  exit $status
fi
clang-format -i "${cpp[@]}"
"$prettier" --write --log-level warn "${web[@]}"
