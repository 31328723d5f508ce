#!/usr/bin/env bash
# Two labs with different names and subnets are up at once and do not touch each other.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
a=$SRC/tests/labs/integration/main.yaml
b=$SRC/tests/labs/integration/second.yaml
cleanup_labs+=("$a" "$b")

check "up first lab" "$PGDRILL" up -q "$a"
check "up second lab" "$PGDRILL" up -q "$b"
app_sql "$a" haproxy 5000 "CREATE TABLE t (lab text); INSERT INTO t VALUES ('a')"
app_sql "$b" haproxy 5000 "CREATE TABLE t (lab text); INSERT INTO t VALUES ('b')"
check "first lab sees only its row" test "$(app_sql "$a" haproxy 5000 "SELECT string_agg(lab, ',') FROM t")" = a
check "second lab sees only its row" test "$(app_sql "$b" haproxy 5000 "SELECT string_agg(lab, ',') FROM t")" = b
out=$("$PGDRILL" exec "$a" haproxy -- psql -X -At -h 10.231.2.13 -p 5000 -U books -d books \
	-c "select 1" 2>&1)
check "a lab cannot reach the other lab's addresses" grep -qi "could not connect\|unreachable\|timeout" <<<"$out"
check "down first lab" "$PGDRILL" down "$a"
assert_no_debris it-main 10.231.1.0/24
check "second lab still serves writes" app_sql "$b" haproxy 5000 "INSERT INTO t VALUES ('b')"
check "down second lab" "$PGDRILL" down "$b"
assert_no_debris it-second 10.231.2.0/24
finish
