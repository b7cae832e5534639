#!/usr/bin/env bash
# Builds the libFuzzer harnesses of UnitTests/Fuzz with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in ./build-fuzz, then for each harness:
#   1. replays its seed corpus and its regression inputs, each once (the
#      files given as arguments: no mutation, the same result on every run);
#   2. fuzzes it for SECONDS (default 60; 0 skips this step) from that corpus,
#      with a fixed seed ($FUZZ_SEED, default 1): a run is reproducible by
#      running the same command on the same commit.
# Fails on any finding and prints the file that reproduces it.
#   run-fuzzers.sh [SECONDS] [HARNESS...]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$ROOT/build-fuzz"
SECONDS_EACH="${1:-60}"
shift || true
HARNESSES=("$@")
if [ ${#HARNESSES[@]} -eq 0 ]; then
  HARNESSES=(FuzzNiftiConversion FuzzImportRequest FuzzSidecar FuzzDiffusionTable)
fi
SEED="${FUZZ_SEED:-1}"

bash "$ROOT/Resources/Scripts/install-dependencies.sh" fuzz || exit 1

LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
mkdir -p "$BUILD_DIR"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_UNIT_TESTS=OFF \
  -DBUILD_FUZZERS=ON "${LAUNCHER[@]}" > "$BUILD_DIR.cmake.log" 2>&1 || { cat "$BUILD_DIR.cmake.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${HARNESSES[@]}" || exit 1

FUZZ="$ROOT/UnitTests/Fuzz"
FINDINGS="$BUILD_DIR/findings"
LOGS="$BUILD_DIR/logs"
mkdir -p "$FINDINGS" "$LOGS"
# Leaks are findings; DCMTK's dictionary and the framework's globals are
# freed at exit, so nothing needs suppressing
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
LIMITS=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30)

# Inputs of a harness that are not in the repository's Corpus/: the real
# scanners' sidecars of UnitTests/Data for the sidecar harness
extra_seeds()
{
  if [ "$1" = FuzzSidecar ]; then
    find "$ROOT/UnitTests/Data/real-mri" -name '*.json' | sort
  fi
}

dictionary()
{
  case "$1" in
    FuzzNiftiConversion) DICT=(-dict="$FUZZ/Dictionaries/nifti.dict") ;;
    FuzzImportRequest|FuzzSidecar) DICT=(-dict="$FUZZ/Dictionaries/json.dict") ;;
    *) DICT=() ;;
  esac
}

TOTAL_RUNS=0
FAILED=()

for harness in "${HARNESSES[@]}"; do
  binary="$BUILD_DIR/UnitTests/Fuzz/$harness"
  mapfile -t inputs < <(find "$FUZZ/Corpus/$harness" "$FUZZ/Regressions/$harness" -type f 2>/dev/null | sort;
                        extra_seeds "$harness")

  echo "=== $harness: replaying ${#inputs[@]} corpus and regression inputs ==="
  log="$LOGS/$harness-replay.log"
  if ! "$binary" "${LIMITS[@]}" "${inputs[@]}" > "$log" 2>&1; then
    # libFuzzer names each file before it runs it: the last one is the culprit
    culprit="$(grep '^Running: ' "$log" | tail -1 | sed 's/^Running: //')"
    tail -60 "$log"
    echo "FINDING in $harness: reproducer $culprit"
    echo "  reproduce: $binary ${LIMITS[*]} $culprit"
    FAILED+=("$harness (replay)")
    continue
  fi
  TOTAL_RUNS=$((TOTAL_RUNS + ${#inputs[@]}))

  if [ "$SECONDS_EACH" -le 0 ]; then
    continue
  fi
  echo "=== $harness: fuzzing for $SECONDS_EACH s, seed $SEED ==="
  # A fresh working corpus each time, so that the run depends only on the
  # commit and the seed (and on how many executions fit into the time)
  work="$BUILD_DIR/work/$harness"
  rm -rf "$work"
  mkdir -p "$work"
  for f in "${inputs[@]}"; do
    cp "$f" "$work/"
  done
  rm -f "$FINDINGS/$harness-"*
  log="$LOGS/$harness-fuzz.log"
  dictionary "$harness"
  command=("$binary" "${LIMITS[@]}" -seed="$SEED" -max_total_time="$SECONDS_EACH" -max_len=65536
           -print_final_stats=1 -artifact_prefix="$FINDINGS/$harness-" "${DICT[@]}" "$work")
  if ! "${command[@]}" > "$log" 2>&1; then
    tail -60 "$log"
    for artifact in "$FINDINGS/$harness-"*; do
      [ -e "$artifact" ] || continue
      echo "FINDING in $harness: reproducer $artifact"
      echo "  reproduce: $binary ${LIMITS[*]} $artifact"
    done
    echo "  fuzz again: FUZZ_SEED=$SEED bash Resources/Scripts/run-fuzzers.sh $SECONDS_EACH $harness"
    FAILED+=("$harness (fuzzing)")
    continue
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  echo "$harness: ${runs:-?} executions, nothing found"
  TOTAL_RUNS=$((TOTAL_RUNS + ${runs:-0}))
done

echo "Fuzzing: $TOTAL_RUNS executions in all"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAILED: ${FAILED[*]} (logs in $LOGS)"
  exit 1
fi
echo "Fuzzing found nothing in ${HARNESSES[*]}"
