#!/usr/bin/env bash
# The CLI as a user sees it: exit codes, golden outputs, help for every subcommand.
# Usage: run_cli_tests.sh PGDRILL_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
cd "$src" || exit 2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

expect_rc() { # expected_rc description command...
	local want=$1 what=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else
		bad "$what: exit $rc, wanted $want"
		sed 's/^/  | /' "$tmp/err" | head -5
	fi
}

expect_rc 0 "validate tutorial" "$bin" validate labs/tutorial.yaml
grep -q "lab 'tutorial' is valid (6 hosts)" "$tmp/out" && ok || bad "validate prints a summary"
for f in labs/*.yaml; do expect_rc 0 "validate $f" "$bin" validate -q "$f"; done
test ! -s "$tmp/err" && ok || bad "the reference lab draws no warning"
# Valid, but repmgrd may cancel a failover for good: a warning at the key, exit 0.
sed 's/^postgres: {synchronous: any}$/&\nrepmgr: {reconnect_attempts: 2}/' labs/tutorial.yaml \
	>"$tmp/risky.yaml"
expect_rc 0 "validate a lab with a risky repmgr setting" "$bin" validate "$tmp/risky.yaml"
grep -q "^$tmp/risky.yaml:11:10: warning: repmgr: (reconnect_attempts - 1) x reconnect_interval = 1 s is less than 2 x monitor_interval = 2 s" \
	"$tmp/err" && ok || bad "it warns at the key, with the figures"

# Every invalid lab exits 2 with exactly its expected diagnostics.
for f in tests/labs/invalid/*.yaml; do
	expect_rc 2 "validate $f" "$bin" validate "$f"
	grep -v ' problems\?; nothing was changed$' "$tmp/err" >"$tmp/diags"
	if cmp -s "$tmp/diags" "$f.expected"; then ok; else
		bad "$f: diagnostics differ"
		diff "$f.expected" "$tmp/diags" | head -6
	fi
	[ -s "$tmp/out" ] && bad "$f: printed to stdout on failure" || ok
done
expect_rc 2 "validate a missing file" "$bin" validate /nonexistent.yaml
grep -q "^/nonexistent.yaml: error: cannot read the lab file: No such file or directory" \
	"$tmp/err" && ok || bad "missing file message"
expect_rc 2 "validate a directory" "$bin" validate labs

# show: golden YAML, which is itself a valid lab; JSON that parses.
expect_rc 0 "show tutorial" "$bin" show labs/tutorial.yaml
if cmp -s "$tmp/out" tests/cli/show_tutorial.golden; then ok; else
	bad "show output differs from tests/cli/show_tutorial.golden"
	diff tests/cli/show_tutorial.golden "$tmp/out" | head -10
fi
cp "$tmp/out" "$tmp/shown.yaml"
expect_rc 0 "show output validates" "$bin" validate "$tmp/shown.yaml"
expect_rc 0 "show --json" "$bin" show --json labs/tutorial.yaml
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["hosts"][4]["name"]=="barman"; assert d["objectives"]["rto_ms"]==10000' \
	"$tmp/out" && ok || bad "show --json is not the expected JSON"

# docs/labs.md is generated from the field table and must match it.
expect_rc 0 "docs" "$bin" docs
cmp -s "$tmp/out" docs/labs.md && ok || bad "docs/labs.md is stale: run 'pgdrill docs > docs/labs.md'"

# Help and version; misuse exits 2.
expect_rc 0 "--help" "$bin" --help
for cmd in $("$bin" --help | awk '/^commands:/{on=1;next} on && NF==0{on=0} on{print $1}'); do
	expect_rc 0 "$cmd --help" "$bin" "$cmd" --help
	grep -q "^usage: pgdrill $cmd" "$tmp/out" && ok || bad "$cmd --help has no usage line"
done
expect_rc 0 "--version" "$bin" --version
grep -Eq '^pgdrill [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" && ok || bad "--version format"
expect_rc 2 "no command" "$bin"
expect_rc 2 "unknown command" "$bin" frobnicate
expect_rc 2 "unknown option" "$bin" validate --frobnicate labs/tutorial.yaml
grep -q "unknown option --frobnicate" "$tmp/err" && ok || bad "unknown option message"
expect_rc 2 "missing argument" "$bin" show
expect_rc 2 "exec with nothing after --" "$bin" exec labs/tutorial.yaml postgres1 --
grep -q "expects a command after --" "$tmp/err" && ok || bad "exec -- without a command: message"

# report: bad input is exit 2 with a message that says what to name; nothing written.
expect_rc 2 "report with no run directory" "$bin" report
grep -q "name a run directory (or --history DIR)" "$tmp/err" && ok || bad "report: no dir message"
expect_rc 2 "report of a directory without a journal" "$bin" report "$tmp"
grep -q "no journal.json there" "$tmp/err" && ok || bad "report: no journal message"
mkdir -p "$tmp/broken" && printf '{"scenarios": [' >"$tmp/broken/journal.json"
expect_rc 2 "report of a broken journal" "$bin" report "$tmp/broken"
grep -q "broken/journal.json: not a pgdrill journal" "$tmp/err" && ok || bad "report: broken message"
test ! -e "$tmp/broken/report.html" && ok || bad "report wrote a page for a broken journal"
expect_rc 2 "--fail-on-regression without --history" "$bin" report --fail-on-regression 5 "$tmp"
expect_rc 2 "--history of a folder without runs" "$bin" report --history "$tmp/broken"
grep -q "holds no run directory" "$tmp/err" && ok || bad "report --history: no runs message"

# run --matrix: every value is checked against the lab before any lab is built.
expect_rc 2 "--matrix without values" "$bin" run --matrix repmgr.reconnect_attempts \
	labs/tutorial.yaml scenarios/kill_primary.lua
grep -q "needs KEY=VALUE1,VALUE2" "$tmp/err" && ok || bad "--matrix: no values message"
expect_rc 2 "--matrix with a value the lab refuses" "$bin" run \
	--matrix repmgr.reconnect_attempts=2,zero labs/tutorial.yaml scenarios/kill_primary.lua
grep -q "^labs/tutorial.yaml: error: 'reconnect_attempts' must be an integer; found 'zero'" \
	"$tmp/err" && ok || bad "--matrix: the refused value's diagnostic"
grep -q "does not validate with repmgr.reconnect_attempts=zero; nothing was run" "$tmp/err" \
	&& ok || bad "--matrix: nothing was run"
grep -q "bringing up" "$tmp/out" && bad "--matrix built a lab before checking its values" || ok
# One verdict per refused value, and the warnings of a value come when its lab is opened
# (with 2 attempts repmgr can cancel a failover: warned once, not at the check as well).
grep -q "nothing was changed" "$tmp/err" && bad "--matrix: two verdicts for one refusal" || ok
grep -q "warning: repmgr" "$tmp/err" && bad "--matrix: a warning at the values' check" || ok
expect_rc 2 "--matrix over a path through a list" "$bin" run --matrix hosts.name=a \
	labs/tutorial.yaml scenarios/kill_primary.lua
grep -q "cannot set hosts.name=a: hosts is not a mapping of keys" "$tmp/err" && ok \
	|| bad "--matrix: a list on the path"
expect_rc 2 "--matrix with --keep" "$bin" run --keep --matrix repmgr.reconnect_attempts=1,2 \
	labs/tutorial.yaml scenarios/kill_primary.lua

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
