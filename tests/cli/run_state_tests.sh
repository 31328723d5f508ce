#!/usr/bin/env bash
# `pgdrill down` acts as root on what a lab's state file names, so it refuses a file that
# is not root's alone or that names anything outside the lab: another namespace, a mount
# elsewhere, a public route. It removes a directory without a state file only when
# pgdrill's marker says it made it. Nothing is removed when it refuses.
# Usage: run_state_tests.sh PGDRILL SOURCE_DIR   (root)
set -u
bin=$1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
lab=$tmp/tamper.yaml
dir=$tmp/state/labs/tamper
printf 'name: tamper\nprovider: {subnet: 10.99.0.0/24, state_dir: %s/state}\nhosts:\n  - {name: postgres1, role: primary}\n  - {name: postgres2, role: standby}\n' \
	"$tmp" >"$lab"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# A lab directory as `up` leaves it, with the given state lines and a canary file.
make_lab() { # state-lines
	rm -rf "$tmp/state"
	mkdir -p "$dir"
	chmod 755 "$tmp/state" "$tmp/state/labs" "$dir"
	printf '%b' "$1" >"$dir/state"
	chmod 600 "$dir/state"
	echo canary >"$dir/canary"
}

refused() { # description needle
	local out rc
	out=$("$bin" down "$lab" 2>&1)
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$2" <<<"$out" && [ -e "$dir/canary" ]; then ok; else
		bad "$1: exit $rc, output: $out; canary $(test -e "$dir/canary" && echo kept || echo GONE)"
	fi
}

make_lab 'lab tamper 10.99.0.0/24 netns\nnetns ../../../proc/1/ns/net\n'
refused "a namespace path outside /run/netns" "names a network namespace that is not one of this lab's"
make_lab 'lab tamper 10.99.0.0/24 netns\nnetns pgd-other-postgres1\n'
refused "another lab's namespace" "entry 2 (netns pgd-other-postgres1)"
make_lab 'lab tamper 10.99.0.0/24 netns\nmount /etc\n'
refused "a mount outside the lab" "names a mount that is not one of this lab's disks"
make_lab 'lab tamper 10.99.0.0/24 netns\nroute 8.8.8.0/24\n'
refused "a public route" "names a route that is not a private lab subnet"
make_lab 'lab other 10.99.0.0/24 netns\n'
refused "a state file of another lab" "names another lab than its directory"
make_lab 'lab tamper 10.99.0.0/24 netns\n'
chmod 666 "$dir/state"
refused "a state file anyone may write" "owned by root and writable only by root"
make_lab 'lab tamper 10.99.0.0/24 netns\n'
chmod 777 "$dir"
refused "a lab directory anyone may write" "owned by root and writable only by root"
make_lab ''
rm "$dir/state"
refused "a directory with the lab's name but no state file and no marker" \
	"not a lab directory of pgdrill"

make_lab 'lab tamper 10.99.0.0/24 netns\nfault ../1 pause postgres1 1 0\n'
refused "a fault record of another form" "is not a fault record of pgdrill's form"

# A fault record of the right form whose state is hostile is never acted on: a ballast
# path outside the host's disk, the PID of a process that is not the lab's.
echo victim >"$tmp/victim"
sleep 60 &
sleeper=$!
start=$(sed 's/^.*) //' /proc/$sleeper/stat | awk '{print $20}')
make_lab "lab tamper 10.99.0.0/24 netns\nfault 7-1 fill_disk postgres1 ../../../../../victim\nfault 7-2 pause postgres2 $sleeper $start\nfault 7-3 break_hba postgres1 /etc/passwd\n"
out=$("$bin" down "$lab" 2>&1)
if grep -q "fill_disk on postgres1): its record is not of its kind's form" <<<"$out" &&
	grep -q "break_hba on postgres1): its record is not of its kind's form" <<<"$out" &&
	[ -e "$tmp/victim" ] && [ "$(sed 's/^.*) //' /proc/$sleeper/stat | awk '{print $1}')" != T ]; then
	ok
else
	bad "hostile fault states: output: $out; victim $(test -e "$tmp/victim" && echo kept || echo GONE)"
fi
kill -CONT $sleeper 2>/dev/null
kill $sleeper
wait $sleeper 2>/dev/null

# A lab another pgdrill is working on (its lock held) is refused at once, untouched.
make_lab 'lab tamper 10.99.0.0/24 netns\n'
# -F: flock becomes the sleep itself, so ending it by PID ends the holder.
flock -F "$dir" sleep 30 >/dev/null 2>&1 &
holder=$!
for i in $(seq 50); do flock -n "$dir" true 2>/dev/null || break; sleep 0.1; done
refused "a lab whose lock another process holds" "is busy: another pgdrill is running"
kill "$holder"
wait "$holder" 2>/dev/null

# What pgdrill made itself goes.
make_lab 'lab tamper 10.99.0.0/24 netns\nready 1\n'
if "$bin" down "$lab" >/dev/null 2>&1 && [ ! -e "$dir" ]; then ok; else
	bad "a valid state file: down did not remove the lab directory"; fi
make_lab ''
rm "$dir/state"
echo x >"$dir/pgdrill-lab"
if "$bin" down "$lab" >/dev/null 2>&1 && [ ! -e "$dir" ]; then ok; else
	bad "a marked directory without a state file was not removed"; fi

# A scenario that is not a regular file (it could be read forever) is refused before
# anything is made: no lab directory appears.
rm -rf "$tmp/state"
out=$("$bin" run "$lab" /dev/zero 2>&1)
rc=$?
if [ "$rc" = 2 ] && grep -q "cannot read scenario /dev/zero: not a regular file" <<<"$out" &&
	[ ! -e "$dir" ]; then ok; else
	bad "run with /dev/zero as scenario: exit $rc, output: $out; lab dir $(test -e "$dir" && echo LEFT || echo absent)"
fi

# A scenario that does not compile, or requires a module that does not, fails before the
# lab is touched: exit 2, file:line, no lab directory, no namespace.
no_trace() { [ ! -e "$dir" ] && ! ip netns list | grep -q '^pgd-tamper\.'; }
out=$("$bin" run "$lab" "$2/tests/lua/syntax_error.lua" 2>&1)
rc=$?
if [ "$rc" = 2 ] && grep -q "tests/lua/syntax_error.lua:2:" <<<"$out" && no_trace; then ok; else
	bad "a scenario with a syntax error: exit $rc, output: $out"
fi
mkdir -p "$tmp/lua"
printf 'return {\n  x = \n}\n' >"$tmp/lua/broken.lua"
printf 'local b = require "broken"\ndrill.steady()\n' >"$tmp/uses_broken.lua"
out=$(PGDRILL_LUA_DIR=$tmp/lua "$bin" run "$lab" "$tmp/uses_broken.lua" 2>&1)
rc=$?
if [ "$rc" = 2 ] && grep -q "uses_broken.lua requires 'broken': $tmp/lua/broken.lua:3:" <<<"$out" &&
	no_trace; then ok; else
	bad "a scenario requiring a module with a syntax error: exit $rc, output: $out"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
