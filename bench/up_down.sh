#!/usr/bin/env bash
# Median of N `pgdrill up` (from nothing to writes routed through haproxy, and to the
# end with barman's first backup) and `pgdrill down`, with the per-phase breakdown.
# Alternates, in the same invocation, the lab as it is (the primary copied from the cached
# initdb template) with the same lab at `postgres: {initdb_template: false}` (initdb on
# every up), and prints the ratio.
# Usage: bench/up_down.sh [RUNS] [LAB]   (root; builds nothing: run scripts/build.sh first;
# LAB must have a `postgres: {...}` line, as labs/tutorial.yaml has)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
lab=${2:-labs/tutorial.yaml}
bin=build/pgdrill
out=$(mktemp -d)
base=$out/initdb.yaml
sed 's/^postgres: {/postgres: {initdb_template: false, /' "$lab" >"$base"
grep -q "initdb_template: false" "$base" || { echo "$lab has no 'postgres: {' line" >&2; exit 2; }
trap '$bin down "$lab" >/dev/null 2>&1 || true; $bin down "$base" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

$bin down "$lab" >/dev/null
for i in $(seq "$runs"); do
	for variant in template initdb; do
		file=$lab
		[ "$variant" = initdb ] && file=$base
		$bin up "$file" >"$out/up"
		start=$(date +%s.%N)
		$bin down "$file" >/dev/null
		end=$(date +%s.%N)
		{
			cat "$out/up"
			echo "down_wall $(echo "$end - $start" | bc)"
		} >>"$out/$variant"
	done
done
python3 - "$out" "$runs" <<'PY'
import re, statistics, sys
med = statistics.median

def parse(path):
    phases, writes, total, down = {}, [], [], []
    for line in open(path).read().splitlines():
        m = re.match(r"  (.+?)\s+done\s+([\d.]+) s$", line)
        if m:
            phases.setdefault(m.group(1).strip(), []).append(float(m.group(2)))
        m = re.search(r"is up in ([\d.]+) s \(writes through haproxy after ([\d.]+) s\)", line)
        if m:
            total.append(float(m.group(1))); writes.append(float(m.group(2)))
        m = re.match(r"down_wall ([\d.]+)", line)
        if m:
            down.append(float(m.group(1)))
    return phases, writes, total, down

def row(name, v, extra=""):
    print(f"  {name:36s} {med(v):6.2f} s  ({min(v):.2f}-{max(v):.2f}){extra}")

res = {}
for variant, title in (("template", "primary copied from the initdb template"),
                       ("initdb", "initdb on every up (initdb_template: false)")):
    phases, writes, total, down = res[variant] = parse(f"{sys.argv[1]}/{variant}")
    print(f"pgdrill up/down, {sys.argv[2]} runs, {title} (median, min-max):")
    for name, v in phases.items():
        row(name, v)
    row("up: nothing -> writes via haproxy", writes, f"   goal <= 1.5 s: {med(writes)/1.5:.2f}x")
    row("up: total with first barman backup", total)
    row("down", down, f"   goal <= 1 s: {med(down):.2f}x")
t, b = res["template"], res["initdb"]
print(f"template / initdb: writes via haproxy {med(t[1])/med(b[1]):.2f}x, "
      f"total {med(t[2])/med(b[2]):.2f}x, down {med(t[3])/med(b[3]):.2f}x")
PY
