#!/usr/bin/env bash
# Median of N `pgdrill up` (from nothing to writes routed through haproxy, and to the
# end with barman's first backup) and `pgdrill down`, with the per-phase breakdown.
# Usage: bench/up_down.sh [RUNS] [LAB]   (root; builds nothing: run scripts/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
lab=${2:-labs/tutorial.yaml}
bin=build/pgdrill
out=$(mktemp)
trap 'rm -f "$out"; $bin down "$lab" >/dev/null 2>&1 || true' EXIT

$bin down "$lab" >/dev/null
for i in $(seq "$runs"); do
	$bin up "$lab" >"$out.up"
	start=$(date +%s.%N)
	$bin down "$lab" >/dev/null
	end=$(date +%s.%N)
	{
		cat "$out.up"
		echo "down_wall $(echo "$end - $start" | bc)"
	} >>"$out"
	rm -f "$out.up"
done
python3 - "$out" "$runs" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
phases, writes, total, down = {}, [], [], []
for line in text.splitlines():
    m = re.match(r"  (.+?)\s+done\s+([\d.]+) s$", line)
    if m:
        phases.setdefault(m.group(1).strip(), []).append(float(m.group(2)))
    m = re.search(r"is up in ([\d.]+) s \(writes through haproxy after ([\d.]+) s\)", line)
    if m:
        total.append(float(m.group(1))); writes.append(float(m.group(2)))
    m = re.match(r"down_wall ([\d.]+)", line)
    if m:
        down.append(float(m.group(1)))
med = statistics.median
print(f"pgdrill up/down, {sys.argv[2]} runs (median, min-max):")
for name, v in phases.items():
    print(f"  {name:36s} {med(v):6.2f} s  ({min(v):.2f}-{max(v):.2f})")
print(f"  {'up: nothing -> writes via haproxy':36s} {med(writes):6.2f} s  ({min(writes):.2f}-{max(writes):.2f})   target <= 8 s: {med(writes)/8:.2f}x of target")
print(f"  {'up: total with first barman backup':36s} {med(total):6.2f} s  ({min(total):.2f}-{max(total):.2f})")
print(f"  {'down':36s} {med(down):6.2f} s  ({min(down):.2f}-{max(down):.2f})   target <= 2 s: {med(down)/2:.2f}x of target")
PY
