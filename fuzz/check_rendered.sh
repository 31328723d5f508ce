#!/usr/bin/env bash
# The configuration files pgdrill renders for every lab in CORPUS that validates must parse
# in the programs that read them: postgresql.conf in `postgres -C` (as postgres: no syntax
# error; a value PostgreSQL refuses, like shared_buffers: lots, is the lab's own and is
# reported when `up` starts the node), haproxy.cfg in `haproxy -c`, barman.conf in
# `barman list-server` (as barman). At most MAX valid labs
# (default: all). Fails on the first file a program refuses (naming the input), and when no
# input validated at all: a check that checked nothing must not pass.
# Usage: check_rendered.sh PGDRILL CORPUS_DIR [MAX]   (root)
set -u
pgdrill=$(realpath -e "$1") || exit 2
corpus=$2
max=${3:-0}
pg_bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
valid=0
files=0

refused() { # input file program-output
	echo "check_rendered: $2, rendered from the valid lab $1, does not parse:" >&2
	sed 's/^/  | /' <<<"$3" | tail -15 >&2
	echo "  the lab:" >&2
	sed 's/^/  | /' "$1" | head -40 >&2
	exit 1
}

for input in "$corpus"/*; do
	[ -f "$input" ] || continue
	rm -rf "$work/c" "$work/pg"
	"$pgdrill" show --configs "$work/c" "$input" >/dev/null 2>&1 || continue
	valid=$((valid + 1))
	for conf in "$work"/c/*/postgresql.conf; do
		[ -e "$conf" ] || continue
		mkdir -m 700 "$work/pg"
		cp "$conf" "$work/pg/postgresql.conf"
		chown -R postgres: "$work/pg"
		if ! out=$(runuser -u postgres -- "$pg_bin/postgres" -D "$work/pg" -C port 2>&1) &&
			grep -Eq "syntax error|unterminated|invalid line" <<<"$out"; then
			refused "$input" "$conf" "$out"
		fi
		rm -rf "$work/pg"
		files=$((files + 1))
	done
	for conf in "$work"/c/*/haproxy.cfg; do
		[ -e "$conf" ] || continue
		out=$(haproxy -c -f "$conf" 2>&1) || refused "$input" "$conf" "$out"
		files=$((files + 1))
	done
	for conf in "$work"/c/*/barman.conf; do
		[ -e "$conf" ] || continue
		chmod 644 "$conf"
		out=$(runuser -u barman -- barman -c "$conf" list-server 2>&1) ||
			refused "$input" "$conf" "$out"
		files=$((files + 1))
	done
	[ "$max" -gt 0 ] && [ "$valid" -ge "$max" ] && break
done
if [ "$valid" = 0 ]; then
	echo "check_rendered: no input in $corpus is a valid lab: nothing was checked" >&2
	exit 1
fi
echo "check_rendered: $files files of $valid valid labs parse in postgres, haproxy and barman"
