#!/usr/bin/env bash
# Configures and builds the plugin (and, with "test", the unit tests) in ./build
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
UNIT_TESTS=OFF
if [ "${1:-}" = "test" ]; then
  UNIT_TESTS=ON
fi
# ccache, when installed, makes rebuilds (and builds of other checkouts) fast
LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_UNIT_TESTS=$UNIT_TESTS "${LAUNCHER[@]}" > "$BUILD_DIR.cmake.log" 2>&1 \
  || { cat "$BUILD_DIR.cmake.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "Plugin built: $BUILD_DIR/libOrthancNiftiToDicom.so"
