#!/usr/bin/env bash
# Ongoing drills, measured: the seven standard drills N times on one lab, in one
# `pgdrill run --repeat N` (one harness process, as a nightly job would keep it). After
# each round it prints: drills passed, the round's wall time, the harness's resident
# memory (now and peak), the lab's disk use (all hosts, and barman's alone), and barman's
# WAL archive read straight from barman's catalogue (not through pgdrill): segments from
# the oldest backup's first to the newest, and any missing one (16 MB segments).
# Usage: bench/soak.sh [N] [LAB]   (root; builds nothing: run scripts/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
lab=${2:-labs/tutorial.yaml}
if [ "$n" -lt 2 ]; then
	echo "bench/soak.sh: N is at least 2 (one round is a plain 'pgdrill run')" >&2
	exit 2
fi
bin=${PGDRILL:-build/pgdrill}
out=$(mktemp)
name=$($bin show --json "$lab" | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')
labdir=/var/lib/pgdrill/labs/$name
trap '$bin down "$lab" >/dev/null 2>&1 || true; rm -rf "$out" "$out".*' EXIT

$bin down "$lab" >/dev/null
$bin up -q "$lab"
S=scenarios
$bin run --repeat "$n" --runs-dir "$out.runs" "$lab" $S/kill_primary.lua $S/fill_disk.lua \
	$S/break_pg_hba.lua $S/barman_restore.lua $S/pause_primary.lua $S/lagging_failover.lua \
	$S/switchover.lua >"$out" 2>&1 &
pid=$!

# barman's catalogue, read independently: every segment number from the oldest DONE
# backup's begin_wal to the newest archived segment present (on any timeline)?
archive() {
	python3 - "$labdir/hosts/barman/barman" <<'PY'
import glob, os, re, sys
home = sys.argv[1]
begins = []
for info in glob.glob(os.path.join(home, "*", "base", "*", "backup.info")):
    kv = dict(l.split("=", 1) for l in open(info).read().splitlines() if "=" in l)
    if kv.get("status") == "DONE":
        begins.append(kv["begin_wal"])
segs = set()
for db in glob.glob(os.path.join(home, "*", "wals", "xlog.db")):
    for line in open(db):
        name = line.split("\t")[0]
        if re.fullmatch(r"[0-9A-F]{24}", name):
            segs.add(int(name[8:16], 16) * 256 + int(name[16:24], 16))
if not begins or not segs:
    print("no backup or no WAL"); sys.exit()
first = min(int(b[8:16], 16) * 256 + int(b[16:24], 16) for b in begins)
last = max(segs)
missing = [s for s in range(first, last + 1) if s not in segs]
print(f"{len(begins)} backups, segments {first:X}-{last:X}, "
      + ("continuous" if not missing else f"{len(missing)} MISSING from {missing[0]:X}"))
PY
}
used_mb() { df -B1M --output=used "$@" 2>/dev/null | awk 'NR > 1 {s += $1} END {print s + 0}'; }

# One row: the round's line from pgdrill, the harness's memory (RSS and peak, or what the
# caller says), the lab's disk use and barman's archive as they are now.
print_round() { # round rss peak
	local line
	line=$(grep "^round $1 of $n:" "$out")
	printf '%-6s %-8s %8s %8s %8s %9s %9s  %s\n' "$1" \
		"$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")/7" \
		"$(sed -E 's/.*, ([0-9.]+) s$/\1/' <<<"$line")" "$2" "$3" \
		"$(used_mb $(awk -v d="$labdir/hosts/" 'index($2, d) == 1 {print $2}' /proc/mounts))" \
		"$(used_mb "$labdir/hosts/barman")" "$(archive)"
}

printf '%-6s %-8s %8s %8s %8s %9s %9s  %s\n' round passed wall_s rss_MB peak_MB lab_MB barman_MB \
	"barman archive"
seen=0
while kill -0 $pid 2>/dev/null; do
	if [ "$(grep -c "^round [0-9]* of $n:" "$out" || true)" -gt "$seen" ]; then
		seen=$((seen + 1))
		print_round "$seen" "$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status 2>/dev/null)" \
			"$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status 2>/dev/null)"
	else
		sleep 1
	fi
done
wait $pid && rc=0 || rc=$?
# The last round ends with the process: its row, without the memory of a process gone.
while [ "$seen" -lt "$(grep -c "^round [0-9]* of $n:" "$out" || true)" ]; do
	seen=$((seen + 1))
	print_round "$seen" "(ended)" "-"
done
grep -E "^round [0-9]+ of" "$out" | python3 -c '
import re, sys
rows = [re.search(r"(\d+) passed, (\d+) failed, (\d+) in error, ([\d.]+) s", l).groups()
        for l in sys.stdin]
passed = sum(int(r[0]) for r in rows)
total = sum(int(r[0]) + int(r[1]) + int(r[2]) for r in rows)
t = [float(r[3]) for r in rows]
print(f"total: {passed}/{total} drills passed in {len(rows)} rounds; round time first "
      f"{t[0]:.1f} s, last {t[-1]:.1f} s ({t[-1] / t[0]:.2f}x), median "
      f"{sorted(t)[len(t) // 2]:.1f} s")
'
echo "barman re-pointed after a failover: $(grep -c 'from where it stopped: no WAL missed' "$out") times resumed with no gap, $(grep -c 'cannot resume at its position' "$out") times reset (a gap, journaled)"
[ "$rc" = 0 ] || { echo "pgdrill run exited $rc; its failures:"; grep -E "check FAIL|error  " "$out" | head -20; }
exit "$rc"
