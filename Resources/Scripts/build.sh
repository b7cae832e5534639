#!/usr/bin/env bash
# Configures and builds the plugin (and, with "test", the unit tests) in ./build
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
UNIT_TESTS=OFF
if [ "${1:-}" = "test" ]; then
  UNIT_TESTS=ON
fi
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_UNIT_TESTS=$UNIT_TESTS > "$BUILD_DIR.cmake.log" 2>&1 \
  || { cat "$BUILD_DIR.cmake.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "Plugin built: $BUILD_DIR/libOrthancNiftiToDicom.so"
