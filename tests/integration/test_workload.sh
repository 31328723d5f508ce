#!/usr/bin/env bash
# The workload's verdicts against independent evidence, on real labs: the RTO against a
# plain psql loop written here, every acknowledged write (the workload's and the loop's)
# found on the new primary with synchronous replication, the lost ids of an asynchronous
# failover really missing from the new primary, and a pgsql-check write listener failing
# the continuity check with the standbys' own log as the witness.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
sync=$SRC/tests/labs/integration/sync.yaml
async=$SRC/tests/labs/integration/async.yaml
pgsqlcheck=$SRC/tests/labs/integration/pgsql_check.yaml
cleanup_labs+=("$sync" "$async" "$pgsqlcheck")
runs=$(mktemp -d)
chmod 755 "$runs" # the observer runs as postgres and watches for its stop file here
trap 'touch "$runs/stop"; rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios

# A check of a run's only scenario as "passed<TAB>figure", read from its journal.
verdict() { # run-dir check-name
	python3 - "$(ls "$1"/*/journal.json)" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for s in d["scenarios"] for c in s["checks"] if c["name"] == sys.argv[2]]
print(f'{"passed" if c and c[0]["passed"] else "failed"}\t{c[0]["figure"] if c else "(no such check)"}')
PY
}

# Every write the workload's history says was acknowledged is in the books table of
# LAB's current primary, found by the run id the history names. Prints the counts.
acked_writes_present() { # lab.yaml history.tsv
	local lab=$1 history=$2 run primary
	run=$(sed -n 's/^# books run \([0-9]*\)$/\1/p' "$history")
	primary=$(primaries "$lab")
	[ -n "$run" ] && [ "$(wc -w <<<"$primary")" = 1 ] || return 1
	node_sql "$lab" "$primary" "SELECT id FROM books WHERE run = $run" >"$runs/present"
	python3 - "$history" "$runs/present" <<'PY'
import sys
acked = {f[4] for f in (l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#"))
         if f[3] == "write" and f[5] == "ok"}
present = {l.strip() for l in open(sys.argv[2]) if l.strip()}
missing = acked - present
print(f"{len(acked)} acknowledged, {len(missing)} missing")
sys.exit(0 if acked and not missing else 1)
PY
}

observer_oks() {
	local n
	n=$(grep -c ' ok$' "$runs/observer.log" 2>/dev/null)
	echo "${n:-0}"
}
observer_has() { [ "$(observer_oks)" -ge "$1" ]; }

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
check "the observer writes before the drill" wait_until 30 observer_has 5
"$PGDRILL" run --keep --runs-dir "$runs/sync" "$sync" "$S/kill_primary.lua" >"$runs/sync.out" 2>&1
rc=$?
after_run=$(observer_oks)
check "the observer writes after the drill" wait_until 30 observer_has $((after_run + 5))
touch "$runs/stop"
wait $observer
check "kill_primary passes on the synchronous lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/sync.out"
v=$(verdict "$runs/sync" "lost writes")
check "pgdrill reports no lost write ($v)" grep -q "^passed	0 of" <<<"$v"
v=$(verdict "$runs/sync" "no split brain")
check "pgdrill reports no split brain ($v)" grep -q "^passed" <<<"$v"
history=$(ls "$runs"/sync/*/workload-*/history.tsv)
out=$(acked_writes_present "$sync" "$history")
check "every write the workload saw acknowledged is on the new primary ($out)" \
	acked_writes_present "$sync" "$history"
oks=$(observer_oks)
rows=$(node_sql "$sync" "$(primaries "$sync")" "SELECT count(*) FROM observer")
check "every observer insert that returned ok is on the new primary ($oks ok, $rows rows)" \
	test "${rows:-0}" -ge "$oks"
check "the outage prober wrote during the fault and the outage, and only then" python3 - \
	"$history" "$(ls "$runs"/sync/*/journal.json)" <<'PY'
import json, sys
ops = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
events = json.load(open(sys.argv[2]))["scenarios"][0]["events"]
# The prober also watches each fault: from the moment it is asked until 250 ms after it
# was applied (lua_fault.c), 50 ms of slack on each side. Journal times are in ms.
watches = [(int((e["t"] - e["data"]["applying_s"] - 0.05) * 1e6), int((e["t"] + 0.3) * 1e6))
           for e in events if e["kind"] == "fault"]
writes = [(int(o[0]), int(o[1]), int(o[2]), o[5]) for o in ops if o[3] == "write"]
prober = max(c for _, _, c, _ in writes)  # the writers are 0..clients-1, the prober next
clients = {c for _, _, c, _ in writes if c != prober}
probes = sorted(s for s, _, c, _ in writes if c == prober)
if clients != set(range(prober)) or not probes:
    sys.exit(f"no prober rows (clients {sorted(clients)}, prober {prober}, {len(probes)} rows)")
fails = sorted(e for _, e, _, r in writes if r != "ok")
oks = sorted(e for _, e, _, r in writes if r == "ok")
# A probe starts while a fault is watched, or while the last write that ended before it
# failed (20 ms of slack for an ok being recorded while the prober starts its next attempt).
watched = [s for s in probes if any(a <= s <= b for a, b in watches)]
if not watched or watched[0] > min(e for e in fails):
    sys.exit(f"the prober did not start with the fault (faults at {watches}, first probe "
             f"{probes[0] / 1e6:.3f} s, first failure {min(fails) / 1e6:.3f} s)")
for s in probes:
    before = [e for e in fails if e <= s]
    if any(a <= s <= b for a, b in watches):
        continue
    if not before or any(before[-1] < e <= s - 20000 for e in oks):
        sys.exit(f"a probe started at {s / 1e6:.3f} s while writes went through")
print(f"{len(probes)} probes, {len(watched)} of them while the fault was watched, the rest "
      f"while writes failed; the first at {probes[0] / 1e6:.3f} s, the first failure ended "
      f"at {min(fails) / 1e6:.3f} s")
PY
check "the RTO agrees with the observer's view of the outage" python3 - \
	"$(ls "$runs"/sync/*/journal.json)" "$runs/observer.log" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
s = d["scenarios"][0]
rto = next(float(re.search(r"writes unavailable ([0-9.]+) s", c["figure"]).group(1))
           for c in s["checks"] if c["name"] == "rto")
fault = d["started_unix"] + next(e["t"] for e in s["events"] if e["kind"] == "fault")
log = [(float(t), r) for t, r in (l.split() for l in open(sys.argv[2]) if len(l.split()) == 2)]
# The observer's outage is its gap between oks that spans the fault (not the longest gap
# of the whole log, which could be a stall during the rejoin afterwards).
oks = [t for t, r in log if r == "ok"]
spans = [(a, b) for a, b in zip(oks, oks[1:]) if a <= fault + 0.5 and b >= fault]
if not spans:
    sys.exit(f"no observer gap spans the fault at {fault:.3f}")
a, b = max(spans, key=lambda g: g[1] - g[0])
fails = [t for t, r in log if r == "fail" and a < t < b]
if not fails:
    sys.exit("the observer saw no failed insert across the fault")
# Each observer attempt is a fresh psql (connect timeout 1 s), so it only brackets the
# outage: longer than the time between its first and last failed attempts, shorter than
# the time between its last ok before and first ok after. 0.5 s of slack on each side.
low, high = fails[-1] - fails[0] - 0.5, b - a + 0.5
print(f"pgdrill RTO {rto:.3f} s; the observer brackets it between {low + 0.5:.3f} and "
      f"{high - 0.5:.3f} s ({len(oks)} ok, {len(fails)} failed inserts across the fault)")
sys.exit(0 if low <= rto <= high else 1)
PY

# The team's own client as the workload: psql in a loop, its lines read as the history.
(cd "$SRC" && "$PGDRILL" run --keep --runs-dir "$runs/cmd" "$sync" tests/lua/command_workload.lua) \
	>"$runs/cmd.out" 2>&1
rc=$?
check "kill_primary with the example client as the workload passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || grep -E "check FAIL|error" "$runs/cmd.out"
history=$(ls "$runs"/cmd/*/workload-*/history.tsv)
check "its history holds the client's writes, on two servers" python3 - "$history" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
ok = [r for r in rows if r[3] == "write" and r[5] == "ok"]
assert len(ok) > 10 and len({r[7] for r in ok}) == 2, (len(ok), {r[7] for r in ok})
PY
out=$(acked_writes_present "$sync" "$history")
check "every write the client saw acknowledged is on the new primary ($out)" \
	acked_writes_present "$sync" "$history"
check "the client's other output went to command.log" \
	test -e "$(dirname "$history")/command.log"
check "no client process is left" bash -c "! ps -eo args | grep -q '[b]ooks_client.sh'"
check_healthy "the lab is healthy after the client's drill" "$sync"

# The same fault that loses writes asynchronously (the primary's WAL cut off from the
# standbys, then the primary killed) loses none here: commits wait for a standby.
"$PGDRILL" run --keep --runs-dir "$runs/sync-lag" "$sync" "$S/lagging_failover.lua" >"$runs/sync-lag.out" 2>&1
rc=$?
check "lagging_failover passes on the synchronous lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/sync-lag.out"
history=$(ls "$runs"/sync-lag/*/workload-*/history.tsv)
out=$(acked_writes_present "$sync" "$history")
check "after lagging_failover every acknowledged write is on the new primary ($out)" \
	acked_writes_present "$sync" "$history"
# A standby killed, then the primary: the survivor is promoted and cannot commit. The
# drill fails, the write check names the cause, the RTO is "not recovered", not the short
# gap at the first fault; the heal brings the lab back.
"$PGDRILL" run --keep --runs-dir "$runs/last-sync" "$sync" "$SRC/tests/lua/last_sync_standby.lua" \
	>"$runs/last-sync.out" 2>&1
rc=$?
check "losing the last synchronous standby fails the drill (exit $rc)" test "$rc" = 1
[ "$rc" = 1 ] || tail -30 "$runs/last-sync.out"
check "the write check says the primary waits for synchronous standbys" \
	grep -q "check FAIL writes.*waiting for synchronous standbys" "$runs/last-sync.out"
check "the RTO says writes never came back" \
	grep -q "check FAIL rto: writes unavailable at least" "$runs/last-sync.out"
check_healthy "the heal brings the synchronous lab back" "$sync"
check "the lab's processes are recorded" record_lab_pids it-sync
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
primary=$(primaries "$async")
run=$(sed -n 's/^# books run \([0-9]*\)$/\1/p' "$history")
ids=$(paste -sd, "$lost")
found=$(node_sql "$async" "$primary" "SELECT count(*) FROM books WHERE run = $run AND id IN ($ids)")
check "none of the lost ids is on the new primary $primary (found ${found:-?})" test "$found" = 0
check "the lab's processes are recorded" record_lab_pids it-async
check "down the asynchronous lab" "$PGDRILL" down "$async"
assert_no_debris it-async 10.231.12.0/24

# --- pgsql-check routes writes to standbys: continuity fails and says why ---------------
"$PGDRILL" run --keep --runs-dir "$runs/pgsql" "$pgsqlcheck" "$S/kill_primary.lua" >"$runs/pgsql.out" 2>&1
rc=$?
check "kill_primary fails behind a pgsql-check write listener (exit $rc)" test "$rc" = 1
check "the continuity check fails" grep -q "check FAIL continuity" "$runs/pgsql.out"
n=$(sed -n 's/.*haproxy sent \([0-9]*\) writes to a standby.*/\1/p' "$runs/pgsql.out" | head -1)
check "and says haproxy sent writes to a standby (${n:-none})" test "${n:-0}" -ge 1
logs=$STATE_DIR/labs/it-pgsql/logs
check "a standby's own log shows the refused writes (SQLSTATE 25006)" \
	bash -c "cat $logs/postgres*/postgres.log | grep -q 'ERROR:  25006: cannot execute INSERT in a read-only transaction'"
check "the lab's processes are recorded" record_lab_pids it-pgsql
check "down the pgsql-check lab" "$PGDRILL" down "$pgsqlcheck"
assert_no_debris it-pgsql 10.231.11.0/24
finish
