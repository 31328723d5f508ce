#!/usr/bin/env bash
# pgdrill dies by SIGKILL with one fault of every revertible kind applied (a paused
# postmaster, a ballast file, a broken pg_hba.conf, an nftables table, a downed link, a
# restored server): each was recorded in the state file before it was applied, so the
# next run reverts them all and heals the lab before its drill, and `down` reverts them
# before it takes the lab apart. Each fault is seen in effect from outside first.
# Also: SIGHUP (a closed terminal) ends a run as Ctrl-C does, a closed stdout does not
# kill a run, and a paused haproxy cannot hang a drill: every wait has its deadline.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/left_faults.yaml
cleanup_labs+=("$lab")
runs=$(mktemp -d)
trap 'rm -rf "$runs"; on_exit' EXIT
hosts=$STATE_DIR/labs/it-left/hosts
ns=pgd-it-left
state=$STATE_DIR/labs/it-left/state

in_ns() { ip netns exec "$ns.$1" "${@:2}"; }
postmaster_state() { # host: the state letter of its postmaster (T when stopped)
	local pid
	pid=$(head -1 "$hosts/$1/data/postmaster.pid" 2>/dev/null) || return 1
	sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $1}'
}
paused() { [ "$(postmaster_state postgres3)" = T ]; }
running() { local s; s=$(postmaster_state postgres3) && [ -n "$s" ] && [ "$s" != T ]; }
ballast() { ls "$hosts"/postgres2/pgdrill-ballast-* >/dev/null 2>&1; }
hba_broken() { grep -q 'pgdrill drill' "$hosts/postgres2/data/pg_hba.conf"; }
nft_table() { in_ns haproxy nft list tables | grep -q pgdrill_partition_; }
link_down() { ! in_ns barman ip -o link show eth0 | grep -Eq '[<,]UP[,>]'; }
restored() { in_ns barman ss -ltn | grep -q ':5499 '; }

# All six in effect, each seen on the lab itself.
all_in_effect() {
	check "the restored server listens on the barman host" restored
	check "the ballast file is on postgres2's disk" ballast
	check "postgres2's pg_hba.conf is broken" hba_broken
	check "haproxy's namespace has the partition table" nft_table
	check "barman's link is down" link_down
	check "haproxy's packets go to a delayer" delayed
	check "postgres3's postmaster is stopped (state T)" paused
}
delayed() {
	ip netns exec "$ns.haproxy" iptables -w 5 -S OUTPUT | grep -q "pgdrill-delay-.* NFQUEUE" &&
		ps -eo args | grep -q '^[^ ]*pgdrill-delayer '
}
none_in_effect() {
	check "no restored server listens" bash -c "! ip netns exec $ns.barman ss -ltn | grep -q ':5499 '"
	check "no restore directory is left" test ! -e "$hosts/barman/restore"
	check "no ballast file is left" bash -c "! ls $hosts/postgres2/pgdrill-ballast-* 2>/dev/null"
	check "postgres2's pg_hba.conf is whole again" bash -c "! grep -q 'pgdrill drill' $hosts/postgres2/data/pg_hba.conf && test -s $hosts/postgres2/data/pg_hba.conf"
	check "no saved copy of pg_hba.conf is left" bash -c "! ls $hosts/postgres2/pgdrill-hba-* 2>/dev/null"
	check "no partition table is left" bash -c "! ip netns exec $ns.haproxy nft list tables | grep -q pgdrill_"
	check "barman's link is up" bash -c "ip netns exec $ns.barman ip -o link show eth0 | grep -Eq '[<,]UP[,>]'"
	check "no delay rule is left in haproxy's namespace" bash -c "! ip netns exec $ns.haproxy iptables -w 5 -S OUTPUT | grep -q pgdrill-delay-"
	check "no delayer runs" bash -c "! ps -eo args | grep -q '^[^ ]*pgdrill-delayer '"
	check "postgres3's postmaster runs (not stopped)" running
}

# Runs the scenario that leaves every fault applied, and sends SIGNAL to pgdrill once
# they are; rc is its exit code.
leave_faults() { # out [signal]
	local pid sig=${2:-KILL}
	"$PGDRILL" run --keep --runs-dir "$runs/leave" "$lab" "$SRC/tests/lua/leave_faults.lua" >"$1" 2>&1 &
	pid=$!
	if wait_until 180 grep -q "ALL FAULTS APPLIED" "$1"; then
		ok "the scenario applied its faults"
		all_in_effect
		check "the state file records seven faults" test "$(grep -c '^fault ' "$state")" -ge 7
	else
		not_ok "the faults were not applied within 180 s"
		tail -30 "$1"
	fi
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	rc=$?
}

check "up" "$PGDRILL" up -q "$lab"
check_healthy "the lab is healthy before the drill" "$lab"
# Nobody but root may create a file (or plant a link) where pgdrill opens logs as root.
logs=$STATE_DIR/labs/it-left/logs
check "the log directories are root's and writable by nobody else" \
	test -z "$(find "$logs" -maxdepth 1 -type d \( -perm -o+w -o -perm -g+w -o ! -user root \))"
check "postgres and barman write their own logs, made for them" \
	test "$(stat -c %U "$logs/postgres1/postgres.log")/$(stat -c %U "$logs/barman/barman.log")" = postgres/barman

leave_faults "$runs/leave1.out"
check "the faults outlived pgdrill" paused
"$PGDRILL" run --keep --runs-dir "$runs/next" "$lab" "$SRC/tests/lua/steady_only.lua" >"$runs/next.out" 2>&1
rc=$?
check "the next run passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/next.out"
for kind in barman_restore fill_disk break_hba partition link_down delay pause; do
	check "the next run says it reverted $kind" grep -q "reverting $kind on" "$runs/next.out"
done
check "it healed the lab before its drill" grep -q "lab healthy again" "$runs/next.out"
none_in_effect
check "the state file records every fault reverted" \
	test "$(grep -c '^reverted ' "$state")" -ge 7
check_healthy "the lab is healthy after the next run" "$lab"

# The report that started this: the primary paused, pgdrill killed, repmgrd promotes a
# standby. The next run resumes the old primary, rejoins it as a standby and passes.
"$PGDRILL" run --keep --runs-dir "$runs/pp" "$lab" "$SRC/tests/lua/pause_primary_long.lua" >"$runs/pp.out" 2>&1 &
pid=$!
if wait_until 120 grep -q "ALL FAULTS APPLIED" "$runs/pp.out"; then
	ok "the primary was paused"
else
	not_ok "the primary was not paused within 120 s"
	tail -20 "$runs/pp.out"
fi
kill -KILL $pid
wait $pid 2>/dev/null
promoted() { node_sql "$lab" postgres2 "SELECT pg_is_in_recovery()" 2>/dev/null | grep -qx f ||
	node_sql "$lab" postgres3 "SELECT pg_is_in_recovery()" 2>/dev/null | grep -qx f; }
check "repmgrd promoted a standby while the old primary stayed paused" wait_until 90 promoted
check "the old primary is still stopped" test "$(postmaster_state postgres1)" = T
"$PGDRILL" run --keep --runs-dir "$runs/pp2" "$lab" "$SRC/tests/lua/steady_only.lua" >"$runs/pp2.out" 2>&1
rc=$?
check "the next run passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/pp2.out"
check "it resumed the old primary" grep -q "reverting pause on postgres1" "$runs/pp2.out"
check_healthy "one primary, the old one streaming as a standby" "$lab"

# SIGHUP: the run reverts its faults itself, heals the lab and exits 2.
leave_faults "$runs/hup.out" HUP
check "a run ended by SIGHUP exits 2 (got $rc)" test "$rc" = 2
check "it says it was interrupted" grep -q "interrupted" "$runs/hup.out"
check "it reverted its faults itself" test "$(grep -c 'revert .*reverted after' "$runs/hup.out")" -ge 6
none_in_effect
# (A fault recorded twice, before and after it learnt a PID, is one fault.)
check "nothing is left for a later run to revert" \
	test "$(awk '$1 == "fault" {print $2}' "$state" | sort -u | wc -l)" = "$(grep -c '^reverted ' "$state")"

# A reader that goes away (| head -1) does not kill the run: it ends as it would have.
"$PGDRILL" run --keep --runs-dir "$runs/pipe" "$lab" "$SRC/tests/lua/steady_only.lua" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
check "a run whose stdout closed still passes (exit $rc, not 141)" test "$rc" = 0

# Ongoing drills: three rounds on one lab, the run directories pruned to the newest two
# of this lab (another lab's stays).
mkdir -p "$runs/rep/20200101-000000-other-drills"
echo '{"lab": "other"}' >"$runs/rep/20200101-000000-other-drills/journal.json"
"$PGDRILL" run --keep --repeat 3 --keep-runs 2 --runs-dir "$runs/rep" "$lab" \
	"$SRC/tests/lua/steady_only.lua" >"$runs/rep.out" 2>&1
rc=$?
check "three rounds pass (exit $rc)" test "$rc" = 0
check "each round says how it went" test "$(grep -c '^round [123] of 3: 1 passed, 0 failed, 0 in error' "$runs/rep.out")" = 3
check "the newest two run directories of the lab are kept" \
	test "$(ls -d "$runs"/rep/*-it-left-* | wc -l)" = 2
check "another lab's run directory is left alone" test -d "$runs/rep/20200101-000000-other-drills"

# haproxy paused: every check that asks it or goes through it ends within its deadline
# (and --until-fail stops the rounds after the first, which misses its objectives).
timeout 300 "$PGDRILL" run --keep --repeat 3 --until-fail --runs-dir "$runs/paused" "$lab" \
	"$SRC/tests/lua/paused_proxy.lua" >"$runs/paused.out" 2>&1
rc=$?
check "a drill with haproxy paused ends, with missed objectives (exit $rc)" test "$rc" = 1
check "--until-fail stopped after the first round" grep -q "stopping after round 1: --until-fail" "$runs/paused.out"
check "no second round ran" bash -c "! grep -q '== round 2 of 3' $runs/paused.out"
[ "$rc" = 1 ] || tail -30 "$runs/paused.out"
check "its checks ran to the end" grep -q "ALL ASKED" "$runs/paused.out"
check "the write through the paused haproxy failed" grep -q "check FAIL writes" "$runs/paused.out"
check "haproxy runs again afterwards" bash -c "! grep -q 'haproxy.*FAILED' $runs/paused.out"
check_healthy "the lab is healthy after the paused haproxy" "$lab"

# The same, then `down`: it reverts them before it takes the lab apart.
leave_faults "$runs/leave2.out"
check "the lab's processes are recorded" record_lab_pids it-left
"$PGDRILL" down "$lab" >"$runs/down.out" 2>&1
rc=$?
check "down after SIGKILL mid-fault (exit $rc)" test "$rc" = 0
cat "$runs/down.out"
for kind in barman_restore fill_disk break_hba partition link_down delay pause; do
	check "down says it reverted $kind" grep -q "reverting $kind on" "$runs/down.out"
done
check "down reverted them without a failure" bash -c "! grep -q 'could not revert' $runs/down.out"
assert_no_debris it-left 10.231.17.0/24
finish
