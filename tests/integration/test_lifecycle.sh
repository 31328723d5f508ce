#!/usr/bin/env bash
# up -> writes through each check style -> rows on both standbys -> routing per check
# style -> barman backup and check -> status -> down -> nothing left. Every outcome is
# read from PostgreSQL, haproxy's clients or barman themselves, not from pgdrill.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/main.yaml
cleanup_labs+=("$lab")

"$PGDRILL" up "$lab" || { not_ok "up"; finish; exit; }
ok "up"
out=$("$PGDRILL" up "$lab")
rc=$?
check "a second up exits 0 (got $rc)" test "$rc" = 0
check "a second up says the lab is already up" grep -q "already up" <<<"$out"

app_sql "$lab" haproxy 5000 "CREATE TABLE books (id bigint PRIMARY KEY, via text)"
for port in 5000 5001; do
	for i in 1 2 3; do
		check "insert $i through port $port commits" \
			app_sql "$lab" haproxy $port "INSERT INTO books VALUES ($port$i, '$port')"
	done
done
# pgsql-check (5002) also routes to standbys: a write there either commits on the
# primary or is refused as read-only by a standby. Count both kinds.
committed=0
refused=0
for i in 1 2 3 4 5 6; do
	if err=$(app_sql "$lab" haproxy 5002 "INSERT INTO books VALUES (5002$i, '5002')" 2>&1); then
		committed=$((committed + 1))
	elif grep -q "read-only transaction" <<<"$err"; then
		refused=$((refused + 1))
	else
		not_ok "insert $i through pgsql-check failed for another reason: $err"
	fi
done
check "every write through pgsql-check committed or was refused read-only ($committed + $refused = 6)" \
	test $((committed + refused)) = 6
check "pgsql-check sent some writes to a standby, which refused them ($refused)" \
	test "$refused" -ge 1
n=$(node_sql "$lab" postgres1 "SELECT count(*) FROM books WHERE via = '5002'")
check "the primary holds exactly the pgsql-check writes that committed ($n = $committed)" \
	test "$n" = "$committed"
n=$(node_sql "$lab" postgres1 "SELECT count(*) FROM books WHERE via IN ('5000','5001')")
check "every write through tcp-check and http-agent is on the primary (6 = $n)" test "$n" = 6
rows_on() { # host want
	[ "$(node_sql "$lab" "$1" "SELECT count(*) FROM books WHERE via IN ('5000','5001')")" = "$2" ]
}
for h in postgres2 postgres3; do
	check "the rows reached $h within 10 s" wait_until 10 rows_on $h 6
done

servers() { # port: the distinct servers 12 fresh connections land on
	for i in $(seq 12); do app_sql "$lab" haproxy "$1" "SELECT inet_server_addr()"; done |
		sort -u | tr '\n' ' '
}
check "tcp-check write port reaches only the primary" test "$(servers 5000)" = "10.231.1.11 "
check "http-agent write port reaches only the primary" test "$(servers 5001)" = "10.231.1.11 "
check "pgsql-check write port reaches every node (known bad)" \
	test "$(servers 5002)" = "10.231.1.11 10.231.1.12 10.231.1.13 "
check "read port reaches only standbys" test "$(servers 5010)" = "10.231.1.12 10.231.1.13 "

conf=/var/lib/pgdrill/labs/it-main/hosts/barman/conf/barman.conf
backup=$("$PGDRILL" exec "$lab" barman --user barman -- barman -c $conf show-backup pg latest)
check "barman's latest backup is complete (Status: DONE)" \
	grep -Eq '^\s*Status\s*:\s*DONE' <<<"$backup"
check "barman check is green" "$PGDRILL" exec "$lab" barman --user barman -- \
	barman -c $conf check pg

st=$("$PGDRILL" status --json "$lab")
check "status: exactly one primary" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
roles = {h["name"]: (h["postgres_role"], h["repmgr_role"], h["haproxy"].get("write_tcp")) for h in d["hosts"]}
assert d["primaries"] == 1, d
assert roles["postgres1"] == ("primary", "primary", "UP"), roles
assert roles["postgres2"] == ("standby", "standby", "DOWN"), roles
assert all(h["lag_bytes"] is not None for h in d["hosts"] if h["name"] in ("postgres2", "postgres3")), d
' "$st"
check "status agrees with the nodes themselves: postgres1 is the primary" \
	test "$(primaries "$lab")" = postgres1
check "status table exits 0" "$PGDRILL" status "$lab"
check_healthy "the lab is healthy as an outsider sees it" "$lab"

check "the lab's processes are recorded" record_lab_pids it-main
check "down" "$PGDRILL" down "$lab"
assert_no_debris it-main 10.231.1.0/24
out=$("$PGDRILL" down "$lab")
rc=$?
check "a second down exits 0 (got $rc)" test "$rc" = 0
check "a second down is harmless" grep -q "was not up" <<<"$out"
finish
