#!/usr/bin/env bash
# Ongoing drills: the standard suite twice in a row on one lab (the second round is where
# barman's archive broke when failovers left it behind). After every failover drill a
# check runs that restores barman's *oldest* backup to a mark written just before: it
# replays every WAL segment since that backup, across every failover in between. At the
# end, outside pgdrill, barman's own commands: `barman check` green, and `barman recover
# --target-tli latest` of the oldest backup, started by hand, has a mark written last.
# Also: a lab that is not healthy gets, from `pgdrill status`, the commands that repair
# it by hand, and the first one does.
# Slow: about 7 minutes (two rounds of 11 scenarios and 8 restores).
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/ongoing.yaml
cleanup_labs+=("$lab")
runs=$(mktemp -d)
trap 'rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios
C=$SRC/tests/lua/barman_continuity.lua
dir=$STATE_DIR/labs/it-ongoing
barman_conf=$dir/hosts/barman/conf/barman.conf
barman_do() { "$PGDRILL" exec --user barman "$lab" barman -- barman -c "$barman_conf" "$@"; }

check "up the lab" "$PGDRILL" up -q "$lab"

"$PGDRILL" run --repeat 2 --runs-dir "$runs" "$lab" \
	$S/kill_primary.lua "$C" $S/fill_disk.lua $S/break_pg_hba.lua $S/barman_restore.lua \
	$S/pause_primary.lua "$C" $S/lagging_failover.lua "$C" $S/switchover.lua "$C" \
	>"$runs/out" 2>&1
rc=$?
check "two rounds of the standard drills exit 0 (got $rc)" test "$rc" = 0
for r in 1 2; do
	check "round $r: all 11 scenarios passed" \
		grep -Eq "^round $r of 2: 11 passed, 0 failed, 0 in error" "$runs/out"
done
n=$(grep -c "check ok  the oldest backup restores to the mark written now" "$runs/out")
check "after each of the 8 failover drills the oldest backup restored to a mark written then ($n)" \
	test "$n" = 8
n=$(grep -c "check ok  backups: " "$runs/out")
check "check.backups passed 10 times: barman check green, archive continuous ($n)" test "$n" = 10
# Every heal that re-pointed barman says what it can restore, before and after.
n=$(grep -c "heal      barman's archive after it: .*WAL archive continuous to" "$runs/out")
check "heals journal barman's archive as continuous after re-pointing it ($n)" test "$n" -ge 4
check "no heal found WAL missing" bash -c "! grep -q 'WAL missing' '$runs/out'"
[ "$FAIL" = 0 ] || grep -E "check FAIL|error  |round " "$runs/out" | head -20

# barman's own word, outside pgdrill.
check "barman check is green" barman_do check pg
primary=$(primaries "$lab")
proxy=$(lab_field "$lab" proxy)
port=$(lab_field "$lab" write_port)
mark=last-$RANDOM$RANDOM
check "a last mark written through haproxy" app_sql "$lab" "$proxy" "$port" \
	"CREATE TABLE IF NOT EXISTS it_last_mark (v text); INSERT INTO it_last_mark VALUES ('$mark')"
check "barman switch-wal --archive archives the mark's segment" \
	barman_do switch-wal --force --archive --archive-timeout 60 pg
oldest=$(barman_do list-backups --minimal pg | tail -1)
target=$dir/hosts/barman/barman/it-restore # barman's home: barman may write there
check "barman recover --target-tli latest of the oldest backup ($oldest)" \
	barman_do recover --target-tli latest pg "$oldest" "$target"
"$PGDRILL" exec --user barman "$lab" barman -- rm -f "$target/standby.signal"
# A node's own settings live beside its data directory, not in the backup: as on a host
# with its config in /etc, the DBA gives what recovery needs (as many WAL senders as the
# primary had).
check "the restored server starts and ends recovery" "$PGDRILL" exec --user barman "$lab" barman -- \
	pg_ctl -D "$target" -l "$target/it.log" -w -t 120 -o "-p 5498 -c listen_addresses= \
	-c unix_socket_directories=$target -c primary_conninfo= -c shared_preload_libraries= \
	-c max_wal_senders=16" start
# As barman, a superuser of the cluster, with its password (the restored pg_hba.conf is
# the primary's: peer for postgres only, passwords for everyone else).
restored_sql() {
	"$PGDRILL" exec --user barman "$lab" barman -- env \
		PGPASSWORD="$(sed -n 's/^barman=//p' "$dir/secrets")" \
		psql -X -At -h "$target" -p 5498 -U barman -d books -c "$1"
}
promoted() { [ "$(restored_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; }
check "it leaves recovery within 120 s" wait_until 120 promoted
got=$(restored_sql "SELECT count(*) FROM it_last_mark WHERE v = '$mark'")
check "the oldest backup, through every failover since, has the last mark '$mark' (got '$got')" \
	test "$got" = 1
[ "$got" = 1 ] || tail -20 "$target/it.log"
"$PGDRILL" exec --user barman "$lab" barman -- pg_ctl -D "$target" -m fast -w stop >/dev/null
rm -rf "$target"

# A standby stopped behind pgdrill's back: status names the repair, and it works.
p3=$(lab_field "$lab" pg_hosts | tr ' ' '\n' | grep -vx "$primary" | head -1)
"$PGDRILL" exec "$lab" "$p3" -- pg_ctl -D "$dir/hosts/$p3/data" -m fast -w stop >/dev/null
"$PGDRILL" status "$lab" >"$runs/status" 2>&1
check "status says the lab is not healthy" grep -q "^not healthy: $p3" "$runs/status"
step=$(grep -A1 "1. $p3: make it a standby of $primary again" "$runs/status" | tail -1)
check "and gives the rejoin command for $p3" grep -q "node rejoin" <<<"$step"
pgdrill() { "$PGDRILL" "$@"; } # the command as a user types it
check "the printed command, run as printed, succeeds" eval "$step"
check_healthy "the lab is healthy after the repair by hand" "$lab" || cat "$runs/status"

check "the lab's processes are recorded" record_lab_pids it-ongoing
check "down" "$PGDRILL" down "$lab"
assert_no_debris it-ongoing 10.231.22.0/24
finish
