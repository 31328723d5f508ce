#!/usr/bin/env bash
# fuzz/run_fuzz.sh must fail when the fuzzer crashes or executes nothing, and must work
# with a relative source directory (the README's own command).
# Usage: fuzz_runner.sh CRASHING_FUZZER REAL_FUZZER SOURCE_DIR
set -u
crash=$1
real=$2
src=$3
source "$src/tests/selftest/lib.sh"
runner=$src/fuzz/run_fuzz.sh

expect 1 "the fuzzer exited 1" "a crashing fuzz target fails the run" "$runner" "$crash" "$src" 5
expect 1 "executed no input" "a fuzzer that runs nothing fails the run" "$runner" /bin/true "$src" 5
expect 2 "no dictionary" "a source directory without the dictionary is refused" \
	"$runner" "$real" /tmp 5
# The README runs it with '.' as the source directory, from the repository's top.
cd "$src" || exit 2
expect 0 "inputs in 3 s, no failure" "a relative source directory fuzzes" "$runner" "$real" . 3
finish
