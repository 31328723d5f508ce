#!/usr/bin/env bash
# The workload's verdicts against independent evidence, on real labs: the RTO against a
# plain psql loop written here, no lost write with synchronous replication, the lost ids
# of an asynchronous failover really missing from the new primary, and a pgsql-check
# write listener failing the continuity check with the reason.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
sync=$SRC/tests/labs/integration/sync.yaml
async=$SRC/tests/labs/integration/drills.yaml
pgsqlcheck=$SRC/tests/labs/integration/pgsql_check.yaml
cleanup_labs+=("$sync" "$async" "$pgsqlcheck")
runs=$(mktemp -d)
chmod 755 "$runs" # the observer runs as postgres and watches for its stop file here
trap 'touch "$runs/stop"; rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios

# The checks of a run's only scenario, by name, as JSON lines for grep and python.
verdicts() { # run-dir
	python3 - "$(ls "$1"/*/journal.json)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["scenarios"]:
    for c in s["checks"]:
        print(json.dumps(c))
PY
}

# --- synchronous replication: kill_primary, watched by an independent observer --------
check "up the synchronous lab" "$PGDRILL" up "$sync"
app_sql "$sync" haproxy 5000 "CREATE TABLE observer (at timestamptz DEFAULT now())"
# One INSERT through haproxy every 100 ms, each a fresh psql, stamped when it returns.
"$PGDRILL" exec "$sync" haproxy -- bash -c '
	while [ ! -e "$0/stop" ]; do
		if PGCONNECT_TIMEOUT=1 psql -X -q -h haproxy -p 5000 -U books -d books \
			-c "INSERT INTO observer DEFAULT VALUES" >/dev/null 2>&1; then r=ok; else r=fail; fi
		echo "$(date +%s.%N) $r"
		sleep 0.1
	done' "$runs" >"$runs/observer.log" 2>&1 &
observer=$!
sleep 2
"$PGDRILL" run --keep --runs-dir "$runs/sync" "$sync" "$S/kill_primary.lua" >"$runs/sync.out" 2>&1
rc=$?
sleep 1
touch "$runs/stop"
wait $observer
check "kill_primary passes on the synchronous lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/sync.out"
verdicts "$runs/sync" >"$runs/sync.checks"
check "no acknowledged write lost with synchronous replication" \
	grep -q '"name": "lost writes", "passed": true, "figure": "0 of' "$runs/sync.checks"
check "no split brain reported" grep -q '"name": "no split brain", "passed": true' "$runs/sync.checks"
check "the RTO is within 0.5 s of the observer's" python3 - "$runs/sync.checks" \
	"$runs/observer.log" <<'PY'
import json, re, sys
rto = None
for line in open(sys.argv[1]):
    c = json.loads(line)
    if c["name"] == "rto":
        rto = float(re.search(r"writes unavailable ([0-9.]+) s", c["figure"]).group(1))
oks = [float(l.split()[0]) for l in open(sys.argv[2]) if l.strip().endswith(" ok")]
fails = sum(1 for l in open(sys.argv[2]) if l.strip().endswith(" fail"))
gap = max(b - a for a, b in zip(oks, oks[1:]))
print(f"pgdrill RTO {rto:.3f} s, observer's longest gap {gap:.3f} s "
      f"({len(oks)} ok, {fails} failed inserts)")
sys.exit(0 if fails > 0 and abs(rto - gap) <= 0.5 else 1)
PY

# The same fault that loses writes asynchronously (the primary's WAL cut off from the
# standbys, then the primary killed) loses none here: commits wait for a standby.
"$PGDRILL" run --runs-dir "$runs/sync-lag" "$sync" "$S/lagging_failover.lua" >"$runs/sync-lag.out" 2>&1
rc=$?
check "lagging_failover passes on the synchronous lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/sync-lag.out"
check "down the synchronous lab" "$PGDRILL" down "$sync"
assert_no_debris it-sync 10.231.10.0/24

# --- asynchronous replication: the same fault loses acknowledged writes -----------------
"$PGDRILL" run --keep --runs-dir "$runs/async" "$async" "$S/lagging_failover.lua" >"$runs/async.out" 2>&1
rc=$?
check "lagging_failover fails on the asynchronous lab (exit $rc)" test "$rc" = 1
check "it names the lost writes" grep -q "check FAIL lost writes" "$runs/async.out"
lost=$(ls "$runs"/async/*/workload-*/lost_writes.txt 2>/dev/null)
check "the lost ids are written down" test -s "$lost"
history=$(ls "$runs"/async/*/workload-*/history.tsv)
check "every lost id was acknowledged to its client" python3 - "$lost" "$history" <<'PY'
import sys
lost = {l.strip() for l in open(sys.argv[1]) if l.strip()}
acked = {f[4] for f in (l.split("\t") for l in open(sys.argv[2]) if not l.startswith("#"))
         if f[3] == "write" and f[5] == "ok"}
sys.exit(0 if lost and lost <= acked else 1)
PY
primary=$("$PGDRILL" status "$async" --json | python3 -c '
import json, sys
print([h["name"] for h in json.load(sys.stdin)["hosts"] if h.get("postgres_role") == "primary"][0])')
ids=$(paste -sd, "$lost")
found=$(node_sql "$async" "$primary" "SELECT count(*) FROM books WHERE id IN ($ids)")
check "none of the lost ids is on the new primary $primary (found ${found:-?})" test "$found" = 0
check "down the asynchronous lab" "$PGDRILL" down "$async"
assert_no_debris it-drills 10.231.8.0/24

# --- pgsql-check routes writes to standbys: continuity fails and says why ---------------
"$PGDRILL" run --runs-dir "$runs/pgsql" "$pgsqlcheck" "$S/kill_primary.lua" >"$runs/pgsql.out" 2>&1
rc=$?
check "kill_primary fails behind a pgsql-check write listener (exit $rc)" test "$rc" = 1
check "the continuity check fails" grep -q "check FAIL continuity" "$runs/pgsql.out"
check "and says writes reached a standby" grep -q "haproxy sent [0-9]* writes to a standby" \
	"$runs/pgsql.out"
check "down the pgsql-check lab" "$PGDRILL" down "$pgsqlcheck"
assert_no_debris it-pgsql 10.231.11.0/24
finish
