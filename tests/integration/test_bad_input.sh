#!/usr/bin/env bash
# Labs that validate but cannot be built: each fails with the host, the step, the command
# and the tail of its log, exit code 2, and leaves nothing behind: every process seen in
# the lab's namespaces while `up` ran is gone afterwards.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
dir=$SRC/tests/labs/integration
work=$(mktemp -d)
chmod 755 "$work" # the lab runs commands as postgres and barman
busy=
trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$work"; on_exit' EXIT

# Runs `up LAB` with the lab's processes watched; sets out and rc.
up_watched() { # lab-file lab-name
	rm -f "$work/stop"
	watch_lab_pids "$2" "$work/stop" &
	local watcher=$!
	out=$("$PGDRILL" up "$1" 2>&1)
	rc=$?
	touch "$work/stop"
	wait $watcher
}

expect_failure() { # lab-file lab-name subnet pattern...
	local lab=$1 name=$2 subnet=$3
	shift 3
	cleanup_labs+=("$lab")
	up_watched "$lab" "$name"
	check "$name: up exits 2 (got $rc)" test "$rc" = 2
	for pattern in "$@"; do
		check "$name: the error says '$pattern'" grep -q -- "$pattern" <<<"$out"
	done
	[ "$FAIL" = 0 ] || echo "$out" | tail -15
	assert_no_debris "$name" "$subnet"
}

log_dir=$STATE_DIR/labs/it-badset/logs/postgres1
expect_failure "$dir/bad_setting.yaml" it-badset 10.231.3.0/24 \
	"host postgres1, step 'start PostgreSQL'" "postgres -D" \
	"last lines of $log_dir/postgres.log:" \
	'invalid value for parameter "shared_buffers": "lots"'
expect_failure "$dir/small_disk.yaml" it-small 10.231.4.0/24 \
	"host postgres1, step 'copy the PostgreSQL template'" "cp -a" "No space left on device"
expect_failure "$dir/privileged_port.yaml" it-port 10.231.5.0/24 \
	"host haproxy, step 'start haproxy'" "haproxy -db -f" "cannot bind socket"

# A port that another process holds: it binds haproxy's write port on the proxy host as
# soon as `up` has made that host, before haproxy starts. `up` must fail and say so. The
# holder lives inside the lab's own namespace, so the teardown ends it with the lab
# (assert_no_debris checks its PID with the others). `up` starts haproxy a tenth of a
# second after it made the namespace (a template copy): the holder is running before
# `up` starts, enters the namespace the moment it is mounted on its name (the name
# appears first, as an empty file) and binds at once.
holder() {
	python3 -c '
import ctypes, os, socket, sys, time
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
ns, ready, bound = sys.argv[1:4]
open(ready, "w").write("polling")
deadline = time.monotonic() + 60
while True:
    try:
        fd = os.open(ns, os.O_RDONLY)
        entered = libc.setns(fd, CLONE_NEWNET) == 0
        os.close(fd)
        if entered:
            break
    except FileNotFoundError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the namespace never came")
    time.sleep(0.001)
s = socket.socket()
s.bind(("0.0.0.0", 5000))
s.listen()
open(bound, "w").write("bound")
time.sleep(120)' /run/netns/pgd-it-busy.haproxy "$work/polling" "$work/bound" &
	echo $! >"$work/holder.pid"
}
cleanup_labs+=("$dir/port_in_use.yaml")
holder
wait_until 10 test -s "$work/polling"
up_watched "$dir/port_in_use.yaml" it-busy
wait
busy=$(cat "$work/holder.pid" 2>/dev/null)
check "it-busy: the other process held port 5000 during up" test -s "$work/bound"
check "it-busy: up exits 2 (got $rc)" test "$rc" = 2
check "it-busy: the error names the host and step" grep -q "host haproxy, step 'start haproxy'" <<<"$out"
check "it-busy: and the command" grep -q "haproxy -db -f" <<<"$out"
check "it-busy: and haproxy's reason" grep -q "Address already in use" <<<"$out"
[ "$FAIL" = 0 ] || echo "$out" | tail -15
check "it-busy: the holder was seen in the lab's namespace" grep -q "^$busy " "$LAB_PIDS"
assert_no_debris it-busy 10.231.14.0/24
busy=

# A missing package: the same PATH as the lab's, without barman. Nothing ran, so there
# is no log to show: the error names the command that could not start.
fake=$work/path
mkdir "$fake"
for d in /usr/lib/postgresql/15/bin /usr/sbin /usr/bin /sbin /bin; do
	for f in "$d"/*; do
		b=$(basename "$f")
		[ "$b" = barman ] || [ -e "$fake/$b" ] || ln -s "$f" "$fake/$b"
	done
done
PGDRILL_PATH=$fake expect_failure "$dir/no_barman_pkg.yaml" it-nopkg 10.231.7.0/24 \
	"host barman, step 'barman receive-wal --create-slot'" \
	"cannot run 'barman -c $STATE_DIR/labs/it-nopkg/hosts/barman/conf/barman.conf" \
	"receive-wal --create-slot pg'" \
	"'barman' is not installed (run scripts/install-deps.sh)"
finish
