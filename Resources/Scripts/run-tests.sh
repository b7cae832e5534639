#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs the
# packages, builds the plugin and the unit tests, runs the GoogleTest suite
# (ctest), then the integration tests against a real Orthanc (pytest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$ROOT/Resources/Scripts/install-dependencies.sh" test
bash "$ROOT/Resources/Scripts/build.sh" test

echo "=== Unit tests (GoogleTest) ==="
(cd "$ROOT/build" && ctest --output-on-failure -j"$(nproc)")

echo "=== Integration tests (real Orthanc) ==="
# Debian's interpreter, which has python3-nibabel and python3-pydicom
# (a python3 earlier on PATH, e.g. pyenv's, may not)
cd "$ROOT"
NIFTI_PLUGIN_PATH="$ROOT/build/libOrthancNiftiToDicom.so" \
  /usr/bin/python3 -m pytest -p no:cacheprovider UnitTests/Integration "$@"
