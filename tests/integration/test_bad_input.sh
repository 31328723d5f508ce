#!/usr/bin/env bash
# Labs that validate but cannot be built: each fails with the host, the step, the command
# and the tail of its log, exit code 2, and leaves nothing behind.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
dir=$SRC/tests/labs/integration

expect_failure() { # lab-file lab-name subnet pattern...
	local lab=$1 name=$2 subnet=$3 out rc
	shift 3
	cleanup_labs+=("$lab")
	out=$("$PGDRILL" up "$lab" 2>&1)
	rc=$?
	check "$name: up exits 2 (got $rc)" test "$rc" = 2
	for pattern in "$@"; do
		check "$name: the error says '$pattern'" grep -q -- "$pattern" <<<"$out"
	done
	[ "$FAIL" = 0 ] || echo "$out" | tail -15
	assert_no_debris "$name" "$subnet"
}

expect_failure "$dir/bad_setting.yaml" it-badset 10.231.3.0/24 \
	"host postgres1, step 'start PostgreSQL'" "postgres -D" \
	'invalid value for parameter "shared_buffers": "lots"'
expect_failure "$dir/small_disk.yaml" it-small 10.231.4.0/24 \
	"host postgres1, step 'initdb'" "initdb -D" "No space left on device"
expect_failure "$dir/privileged_port.yaml" it-port 10.231.5.0/24 \
	"host haproxy, step 'start haproxy'" "haproxy -db -f" "cannot bind socket"

# A missing package: the same PATH as the lab's, without barman.
fake=$(mktemp -d)
chmod 755 "$fake" # the lab runs commands as postgres and barman
trap 'rm -rf "$fake"; on_exit' EXIT
for d in /usr/lib/postgresql/15/bin /usr/sbin /usr/bin /sbin /bin; do
	for f in "$d"/*; do
		b=$(basename "$f")
		[ "$b" = barman ] || [ -e "$fake/$b" ] || ln -s "$f" "$fake/$b"
	done
done
PGDRILL_PATH=$fake expect_failure "$dir/no_barman_pkg.yaml" it-nopkg 10.231.7.0/24 \
	"host barman, step 'barman receive-wal --create-slot'" \
	"'barman' is not installed (run scripts/install-deps.sh)"
finish
