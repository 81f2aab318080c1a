#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, skipping those already present.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(cmake g++ emscripten node-acorn doctest-dev nodejs libxnnpack-dev libpthreadpool-dev chromium
          dataset-fashion-mnist imagemagick firefox-esr webkit2gtk-driver xvfb python3-torch libtcmalloc-minimal4
          clang-format)
[ "${1:-}" = "--native-only" ] && packages=(cmake g++)
missing=()
for p in "${packages[@]}"; do
  # nodejs may come from another source (e.g. nodesource); a working node is enough.
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
