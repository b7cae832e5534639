#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs the
# packages, builds the plugin and the unit tests, then runs
#   1. the unit tests of the conversion core (GoogleTest, through ctest),
#   2. the integration tests against a real Orthanc (pytest),
#   3. the browser tests of the import UI (Chromium driven by playwright-core),
#   4. the fuzz harnesses of the core: their corpus and regression inputs
#      replayed, then $FUZZ_SECONDS (default 30) of fuzzing each, seed fixed
#      (run-fuzzers.sh, clang, in ./build-fuzz),
#   5. the sanitizer suite: unit tests and the hostile-input integration tests
#      against an ASan + UBSan build of the plugin (run-sanitizers.sh, in
#      ./build-asan).
# Every suite runs even if an earlier one failed; the exit code is non-zero
# if any failed. Extra arguments go to pytest (e.g. -k oblique -x).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$ROOT/Resources/Scripts/install-dependencies.sh" test || exit 1
bash "$ROOT/Resources/Scripts/build.sh" test || exit 1

FAILED=()

echo "=== Unit tests (GoogleTest) ==="
(cd "$ROOT/build" && ctest --output-on-failure -j"$(nproc)") || FAILED+=("unit tests")

echo "=== Integration tests (real Orthanc) ==="
# Debian's interpreter, which has python3-nibabel and python3-pydicom
# (a python3 earlier on PATH, e.g. pyenv's, may not)
(cd "$ROOT" && NIFTI_PLUGIN_PATH="$ROOT/build/libOrthancNiftiToDicom.so" \
  /usr/bin/python3 -m pytest -p no:cacheprovider UnitTests/Integration "$@") || FAILED+=("integration tests")

echo "=== Browser tests (Chromium) ==="
NIFTI_PLUGIN_PATH="$ROOT/build/libOrthancNiftiToDicom.so" bash "$ROOT/UnitTests/Browser/run.sh" \
  || FAILED+=("browser tests")

echo "=== Fuzzing (libFuzzer, ASan + UBSan) ==="
bash "$ROOT/Resources/Scripts/run-fuzzers.sh" "${FUZZ_SECONDS:-30}" || FAILED+=("fuzzing")

echo "=== Sanitizer suite (ASan + UBSan build of the plugin and the unit tests) ==="
bash "$ROOT/Resources/Scripts/run-sanitizers.sh" || FAILED+=("sanitizer suite")

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAILED: ${FAILED[*]}"
  exit 1
fi
echo "All test suites passed."
