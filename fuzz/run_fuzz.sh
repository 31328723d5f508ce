#!/usr/bin/env bash
# Runs the lab loader fuzzer for SECONDS, seeded with the repository's labs (valid and
# invalid) and a YAML dictionary. Usage: run_fuzz.sh FUZZER SOURCE_DIR SECONDS
set -euo pipefail
fuzzer=$(realpath "$1")
src=$2
seconds=${3:-60}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$src"/labs/*.yaml "$src"/tests/labs/invalid/*.yaml "$corpus"/
cd "$corpus"
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-dict="$src/fuzz/lab.dict" -print_final_stats=1 "$corpus" 2>&1 |
	grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done' || true
test "${PIPESTATUS[0]}" -eq 0
