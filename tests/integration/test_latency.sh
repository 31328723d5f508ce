#!/usr/bin/env bash
# Latency without netem, on a real lab with synchronous replication: fault.delay holds
# what the standbys send and commits slow down by the delay, with no failover; the
# delayer and its iptables rules are gone afterwards; a slow primary's drill reports what
# repmgrd did and passes only without a split brain or a lost write. About 2 minutes.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/sync.yaml
cleanup_labs+=("$lab")
runs=$(mktemp -d)
trap 'rm -rf "$runs"; on_exit' EXIT
S=$SRC/scenarios
journal_of() { ls "$1"/*/journal.json; }
# The delay's own debris, inside every host of the lab: rules and delayer processes.
no_delay_left() {
	local ns
	for ns in $(ip netns list | awk '$1 ~ /^pgd-it-sync\./ {print $1}'); do
		ip netns exec "$ns" iptables -w 5 -S OUTPUT | grep -q pgdrill-delay- && return 1
	done
	! ps -eo args | grep -q '^[^ ]*pgdrill-delayer '
}

check "up the sync lab" "$PGDRILL" up -q "$lab"
before=$(primaries "$lab")

"$PGDRILL" run --keep --runs-dir "$runs/slow" "$lab" $S/slow_standbys.lua >"$runs/slow.out" 2>&1
rc=$?
check "slow_standbys passes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -30 "$runs/slow.out"
check "commits waited the delay, the delay bit on both standbys, no failover" python3 - \
	"$(journal_of "$runs/slow")" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
c = {x["name"]: x for x in s["checks"]}
slow = c["synchronous commits slow down by at least the delay"]
before, during = map(float, re.findall(r"([0-9.]+) ms", slow["figure"])[:2])
assert slow["passed"] and during >= before + 45, slow
for i in (1, 2):
    own = c[f"fault #{i} delay 50 ms took effect"]
    held = int(re.search(r"held (\d+) packet", own["figure"]).group(1))
    assert own["passed"] and held > 0, own
assert any(n.startswith("no failover") and x["passed"] for n, x in c.items()), c
PY
check "the primary is still $before" test "$(primaries "$lab")" = "$before"
check "no delayer and no NFQUEUE rule is left in the lab" no_delay_left
check_healthy "the lab is healthy after slow_standbys" "$lab"

"$PGDRILL" run --keep --runs-dir "$runs/slowp" "$lab" $S/slow_primary.lua >"$runs/slowp.out" 2>&1
rc=$?
check "slow_primary ends with a verdict, not an error (exit $rc)" test "$rc" = 0 -o "$rc" = 1
check "it says what repmgrd did" grep -Eq "note +(repmgrd promoted|no failover)" "$runs/slowp.out"
check "the slow primary's fault bit: writes through haproxy waited or failed" \
	grep -q "check ok  fault #1 delay: a write through haproxy waits or fails" "$runs/slowp.out"
check "its verdict is the split brain and lost writes checks'" python3 - \
	"$(journal_of "$runs/slowp")" "$rc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
c = {x["name"]: x for x in s["checks"]}
bad = [n for n, x in c.items() if not x["passed"]]
assert (s["outcome"] == "passed") == (not bad), (s["outcome"], bad)
assert set(bad) <= {"no split brain", "lost writes"}, bad
PY
[ "$rc" = 0 ] || grep -E "check FAIL|note " "$runs/slowp.out"
check "no delayer and no NFQUEUE rule is left after it" no_delay_left
check_healthy "the lab is healthy after slow_primary" "$lab"

check "down the sync lab" "$PGDRILL" down "$lab"
assert_no_debris it-sync 10.231.10.0/24
finish
