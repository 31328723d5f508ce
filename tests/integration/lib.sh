# Shared helpers of the integration tests: real labs, real clients, and the debris
# check every test ends with. Source it; set PGDRILL to the binary first.
set -u
PASS=0
FAIL=0
STATE_DIR=/var/lib/pgdrill

ok() { PASS=$((PASS + 1)); echo "ok: $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { # description command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}

# psql as the application, from inside the lab (the proxy host), through a listener.
app_sql() { # lab.yaml proxy-host port sql
	"$PGDRILL" exec "$1" "$2" -- psql -X -q -At -h "$2" -p "$3" -U books -d books \
		-v ON_ERROR_STOP=1 -c "$4"
}

# psql as postgres on a node, over its own socket.
node_sql() { # lab.yaml host sql
	"$PGDRILL" exec "$1" "$2" -- psql -X -q -At -d books -c "$3"
}

# wait_until SECONDS command...: runs the command every 0.2 s until it succeeds; fails
# when the deadline passes first.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# What the lab file says, as the loader reads it: name, PostgreSQL hosts, the proxy host
# and the first write listener that tells a primary from a standby.
lab_field() { # lab.yaml name|hosts|pg_hosts|proxy|write_port
	"$PGDRILL" show --json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
what = sys.argv[1]
if what == "name":
    print(d["name"])
elif what == "hosts":
    print(" ".join(h["name"] for h in d["hosts"]))
elif what == "pg_hosts":
    print(" ".join(h["name"] for h in d["hosts"] if h["role"] in ("primary", "standby")))
elif what == "proxy":
    print(next(h["name"] for h in d["hosts"] if h["role"] == "proxy"))
elif what == "write_port":
    print(next(l["port"] for l in d["haproxy"]["listeners"]
               if l["target"] == "primary" and l["check"] != "pgsql-check"))
' "$2"
}

# The hosts that accept writes now, asked over each node's own socket (not pgdrill's view).
primaries() { # lab.yaml
	local h
	for h in $(lab_field "$1" pg_hosts); do
		[ "$(node_sql "$1" "$h" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && echo "$h"
	done
	return 0
}

# A node's timeline: a primary's from its current WAL file, a standby's as received.
TIMELINE_SQL="SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM
  pg_stat_wal_receiver) ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1,
  8))::bit(32)::int END"
node_timeline() { # lab.yaml host
	node_sql "$1" "$2" "$TIMELINE_SQL"
}

# Healthy as an outsider sees it: exactly one node accepts writes, every other PostgreSQL
# node streams from it (its pg_stat_replication), `repmgr cluster show` is clean, and a
# write through the proxy's write listener is on that primary. Says why not on stderr.
lab_is_healthy() { # lab.yaml
	local lab=$1 p h streaming token name conf
	p=$(primaries "$lab")
	if [ "$(wc -w <<<"$p")" != 1 ]; then
		echo "  (not one primary: '$(tr '\n' ' ' <<<"$p")')" >&2
		return 1
	fi
	streaming=$(node_sql "$lab" "$p" \
		"SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")
	for h in $(lab_field "$lab" pg_hosts); do
		[ "$h" = "$p" ] && continue
		if ! grep -qx "$h" <<<"$streaming"; then
			echo "  ($h does not stream from $p)" >&2
			return 1
		fi
	done
	name=$(lab_field "$lab" name)
	conf=$STATE_DIR/labs/$name/hosts/$p/conf/repmgr.conf
	if ! "$PGDRILL" exec "$lab" "$p" -- repmgr -f "$conf" cluster show >/dev/null 2>&1; then
		echo "  (repmgr cluster show on $p fails)" >&2
		return 1
	fi
	token=probe-$RANDOM$RANDOM
	app_sql "$lab" "$(lab_field "$lab" proxy)" "$(lab_field "$lab" write_port)" \
		"CREATE TABLE IF NOT EXISTS it_probe (token text); INSERT INTO it_probe VALUES
		 ('$token')" >/dev/null 2>&1 || { echo "  (no write through the proxy)" >&2; return 1; }
	if [ "$(node_sql "$lab" "$p" "SELECT count(*) FROM it_probe WHERE token = '$token'")" != 1 ]; then
		echo "  (the write through the proxy is not on $p)" >&2
		return 1
	fi
}

# check_healthy description lab.yaml: healthy within 60 s.
check_healthy() {
	if wait_until 60 lab_is_healthy "$2"; then
		ok "$1"
	else
		not_ok "$1"
		explain_replication "$2"
		return 1
	fi
}

# What each node says of its replication, and the end of each node's log: printed when a
# lab did not become healthy, so a failure in CI can be read after the lab is gone.
explain_replication() { # lab.yaml
	local h name
	name=$(lab_field "$1" name)
	for h in $(lab_field "$1" pg_hosts); do
		echo "-- $h: in recovery, wal receiver, replication, slots"
		node_sql "$1" "$h" "SELECT pg_is_in_recovery()" 2>&1
		node_sql "$1" "$h" "SELECT status, sender_host, slot_name, received_tli
			FROM pg_stat_wal_receiver" 2>&1
		node_sql "$1" "$h" "SELECT application_name, state FROM pg_stat_replication" 2>&1
		node_sql "$1" "$h" "SELECT slot_name, active, restart_lsn, wal_status
			FROM pg_replication_slots" 2>&1
		echo "-- $h: the end of its log"
		tail -8 "$STATE_DIR/labs/$name/logs/$h/postgres.log" 2>&1
	done
}

# The processes of a lab, as the kernel sees them: every PID in its namespaces with its
# start time (so a reused PID is not mistaken for a survivor). Call it before `down`;
# assert_no_debris then demands that each one is gone.
LAB_PIDS=$(mktemp)
proc_start_time() { # pid: field 22 of /proc/PID/stat (after the command name)
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'
}
record_lab_pids() { # lab-name: fails when it found no process
	local ns pid n=0
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^pgd-$1\."); do
		for pid in $(ip netns pids "$ns"); do
			echo "$pid $(proc_start_time "$pid")" >>"$LAB_PIDS"
			n=$((n + 1))
		done
	done
	[ "$n" -gt 0 ]
}
# In the background while a command runs that builds and removes a lab by itself.
watch_lab_pids() { # lab-name stop-file
	while [ ! -e "$2" ]; do
		record_lab_pids "$1" 2>/dev/null
		sleep 0.1
	done
}
survivors() {
	local pid start
	sort -u "$LAB_PIDS" | while read -r pid start; do
		[ -n "$start" ] && [ "$(proc_start_time "$pid")" = "$start" ] && echo "$pid"
	done
	return 0
}

# Nothing of the lab may remain: namespaces, mounts, processes, route, files.
assert_no_debris() { # lab-name subnet
	local name=$1 subnet=$2 left
	left=$(ip netns list | awk '{print $1}' | grep -E "^pgd-$name\." || true)
	check "$name: no network namespace left ${left:+($left)}" test -z "$left"
	left=$(awk -v d="$STATE_DIR/labs/$name" 'index($2, d) == 1 {print $2}' /proc/mounts)
	check "$name: no mount left ${left:+($left)}" test -z "$left"
	if [ -s "$LAB_PIDS" ]; then
		# PID 1 reaps on its own schedule: an ended process may linger a moment as a
		# zombie, so this waits up to 5 s before naming one.
		no_survivors() { [ -z "$(survivors)" ]; }
		wait_until 5 no_survivors
		left=$(survivors | tr '\n' ' ')
		check "$name: none of the $(sort -u "$LAB_PIDS" | wc -l) processes seen in its namespaces is left ${left:+($left)}" \
			test -z "$left"
		: >"$LAB_PIDS"
	fi
	# Also by command line, for processes that were never seen in a namespace ("[/]" keeps
	# grep from matching its own command line).
	left=$(grep -l -a "$STATE_DIR/labs/$name[/]" /proc/[0-9]*/cmdline 2>/dev/null || true)
	check "$name: no process names the lab's directory ${left:+($left)}" test -z "$left"
	left=$(ip route show | grep -F "$subnet" || true)
	check "$name: no route left ${left:+($left)}" test -z "$left"
	check "$name: no files left" test ! -e "$STATE_DIR/labs/$name"
}

# Each test tears its labs down on any exit, also when it fails half way.
cleanup_labs=()
on_exit() {
	local lab
	for lab in "${cleanup_labs[@]}"; do "$PGDRILL" down "$lab" >/dev/null 2>&1 || true; done
	rm -f "$LAB_PIDS"
}
trap on_exit EXIT
