#!/usr/bin/env bash
# pgdrill audit on real labs: a lab that validates but should not be run as it is
# (tests/labs/audit/risky.yaml) gives each of its findings exactly once, with evidence
# from the live hosts; drift made on the hosts after `up` (a trust line in pg_hba.conf, a
# conninfo without connect_timeout, a listener without shutdown-sessions) is found too,
# which the lab file could never show (and a password file others can read, a sudo right
# of postgres); the
# reference lab has no finding above "info" once a restore from barman was drilled (its
# pgsql-check write listener is a risk its lab file accepts), until a segment goes
# missing from barman's catalogue. About 1.5 minutes.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/audit/risky.yaml
work=$(mktemp -d)
ref=$work/reference.yaml
sed -e 's/^name: tutorial$/name: it-audit-ref/' -e 's|10\.213\.0\.0/24|10.231.25.0/24|' \
	"$SRC/labs/tutorial.yaml" >"$ref"
cleanup_labs+=("$lab" "$ref")
sudoers=/etc/sudoers.d/pgdrill-it-audit # a harmless right, gone on any exit
trap 'rm -rf "$work" "$sudoers"; on_exit' EXIT
hosts=$STATE_DIR/labs/it-audit/hosts

# How often each rule was found at each severity: "rule severity count" lines.
tally() { python3 -c '
import collections, json, sys
d = json.load(open(sys.argv[1]))
for (r, s), n in sorted(collections.Counter((f["rule"], f["severity"]) for f in d["findings"]).items()):
    print(r, s, n)' "$1"; }
found_once() { grep -qx "$2 $3 1" "$1"; } # tally-file rule severity
evidence_of() { python3 -c '
import json, sys
print("\n".join(f["evidence"] for f in json.load(open(sys.argv[1]))["findings"] if f["rule"] == sys.argv[2]))' "$1" "$2"; }

check "up the risky lab" "$PGDRILL" up -q "$lab"
"$PGDRILL" audit --json "$lab" >"$work/a1.json" 2>"$work/a1.err"
rc=$?
check "the audit exits 1: findings at high or above (got $rc)" test "$rc" = 1
tally "$work/a1.json" >"$work/t1"
cat "$work/t1"
check "asynchronous replication with an RPO of 0, once" found_once "$work/t1" rpo-async high
check "a superuser may log in from anywhere, once" found_once "$work/t1" hba-superuser high
check "pg_hba.conf wider than the subnet, once" found_once "$work/t1" hba-wider-than-subnet warning
check "the timers miss the 3 s RTO objective, once" found_once "$work/t1" failover-time high
check "repmgrd may cancel the failover for good, once" found_once "$work/t1" failover-cancelled high
check "a write listener checked with pgsql-check, once" found_once "$work/t1" haproxy-pgsql-check high
check "a write listener that does not fence a returning old primary, once" \
	found_once "$work/t1" no-fencing warning
check "no barman host: no backup, once" found_once "$work/t1" backup-none warning
md5_line=$(grep -n '^host all postgres 0.0.0.0/0 md5$' "$hosts/postgres1/data/pg_hba.conf" | cut -d: -f1)
check "the md5 line's evidence is its file and line ($md5_line) on postgres1" \
	grep -qx "postgres1:pg_hba.conf:$md5_line: host all {postgres} 0.0.0.0/0.0.0.0 md5" \
	<(evidence_of "$work/a1.json" hba-wider-than-subnet)
check "the pgsql-check evidence is haproxy.cfg's own line" \
	grep -qE "^haproxy:haproxy.cfg:[0-9]+: option pgsql-check user haproxy_check \(listen write_pgsql\)$" \
	<(evidence_of "$work/a1.json" haproxy-pgsql-check)
check "an accepted risk with a misspelt rule accepts nothing and is said, once" \
	found_once "$work/t1" accept-unused info
check "no trust beyond the health check, no conninfo without connect_timeout yet" \
	bash -c "! grep -qE '^(hba-trust (high|critical)|repmgr-conninfo)' $work/t1"

# Drift on the live hosts: what a hurried night shift leaves behind.
sed -i '1i host all all 10.0.0.0/8 trust' "$hosts/postgres1/data/pg_hba.conf"
node_sql "$lab" postgres1 "SELECT pg_reload_conf()" >/dev/null
sed -i '1i host all nobody 192.168.7.0/24 scram-sha-256' "$hosts/postgres2/data/pg_hba.conf"
node_sql "$lab" postgres2 "SELECT pg_reload_conf()" >/dev/null
"$PGDRILL" exec "$lab" postgres1 -- psql -X -q -At -d repmgr -c \
	"UPDATE repmgr.nodes SET conninfo = regexp_replace(conninfo, ' connect_timeout=[0-9]+', '') WHERE node_name = 'postgres2'"
sed -i '/^listen write_tcp/,/^$/ s/ on-marked-down shutdown-sessions//' "$hosts/haproxy/conf/haproxy.cfg"
chmod 644 "$hosts/postgres1/conf/pgpass"
echo 'postgres ALL=(root) NOPASSWD: /bin/true' >"$sudoers"
chmod 440 "$sudoers"
"$PGDRILL" audit --json "$lab" >"$work/a2.json" 2>/dev/null
tally "$work/a2.json" >"$work/t2"
cat "$work/t2"
check "the trust line is critical, once" found_once "$work/t2" hba-trust critical
check "its evidence is pg_hba.conf's first line on postgres1" \
	grep -qx "postgres1:pg_hba.conf:1: host all {all} 10.0.0.0/255.0.0.0 trust" \
	<(evidence_of "$work/a2.json" hba-trust)
check "a standby's own drift is its own finding; lines every node has are the primary's" \
	test "$(evidence_of "$work/a2.json" hba-wider-than-subnet | sort | tr '\n' '|')" = \
	"$(printf '%s\n' "postgres1:pg_hba.conf:1: host all {all} 10.0.0.0/255.0.0.0 trust" \
		"postgres1:pg_hba.conf:$((md5_line + 1)): host all {postgres} 0.0.0.0/0.0.0.0 md5" \
		"postgres2:pg_hba.conf:1: host all {nobody} 192.168.7.0/255.255.255.0 scram-sha-256" |
		sort | tr '\n' '|')"
check "the conninfo without connect_timeout, once, for postgres2" found_once "$work/t2" repmgr-conninfo warning
check "the listener without shutdown-sessions, once, for write_tcp" \
	grep -q "listen write_tcp" <(evidence_of "$work/a2.json" haproxy-shutdown-sessions)
check "the pgpass others can read, once, on postgres1" found_once "$work/t2" secrets-readable high
check "its evidence is the file and its mode" \
	grep -qE "^postgres1:/.*/conf/pgpass: mode 644, owner postgres$" \
	<(evidence_of "$work/a2.json" secrets-readable)
check "postgres's sudo right, once (the hosts share this machine's sudoers)" \
	found_once "$work/t2" sudo-rights high
check "its evidence is sudo's own listing" \
	grep -q "sudo -l -U postgres: .*(root) NOPASSWD: /bin/true" <(evidence_of "$work/a2.json" sudo-rights)
rm -f "$sudoers"
source "$SRC/tests/report/browser.sh"
"$PGDRILL" audit --json --html "$work/a2.html" "$lab" >"$work/a2h.json" 2>/dev/null
rc=$?
check "--html writes the findings as a page (exit $rc, 1: findings)" test "$rc" = 1 -a -s "$work/a2.html"
check "the page renders in headless Chromium" browse_report "$work/a2.html" "$work/browser" audit
check "it shows each rule with its evidence as text, titled with the lab" python3 - \
	"$work/a2h.json" "$work/browser/audit.dom" <<'PY'
import json, sys
from html.parser import HTMLParser
audit = json.load(open(sys.argv[1]))
class Page(HTMLParser):
    def __init__(self):
        super().__init__(); self.text, self.title, self.t = [], "", False
    def handle_starttag(self, tag, attrs): self.t = tag == "title"
    def handle_endtag(self, tag): self.t = False
    def handle_data(self, d):
        self.text.append(d)
        if self.t: self.title += d
p = Page(); p.feed(open(sys.argv[2], encoding="utf-8").read())
text = "".join(p.text)
missing = [f["rule"] for f in audit["findings"] if f["rule"] not in text or f["evidence"] not in text]
assert p.title == "pgdrill audit: it-audit", p.title
assert not missing, missing
PY
"$PGDRILL" audit --fail-on critical "$lab" >"$work/a2.txt" 2>&1
rc=$?
check "--fail-on critical exits 1 now (got $rc)" test "$rc" = 1
check "the text names it CRITICAL with evidence, consequence and fix" \
	bash -c "grep -q '^CRITICAL' $work/a2.txt && grep -q 'evidence:    postgres1:pg_hba.conf:1' $work/a2.txt && grep -q 'fix: ' $work/a2.txt"
"$PGDRILL" audit --fail-on sometimes "$lab" >/dev/null 2>"$work/bad.err"
rc=$?
check "an unknown severity is exit 2 (got $rc)" test "$rc" = 2
check "down the risky lab" "$PGDRILL" down "$lab"
assert_no_debris it-audit 10.231.24.0/24
"$PGDRILL" audit "$lab" >/dev/null 2>"$work/down.err"
rc=$?
check "auditing a lab that is not up is exit 2 (got $rc)" test "$rc" = 2

# The reference lab: nothing above info; its deliberate pgsql-check listener is a risk
# its lab file accepts (reported as info, with the reason).
check "up the reference lab" "$PGDRILL" up -q "$ref"
mkdir "$work/runs"
"$PGDRILL" audit --json --runs-dir "$work/runs" "$ref" >"$work/r.json" 2>/dev/null
tally "$work/r.json" >"$work/tr"
cat "$work/tr"
check "before any drill: only an untested restore" \
	test "$(grep -v ' info ' "$work/tr" | tr '\n' ' ')" = "restore-untested warning 1 "
check "write_tcp's missing fencing is an accepted risk too" \
	grep -q "^accepted risk (was warning; kept to show repmgr without fencing; write_agent fences): " \
	<(python3 -c 'import json,sys; [print(f["title"]) for f in json.load(open(sys.argv[1]))["findings"] if f["rule"] == "no-fencing"]' "$work/r.json")
check "the pgsql-check listener is reported as an accepted risk, with its reason" \
	grep -q "^accepted risk (was high; kept to show what pgsql-check does wrong): " \
	<(python3 -c 'import json,sys; [print(f["title"]) for f in json.load(open(sys.argv[1]))["findings"] if f["rule"] == "haproxy-pgsql-check"]' "$work/r.json")
"$PGDRILL" run --audit --runs-dir "$work/runs" "$ref" "$SRC/scenarios/barman_restore.lua" >"$work/drill.out" 2>&1
rc=$?
check "the barman_restore drill passes (got $rc)" test "$rc" = 0
# run --audit: the audit after the drills, in the run's journal and report.
run=$(ls -d "$work"/runs/*-it-audit-ref-barman_restore | tail -1)
check "run --audit: the journal holds the audit, which counts this run's restore" python3 -c '
import json, sys
rules = [f["rule"] for f in json.load(open(sys.argv[1]))["audit"]["findings"]]
assert "haproxy-pgsql-check" in rules and "restore-untested" not in rules, rules' "$run/journal.json"
check "and the report shows it after the drills" \
	grep -q '<h2 id="audit">Readiness audit after the drills</h2>' "$run/report.html"
"$PGDRILL" audit --json --runs-dir "$work/runs" "$ref" >"$work/r1.json" 2>/dev/null
tally "$work/r1.json" >"$work/tr1"
check "after it, no finding above info" test -z "$(grep -v ' info ' "$work/tr1")"
# Drift in barman's catalogue: a WAL segment it no longer lists, between two it does.
barman_conf=$STATE_DIR/labs/it-audit-ref/hosts/barman/conf/barman.conf
for i in 1 2 3; do
	"$PGDRILL" exec --user barman "$ref" barman -- barman -c "$barman_conf" \
		switch-wal --force --archive --archive-timeout 60 pg >/dev/null 2>&1
done
xlogdb=$STATE_DIR/labs/it-audit-ref/hosts/barman/barman/pg/wals/xlog.db
segs=$(grep -cE '^[0-9A-F]{24}\s' "$xlogdb")
gone=$(grep -E '^[0-9A-F]{24}\s' "$xlogdb" | tail -2 | head -1 | cut -f1)
check "barman lists enough segments to drop one between two ($segs)" test "$segs" -ge 3
sed -i "/^$gone\s/d" "$xlogdb"
"$PGDRILL" audit --json "$ref" >"$work/r2.json" 2>/dev/null
tally "$work/r2.json" >"$work/tr2"
cat "$work/tr2"
check "the gap in barman's archive, once" found_once "$work/tr2" barman-wal-gap high
check "its evidence names the segments around $gone" \
	grep -q "^barman: WAL missing from barman's archive between " \
	<(evidence_of "$work/r2.json" barman-wal-gap)
# Fencing, live: a standby promoted by hand beside the primary (as when an old primary
# comes back after a failover). The agent of the older timeline's primary answers 503,
# so write_agent routes writes to the new one only; write_tcp (tcp-check) to both,
# which is what the accepted no-fencing finding says.
old=$(primaries "$ref" | head -1)
new=$(lab_field "$ref" pg_hosts | tr ' ' '\n' | grep -vx "$old" | head -1)
"$PGDRILL" exec "$ref" "$new" -- pg_ctl promote -w >/dev/null
agent_says() { # host: the agent's answer to GET /primary, from the haproxy host
	"$PGDRILL" exec --user root "$ref" "$(lab_field "$ref" proxy)" -- python3 -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://%s:8008/primary" % sys.argv[1], timeout=5)
    print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())' "$1"
}
check "the old primary's agent says it is fenced" \
	grep -q "^503 fenced: .* is the primary on a newer timeline$" <(agent_says "$old")
check "the new primary's agent says primary" grep -qx "200 primary" <(agent_says "$new")
routed() { # listener: the servers haproxy holds UP in it, sorted
	"$PGDRILL" exec --user root "$ref" "$(lab_field "$ref" proxy)" -- python3 -c '
import sys, urllib.request
for line in urllib.request.urlopen("http://127.0.0.1:7000/;csv", timeout=5).read().decode().splitlines():
    f = line.split(",")
    if f[0] == sys.argv[1] and f[1] not in ("FRONTEND", "BACKEND") and f[17].startswith("UP"):
        print(f[1])' "$1" | sort | tr '\n' ' '
}
agent_routes_new() { [ "$(routed write_agent)" = "$new " ]; }
check "write_agent routes writes to $new only" wait_until 10 agent_routes_new
check "write_tcp routes them to both primaries" \
	test "$(routed write_tcp)" = "$(printf '%s\n' "$old" "$new" | sort | tr '\n' ' ')"
check "down the reference lab" "$PGDRILL" down "$ref"
assert_no_debris it-audit-ref 10.231.25.0/24
finish
