#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine as root: installs what it needs,
# builds twice (plain, and with AddressSanitizer + UBSan), runs the unit and CLI tests
# on both, a short fuzz run, and the integration tests on real clusters.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build
scripts/build.sh build-asan -DPGDRILL_SANITIZE=ON -DPGDRILL_FUZZ=ON -DCMAKE_C_COMPILER=clang

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== unit and CLI tests (sanitizers)"
# --no-tests=error: a label whose tests were never registered (a tool not found at
# configure time) fails instead of passing with nothing run.
(cd build-asan && ctest --no-tests=error -L unit --output-on-failure)
echo "== fuzz: the lab loader, 60 seconds, and the fuzz runner's self-test"
(cd build-asan && ctest --no-tests=error -L fuzz --output-on-failure)
echo "== unit, CLI and integration tests"
(cd build && ctest --no-tests=error --output-on-failure -LE fuzz)
