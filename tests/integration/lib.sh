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

# Nothing of the lab may remain: namespaces, mounts, processes, route, files.
assert_no_debris() { # lab-name subnet
	local name=$1 subnet=$2 left
	left=$(ip netns list | awk '{print $1}' | grep -E "^pgd-$name-" || true)
	check "$name: no network namespace left ${left:+($left)}" test -z "$left"
	left=$(awk -v d="$STATE_DIR/labs/$name" 'index($2, d) == 1 {print $2}' /proc/mounts)
	check "$name: no mount left ${left:+($left)}" test -z "$left"
	# "[/]" keeps grep from matching its own command line.
	left=$(grep -l -a "$STATE_DIR/labs/$name[/]" /proc/[0-9]*/cmdline 2>/dev/null || true)
	check "$name: no process left ${left:+($left)}" test -z "$left"
	left=$(ip route show | grep -F "$subnet" || true)
	check "$name: no route left ${left:+($left)}" test -z "$left"
	check "$name: no files left" test ! -e "$STATE_DIR/labs/$name"
}

# Each test tears its labs down on any exit, also when it fails half way.
cleanup_labs=()
on_exit() {
	local lab
	for lab in "${cleanup_labs[@]}"; do "$PGDRILL" down "$lab" >/dev/null 2>&1 || true; done
}
trap on_exit EXIT
