#!/usr/bin/env bash
# Two labs with different names and subnets are up at once and do not touch each other.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
a=$SRC/tests/labs/integration/first.yaml
b=$SRC/tests/labs/integration/second.yaml
cleanup_labs+=("$a" "$b")

check "up first lab" "$PGDRILL" up -q "$a"
check "up second lab" "$PGDRILL" up -q "$b"
app_sql "$a" haproxy 5000 "CREATE TABLE t (lab text); INSERT INTO t VALUES ('a')"
app_sql "$b" haproxy 5000 "CREATE TABLE t (lab text); INSERT INTO t VALUES ('b')"
check "first lab sees only its row" test "$(app_sql "$a" haproxy 5000 "SELECT string_agg(lab, ',') FROM t")" = a
check "second lab sees only its row" test "$(app_sql "$b" haproxy 5000 "SELECT string_agg(lab, ',') FROM t")" = b
# From inside the first lab, the second lab's haproxy (10.231.2.13) does not exist: the
# connection must fail, and fail for the network's reason, not a login or a server error.
out=$("$PGDRILL" exec "$a" haproxy -- psql -X -At -h 10.231.2.13 -p 5000 -U books -d books \
	-c "select 1" 2>&1)
rc=$?
check "a lab cannot reach the other lab's addresses (psql exit $rc)" test "$rc" = 2
check "psql says the network refused: $(head -1 <<<"$out")" grep -Eqi \
	"No route to host|Network is unreachable|Connection timed out|timeout expired" <<<"$out"
check "first lab's processes are recorded" record_lab_pids it-first
check "down first lab" "$PGDRILL" down "$a"
assert_no_debris it-first 10.231.13.0/24
check "second lab still serves writes" app_sql "$b" haproxy 5000 "INSERT INTO t VALUES ('b')"
check "second lab's processes are recorded" record_lab_pids it-second
check "down second lab" "$PGDRILL" down "$b"
assert_no_debris it-second 10.231.2.0/24

# Names that once collided: lab co-ab's bridge and lab co's host ab-br were both
# pgd-co-ab-br, and the second lab's failed up deleted the first lab's namespaces.
c=$SRC/tests/labs/integration/co_ab.yaml
d=$SRC/tests/labs/integration/co.yaml
cleanup_labs+=("$c" "$d")
check "up lab co-ab" "$PGDRILL" up -q "$c"
check "up lab co beside it (hosts ab-br, ab-client)" "$PGDRILL" up -q "$d"
conf=$STATE_DIR/labs/co-ab/hosts/postgres1/conf/repmgr.conf
check "co-ab's cluster is intact: repmgr cluster show" \
	"$PGDRILL" exec "$c" postgres1 -- repmgr -f "$conf" cluster show
check "co-ab's standby still streams" \
	test "$(node_sql "$c" postgres1 "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'postgres2' AND state = 'streaming'")" = 1
check "co's primary is ab-br" test "$(primaries "$d")" = ab-br
check "co-ab's processes are recorded" record_lab_pids co-ab
check "co's processes are recorded" record_lab_pids co
check "down co" "$PGDRILL" down "$d"
check "co-ab is still up after co went" test "$(primaries "$c")" = postgres1
check "down co-ab" "$PGDRILL" down "$c"
assert_no_debris co-ab 10.231.15.0/24
assert_no_debris co 10.231.16.0/24
finish
