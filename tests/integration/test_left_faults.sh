#!/usr/bin/env bash
# pgdrill dies by SIGKILL with one fault of every revertible kind applied (a paused
# postmaster, a ballast file, a broken pg_hba.conf, an nftables table, a downed link, a
# restored server): each was recorded in the state file before it was applied, so the
# next run reverts them all and heals the lab before its drill, and `down` reverts them
# before it takes the lab apart. Each fault is seen in effect from outside first.
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
	check "postgres3's postmaster is stopped (state T)" paused
}
none_in_effect() {
	check "no restored server listens" bash -c "! ip netns exec $ns.barman ss -ltn | grep -q ':5499 '"
	check "no restore directory is left" test ! -e "$hosts/barman/restore"
	check "no ballast file is left" bash -c "! ls $hosts/postgres2/pgdrill-ballast-* 2>/dev/null"
	check "postgres2's pg_hba.conf is whole again" bash -c "! grep -q 'pgdrill drill' $hosts/postgres2/data/pg_hba.conf && test -s $hosts/postgres2/data/pg_hba.conf"
	check "no saved copy of pg_hba.conf is left" bash -c "! ls $hosts/postgres2/pgdrill-hba-* 2>/dev/null"
	check "no partition table is left" bash -c "! ip netns exec $ns.haproxy nft list tables | grep -q pgdrill_"
	check "barman's link is up" bash -c "ip netns exec $ns.barman ip -o link show eth0 | grep -Eq '[<,]UP[,>]'"
	check "postgres3's postmaster runs (not stopped)" running
}

# Runs the scenario that leaves every fault applied, and SIGKILLs pgdrill once they are.
leave_faults() { # out
	local pid
	"$PGDRILL" run --keep --runs-dir "$runs/leave" "$lab" "$SRC/tests/lua/leave_faults.lua" >"$1" 2>&1 &
	pid=$!
	if wait_until 180 grep -q "ALL FAULTS APPLIED" "$1"; then
		ok "the scenario applied its faults"
		all_in_effect
		check "the state file records six faults" test "$(grep -c '^fault ' "$state")" -ge 6
	else
		not_ok "the faults were not applied within 180 s"
		tail -30 "$1"
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
}

check "up" "$PGDRILL" up -q "$lab"
check_healthy "the lab is healthy before the drill" "$lab"

leave_faults "$runs/leave1.out"
check "the faults outlived pgdrill" paused
"$PGDRILL" run --keep --runs-dir "$runs/next" "$lab" "$SRC/tests/lua/steady_only.lua" >"$runs/next.out" 2>&1
rc=$?
check "the next run passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/next.out"
for kind in barman_restore fill_disk break_hba partition link_down pause; do
	check "the next run says it reverted $kind" grep -q "reverting $kind on" "$runs/next.out"
done
check "it healed the lab before its drill" grep -q "lab healthy again" "$runs/next.out"
none_in_effect
check "the state file records every fault reverted" \
	test "$(grep -c '^reverted ' "$state")" -ge 6
check_healthy "the lab is healthy after the next run" "$lab"

# The same, then `down`: it reverts them before it takes the lab apart.
leave_faults "$runs/leave2.out"
check "the lab's processes are recorded" record_lab_pids it-left
"$PGDRILL" down "$lab" >"$runs/down.out" 2>&1
rc=$?
check "down after SIGKILL mid-fault (exit $rc)" test "$rc" = 0
cat "$runs/down.out"
for kind in barman_restore fill_disk break_hba partition link_down pause; do
	check "down says it reverted $kind" grep -q "reverting $kind on" "$runs/down.out"
done
check "down reverted them without a failure" bash -c "! grep -q 'could not revert' $runs/down.out"
assert_no_debris it-left 10.231.17.0/24
finish
