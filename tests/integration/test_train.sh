#!/usr/bin/env bash
# pgdrill train on real labs, with a scripted trainee: each of the six exercises in
# exercises/ is broken, solved with the commands a DBA would type (the exercise's
# solution), and scored solved; a wrong fix (two standbys promoted, a trust line in
# pg_hba.conf, the old primary started as it was, the standbys taken out of haproxy by
# hand, a dropped table recreated without all its rows) is scored failed or not solved.
# Hints are counted, give-up shows the solution, the watcher ends by itself once the
# goals hold; the tmux session's panes and an interactive shell reach the debrief through
# bash's history, with the time to detect; after every ending the lab is healthy as an
# outsider sees it. Bad input is exit 2 with nothing changed. About 2.5 minutes.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"

work=$(mktemp -d)
manual=$work/manual.yaml # failover: manual
auto=$work/auto.yaml
sed -e 's/^name: training$/name: it-train/' -e 's|10\.213\.1\.0/24|10.231.26.0/24|' \
	"$SRC/labs/training.yaml" >"$manual"
sed -e 's/^name: tutorial$/name: it-train-a/' -e 's|10\.213\.0\.0/24|10.231.27.0/24|' \
	"$SRC/labs/tutorial.yaml" >"$auto"
cleanup_labs+=("$manual" "$auto")
trap 'rm -rf "$work"; on_exit' EXIT
train() { "$PGDRILL" train --runs-dir "$work/runs" "$@"; }
# What the exercise's breaking remembered (which node it killed, which it promoted).
recalled() { # lab-name key
	awk -v k="$2" '$1 == "remember" && $2 == k {print $3}' "$STATE_DIR/labs/$1/training"
}
as_dba() { # lab.yaml host command: as postgres, in the host's shell
	"$PGDRILL" exec "$1" "$2" -- sh -c "$3"
}

# Listing and bad input: nothing is built.
train "$manual" >"$work/list" 2>&1
check "the exercises are listed (got $(grep -c '^  [a-z]' "$work/list"))" \
	test "$(grep -cE '^  (fix_pg_hba|promote_by_hand|rejoin_old_primary|standby_disk_full|haproxy_writes_to_standby|restore_dropped_table) ' "$work/list")" = 6
for bad in ../etc/passwd no_such_exercise rejoin_old_primary; do
	train --no-watch "$manual" "$bad" >/dev/null 2>"$work/bad.err"
	rc=$?
	check "'$bad' is exit 2 (got $rc): $(head -c 120 "$work/bad.err")" test "$rc" = 2
done
check "rejoin_old_primary says it needs automatic failover" \
	grep -q "needs a lab with repmgr.failover: automatic" "$work/bad.err"
check "nothing was built for bad input" test ! -e "$STATE_DIR/labs/it-train"

# promote_by_hand, solved with one hint.
train --no-watch "$manual" promote_by_hand >"$work/p1" 2>&1
check "promote_by_hand breaks the lab (brings it up first)" grep -q "^== the primary is gone" "$work/p1"
old=$(recalled it-train old)
s1=$(recalled it-train standby1)
s2=$(recalled it-train standby2)
check "the primary $old is dead" bash -c "! $PGDRILL exec $manual $old -- pg_ctl status >/dev/null"
train "$manual" status >"$work/s1"
rc=$?
check "status before the fix: exit 1, no goal met (got $rc)" \
	bash -c "test $rc = 1 && ! grep -q '^  \[x\]' $work/s1"
train --no-watch "$manual" fix_pg_hba >/dev/null 2>"$work/busy.err"
rc=$?
check "another exercise while one runs is exit 2 (got $rc)" test "$rc" = 2
train "$manual" hint >"$work/hint" 2>&1
check "hint 1 of 3" grep -q '^hint 1 of 3: ' "$work/hint"
check "the trainee promotes $s1" as_dba "$manual" "$s1" 'repmgr -f "$REPMGR_CONF" standby promote'
check "and makes $s2 follow it" as_dba "$manual" "$s2" 'repmgr -f "$REPMGR_CONF" standby follow'
sleep 2
train "$manual" status >"$work/s2" 2>&1
rc=$?
check "status after the fix: exit 0, SOLVED (got $rc)" \
	bash -c "test $rc = 0 && grep -q ': SOLVED$' $work/s2"
check "scored 75: one hint taken" grep -q "score: *75 of 100" "$work/s2"
check "no acknowledged write was lost" \
	grep -q "^  \[x\] no acknowledged write lost: 200 of 200 acknowledged rows on $s1" "$work/s2"
check "the solution is shown with this lab's names" \
	grep -q "pgdrill exec $manual $s1 -- sh -c 'repmgr -f \"\$REPMGR_CONF\" standby promote'" "$work/s2"
check "an observer sees $s1 as the only primary" \
	test "$(primaries "$manual" | tr '\n' ' ')" = "$s1 "
check_healthy "healthy after the exercise (the heal rejoined $old)" "$manual"
train "$manual" status >/dev/null 2>&1
rc=$?
check "status of an ended, solved exercise is exit 0 (got $rc)" test "$rc" = 0

# promote_by_hand, the wrong fix: both standbys promoted.
train --no-watch "$manual" promote_by_hand >/dev/null 2>&1
s1=$(recalled it-train standby1)
s2=$(recalled it-train standby2)
as_dba "$manual" "$s1" 'pg_ctl promote' >/dev/null
as_dba "$manual" "$s2" 'pg_ctl promote' >/dev/null
train "$manual" status >"$work/w1" 2>&1
rc=$?
check "two primaries: exit 1, FAILED (got $rc)" bash -c "test $rc = 1 && grep -q ': FAILED$' $work/w1"
check "it says what was seen" grep -q "what was seen: two primaries at once" "$work/w1"
check_healthy "healthy after the failed exercise (one primary kept, repmgr told)" "$manual"

# fix_pg_hba, watched: the watcher ends by itself when the fix holds.
train --watch-for 5m "$manual" fix_pg_hba >"$work/h1" 2>&1 &
watcher=$!
primary_is_broken() { [ -s "$STATE_DIR/labs/it-train/training" ] && grep -q "^== " "$work/h1"; }
check "fix_pg_hba breaks the lab" wait_until 60 primary_is_broken
p=$(recalled it-train primary)
proxy=$(lab_field "$manual" proxy)
refused() { ! app_sql "$manual" "$proxy" 5000 "SELECT 1" >/dev/null 2>&1; }
check "the application is refused" refused
check "the trainee removes the reject lines and reloads" \
	as_dba "$manual" "$p" 'sed -i "/^# pgdrill drill:/,+2d" "$PGDATA/pg_hba.conf" && psql -X -qAt -c "SELECT pg_reload_conf()" >/dev/null'
watcher_ended() { ! kill -0 "$watcher" 2>/dev/null; }
check "the watcher sees the goals hold and ends" wait_until 120 watcher_ended
wait "$watcher"
rc=$?
check "it exits 0 with SOLVED (got $rc)" bash -c "test $rc = 0 && grep -q ': SOLVED$' $work/h1"
check "no restart was needed" grep -q "^  \[x\] PostgreSQL was not restarted" "$work/h1"
# The debrief: the exercise as a second scenario in the breaking's report, with what the
# trainee ran and every goal as a verdict.
by_hand() { # journal.json python-expression over s (the by-hand scenario)
	python3 -c '
import json, sys
s = [s for s in json.load(open(sys.argv[1]))["scenarios"] if s["name"].endswith(", by hand")][0]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"
}
run=$(ls -d "$work"/runs/*-it-train-train-fix_pg_hba | tail -1)
check "the debrief names the trainee's command, as run, on $p" by_hand "$run/journal.json" \
	"any(e['kind'] == 'trainee' and 'pgdrill drill:/,+2d' in e['text'] and e['data']['host'] == '$p' for e in s['events'])"
check "its goals are verdicts, all passed, and it passed" by_hand "$run/journal.json" \
	"s['outcome'] == 'passed' and len(s['checks']) == 5 and all(c['passed'] for c in s['checks'])"
check "time to detect: the trainee's first command on $p that read pg_hba" by_hand "$run/journal.json" \
	"[c['detail'] for c in s['checks'] if c['name'] == 'time to detect'] == [[e['data']['command'] for e in s['events'] if e['kind'] == 'trainee' and e['data']['host'] == '$p'][0]] and not any(e['kind'] == 'trainee' and e['data']['command'] == 'bash' for e in s['events']) and 'pg_hba' in [c['detail'] for c in s['checks'] if c['name'] == 'time to detect'][0]"
check "and the briefing's end says it" grep -q "^  time to detect: [0-9]* s (on $p: " "$work/h1"
check "report.html holds it" grep -q "fix_pg_hba, by hand" "$run/report.html"
check_healthy "healthy after fix_pg_hba" "$manual"

# fix_pg_hba, the wrong fix: trust.
train --no-watch "$manual" fix_pg_hba >/dev/null 2>&1
p=$(recalled it-train primary)
as_dba "$manual" "$p" 'sed -i "1i host all all 10.231.26.0/24 trust" "$PGDATA/pg_hba.conf" && psql -X -qAt -c "SELECT pg_reload_conf()"' >/dev/null
train "$manual" status >"$work/h2" 2>&1
rc=$?
check "a trust line: exit 1, FAILED (got $rc)" bash -c "test $rc = 1 && grep -q ': FAILED$' $work/h2"
check "the trust line is gone with the revert" \
	bash -c "! grep -q ' trust$' <(grep -v haproxy_check $STATE_DIR/labs/it-train/hosts/$p/data/pg_hba.conf)"

# give-up: the solution, the lab repaired. On the way, the tmux session: a pane per host,
# a shell in each, whose lines reach the debrief.
train --no-watch "$manual" fix_pg_hba >"$work/g0" 2>&1
p=$(recalled it-train primary)
tm() { tmux -L pgdrill-it-train "$@"; }
check "the briefing names the tmux session" grep -q "tmux -L pgdrill-it-train attach" "$work/g0"
check "a pane per host, titled with its name" \
	test "$(tm list-panes -t it-train:hosts -F '#{pane_title}' | sort | tr '\n' ' ')" = \
	"$(lab_field "$manual" hosts | tr ' ' '\n' | sort | tr '\n' ' ')"
pane=$(tm list-panes -t it-train:hosts -F '#{pane_index} #{pane_title}' | awk -v h="$p" '$2 == h {print $1}')
tm send-keys -t "it-train:hosts.$pane" "psql -X -c 'TABLE pg_hba_file_rules' >/dev/null" Enter
typed() { grep -q "TABLE pg_hba_file_rules" "$STATE_DIR/labs/it-train/training-shells/$p@postgres"; }
check "what the trainee types in $p's pane is in its shell's history" wait_until 20 typed
train "$manual" give-up >"$work/g1" 2>&1
rc=$?
check "give-up: exit 0, the solution shown (got $rc)" \
	bash -c "test $rc = 0 && grep -q 'what a DBA would type' $work/g1 && grep -q 'pg_reload_conf' $work/g1"
check "time to detect: the line typed in the pane" \
	grep -q "^  time to detect: [0-9]* s (on $p: psql -X -c 'TABLE pg_hba_file_rules'" "$work/g1"
check "the tmux session ended with the exercise" bash -c "! tmux -L pgdrill-it-train ls 2>/dev/null"
train "$manual" status >/dev/null 2>&1
rc=$?
check "status after give-up is exit 1 (got $rc)" test "$rc" = 1
check_healthy "healthy after give-up" "$manual"

# standby_disk_full: the ballast found and removed, the standby started and caught up.
train --no-watch "$manual" standby_disk_full >/dev/null 2>&1
s=$(recalled it-train standby)
# in an interactive shell on the standby, whose lines the debrief reads from its history
shell_rm() {
	printf '%s\n' 'ls "$PGDATA"/.. >/dev/null' 'rm "$PGDATA"/../pgdrill-ballast-*' 'exit 0' |
		"$PGDRILL" exec "$manual" "$s" --user root -- bash -i >/dev/null 2>&1
	! ls "$STATE_DIR/labs/it-train/hosts/$s/"pgdrill-ballast-* >/dev/null 2>&1
}
check "the trainee removes what filled $s's disk, in a shell there" shell_rm
as_dba "$manual" "$s" 'pg_ctl status >/dev/null || pg_ctl start -l "$PGDATA/../run/postgres.log" >/dev/null'
disk_solved() { train "$manual" status >"$work/d1" 2>&1; }
check "standby_disk_full is solved once $s caught up" wait_until 60 disk_solved
check_healthy "healthy after standby_disk_full" "$manual"
run=$(ls -d "$work"/runs/*-it-train-train-standby_disk_full | tail -1)
check "the debrief has the shell's lines, as typed, from its history" by_hand "$run/journal.json" \
	"[c for c in [e['data']['command'] for e in s['events'] if e['kind'] == 'trainee' and e['data']['user'] == 'root'] if c.startswith(('ls ', 'rm '))] == ['ls \"\$PGDATA\"/.. >/dev/null', 'rm \"\$PGDATA\"/../pgdrill-ballast-*']"

# haproxy_writes_to_standby: the wrong fix (the standbys' server lines deleted: writes
# reach the primary today, and nowhere after a failover) is not solved; the agent check is.
as_haproxy() { # command, on the haproxy host as user haproxy
	"$PGDRILL" exec --user haproxy "$manual" "$(recalled it-train proxy)" -- sh -c "$1"
}
restart_haproxy='haproxy -c -q -f "$HAPROXY_CFG" && haproxy -D -f "$HAPROXY_CFG" -sf $(ss -Hltnp "sport = :5000" | grep -o "pid=[0-9]*" | cut -d= -f2 | sort -u)'
train --no-watch "$manual" haproxy_writes_to_standby >"$work/x1" 2>&1
check "haproxy_writes_to_standby breaks the lab" grep -q "^== writes fail now and then" "$work/x1"
p=$(recalled it-train primary)
as_haproxy "sed -i '/^listen write_tcp/,/^\$/{/^    server /{/ $p /!d}}' \"\$HAPROXY_CFG\" && $restart_haproxy"
sleep 3
train "$manual" status >"$work/x2" 2>&1
rc=$?
check "only the primary left as a server is not solved (exit 1, got $rc)" \
	bash -c "test $rc = 1 && grep -q 'is no server of write_tcp' $work/x2"
train "$manual" give-up >/dev/null 2>&1
check_healthy "healthy after the wrong haproxy fix" "$manual"
cfg=$STATE_DIR/labs/it-train/hosts/$(recalled it-train proxy)/conf/haproxy.cfg
check "the revert gave write_tcp its own check back" \
	bash -c "grep -A8 '^listen write_tcp' '$cfg' | grep -q 'tcp-check expect'"
train --no-watch "$manual" haproxy_writes_to_standby >/dev/null 2>&1
as_haproxy 'sed -i "/^listen write_tcp/,/^\$/{s|^    option pgsql-check.*|    option httpchk GET /primary\n    http-check expect status 200|;s| check\$| check port 8008|}" "$HAPROXY_CFG"'
as_haproxy "$restart_haproxy"
haproxy_solved() { train "$manual" status >"$work/x3" 2>&1; }
check "the agent check solves haproxy_writes_to_standby" wait_until 30 haproxy_solved
check_healthy "healthy after haproxy_writes_to_standby" "$manual"

# restore_dropped_table: a table of the same name with the wrong rows is not solved; the
# point-in-time restore into the spare and the copy back are, and the spare is emptied.
train --no-watch "$manual" restore_dropped_table >"$work/t1" 2>&1
check "restore_dropped_table breaks the lab" grep -q "^== a table was dropped" "$work/t1"
p=$(recalled it-train primary)
as_dba "$manual" "$p" "psql -X -q -d books -c 'CREATE TABLE invoices AS SELECT g AS id, g * 1.5 AS amount FROM generate_series(1, 999) g'"
train "$manual" status >"$work/t2" 2>&1
rc=$?
check "999 rows recreated by hand are not solved (exit 1, got $rc)" \
	bash -c "test $rc = 1 && grep -q '\[ \] invoices is back on the primary, every row: 999 rows' $work/t2"
as_dba "$manual" "$p" "psql -X -q -d books -c 'DROP TABLE invoices'"
before=$(awk '$1 == "remember" && $2 == "before" {print $3 " " $4}' "$STATE_DIR/labs/it-train/training")
as_barman() { # host command
	"$PGDRILL" exec --user barman "$manual" "$1" -- sh -c "$2"
}
check "barman archives the open WAL segment" \
	as_barman barman 'barman -c "$BARMAN_CONF" switch-wal --force --archive --archive-timeout 60 pg'
"$PGDRILL" exec --user root "$manual" restore -- \
	sh -c 'install -d -o barman -m 700 "$PGDATA" && install -d -o barman -m 755 "$PGHOST"'
check "barman recover --target-time '$before' into the spare" \
	as_barman restore "barman -c \"\$BARMAN_CONF\" recover --target-time '$before' --target-action promote pg latest \"\$PGDATA\""
check "the restored server starts on the spare" \
	as_barman restore 'pg_ctl -D "$PGDATA" -l "$PGHOST/restore.log" -w -t 120 -o "-k $PGHOST -c listen_addresses=* -c primary_conninfo= -c shared_preload_libraries= -c max_wal_senders=16" start'
check "the table is copied back into the primary" \
	as_dba "$manual" "$p" 'pg_dump -h restore -d books -t invoices | psql -X -q -d books'
restored() { train "$manual" status >"$work/t3" 2>&1; }
check "restore_dropped_table is solved" wait_until 30 restored
check "the spare is empty again" test ! -e "$STATE_DIR/labs/it-train/hosts/restore/data"
check_healthy "healthy after restore_dropped_table" "$manual"

# down ends a running exercise's tmux session with the lab.
train --no-watch "$manual" fix_pg_hba >/dev/null 2>&1
check "an exercise's tmux session runs" tmux -L pgdrill-it-train has-session -t it-train
record_lab_pids it-train
check "down the manual lab" "$PGDRILL" down "$manual"
assert_no_debris it-train 10.231.26.0/24
check "no tmux server of the lab is left" bash -c "! tmux -L pgdrill-it-train ls 2>/dev/null"

# rejoin_old_primary on a lab with automatic failover: solved with a plain rejoin.
train --no-watch "$auto" rejoin_old_primary >"$work/r1" 2>&1
check "rejoin_old_primary breaks the lab" grep -q "^== after a failover" "$work/r1"
old=$(recalled it-train-a old)
new=$(recalled it-train-a new)
check "repmgrd promoted $new" test "$(primaries "$auto" | tr '\n' ' ')" = "$new "
check "the trainee rejoins $old with pg_rewind" as_dba "$auto" "$old" \
	"repmgr -f \"\$REPMGR_CONF\" node rejoin -d 'host=$new user=repmgr dbname=repmgr' --force-rewind"
rejoin_solved() { train "$auto" status >"$work/r2" 2>&1; }
check "rejoin_old_primary is solved" wait_until 30 rejoin_solved
run=$(ls -d "$work"/runs/*-it-train-a-train-rejoin_old_primary | tail -1)
check "the debrief has repmgr's own record of the rejoin" by_hand "$run/journal.json" \
	"any(e['kind'] == 'repmgr' and 'node_rejoin (ok)' in e['text'] for e in s['events'])"
check "$old streams from $new, as $new says" \
	test "$(node_sql "$auto" "$new" "SELECT state FROM pg_stat_replication WHERE application_name = '$old'")" = streaming

# The wrong fix: the old primary started as it was.
train --no-watch "$auto" rejoin_old_primary >/dev/null 2>&1
old=$(recalled it-train-a old)
as_dba "$auto" "$old" 'pg_ctl start -l "$PGDATA/../run/postgres.log"' >/dev/null
train "$auto" status >"$work/r3" 2>&1
rc=$?
check "the old primary started as it was: exit 1, FAILED (got $rc)" \
	bash -c "test $rc = 1 && grep -q ': FAILED$' $work/r3"
check_healthy "healthy after it" "$auto"
record_lab_pids it-train-a
check "down the automatic lab" "$PGDRILL" down "$auto"
assert_no_debris it-train-a 10.231.27.0/24
finish
