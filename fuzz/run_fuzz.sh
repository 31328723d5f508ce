#!/usr/bin/env bash
# Runs the lab loader fuzzer for SECONDS, seeded with the repository's labs (valid and
# invalid) and a YAML dictionary. Usage: run_fuzz.sh FUZZER SOURCE_DIR SECONDS [PGDRILL [MAX]]
# With PGDRILL, the configuration files of the valid labs of the final corpus (at most MAX,
# default 300) must then parse in postgres, haproxy and barman (fuzz/check_rendered.sh).
# Fails when the fuzzer fails (a crash, a leak, a timeout) and when it executed nothing:
# a fuzzer that never started must not look like one that found no bug.
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: run_fuzz.sh FUZZER SOURCE_DIR [SECONDS]" >&2
	exit 2
fi
fuzzer=$(realpath -e "$1")
src=$(realpath -e "$2")
seconds=${3:-60}
pgdrill=${4:-}
max_checked=${5:-300}
[ -z "$pgdrill" ] || pgdrill=$(realpath -e "$pgdrill")
dict=$src/fuzz/lab.dict
test -r "$dict" || { echo "run_fuzz: no dictionary at $dict" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$src"/labs/*.yaml "$src"/tests/labs/invalid/*.yaml "$src"/tests/labs/render/*.yaml "$work/corpus/"
log=$work/fuzz.log
cd "$work" # crash artifacts land here and go with it
rc=0
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-dict="$dict" -print_final_stats=1 "$work/corpus" >"$log" 2>&1 || rc=$?
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done' "$log" || true
if [ "$rc" != 0 ]; then
	echo "run_fuzz: the fuzzer exited $rc; the end of its log:" >&2
	tail -40 "$log" >&2
	exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
	echo "run_fuzz: the fuzzer executed no input; the end of its log:" >&2
	tail -20 "$log" >&2
	exit 1
fi
echo "run_fuzz: $runs inputs in $seconds s, no failure"
if [ -n "$pgdrill" ]; then
	echo "run_fuzz: $(ls "$work/corpus" | wc -l) inputs in the corpus; rendering the valid ones"
	"$src/fuzz/check_rendered.sh" "$pgdrill" "$work/corpus" "$max_checked" || exit 1
fi
