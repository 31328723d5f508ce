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
finish
