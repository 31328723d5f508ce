#!/usr/bin/env bash
# up -> writes through each check style -> rows on both standbys -> routing per check
# style -> barman backup and check -> status -> down -> nothing left.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/main.yaml
cleanup_labs+=("$lab")

"$PGDRILL" up "$lab" || { not_ok "up"; finish; exit; }
ok "up"
out=$("$PGDRILL" up "$lab")
check "a second up says the lab is already up" grep -q "already up" <<<"$out"

app_sql "$lab" haproxy 5000 "CREATE TABLE books (id bigint PRIMARY KEY, via text)"
for port in 5000 5001 5002; do
	for i in 1 2 3; do
		# pgsql-check (5002) also routes to standbys: those writes fail, and that is
		# the point of keeping it; count only what succeeded.
		app_sql "$lab" haproxy $port "INSERT INTO books VALUES ($port$i, '$port')" \
			>/dev/null 2>&1 || true
	done
done
n=$(app_sql "$lab" haproxy 5000 "SELECT count(*) FROM books WHERE via IN ('5000','5001')")
check "every write through tcp-check and http-agent committed (6 = $n)" test "$n" = 6
sleep 1
for h in postgres2 postgres3; do
	m=$(node_sql "$lab" $h "SELECT count(*) FROM books WHERE via IN ('5000','5001')")
	check "the rows reached $h ($m)" test "$m" = 6
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
err=$(app_sql "$lab" haproxy 5002 "INSERT INTO books VALUES (1, 'x')" 2>&1;
      app_sql "$lab" haproxy 5002 "INSERT INTO books VALUES (2, 'x')" 2>&1;
      app_sql "$lab" haproxy 5002 "INSERT INTO books VALUES (3, 'x')" 2>&1)
check "pgsql-check sends writes to a standby, which refuses them" \
	grep -q "read-only transaction" <<<"$err"

conf=/var/lib/pgdrill/labs/it-main/hosts/barman/conf/barman.conf
backups=$("$PGDRILL" exec "$lab" barman --user barman -- barman -c $conf list-backup pg)
check "barman has a backup" grep -q "Size:" <<<"$backups"
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
check "status table exits 0" "$PGDRILL" status "$lab"

check "down" "$PGDRILL" down "$lab"
assert_no_debris it-main 10.231.1.0/24
out=$("$PGDRILL" down "$lab")
check "a second down is harmless" grep -q "was not up" <<<"$out"
finish
