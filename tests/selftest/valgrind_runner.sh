#!/usr/bin/env bash
# tests/cli/run_valgrind.sh must fail when the loader crashes or gives the wrong exit code.
# Usage: valgrind_runner.sh SEGFAULTING_LOADER SOURCE_DIR
set -u
segv=$1
src=$2
source "$src/tests/selftest/lib.sh"
runner=$src/tests/cli/run_valgrind.sh
# One valid and one invalid lab are enough to prove the runner fails.
labs=(labs/tutorial.yaml tests/labs/invalid/bad_names.yaml)

expect 1 "killed by signal 11" "a segfaulting loader fails the run" "$runner" "$segv" "$src" "${labs[@]}"
expect 1 "exit 0, wanted 2" "a loader that accepts invalid labs fails the run" \
	"$runner" /bin/true "$src" "${labs[@]}"
finish
