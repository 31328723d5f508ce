#!/usr/bin/env bash
# Trends across real runs: kill_primary five times on one lab, then once on the same lab
# made worse on purpose (repmgrd's reconnect_attempts 3 -> 8). `pgdrill report --history`
# shows every run, flags the worse RTO as a regression, and --fail-on-regression exits 1;
# over the five ordinary runs alone it draws the same trend from five points.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
source "$SRC/tests/report/browser.sh"
lab=$SRC/tests/labs/integration/history.yaml
slow=$SRC/tests/labs/integration/history_slow.yaml
cleanup_labs+=("$lab")
runs=$(mktemp -d)
artifacts=$(dirname "$PGDRILL")/test-artifacts
trap 'rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios

"$PGDRILL" run --repeat 5 --runs-dir "$runs/all" "$lab" $S/kill_primary.lua >"$runs/five.out" 2>&1
rc=$?
check "five rounds of kill_primary pass (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/five.out"
check "five run directories" test "$(ls -d "$runs"/all/*/ | wc -l)" = 5
mkdir -p "$runs/five" && cp -r "$runs"/all/* "$runs/five/"

"$PGDRILL" run --runs-dir "$runs/all" "$slow" $S/kill_primary.lua >"$runs/slow.out" 2>&1
rc=$?
check "kill_primary on the slowed lab ran (exit $rc: 0 or 1)" test "$rc" -le 1
assert_no_debris it-hist 10.231.23.0/24

# The RTOs as the journals have them, oldest first.
rtos=$(python3 - "$runs"/all/*/journal.json <<'PY'
import json, sys
runs = sorted((json.load(open(p)) for p in sys.argv[1:]), key=lambda j: j["started_unix"])
print(" ".join(f'{c["measure"]["value"]:.3f}' for j in runs for s in j["scenarios"]
               for c in s["checks"] if c["name"] == "rto"))
PY
)
echo "RTO per run (s): $rtos"

"$PGDRILL" report --history "$runs/all" --fail-on-regression 20 >"$runs/hist.out" 2>&1
rc=$?
cat "$runs/hist.out"
check "--fail-on-regression 20 exits 1 after the slowed run (got $rc)" test "$rc" = 1
check "the trends page renders in Chromium" \
	browse_report "$runs/all/trends.html" "$artifacts" trends
check "it flags kill_primary's RTO as the regression, with six points" python3 - \
	"$artifacts/trends.dom" <<'PY'
import sys
from html.parser import HTMLParser
rows = {}
class P(HTMLParser):
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "tr" and "data-check" in a:
            self.row = (a["data-drill"], a["data-check"])
            rows[self.row] = {"regression": a["data-regression"] == "true", "points": 0}
        if tag == "circle":
            rows[self.row]["points"] += 1
P().feed(open(sys.argv[1]).read())
rto = rows.get(("kill_primary", "rto"))
print("rto row:", rto)
sys.exit(0 if rto and rto["regression"] and rto["points"] == 6 else 1)
PY
"$PGDRILL" report --history "$runs/all" --md >"$runs/hist.md" 2>/dev/null
check "the Markdown trends mark it too" grep -qE '^\| kill\\_primary \| rto \| 6 \| .*\*\*REGRESSION\*\*' "$runs/hist.md"
"$PGDRILL" report --history "$runs/five" -o "$runs/five.html" >/dev/null 2>&1
check "over the five ordinary runs alone the trend has five points" \
	test "$(grep -o '<circle' "$runs/five.html" | wc -l)" -ge 5
finish
