#!/usr/bin/env bash
# Builds the libFuzzer harnesses of UnitTests/Fuzz with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in ./build-fuzz, runs each one on its
# regression inputs, then fuzzes each for SECONDS (default 60) from its seed
# corpus. Exits non-zero on the first finding (the reproducer is written to
# build-fuzz/findings/).
#   run-fuzzers.sh [SECONDS] [HARNESS...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$ROOT/build-fuzz"
SECONDS_EACH="${1:-60}"
shift || true
HARNESSES=("$@")
if [ ${#HARNESSES[@]} -eq 0 ]; then
  HARNESSES=(FuzzNiftiConversion FuzzImportRequest FuzzSidecar FuzzDiffusionTable)
fi

bash "$ROOT/Resources/Scripts/install-dependencies.sh" fuzz

LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_UNIT_TESTS=OFF \
  -DBUILD_FUZZERS=ON "${LAUNCHER[@]}" > "$BUILD_DIR.cmake.log" 2>&1 || { cat "$BUILD_DIR.cmake.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${HARNESSES[@]}"

FUZZ="$ROOT/UnitTests/Fuzz"
mkdir -p "$BUILD_DIR/findings"
# Leaks are findings; DCMTK's dictionary and the framework's globals are
# freed at exit, so nothing needs suppressing
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

for harness in "${HARNESSES[@]}"; do
  echo "=== $harness: regressions ==="
  regressions=("$FUZZ/Regressions/$harness"/*)
  if [ -e "${regressions[0]}" ]; then
    "$BUILD_DIR/UnitTests/Fuzz/$harness" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30 "${regressions[@]}"
  fi

  echo "=== $harness: fuzzing for $SECONDS_EACH s ==="
  corpus="$BUILD_DIR/corpus/$harness"
  mkdir -p "$corpus"
  seeds=("$FUZZ/Corpus/$harness")
  if [ "$harness" = FuzzSidecar ] && [ -d "$ROOT/../shared/data/real-mri" ]; then
    # The real scanner sidecars, read where they are (never copied into the repository)
    mkdir -p "$BUILD_DIR/real-sidecars"
    find "$ROOT/../shared/data/real-mri" -name '*.json' -exec cp {} "$BUILD_DIR/real-sidecars/" \;
    seeds+=("$BUILD_DIR/real-sidecars")
  fi
  dict=()
  case "$harness" in
    FuzzNiftiConversion) dict=(-dict="$FUZZ/Dictionaries/nifti.dict") ;;
    FuzzImportRequest|FuzzSidecar) dict=(-dict="$FUZZ/Dictionaries/json.dict") ;;
  esac
  "$BUILD_DIR/UnitTests/Fuzz/$harness" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -timeout=30 -max_len=65536 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/findings/$harness-" \
    "${dict[@]}" "$corpus" "${seeds[@]}"
done
echo "Fuzzing found nothing in ${HARNESSES[*]}"
