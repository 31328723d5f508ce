#!/usr/bin/env bash
# The RTO of kill_primary, N runs per lab, with its phases from the lab's own logs
# (detection, promotion, re-routing, reconnection: the journal's rto measure) and the lost
# writes. With two labs the runs alternate (A B A B ...) and the second is given as a ratio
# to the first: e.g. the tutorial against a copy with tighter timers. Each run brings its
# lab up and takes it down: with two labs up at once this 2-core machine's failovers took
# 3x as long (measured: median RTO 11.4 s against 3.9 s alone). Run nothing else meanwhile.
# Usage: bench/rto.sh [RUNS] [LAB [LAB2]]   (root; run scripts/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=(labs/tutorial.yaml)
bin=build/pgdrill
out=$(mktemp -d)
cleanup() {
	for lab in "${labs[@]}"; do $bin down "$lab" >/dev/null 2>&1 || true; done
	rm -rf "$out"
}
trap cleanup EXIT

for i in $(seq "$runs"); do
	for k in "${!labs[@]}"; do
		mkdir -p "$out/$k"
		rc=0
		$bin run --runs-dir "$out/$k" "${labs[$k]}" scenarios/kill_primary.lua \
			>"$out/$k/run-$i.log" 2>&1 || rc=$?
		echo "round $i ${labs[$k]}: exit $rc" >&2
	done
done
python3 - "$out" "${labs[@]}" <<'PY'
import glob, json, os, statistics, sys
out, labs = sys.argv[1], sys.argv[2:]
med = statistics.median
phases = ("detection", "promotion", "re-routing", "reconnection")
medians = []
for k, lab in enumerate(labs):
    rtos, lost, passed, split = [], 0, 0, {p: [] for p in phases}
    for path in sorted(glob.glob(os.path.join(out, str(k), "*", "journal.json"))):
        s = json.load(open(path))["scenarios"][0]
        passed += s.get("outcome") == "passed"
        for c in s["checks"]:
            m = c.get("measure") or {}
            if c["name"] == "lost writes":
                lost += int(m.get("lost", 0))
            if c["name"] != "rto" or m.get("recovered") != 1:
                continue
            rtos.append(m["value"])
            f = m.get("failover") or {}
            marks = [m["fault_s"], f.get("promote_requested_s"), f.get("promoted_s"),
                     f.get("routed_s"), m["to_s"]]
            for p, a, b in zip(phases, marks, marks[1:]):
                if a is not None and b is not None:
                    split[p].append(b - a)
    print(f"{lab}: {len(rtos)} kill_primary runs with an RTO, {passed} passed, "
          f"{lost} acknowledged writes lost")
    if not rtos:
        medians.append(None)
        continue
    print(f"  RTO           median {med(rtos):6.3f} s  min {min(rtos):6.3f}  max {max(rtos):6.3f}")
    for p in phases:
        v = split[p]
        if v:
            print(f"  {p:13s} median {med(v):6.3f} s  min {min(v):6.3f}  max {max(v):6.3f}  ({len(v)} runs)")
    print("  each run: " + " ".join(f"{x:.2f}" for x in rtos))
    medians.append(med(rtos))
if len(labs) == 2 and all(medians):
    print(f"RTO median of {labs[1]} / {labs[0]}: {medians[1] / medians[0]:.2f}x")
PY
