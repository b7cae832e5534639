#!/usr/bin/env bash
# The sanitizer suite: builds the plugin and the unit tests with AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc) in ./build-asan, then runs
#   1. the GoogleTest suite (leaks included),
#   2. the hostile-input integration tests and a normal import file against
#      Debian's Orthanc loading that plugin. Orthanc itself is not
#      instrumented: the ASan runtime is preloaded into it (and only into it,
#      see ORTHANC_LD_PRELOAD in orthanc_harness.py), and its leaks are not ours
#      to report.
# Any sanitizer report (written to build-asan/sanitizer-reports/, and shown)
# fails the suite, as does any failed test. Extra arguments go to pytest.
#   run-sanitizers.sh [PYTEST ARGUMENTS...]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$ROOT/build-asan"
REPORTS="$BUILD_DIR/sanitizer-reports"
INTEGRATION_TESTS=(
  UnitTests/Integration/test_hostile_json.py
  UnitTests/Integration/test_hostile_nifti.py
  UnitTests/Integration/test_hostile_values.py
  UnitTests/Integration/test_hostile_requests.py
  UnitTests/Integration/test_hostile_limits.py
  UnitTests/Integration/test_import_cases.py
)

bash "$ROOT/Resources/Scripts/install-dependencies.sh" test || exit 1

LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# -O1 and line tables only: reports still name file and line, and gcc
# compiles the instrumented code much faster than with -O2 -g
mkdir -p "$BUILD_DIR"
# gcc, whose runtimes are preloaded below (a configured build keeps its compiler)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  export CC=gcc CXX=g++
fi
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DBUILD_UNIT_TESTS=ON -DBUILD_WITH_SANITIZERS=ON "${LAUNCHER[@]}" > "$BUILD_DIR.cmake.log" 2>&1 \
  || { cat "$BUILD_DIR.cmake.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)" || exit 1

# ASan writes its reports to files of its own (log_path); gcc's UBSan, beside
# ASan, ignores log_path and writes to stderr: the unit tests' output and the
# stderr of every Orthanc (kept in its working directory, below TMPDIR) are
# searched for them after the run. Each process stops at its first report.
WORK="$BUILD_DIR/sanitizer-work"
rm -rf "$REPORTS" "$WORK"
mkdir -p "$REPORTS" "$WORK"
STRICT="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
REPORT_PATTERN="runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|AddressSanitizer:DEADLYSIGNAL"
FAILED=()

echo "=== Unit tests under ASan + UBSan ==="
(cd "$BUILD_DIR/UnitTests" &&
   ASAN_OPTIONS="$STRICT:detect_leaks=1:log_path=$REPORTS/unit-tests-asan" UBSAN_OPTIONS="$STRICT" \
   ./UnitTests --gtest_brief=1) 2>&1 | tee "$WORK/unit-tests.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || FAILED+=("unit tests")

echo "=== Integration tests against Orthanc with the ASan plugin ==="
# The runtimes the plugin was linked with, first in Orthanc's library list as
# ASan requires. Under ASan, Debian's Orthanc 1.10.1 hangs in glibc's
# duplocale() when it loads its "Locale" (en_US.UTF-8), and stops when
# mallopt(M_ARENA_MAX) fails: the C locale and no arena setting (neither
# matters to the plugin). A small quarantine keeps Orthanc's memory close to
# what the tests' RSS bounds allow; NIFTI_TEST_EXTRA_RSS_MB adds ASan's shadow
# memory to them (hostile_checks.py).
(cd "$ROOT" &&
   ORTHANC_LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
   ORTHANC_EXTRA_CONFIG='{"Locale": "C", "MallocArenaMax": 0}' \
   ASAN_OPTIONS="$STRICT:detect_leaks=0:quarantine_size_mb=32:log_path=$REPORTS/orthanc-asan" \
   UBSAN_OPTIONS="$STRICT" NIFTI_TEST_EXTRA_RSS_MB=128 TMPDIR="$WORK" KEEP_ORTHANC_DIR=1 \
   NIFTI_PLUGIN_PATH="$BUILD_DIR/libOrthancNiftiToDicom.so" \
   /usr/bin/python3 -m pytest -p no:cacheprovider -q "${INTEGRATION_TESTS[@]}" "$@") \
  || FAILED+=("integration tests")

# Reports on stderr become report files too
n=0
while IFS= read -r output; do
  n=$((n + 1))
  grep -E -A40 "$REPORT_PATTERN" "$output" > "$REPORTS/stderr-$n.txt"
  echo "(from $output)" >> "$REPORTS/stderr-$n.txt"
done < <(grep -E -l -r --include=unit-tests.log --include=orthanc.stdout "$REPORT_PATTERN" "$WORK")

# The stored instances are of no further use (the logs are kept)
find "$WORK" -type d -name storage -prune -exec rm -rf {} +

mapfile -t reports < <(find "$REPORTS" -type f | sort)
if [ ${#reports[@]} -gt 0 ]; then
  for report in "${reports[@]}"; do
    echo "--- sanitizer report $report ---"
    head -80 "$report"
  done
  FAILED+=("${#reports[@]} sanitizer reports")
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  printf -v summary '%s; ' "${FAILED[@]}"
  echo "Sanitizer suite FAILED: ${summary%; }"
  exit 1
fi
echo "Sanitizer suite passed: no report from ASan or UBSan"
