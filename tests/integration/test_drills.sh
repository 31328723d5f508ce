#!/usr/bin/env bash
# The standard drills on a real lab, with their outcomes read back from the journal; a
# drill that must fail does; Ctrl-C and SIGKILL in the middle of a fault leave a lab
# that is healed, or that `down` removes completely.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/drills.yaml
manual=$SRC/tests/labs/integration/manual_failover.yaml
cleanup_labs+=("$lab" "$manual")
runs=$(mktemp -d)
trap 'rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios

# Starts `pgdrill run LAB SCENARIO` in the background, sends SIGNAL as soon as its first
# fault is on the timeline, and sets rc to its exit code. Output goes to OUT.
run_and_signal() { # signal lab scenario out
	"$PGDRILL" run --runs-dir "$runs/$1" "$2" "$3" >"$4" 2>&1 &
	local pid=$!
	for i in $(seq 100); do grep -q "fault " "$4" && break; sleep 0.1; done
	kill -"$1" $pid
	wait $pid 2>/dev/null
	rc=$?
}

"$PGDRILL" run --keep --runs-dir "$runs" "$lab" $S/kill_primary.lua $S/fill_disk.lua \
	$S/break_pg_hba.lua $S/barman_restore.lua $S/pause_primary.lua $S/switchover.lua \
	>"$runs/out" 2>&1
rc=$?
check "the standard drills pass (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -40 "$runs/out"
journal=$(ls "$runs"/*/journal.json)
check "a JUnit file is written" test -s "$(dirname "$journal")/junit.xml"
check "the journal tells each outcome" python3 - "$journal" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["scenarios"]}
def checks(name): return {c["name"]: c for c in s[name]["checks"]}
def events(name, kind): return [e["text"] for e in s[name]["events"] if e["kind"] == kind]
kp = s["kill_primary"]
assert kp["outcome"] == "passed", kp
assert checks("kill_primary")["new primary"]["passed"]
assert "postgres1" not in checks("kill_primary")["new primary"]["figure"].split(" promoted")[0]
assert checks("kill_primary")["the timeline went up"]["passed"]
assert any("rejoining postgres1 as a standby" in t for t in events("kill_primary", "heal")), events("kill_primary", "heal")
assert any("healthy again" in t for t in events("kill_primary", "heal"))
fd = s["fill_disk"]
assert fd["outcome"] == "passed", fd
assert any("fill_disk" in t and "reverted" in t for t in events("fill_disk", "revert"))
bh = checks("break_pg_hba")
assert bh["http-agent keeps routing to the refusing primary (asks over the local socket)"]["passed"]
assert bh["tcp-check marks the refusing primary down"]["passed"]
br = checks("barman_restore")
assert br["the latest restore has every mark"]["passed"], br
assert br["the point-in-time restore stops between the marks"]["passed"], br
assert s["pause_primary"]["outcome"] == "passed", s["pause_primary"]
assert s["switchover"]["outcome"] == "passed", s["switchover"]
PY
check "the restore ran on the spare host" grep -q "barman_restore on restore" "$runs/out"
check "the restored server is gone" test ! -e /var/lib/pgdrill/labs/it-drills/hosts/restore/data
check "no ballast file is left on any disk" \
	test -z "$(ls /var/lib/pgdrill/labs/it-drills/hosts/*/pgdrill-ballast-* 2>/dev/null)"
check "the lab is healthy after the drills" "$PGDRILL" status "$lab"

# partition_primary must report the split brain classic repmgr cannot prevent, with the
# evidence, and leave the lab healed.
"$PGDRILL" run --runs-dir "$runs/split" "$lab" $S/partition_primary.lua >"$runs/split.out" 2>&1
rc=$?
check "partition_primary reports a missed objective (exit $rc)" test "$rc" = 1
check "it names the split brain" grep -q "check FAIL no split brain" "$runs/split.out"
check "a new primary was promoted during the partition" grep -q "check ok  new primary" "$runs/split.out"
check "the lab is healthy after the partition" "$PGDRILL" status "$lab"

# Packet loss around the primary: no failover, no write lost, the loss tables gone after.
"$PGDRILL" run --runs-dir "$runs/loss" "$lab" $S/lossy_network.lua >"$runs/loss.out" 2>&1
rc=$?
check "lossy_network passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -20 "$runs/loss.out"
check "it dropped packets with nftables" grep -q "loss on .*random share" "$runs/loss.out"
check "no loss table is left on any host" bash -c '
	for ns in $(ip netns list | awk "/^pgd-it-drills-/ {print \$1}"); do
		ip netns exec "$ns" nft list tables | grep -q pgdrill_ && exit 1
	done; exit 0'

# Ctrl-C in the middle of a fault: the fault is reverted, the lab healed, exit 2.
run_and_signal INT "$lab" $S/break_pg_hba.lua "$runs/int.out"
check "an interrupted run exits 2 (got $rc)" test "$rc" = 2
check "it says it was interrupted" grep -q "interrupted" "$runs/int.out"
check "the broken pg_hba.conf was restored" bash -c \
	"! grep -l 'pgdrill drill' /var/lib/pgdrill/labs/it-drills/hosts/*/data/pg_hba.conf"
check "the lab is healthy after the interruption" "$PGDRILL" status "$lab"

# SIGTERM (a CI job cancelled) behaves the same: the ballast goes, the lab is healthy.
run_and_signal TERM "$lab" $S/fill_disk.lua "$runs/term.out"
check "a run stopped by SIGTERM exits 2 (got $rc)" test "$rc" = 2
check "its ballast was removed" \
	test -z "$(ls /var/lib/pgdrill/labs/it-drills/hosts/*/pgdrill-ballast-* 2>/dev/null)"
check "the lab is healthy after SIGTERM" "$PGDRILL" status "$lab"
check "down" "$PGDRILL" down "$lab"
assert_no_debris it-drills 10.231.8.0/24

# A drill that must fail: with failover manual nobody is promoted.
"$PGDRILL" run --keep --runs-dir "$runs/manual" "$manual" $S/kill_primary.lua >"$runs/m.out" 2>&1
rc=$?
check "kill_primary without automatic failover exits 1 (got $rc)" test "$rc" = 1
check "and names the failed check" grep -q "check FAIL new primary" "$runs/m.out"
check "the lab was healed afterwards" "$PGDRILL" status "$manual"

# SIGKILL in the middle of a fault: down still removes everything.
run_and_signal KILL "$manual" $S/fill_disk.lua "$runs/k.out"
check "down after SIGKILL mid-fault" "$PGDRILL" down "$manual"
assert_no_debris it-manual 10.231.9.0/24
finish
