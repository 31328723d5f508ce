#!/usr/bin/env bash
# The books workload measured against pgbench, in one invocation on one lab:
#   1. write throughput through haproxy: pgdrill's workload flat out (rate 0, recording
#      every operation) against pgbench running the same INSERT as a prepared statement
#      (pgdrill prepares it once per connection too) with the same client count, no
#      readers on either side, both at the same nice value, alternating rounds (each a
#      fresh `pgdrill run`, so it includes the lag sampler); prints each and the ratio;
#   2. how precisely a gap is located at the default rate: in each of KILL_RUNS
#      kill_primary runs, the longest stretch of the outage during which no client (nor the
#      outage prober) had a write attempt under way (an attempt waiting in haproxy's queue
#      is a probe too). The outage runs from the kill (the journal's fault event, recorded
#      as the signal was sent; writes were fine until then) to the first acknowledged
#      write after it. The figure counted from the last acknowledged write is printed too;
#   3. (with MEMORY_SECONDS > 0) the resident memory of `pgdrill run` over a long run at
#      the default rate, sampled every 10 s.
# Usage: bench/workload.sh [LAB] [CLIENTS] [SECONDS] [ROUNDS]   (root; run scripts/build.sh)
# ROUNDS=0 skips part 1; KILL_RUNS (default 10) kill_primary runs for part 2, each printed;
# PROFILE=1 profiles part 1's first round of each side (see profiled below);
# PGDRILL= a copied binary (so that a rebuild during the bench does not change it).
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${1:-labs/tutorial.yaml}
clients=${2:-4}
seconds=${3:-15}
rounds=${4:-5}
kill_runs=${KILL_RUNS:-10}
memory_seconds=${MEMORY_SECONDS:-0}
bin=${PGDRILL:-$PWD/build/pgdrill}
work=$(mktemp -d)
trap 'rm -rf "$work"; $bin down "$lab" >/dev/null 2>&1 || true' EXIT
name=$($bin show "$lab" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')
proxy=$($bin show "$lab" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([h["address"] for h in d["hosts"] if h["role"] == "proxy"][0])')
port=$($bin show "$lab" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([l["port"] for l in d["haproxy"]["listeners"] if l["target"] == "primary"][0])')

$bin down "$lab" >/dev/null 2>&1 || true
$bin up "$lab" >/dev/null
password=$(awk -F= '$1 == "app" {print $2}' "/var/lib/pgdrill/labs/$name/secrets")

# pgdrill flat out: a scenario written for this run.
cat >"$work/flat_out.lua" <<LUA
drill.scenario{ name = "workload flat out" }
drill.steady()
local wl = workload.start{ clients = $clients, rate = 0, readers = 0 }
sleep("${seconds}s")
wl:stop()
local st = wl:stats()
drill.event(string.format("THROUGHPUT %.1f", st.writes.ok / st.elapsed))
LUA
cat >"$work/insert.sql" <<'SQL'
\set id random(1, 4611686018427387903)
INSERT INTO books (run, id, client, title) VALUES (-1 - :client_id, :id, :client_id, 'pgbench') RETURNING host(inet_server_addr()), pgdrill_timeline();
SQL
chmod 755 "$work"
chmod 644 "$work/insert.sql"

# With PROFILE=1 the first round of each side is profiled (perf, from linux-perf): the
# client process's CPU time and context switches per operation over the middle third of
# the round (perf stat), and for pgdrill where that CPU time goes (perf record, by
# library and by function).
profiled() { # label ops_file command...: runs the command, profiled when asked
	local label=$1 ops=$2 pid third=$((seconds / 3))
	shift 2
	if [ "$profile" != 1 ] || [ "$third" -lt 1 ]; then
		"$@" >"$ops" 2>"$ops.err"
		return
	fi
	"$@" >"$ops" 2>"$ops.err" &
	pid=$!
	sleep "$third"
	perf stat -e task-clock,context-switches -x, -p "$pid" -o "$work/$label.stat" \
		-- sleep "$third" 2>/dev/null || true
	[ "$label" = pgdrill ] && perf record -q -F 2999 -p "$pid" -o "$work/$label.perf" \
		-- sleep "$third" >/dev/null 2>&1
	wait "$pid"
	profile_of "$label" "$ops" "$third"
}
profile_of() { # label ops_file seconds: prints what the profile says, per operation
	python3 - "$work/$1.stat" "$(sed -n 's/.*THROUGHPUT \([0-9.]*\).*/\1/p; s/^tps = \([0-9.]*\) (without.*/\1/p' "$2")" "$3" "$1" <<'PY' >&2
import sys
stat, rate, secs, label = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
v = {l.split(",")[2]: float(l.split(",")[0]) for l in open(stat) if l.count(",") >= 3}
ops = rate * secs
print(f"  profile {label}: {v['task-clock'] * 1000 / ops:.1f} us of CPU and "
      f"{v['context-switches'] / ops:.2f} context switches per operation "
      f"({v['task-clock'] / secs / 10:.1f}% of one core)")
PY
	if [ -e "$work/$1.perf" ]; then
		perf report -i "$work/$1.perf" --no-children --sort dso -q 2>/dev/null | head -5 |
			sed 's/^/    /' >&2
		perf report -i "$work/$1.perf" --no-children --sort sym -q 2>/dev/null |
			grep -v '\[k\]' | head -8 | sed 's/^/    /' >&2
	fi
}
pgdrill_round() {
	profiled pgdrill "$work/pgdrill.out" \
		$bin run --keep --runs-dir "$work/runs" "$lab" "$work/flat_out.lua" ||
		{ cat "$work/pgdrill.out.err" >&2; return 1; }
	sed -n 's/.*THROUGHPUT \([0-9.]*\).*/\1/p' "$work/pgdrill.out"
}
pgbench_round() {
	# At the nice value of pgdrill's client threads (WORKLOAD_NICE in
	# src/workload/internal.h): both sides get the same share of the two cores.
	profiled pgbench "$work/pgbench.out" \
		ip netns exec "pgd-$name.client" nice -n -10 env PGPASSWORD="$password" \
		/usr/lib/postgresql/15/bin/pgbench -h "$proxy" -p "$port" -U books -n -M prepared \
		-c "$clients" -j "$clients" -T "$seconds" -f "$work/insert.sql" books
	sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.out"
}

if [ "$rounds" -gt 0 ]; then
echo "write throughput through haproxy ($clients clients, $seconds s a round, $rounds rounds):"
profile=0
pgdrill_round >/dev/null # creates the schema pgbench's INSERT needs
profile=${PROFILE:-0}
if [ "$profile" = 1 ] && ! command -v perf >/dev/null; then
	apt-get install -y -q linux-perf >/dev/null
fi
for r in $(seq "$rounds"); do
	a=$(pgdrill_round)
	b=$(pgbench_round)
	profile=0
	echo "$a $b" >>"$work/throughput"
	printf "  round %d: pgdrill %8.1f writes/s   pgbench %8.1f tps   ratio %.2f\n" "$r" "$a" "$b" \
		"$(echo "$a / $b" | bc -l)"
done
python3 - "$work/throughput" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
a = statistics.median(r[0] for r in rows); b = statistics.median(r[1] for r in rows)
r = statistics.median(x / y for x, y in rows)
print(f"  median: pgdrill {a:.1f} writes/s, pgbench {b:.1f} tps: {a / b:.2f}x pgbench "
      f"(median of the rounds' ratios {r:.2f}x; target >= 1.0x)")
PY
fi

if [ "$kill_runs" -gt 0 ]; then
echo "gap resolution at the default rate ($kill_runs kill_primary runs):"
# A fresh lab: the rounds above wrote a few hundred thousand rows into small disks.
$bin down "$lab" >/dev/null
$bin up "$lab" >/dev/null
: >"$work/blind"
for r in $(seq "$kill_runs"); do
	rm -rf "$work/kill"
	$bin run --keep --runs-dir "$work/kill" "$lab" scenarios/kill_primary.lua >/dev/null || true
	python3 - "$r" "$(ls "$work"/kill/*/workload-*/history.tsv)" "$work/blind" \
		"$(ls "$work"/kill/*/journal.json)" <<'PY'
import json, sys
run, path, out, journal = sys.argv[1:5]
ops = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("#")]
w = sorted(((int(o[0]), int(o[1]), o[5]) for o in ops if o[3] == "write"), key=lambda o: o[1])
oks = [o[1] for o in w if o[2] == "ok"]
frm, to = max(zip(oks, oks[1:]), key=lambda p: p[1] - p[0])
fault = next(e for e in json.load(open(journal))["scenarios"][0]["events"] if e["kind"] == "fault")
# fault.kill records its event right after the signal was sent (finding the postmaster
# before it took up to 25 ms here, while writes went on). The journal's times are in ms,
# so the outage is taken to start 1 ms before the event (longer, never shorter).
kill = int(fault["t"] * 1e6) - 1000

def longest_blind(start):
    """The longest moment in [start, to] when nobody was asking."""
    spans = sorted((max(s, start), min(e, to)) for s, e, _ in w if e > start and s < to)
    blind, covered = 0, start
    for s, e in spans:
        blind = max(blind, s - covered)
        covered = max(covered, e)
    return max(blind, to - covered), len(spans)

blind, n = longest_blind(max(frm, kill))
from_ok, _ = longest_blind(frm)
print(f"  run {run}: outage {(to - max(frm, kill)) / 1e6:.3f} s from the kill, {n} attempts "
      f"during it; longest stretch with no attempt under way {blind / 1000:.1f} ms "
      f"(counted from the last ok write instead, at {(frm - kill) / 1000:+.1f} ms from the "
      f"kill: {from_ok / 1000:.1f} ms)")
open(out, "a").write(f"{blind}\n")
PY
done
python3 - "$work/blind" <<'PY'
import sys
v = [int(l) for l in open(sys.argv[1]) if l.strip()]
print(f"  within 10 ms: {sum(b <= 10000 for b in v)} of {len(v)} runs (target: all); "
      f"worst {max(v) / 1000:.1f} ms")
PY
fi

if [ "$memory_seconds" -gt 0 ]; then
	echo "memory of pgdrill run over ${memory_seconds} s at the default rate:"
	cat >"$work/long.lua" <<LUA
drill.scenario{ name = "long workload" }
drill.steady()
local wl = workload.start{}
sleep("${memory_seconds}s")
LUA
	$bin run --keep --runs-dir "$work/long" "$lab" "$work/long.lua" >"$work/long.out" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null >>"$work/rss" || true
		sleep 10
	done
	python3 - "$work/rss" <<'PY'
import sys
v = [int(l) for l in open(sys.argv[1]) if l.strip()]
print(f"  VmRSS kB: first {v[0]}, after 1 min {v[min(6, len(v) - 1)]}, last {v[-1]}, max {max(v)}"
      f" ({len(v)} samples); last/after-1-min {v[-1] / v[min(6, len(v) - 1)]:.2f}")
PY
fi
