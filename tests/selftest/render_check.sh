#!/usr/bin/env bash
# fuzz/check_rendered.sh must fail when a rendered file does not parse in its program
# (postgres, haproxy, barman), and when no input was a valid lab; and pass on the
# repository's own labs, and on the labs whose files once did not parse
# (tests/labs/render/). A stand-in for pgdrill renders the broken files.
# Usage: render_check.sh PGDRILL SOURCE_DIR   (root)
set -u
pgdrill=$1
src=$2
source "$src/tests/selftest/lib.sh"
check=$src/fuzz/check_rendered.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$src"/labs/*.yaml "$src"/tests/labs/render/*.yaml "$work/corpus/"

# The stand-in: `show --configs DIR LAB` writes one file, broken the way MODE says.
fake=$work/fake-pgdrill
cat >"$fake" <<'FAKE'
#!/usr/bin/env bash
dir=$3
case $MODE in
none) exit 2 ;;
postgres) mkdir -p "$dir/p1" && printf "port = '5432\n" >"$dir/p1/postgresql.conf" ;;
haproxy) mkdir -p "$dir/px" && printf "frontend f\n  bind :5000\n  no_such_keyword x\n" >"$dir/px/haproxy.cfg" ;;
barman) mkdir -p "$dir/b" && printf "[barman]\nbarman_user = barman\nthis line has no equals\n" >"$dir/b/barman.conf" ;;
esac
FAKE
chmod +x "$fake"

expect 1 "postgresql.conf, rendered from the valid lab" \
	"a postgresql.conf with a syntax error fails" env MODE=postgres "$check" "$fake" "$work/corpus"
expect 1 "haproxy.cfg, rendered from the valid lab" \
	"a haproxy.cfg haproxy refuses fails" env MODE=haproxy "$check" "$fake" "$work/corpus"
expect 1 "barman.conf, rendered from the valid lab" \
	"a barman.conf barman cannot parse fails" env MODE=barman "$check" "$fake" "$work/corpus"
expect 1 "nothing was checked" "a corpus without a valid lab fails" \
	env MODE=none "$check" "$fake" "$work/corpus"
expect 0 "parse in postgres, haproxy and barman" "the repository's labs pass" \
	"$check" "$pgdrill" "$work/corpus"
finish
