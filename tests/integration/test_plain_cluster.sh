#!/bin/bash
# A cluster pgdrill did not build, drilled as an existing lab: tests/plain_cluster.sh
# builds PostgreSQL 15 with repmgr, haproxy and barman by hand (initdb, repmgr register
# and clone, repmgrd, an haproxy external check, barman streaming with a first backup and
# its own SSH to a spare), in its own layout: settings files apart from the data
# directory, repmgr.conf beside them, port 5433, pg_ctl started from the settings
# directory, haproxy's stats socket, barman's configuration and password file where the
# script keeps them. The lab file declares that layout (paths, service, barman_ssh);
# postgresql.conf, pg_hba.conf and barman's home are discovered. pgdrill reaches the hosts
# only over SSH, from a mount and PID namespace where the cluster's directory is an empty
# tmpfs: barman_restore (into the spare, through barman's own SSH), kill_primary, a
# pg_hba.conf break (tests/lua/plain_break_hba.lua) and barman_restore again (barman
# followed the new primary by its own conninfo, its archive without a gap) pass, and an
# observer of its own (each node's socket, `repmgr cluster show`, barman's log) agrees.
# Before them, `run --dry-run` prints every action of kill_primary, the pg_hba.conf break
# and partition_primary and changes nothing. `down` leaves the cluster running.
# About 3.5 minutes.
# Usage: test_plain_cluster.sh PGDRILL REPO_DIR
set -u
PGDRILL=$(realpath "$1")
cd "$2" || exit 2
. tests/integration/lib.sh

W=$(mktemp -d /tmp/pgdrill-it-plain-XXXXXX)
work=$(mktemp -d /tmp/pgdrill-it-plainw-XXXXXX)
PORT=5433

cleanup() {
	"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1
	bash tests/plain_cluster.sh down "$W"
	rm -rf "$work"
}
trap cleanup EXIT

# pgdrill where the cluster's directory is hidden and its processes invisible: whatever
# it does to the hosts goes over SSH.
guarded() {
	unshare --mount --pid --fork --kill-child --mount-proc sh -c \
		'mount -t tmpfs pgdrill-guard "$0" && exec "$@"' "$W" "$@"
}
# Asked of node N over its own socket, as its own postgres user: not through pgdrill.
node() { # n sql
	ip netns exec "pgp-n$1" setpriv --reuid=postgres --regid=postgres --init-groups -- \
		psql -X -qtA -h "$W/postgres$1/run" -p $PORT -U postgres -d postgres -c "$2" 2>/dev/null
}
primaries() {
	local n out=""
	for n in 1 2 3; do [ "$(node "$n" 'SELECT pg_is_in_recovery()')" = f ] && out="$out postgres$n"; done
	echo "${out# }"
}
streaming() { # n count: node N's walsenders streaming
	[ "$(node "$1" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'
		AND application_name <> 'barman_receive_wal'")" = "$2" ]
}
barman_streams_from() { # n
	[ "$(node "$1" "SELECT count(*) FROM pg_stat_replication
		WHERE application_name = 'barman_receive_wal'")" = 1 ]
}
postmaster() { head -1 "$W/postgres$1/main/postmaster.pid" 2>/dev/null; }
cluster_show() {
	ip netns exec pgp-n2 setpriv --reuid=postgres --regid=postgres --init-groups -- \
		env PGPASSFILE="$W/postgres2/pgpass" repmgr -f "$W/postgres2/etc/repmgr.conf" \
		cluster show 2>&1
}

bash tests/plain_cluster.sh up "$W" >"$work/lab.yaml" 2>"$work/build.err"
rc=$?
check "the cluster is built by hand (exit $rc)" test "$rc" = 0 || {
	cat "$work/build.err"
	finish
	exit 1
}
check "built by hand: one primary, postgres1" test "$(primaries)" = postgres1
check "built by hand: both standbys stream" wait_until 30 streaming 1 2
check "built by hand: no settings file in a data directory" \
	test ! -e "$W/postgres1/main/postgresql.conf" -a ! -e "$W/postgres2/main/pg_hba.conf"
# The client key outside the cluster's directory, which the guard hides.
cp "$W/client" "$work/client"
sed -i "s|ssh_key: $W/client|ssh_key: $work/client|" "$work/lab.yaml"
for n in 1 2 3; do cp "$W/postgres$n/etc/pg_hba.conf" "$work/hba.postgres$n"; done

# ---- up: declared paths, discovered settings files ----
guarded "$PGDRILL" up --accept-new-host-keys "$work/lab.yaml" >"$work/out" 2>&1
rc=$?
check "up on the plain cluster: exit 0 (exit $rc)" test "$rc" = 0 || cat "$work/out"
check "up: the declared data directory is the server's" \
	grep -q "postgres2: data directory $W/postgres2/main (SHOW data_directory): as declared" "$work/out"
check "up: pg_hba.conf is found where the server keeps it, and used" \
	grep -q "postgres1: pg_hba.conf $W/postgres1/etc/pg_hba.conf (SHOW hba_file): used from here on" "$work/out"
check "up: postgresql.conf too" \
	grep -q "postgres3: postgresql.conf $W/postgres3/etc/postgresql.conf (SHOW config_file): used" "$work/out"
check "up: postgres1's server log is the declared one, and can be read" \
	grep -q "postgres1: server log $W/postgres1/log/postgresql.log (the lab file): as declared, readable" "$work/out"
check "up: postgres3's logging collector names its file, and it is used" \
	grep -q "postgres3: server log $W/postgres3/log/collector/postgresql.log (pg_current_logfile()): used from here on" "$work/out"
"$PGDRILL" show "$work/lab.yaml" >"$work/show" 2>&1
check "up: haproxy's process is known by its declared configuration" \
	grep -Eq "^  haproxy +proxy +reached, root, haproxy runs" "$work/out"
check "up: haproxy is asked through its declared stats socket" \
	grep -q "haproxy: listener write_tcp OPEN (haproxy show stat): as declared" "$work/out"
check "up: barman's configuration is the declared one, its server found" \
	grep -q "barman: barman server main (barman list-server): as declared" "$work/out"
check "up: barman's home is asked of barman, and used" \
	grep -q "barman: barman home $W/barman/home (barman show-server): used from here on" "$work/out"
check "up: barman's own SSH to the spare is tried, as barman, and works" \
	grep -q "restore: barman_ssh ssh -F $W/barman/ssh/config postgres@10.231.31.16 (tried as barman on barman): barman logs in with it" "$work/out"
check "show: the discovered places are printed after the lab" \
	grep -q "postgres1 .*pg_hba.conf .*$W/postgres1/etc/pg_hba.conf" "$work/show"

# ---- a dry run: every action printed, nothing done ----
old_pm=$(postmaster 1)
guarded "$PGDRILL" run --dry-run --runs-dir "$work/dry-runs" "$work/lab.yaml" \
	scenarios/kill_primary.lua tests/lua/plain_break_hba.lua scenarios/partition_primary.lua \
	>"$work/dry.out" 2>&1
rc=$?
check "dry run: exit 0 (exit $rc)" test "$rc" = 0 || cat "$work/dry.out"
check "dry run: the kill is printed with the PID it would get" \
	grep -q "would, on postgres1: send signal 9 (Killed) to process $old_pm" "$work/dry.out"
check "dry run: the pg_hba.conf written is the one the server reads" \
	grep -q "would, on postgres1: replace the file $W/postgres1/etc/pg_hba.conf" "$work/dry.out"
check "dry run: the reload is printed" \
	grep -q "would, on postgres1: run as the superuser: SELECT pg_reload_conf()" "$work/dry.out"
check "dry run: the partition's nftables ruleset is printed" \
	grep -q '      | .*iifname != "lo" counter drop' "$work/dry.out"
check "dry run: each revert is printed as a DBA would type it" \
	grep -q "would, on postgres1: revert partition: nft delete table inet pgdrill_partition_" "$work/dry.out"
check "dry run: no check is evaluated" grep -q "check.new_primary: not evaluated in a dry run" "$work/dry.out"
check "dry run: postgres1's postmaster is the same process" test "$(postmaster 1)" = "$old_pm"
check "dry run: pg_hba.conf is untouched" cmp -s "$W/postgres1/etc/pg_hba.conf" "$work/hba.postgres1"
check "dry run: no nftables table on postgres1" bash -c "! ip netns exec pgp-n1 nft list tables | grep -q pgdrill"
check "dry run: no fault recorded in the lab's state" bash -c "! grep -q '^fault' $STATE_DIR/labs/plain/state"
check "dry run: no run directory written" test ! -e "$work/dry-runs"
check "dry run: a run with it and --repeat is refused" bash -c \
	"! '$PGDRILL' run --dry-run --repeat 2 '$work/lab.yaml' scenarios/kill_primary.lua 2>/dev/null"

# ---- the drills, purely over SSH ----
# barman_restore again after the failover: barman followed the new primary by itself, with
# no gap in its archive (check.backups) and every mark in the latest restore.
guarded "$PGDRILL" run --runs-dir "$work/runs" "$work/lab.yaml" scenarios/barman_restore.lua \
	scenarios/kill_primary.lua tests/lua/plain_break_hba.lua scenarios/barman_restore.lua \
	>"$work/drills.out" 2>&1
rc=$?
check "drills on the plain cluster: exit 0 (exit $rc)" test "$rc" = 0 || tail -60 "$work/drills.out"
for d in kill_primary plain_break_hba; do
	check "drills on the plain cluster: $d passed" grep -Eq "^  $d +passed" "$work/drills.out"
done
check "drills on the plain cluster: barman_restore passed before and after the failover" \
	test "$(grep -Ec '^  barman_restore +passed' "$work/drills.out")" = 2
# The restore went from barman's host to the spare over barman's own SSH, as postgres.
check "barman_restore: barman recovered through the spare's barman_ssh" \
	grep -q "recover --remote-ssh-command 'ssh -F $W/barman/ssh/config postgres@10.231.31.16'" \
	"$work/drills.out"
check "barman's own log: four remote restores into the spare" test \
	"$(grep -c "Starting remote restore for server main" "$W/barman/log/barman.log")" = 4
check "barman's own log: through that command" \
	grep -q "Remote command: ssh -F $W/barman/ssh/config postgres@10.231.31.16" "$W/barman/log/barman.log"
check "barman_restore: the restored server is gone from the spare" test ! -e "$W/spare/data"
sed -n '/^== barman_restore (/,/^== barman_restore:/p' "$work/drills.out" >"$work/restore.out"
check "barman_restore, both times: barman streams from the primary, its heal leaves it alone" \
	bash -c "! grep -q 'barman on barman keeps' '$work/restore.out'"
# The independent observer.
check "kill_primary bit: postgres1's postmaster is another process now" \
	test -n "$(postmaster 1)" -a "$(postmaster 1)" != "$old_pm"
p=$(primaries)
check "after the drills: exactly one primary, and not postgres1 ($p)" \
	test "$p" = postgres2 -o "$p" = postgres3
check "after the drills: postgres1 is a standby again" test "$(node 1 'SELECT pg_is_in_recovery()')" = t
check "after the drills: both standbys stream from the primary" wait_until 30 streaming "${p#postgres}" 2
cluster_show >"$work/cluster_show"
check "repmgr cluster show: one running primary, two running standbys" bash -c \
	"[ \$(grep -c '| primary .*| \* running' '$work/cluster_show') = 1 ] &&
	 [ \$(grep -c '| standby .*|   running' '$work/cluster_show') = 2 ]" || cat "$work/cluster_show"
check "the settings files stayed where the cluster keeps them" \
	test ! -e "$W/postgres1/main/postgresql.conf" -a -s "$W/postgres1/etc/postgresql.conf"
# The hba fault went to the primary of the time, postgres2 or postgres3, in its etc/.
hp=$(sed -n 's/.*fault .*#1 break_hba on \(postgres[23]\) .*/\1/p' "$work/drills.out" | head -1)
check "the pg_hba fault bit on the new primary ($hp)" grep -q "break_hba on $hp took effect" "$work/drills.out"
check "the pg_hba fault: its pg_hba.conf in etc/ is its own again" \
	cmp -s "$W/$hp/etc/pg_hba.conf" "$work/hba.$hp"

check "after the failover: barman streams from the new primary (its own conninfo found it)" \
	wait_until 30 barman_streams_from "${p#postgres}"
check "the heal restarted postgres1's repmgrd, logging on the host" \
	test -s /var/lib/pgdrill-remote/plain/logs/postgres1/repmgrd.log
check "that repmgrd is the only one of postgres1" test "$(pgrep -c -f "repmgrd -f $W/postgres1/")" = 1

# ---- a standby lost by hand (postgres1, rejoined above): status prints the repair, with
# the node's own commands ----
ip netns exec pgp-n1 setpriv --reuid=postgres --regid=postgres --init-groups -- \
	/usr/lib/postgresql/15/bin/pg_ctl -D "$W/postgres1/etc" -m immediate stop >/dev/null
"$PGDRILL" status "$work/lab.yaml" >"$work/status" 2>&1
check "status: postgres1 is not healthy, and the repair is printed" \
	grep -q "to repair it by hand:" "$work/status" || cat "$work/status"
check "status: the repair stops and starts postgres1 with its own commands, as root" \
	grep -q -- "--user root $work/lab.yaml postgres1 -- sh -c 'setpriv .*pg_ctl -D $W/postgres1/etc .* start'" "$work/status"
# Its clone, start and register steps, typed as printed (the stop step: it is stopped).
sed -n 's/^     \(pgdrill exec .*\)/\1/p' "$work/status" | grep -E 'standby clone|start|register' |
	sed "s|^pgdrill |'$PGDRILL' |" >"$work/repair.sh"
bash "$work/repair.sh" >"$work/repair.out" 2>&1
rc=$?
check "the printed repair, typed as it is: exit 0 (exit $rc)" test "$rc" = 0 || cat "$work/repair.out"
check "after the printed repair: postgres1 streams again" wait_until 30 streaming "${p#postgres}" 2

# ---- down leaves the cluster running ----
guarded "$PGDRILL" down "$work/lab.yaml" >"$work/out" 2>&1
rc=$?
check "down: exit 0 (exit $rc)" test "$rc" = 0 || cat "$work/out"
check "down: every node still answers" bash -c \
	"$(declare -f node); W=$W PORT=$PORT; for n in 1 2 3; do [ -n \"\$(node \$n 'SELECT 1')\" ] || exit 1; done"
check "down: barman's cron loop still runs" kill -0 "$(cat "$W/barman/run/cron.pid")"
check "down: pgdrill's own directory on the hosts is gone" test ! -e /var/lib/pgdrill-remote/plain

# ---- the builder takes it all away ----
bash tests/plain_cluster.sh down "$W"
check "the cluster's namespaces are gone" bash -c "! ip netns list | grep -q '^pgp-'"
check "no process works in the cluster's directory" bash -c \
	"! ls -l /proc/[0-9]*/cwd 2>/dev/null | grep -qF '$W'"
check "no process names the cluster's directory" test -z "$(pgrep -f "$W/")"
finish
