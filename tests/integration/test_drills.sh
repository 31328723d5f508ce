#!/usr/bin/env bash
# The standard drills on a real lab. What each drill claims is checked against the nodes
# themselves (pg_is_in_recovery(), timelines, pg_stat_replication, repmgr cluster show, a
# write through haproxy), not only against pgdrill's journal; a drill that must fail does;
# Ctrl-C, SIGTERM and SIGKILL while a fault is in effect leave a lab that is healed, or
# that `down` removes completely.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
source "$SRC/tests/report/browser.sh"
lab=$SRC/tests/labs/integration/drills.yaml
manual=$SRC/tests/labs/integration/manual_failover.yaml
cleanup_labs+=("$lab" "$manual")
runs=$(mktemp -d)
artifacts=$(dirname "$PGDRILL")/test-artifacts
trap 'rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios
hosts=$STATE_DIR/labs/it-drills/hosts

# A fault as the live output shows it: "  [   3.21s] fault     #1 kill on postgres1 ...".
FAULT_LINE='^ *\[ *[0-9.]+s\] fault +#[0-9]+ '

# Starts `pgdrill run LAB SCENARIO` in the background and waits (60 s at most) for its
# first fault. Then it checks, with IN_EFFECT, that the fault really is in effect on the
# lab, sends SIGNAL, and sets rc to the run's exit code. Output goes to OUT.
run_and_signal() { # signal lab scenario out in-effect-command...
	local sig=$1 lab_file=$2 scenario=$3 out=$4 pid
	shift 4
	"$PGDRILL" run --runs-dir "$runs/$sig" "$lab_file" "$scenario" >"$out" 2>&1 &
	pid=$!
	if wait_until 60 grep -Eq "$FAULT_LINE" "$out"; then
		ok "$(basename "$scenario"): its fault started before SIG$sig"
		check "$(basename "$scenario"): the fault is in effect right before SIG$sig" "$@"
	else
		not_ok "$(basename "$scenario"): no fault started within 60 s"
		tail -20 "$out"
	fi
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	rc=$?
}

# The checks of the run in DIR, by scenario, for python below.
journal_of() { ls "$1"/*/journal.json; }

hba_broken() { grep -lq 'pgdrill drill' "$hosts"/postgres*/data/pg_hba.conf; }
ballast_present() { ls "$1"/*/pgdrill-ballast-* >/dev/null 2>&1; }
# Every PostgreSQL node's pg_hba.conf exists and none carries the drill's marker.
hba_restored() {
	local h
	for h in postgres1 postgres2 postgres3; do
		test -s "$hosts/$h/data/pg_hba.conf" || return 1
		! grep -q 'pgdrill drill' "$hosts/$h/data/pg_hba.conf" || return 1
	done
}

check "up the drill lab" "$PGDRILL" up -q "$lab"
check_healthy "the lab is healthy before the drills" "$lab"

# Notes who is primary and on which timeline (before, tl_before), runs SCENARIO with
# --keep into $runs/NAME, and checks that it passes.
drill_passes() { # name scenario
	local rc
	before=$(primaries "$lab")
	tl_before=$(node_timeline "$lab" "$before")
	"$PGDRILL" run --keep --runs-dir "$runs/$1" "$lab" "$2" >"$runs/$1.out" 2>&1
	rc=$?
	check "$(basename "$2" .lua) passes (exit $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || tail -40 "$runs/$1.out"
}

# --- kill_primary: a standby is promoted, the timeline goes up, the old primary rejoins.
drill_passes kill $S/kill_primary.lua
named=$(python3 - "$(journal_of "$runs/kill")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["scenarios"][0]["checks"]}
print(c["new primary"]["figure"].split(" promoted")[0])
PY
)
after=$(primaries "$lab")
check "the nodes say $after is the only primary, and the journal named $named" \
	test "$after" = "$named"
check "the old primary $before is not the primary ($after)" test "$after" != "$before"
tl_after=$(node_timeline "$lab" "$after")
check "the new primary's timeline went up ($tl_before -> $tl_after)" \
	test "${tl_after:-0}" -gt "${tl_before:-0}"
check "the old primary $before is a standby again" \
	test "$(node_sql "$lab" "$before" "SELECT pg_is_in_recovery()")" = t
check "and streams on the new timeline" test "$(node_timeline "$lab" "$before")" = "$tl_after"
check_healthy "the lab is healthy after kill_primary" "$lab"

# --- its report: rendered by the run, shown in a real browser, the journal's figures.
kill_dir=$(dirname "$(journal_of "$runs/kill")")
check "the run wrote report.html and said where" grep -q "^report:  $kill_dir/report.html" "$runs/kill.out"
check "the kill_primary report renders in Chromium: no console message, script or outside reference" \
	browse_report "$kill_dir/report.html" "$artifacts" kill_primary
check "the page's verdicts, measured values, lost writes and readiness are the journal's" \
	python3 "$SRC/tests/report/verify_dom.py" "$kill_dir/journal.json" "$artifacts/kill_primary.dom"
check "the journal is valid against schema/journal.schema.json" \
	python3 "$SRC/tests/report/validate_journal.py" "$SRC/schema/journal.schema.json" "$kill_dir/journal.json"
check "the RTO's phases come from the lab's logs: $after asked to promote, ready, routed by haproxy, in order" \
	python3 - "$kill_dir/journal.json" "$after" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
m = next(c["measure"] for c in s["checks"] if c["name"] == "rto")
f = m["failover"]
assert f["host"] == sys.argv[2], f
t = [m["fault_s"], f["promote_requested_s"], f["promoted_s"], f["routed_s"], m["to_s"]]
assert t == sorted(t), t
PY
check "the kill bit: the journal's evidence is the postmaster gone" python3 - "$kill_dir/journal.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
c = next(c for c in s["checks"] if c["name"] == "fault #1 kill postgres took effect")
assert c["passed"] and " ended within " in c["figure"], c
PY
check "the JUnit testcases carry their time and figure" \
	grep -q '<testcase classname="kill_primary" name="rto" time="[0-9.]*"><properties><property name="value"' \
	"$kill_dir/junit.xml"

# --- fill_disk_primary: the primary cannot write WAL, PANICs and stops; a standby takes over.
drill_passes fullprimary $S/fill_disk_primary.lua
after=$(primaries "$lab")
check "after fill_disk_primary $after is the only primary, not $before" \
	test "$(wc -w <<<"$after")" = 1 -a "$after" != "$before"
check "$before's own log says it PANICked: no space for WAL" \
	grep -q "PANIC: .*pg_wal/xlogtemp.*No space left on device" "$STATE_DIR/labs/it-drills/logs/$before/postgres.log"
check "the journal's evidence is that log line, and the primary stopped answering" python3 - \
	"$(journal_of "$runs/fullprimary")" <<'PY'
import json, sys
c = {x["name"]: x for x in json.load(open(sys.argv[1]))["scenarios"][0]["checks"]}
own = c["fault #1 fill_disk disk took effect"]
assert own["passed"] and "PANIC" in own["figure"], own
assert c["fault #1 fill_disk: the primary stops: it cannot write WAL"]["passed"], c
PY
check "$before is a standby again, its disk free of the ballast" \
	test "$(node_sql "$lab" "$before" "SELECT pg_is_in_recovery()")" = t
check "no ballast file is left on $before" bash -c "! ls $hosts/$before/pgdrill-ballast-* 2>/dev/null"
check_healthy "the lab is healthy after fill_disk_primary" "$lab"

# --- fill_disk, break_pg_hba, barman_restore: their own verdicts, then the lab itself.
"$PGDRILL" run --keep --runs-dir "$runs/std" "$lab" $S/fill_disk.lua $S/break_pg_hba.lua \
	$S/barman_restore.lua >"$runs/std.out" 2>&1
rc=$?
check "fill_disk, break_pg_hba and barman_restore pass (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -40 "$runs/std.out"
check "a JUnit file is written" test -s "$(dirname "$(journal_of "$runs/std")")/junit.xml"
check "the journal tells each outcome" python3 - "$(journal_of "$runs/std")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["scenarios"]}
def checks(name): return {c["name"]: c for c in s[name]["checks"]}
def events(name, kind): return [e["text"] for e in s[name]["events"] if e["kind"] == kind]
fd = s["fill_disk"]
assert fd["outcome"] == "passed", fd
fc = checks("fill_disk")
# The fault bit, as the two servers' WAL positions say, and as the standby's log says.
assert fc["fault #1 fill_disk: replication to the full standby stops"]["passed"], fc
own = fc["fault #1 fill_disk disk took effect"]
assert own["passed"] and "No space left on device" in own["figure"], own
hba = checks("break_pg_hba")["fault #1 break_hba reject took effect"]
assert hba["passed"] and "pg_hba.conf rejects connection" in hba["figure"], hba
effects = [e for e in s["fill_disk"]["events"] if e["kind"] == "effect"]
assert effects and all(e["data"]["bit"] for e in effects), effects
assert any("fill_disk" in t and "reverted" in t for t in events("fill_disk", "revert"))
bh = checks("break_pg_hba")
assert bh["http-agent keeps routing to the refusing primary (asks over the local socket)"]["passed"]
assert bh["tcp-check marks the refusing primary down"]["passed"]
br = checks("barman_restore")
assert br["the latest restore has every mark"]["passed"], br
assert br["the point-in-time restore stops between the marks"]["passed"], br
PY
check "the fill_disk ballast bit: the journal shows it" grep -Eq "fault +#[0-9]+ fill_disk" "$runs/std.out"
standby_logs=$STATE_DIR/labs/it-drills/logs
check "the standby's own log says its disk was full" \
	bash -c "cat $standby_logs/postgres*/postgres.log | grep -q 'No space left on device'"
check "the restore ran on the spare host" grep -q "barman_restore on restore" "$runs/std.out"
check "the restored server is gone" test ! -e "$hosts/restore/data"
check "no ballast file is left on any disk" bash -c "! ls $hosts/*/pgdrill-ballast-* 2>/dev/null"
check "every pg_hba.conf is back, without the drill's lines" hba_restored
check_healthy "the lab is healthy after the standard drills" "$lab"

# --- a drill whose fault cannot bite fails, and says so.
"$PGDRILL" run --runs-dir "$runs/vacuous" "$lab" "$SRC/tests/lua/vacuous_fill_disk.lua" \
	>"$runs/vacuous.out" 2>&1
rc=$?
check "a fill_disk that leaves more space than the drill writes fails (exit $rc)" test "$rc" = 1
check "with 'the fault had no effect' and the space still free" \
	grep -Eq "the fault had no effect: fill_disk on postgres[0-9]: still [0-9]+ bytes free" \
	"$runs/vacuous.out"
[ "$rc" = 1 ] || tail -30 "$runs/vacuous.out"
check "no ballast file is left after it" bash -c "! ls $hosts/*/pgdrill-ballast-* 2>/dev/null"

# --- pause_primary: a short stall changes nothing: same primary, same timeline.
drill_passes pause $S/pause_primary.lua
check "the primary was paused: the journal shows it" grep -Eq "fault +#[0-9]+ pause on $before" \
	"$runs/pause.out"
check "and its postmaster was seen stopped (state T)" \
	grep -Eq "effect +#[0-9]+ pause on $before took effect: pid [0-9]+ is in state T" "$runs/pause.out"
check "no failover: $before is still the only primary ($(primaries "$lab" | tr '\n' ' '))" \
	test "$(primaries "$lab")" = "$before"
check "and its timeline is unchanged ($tl_before)" test "$(node_timeline "$lab" "$before")" = "$tl_before"
check_healthy "the lab is healthy after pause_primary" "$lab"

# --- switchover: another node is primary, on a higher timeline.
drill_passes switch $S/switchover.lua
after=$(primaries "$lab")
one_other_primary() { [ "$(wc -w <<<"$after")" = 1 ] && [ "$after" != "$before" ]; }
check "after the switchover $after is the only primary, not $before" one_other_primary
check "the timeline went up ($tl_before -> $(node_timeline "$lab" "$after"))" \
	test "$(node_timeline "$lab" "$after")" -gt "$tl_before"
check_healthy "the lab is healthy after the switchover" "$lab"

# The handles that exist only on a running lab, misused: each error names its function.
"$PGDRILL" run --keep --runs-dir "$runs/misuse" "$lab" "$SRC/tests/lua/api_misuse_on_lab.lua" \
	>"$runs/misuse.out" 2>&1
rc=$?
check "the API misuse scenario passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || grep -E "check FAIL|error" "$runs/misuse.out"
check "all of its 9 checks ran" test "$(grep -c "check ok " "$runs/misuse.out")" -ge 9

# A server's warnings to pgdrill's own sessions land in the journal, with where they came
# from, and on the timeline; libpq prints nothing raw.
"$PGDRILL" run --keep --runs-dir "$runs/notices" "$lab" "$SRC/tests/lua/server_messages.lua" \
	>"$runs/notices.out" 2>"$runs/notices.err"
rc=$?
check "the server messages scenario passes (exit $rc)" test "$rc" = 0
check "both warnings are server events in the journal, with their host" python3 - \
	"$runs"/notices/*/journal.json <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["scenarios"][0]["events"] if e["kind"] == "server"]
print(ev)
admin = [e for e in ev if e["data"]["message"] == "WARNING:  pgdrill-admin-warning"
         and e["data"]["host"].startswith("postgres")]
client = [e for e in ev if e["data"]["message"] == "WARNING:  pgdrill-client-warning"
          and e["data"]["host"] == "client"]
sys.exit(0 if admin and client else 1)
PY
check "the timeline shows them" grep -q "server    postgres.: WARNING:  pgdrill-admin-warning" \
	"$runs/notices.out"
check "nothing raw on stderr" test ! -s "$runs/notices.err"

# partition_primary must report the split brain classic repmgr cannot prevent, with the
# evidence, and leave the lab healed.
"$PGDRILL" run --runs-dir "$runs/split" "$lab" $S/partition_primary.lua >"$runs/split.out" 2>&1
rc=$?
check "partition_primary reports a missed objective (exit $rc)" test "$rc" = 1
check "it names the split brain" grep -q "check FAIL no split brain" "$runs/split.out"
check "a new primary was promoted during the partition" grep -q "check ok  new primary" "$runs/split.out"
check_healthy "the lab is healthy after the partition" "$lab"

# Packet loss around the primary: no failover, no write lost, the loss tables gone after.
"$PGDRILL" run --runs-dir "$runs/loss" "$lab" $S/lossy_network.lua >"$runs/loss.out" 2>&1
rc=$?
check "lossy_network passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -20 "$runs/loss.out"
check "it dropped packets with nftables" grep -q "loss on .*random share" "$runs/loss.out"
no_pgdrill_tables() { # every namespace of the lab answers nft, and none has a pgdrill table
	local ns n=0 tables
	for ns in $(ip netns list | awk '/^pgd-it-drills\./ {print $1}'); do
		tables=$(ip netns exec "$ns" nft list tables) || return 1
		grep -q pgdrill_ <<<"$tables" && return 1
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}
check "no loss table is left on any host (nft asked in every namespace)" no_pgdrill_tables

# Ctrl-C in the middle of a fault: the fault is reverted, the lab healed, exit 2.
run_and_signal INT "$lab" $S/break_pg_hba.lua "$runs/int.out" hba_broken
check "an interrupted run exits 2 (got $rc)" test "$rc" = 2
check "it says it was interrupted" grep -q "interrupted" "$runs/int.out"
check "the broken pg_hba.conf was restored" hba_restored
check_healthy "the lab is healthy after the interruption" "$lab"

# SIGTERM (a CI job cancelled) behaves the same: the ballast goes, the lab is healthy.
run_and_signal TERM "$lab" "$SRC/tests/lua/hold_full_disk.lua" "$runs/term.out" \
	ballast_present "$hosts"
check "a run stopped by SIGTERM exits 2 (got $rc)" test "$rc" = 2
check "its ballast was removed" bash -c "! ls $hosts/*/pgdrill-ballast-* 2>/dev/null"
check_healthy "the lab is healthy after SIGTERM" "$lab"
check "the lab's processes are recorded" record_lab_pids it-drills
check "down" "$PGDRILL" down "$lab"
assert_no_debris it-drills 10.231.8.0/24

# A drill that must fail: with failover manual nobody is promoted.
"$PGDRILL" run --keep --runs-dir "$runs/manual" "$manual" $S/kill_primary.lua >"$runs/m.out" 2>&1
rc=$?
check "kill_primary without automatic failover exits 1 (got $rc)" test "$rc" = 1
check "and names the failed check" grep -q "check FAIL new primary" "$runs/m.out"
m_dir=$(dirname "$(journal_of "$runs/manual")")
check "the failed drill's report renders in Chromium" \
	browse_report "$m_dir/report.html" "$artifacts" manual_failover
check "and shows the failed verdicts as the journal has them" \
	python3 "$SRC/tests/report/verify_dom.py" "$m_dir/journal.json" "$artifacts/manual_failover.dom"
check "its Markdown summary marks the drill FAILED" \
	bash -c "'$PGDRILL' report --md '$m_dir' | grep -qF '| kill\\_primary | (drill) | **FAILED** |'"
check_healthy "the lab was healed afterwards" "$manual"

# SIGKILL in the middle of a fault: down still removes everything.
run_and_signal KILL "$manual" "$SRC/tests/lua/hold_full_disk.lua" "$runs/k.out" \
	ballast_present "$STATE_DIR/labs/it-manual/hosts"
check "the killed run's lab processes are recorded" record_lab_pids it-manual
check "down after SIGKILL mid-fault" "$PGDRILL" down "$manual"
assert_no_debris it-manual 10.231.9.0/24
finish
