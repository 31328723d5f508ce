#!/bin/bash
# The `existing` provider against real sshds: a netns lab whose hosts each run an sshd of
# this test's own (keys made here, UsePAM yes, absolute config path), then described
# again as an existing lab that pgdrill reaches only over SSH, from inside the lab's
# client namespace. The standard drills pass on it with pgdrill in a mount and PID
# namespace of its own where the hosts' directories are hidden and their processes
# invisible: whatever it did to them went over SSH. Then: SIGKILL mid-fault and `down`
# reverts over SSH; a fault the lab does not allow. Host keys: unknown (refused, nothing
# sent), accepted with --accept-new-host-keys, pinned, wrongly pinned, changed. Logins:
# a user with sudo NOPASSWD, root, a refused key, sudo that asks for a password. An
# address where nothing listens (inside the lab's subnet: no packet leaves this machine),
# a host where every command hangs, a host missing a tool its role needs, a root that
# is another node's (PostgreSQL's own data directory, discovered, says so).
# `down` forgets the existing lab and leaves its hosts running.
# Usage: test_existing.sh PGDRILL REPO_DIR
set -u
PGDRILL=$(realpath "$1")
cd "$2" || exit 2
. tests/integration/lib.sh

BUILT=tests/labs/integration/ssh_built.yaml
NET=10.231.21
HOSTS="postgres1:11:primary postgres2:12:standby postgres3:13:standby haproxy:14:proxy
barman:15:barman restore:16:spare"
BUILT_DIR=$STATE_DIR/labs/it-ssh
LOGIN=pgdrill-it
SUDOERS=/etc/sudoers.d/pgdrill-it
work=$(mktemp -d /tmp/pgdrill-it-existing-XXXXXX)
EX_DIR=$STATE_DIR/labs/it-ex
declare -A SSHD_PID
declare -A ROOT_OF # host -> the built host whose directory write_lab gives as its root (or a path)
SSHD_WRAP=(env)

stop_sshd() { # host
	local pid=${SSHD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	SSHD_PID[$1]=
}

start_sshd() { # host address
	cat >"$work/$1.conf" <<-EOF
		ListenAddress $2
		Port 22
		HostKey $work/$1.key
		PidFile $work/$1.pid
		AuthorizedKeysFile $work/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM yes
		StrictModes no
		Subsystem sftp internal-sftp
		${SSHD_EXTRA:-}
	EOF
	# In the host's namespace, in the foreground (-D) so that its PID is ours to end. The
	# log is appended to: only a line after the ones already there says this one listens.
	local seen
	seen=$(cat "$work/$1.log" 2>/dev/null | wc -l)
	# SSHD_WRAP: a command that execs the rest (a mount namespace hiding a tool).
	"${SSHD_WRAP[@]}" ip netns exec "pgd-it-ssh.$1" /usr/sbin/sshd -D -e -f "$work/$1.conf" \
		2>>"$work/$1.log" &
	SSHD_PID[$1]=$!
	wait_until 10 bash -c "tail -n +$((seen + 1)) '$work/$1.log' | grep -q 'Server listening on $2'"
}

cleanup() {
	local h
	for h in $HOSTS; do stop_sshd "${h%%:*}"; done
	"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1
	"$PGDRILL" down "$BUILT" >/dev/null 2>&1
	rm -f "$SUDOERS"
	id "$LOGIN" >/dev/null 2>&1 && userdel "$LOGIN"
	rm -rf "$work"
}
trap cleanup EXIT

fingerprint() { ssh-keygen -lf "$work/$1.key.pub" | awk '{print $2}'; }
secret() { sed -n "s/^$1=//p" "$BUILT_DIR/secrets"; }

# pgdrill where the hosts' directories are hidden (an empty tmpfs over the built lab's
# directory) and their processes invisible (a PID namespace of its own): a local file
# access or signal to a host could not succeed.
guarded() {
	unshare --mount --pid --fork --kill-child --mount-proc sh -c \
		'mount -t tmpfs pgdrill-guard "$0" && exec "$@"' "$BUILT_DIR" "$@"
}
postmaster() { head -1 "$BUILT_DIR/hosts/$1/data/postmaster.pid" 2>/dev/null; }
proc_state() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# The existing lab: every host reached as $LOGIN with sudo, unless the arguments say
# otherwise: KEY=VALUE pairs put in each host's ssh section (HOST.KEY=VALUE: that host's).
write_lab() {
	local h name n role extra kv root
	{
		echo "name: it-ex"
		echo "environment: test"
		echo "provider: {kind: existing, network_namespace: pgd-it-ssh.client, ssh_user: $LOGIN, ssh_key: $work/client}"
		# The cluster's passwords: the built lab's own.
		echo "credentials: {superuser_password: $(secret superuser), app_password: $(secret app)}"
		echo "hosts:"
		for h in $HOSTS $EXTRA_HOSTS; do
			IFS=: read -r name n role <<<"$h"
			extra=""
			for kv in "$@"; do
				case $kv in
				"$name".*) kv=${kv#"$name".} ;;
				*.*=*) continue ;;
				esac
				extra="$extra, ${kv%%=*}: \"${kv#*=}\""
			done
			root=${ROOT_OF[$name]:-$name}
			[[ $root == /* ]] || root=$BUILT_DIR/hosts/$root
			# barman restores into the spare over its own SSH, as postgres there.
			extra="$extra}"
			if [ "$role" = spare ]; then
				extra="$extra, barman_ssh: \"ssh -F $work/barman-ssh/config postgres@$NET.$n\""
			fi
			# A node's server writes its log outside its root (where the built lab has it):
			# declared, as a DBA declares Debian's /var/log/postgresql/postgresql-15-main.log.
			case $role in
			primary | standby) extra="$extra, paths: {server_log: $BUILT_DIR/logs/$name/postgres.log}" ;;
			esac
			echo "  - {name: $name, role: $role, address: $NET.$n, root: $root, ssh: {port: 22$extra}"
		done
	} >"$work/lab.yaml"
}
EXTRA_HOSTS=""

up() { "$PGDRILL" up "$@" "$work/lab.yaml" >"$work/out" 2>&1; }
said() { grep -q -- "$1" "$work/out"; }
logins() { cat "$work"/*.log | grep -c "Accepted publickey"; }

# ---- the lab, its sshds, the login user ----
"$PGDRILL" down "$BUILT" >/dev/null 2>&1
check "the netns lab comes up" "$PGDRILL" up -q "$BUILT" || { finish; exit 1; }
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/client"
ssh-keygen -q -t ed25519 -N '' -f "$work/stranger"
cp "$work/client.pub" "$work/authorized_keys"
# sshd reads authorized_keys as the login user; the private keys stay root's alone.
chmod 0755 "$work"
chmod 0644 "$work/authorized_keys"
# No password at all ('*'), not a locked one ('!'): sshd refuses a locked account.
id "$LOGIN" >/dev/null 2>&1 || useradd -M -s /bin/sh -p '*' "$LOGIN"
echo "$LOGIN ALL=(ALL) NOPASSWD: ALL" >"$SUDOERS"
chmod 0440 "$SUDOERS"
for h in $HOSTS; do
	IFS=: read -r name n role <<<"$h"
	ssh-keygen -q -t ed25519 -N '' -f "$work/$name.key"
	check "sshd listens on $name" start_sshd "$name" "$NET.$n"
done
# barman's own key to the spare (the restore host), and the spare's host key known to it.
mkdir -p "$work/barman-ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/barman-ssh/id"
cat "$work/barman-ssh/id.pub" >>"$work/authorized_keys"
echo "$NET.16 $(cat "$work/restore.key.pub")" >"$work/barman-ssh/known_hosts"
printf 'IdentityFile %s\nUserKnownHostsFile %s\nStrictHostKeyChecking yes\nBatchMode yes\n' \
	"$work/barman-ssh/id" "$work/barman-ssh/known_hosts" >"$work/barman-ssh/config"
chown -R barman:barman "$work/barman-ssh"

# ---- unknown host keys: refused before anything is sent ----
write_lab
before=$(logins)
up
check "unknown host keys: exit 2" test $? = 2
check "unknown host keys: the error names the key and the way out" \
	said "unknown host key $(fingerprint postgres1)"
check "unknown host keys: --accept-new-host-keys is named" said "accept-new-host-keys"
check "unknown host keys: no login happened" test "$(logins)" = "$before"
check "unknown host keys: no lab directory is left" test ! -e "$EX_DIR"

# ---- accepted on first contact, then known ----
up --accept-new-host-keys
check "accepted: exit 0" test $? = 0
for h in postgres1 postgres2 haproxy; do
	check "accepted: $h's fingerprint is printed" said "accepted new host key $(fingerprint $h)"
done
check "accepted: six keys recorded" test "$(wc -l <"$EX_DIR/known_hosts")" = 6
check "accepted: the primary accepts connections" said "postgres1 .*PostgreSQL accepts connections"
check "accepted: haproxy runs" said "haproxy .*haproxy runs"
check "accepted: the state names the provider" grep -q "^lab it-ex .* existing$" "$EX_DIR/state"
# What the hosts' services say, beside what the lab declares.
check "discovered: postgres2's data directory, asked of PostgreSQL, is where the lab says" \
	said "postgres2: data directory $BUILT_DIR/hosts/postgres2/data (SHOW data_directory): as declared"
check "discovered: repmgr knows postgres3 as a standby" \
	said "postgres3: repmgr node standby (repmgr.nodes): as declared"
check "discovered: haproxy has the write listener" \
	said "haproxy: listener write_tcp OPEN (haproxy show stat): as declared"
check "discovered: barman has the lab's server" \
	said "barman: barman server pg (barman list-server): as declared"
check "discovered: postgres1's server log, declared, can be read" \
	said "postgres1: server log $BUILT_DIR/logs/postgres1/postgres.log (the lab file): as declared, readable"
check "discovered: barman logs in to the spare with its barman_ssh" \
	said "restore: barman_ssh ssh -F $work/barman-ssh/config postgres@$NET.16 (tried as barman on barman): barman logs in with it"
"$PGDRILL" show "$work/lab.yaml" >"$work/show" 2>&1
check "show: the discovered facts follow the declared lab, as comments" \
	grep -Eq "^#   postgres1 +data directory +$BUILT_DIR/hosts/postgres1/data \(SHOW data_directory\): as declared" \
	"$work/show"
"$PGDRILL" status "$work/lab.yaml" >"$work/out" 2>&1
check "status: exit 0 with the known keys" test $? = 0
check "status: no key is accepted again" bash -c "! grep -q accepted '$work/out'"
up
check "up again: already up" said "already up"
# exec over SSH: psql as postgres on the node, over its own socket there.
check "exec: psql on postgres1 over SSH says it is the primary" test \
	"$("$PGDRILL" exec "$work/lab.yaml" postgres1 -- psql -X -At -c 'SELECT pg_is_in_recovery()')" = f
"$PGDRILL" exec --user root "$work/lab.yaml" postgres2 -- sh -c 'id -u; echo err >&2; exit 3' \
	>"$work/out" 2>"$work/err"
check "exec: the command's exit status comes back (3)" test $? = 3
# (sshd may say first that the login user has no home directory.)
check "exec: its stdout and stderr come back apart, as root" \
	bash -c "test \"\$(cat '$work/out')\" = 0 && test \"\$(tail -1 '$work/err')\" = err"
echo "SELECT 40 + 2" | "$PGDRILL" exec "$work/lab.yaml" postgres1 -- psql -X -At >"$work/out" 2>&1
check "exec: piped input reaches psql over SSH" said "^42"
# At a terminal (script(1) gives pgdrill one): a terminal on the host too, what is typed
# runs there, and the shell's exit status comes back.
script -qec "'$PGDRILL' exec '$work/lab.yaml' postgres1 -- sh -c 'test -t 0 && echo has-a-terminal'" \
	/dev/null </dev/null >"$work/out" 2>&1
check "exec at a terminal: the command has a terminal on the host" said "has-a-terminal"
script -qec "'$PGDRILL' exec '$work/lab.yaml' postgres1 -- bash --norc -i" /dev/null \
	<<<$'echo answer-$((6 * 7))\nexit 7\n' >"$work/out" 2>&1
rc=$?
check "exec at a terminal: an interactive shell over SSH runs what is typed" said "answer-42"
check "exec at a terminal: the shell's exit status comes back (exit $rc)" test "$rc" = 7

# ---- the standard drills, purely over SSH ----
check "the guard hides the hosts' files" bash -c \
	"$(declare -f guarded); BUILT_DIR=$BUILT_DIR; guarded test ! -e $BUILT_DIR/hosts"
old_pm=$(postmaster postgres1)
# Six of the twelve scenarios; PGDRILL_IT_ALL_SCENARIOS=1 runs every one of scenarios/
# (about three minutes more). slow_primary then ends with the verdict it has on a netns
# lab too: repmgrd promotes a standby while the slow primary lives on, and the drill
# fails on the two primaries (exit 1).
drills=(kill_primary fill_disk break_pg_hba barman_restore fill_disk_primary slow_standbys)
want_rc=0
if [ -n "${PGDRILL_IT_ALL_SCENARIOS:-}" ]; then
	drills=($(cd scenarios && ls *.lua | sed 's/\.lua$//'))
	want_rc="[01]"
fi
guarded "$PGDRILL" run --runs-dir "$work/runs" "$work/lab.yaml" \
	$(printf 'scenarios/%s.lua ' "${drills[@]}") >"$work/drills.out" 2>&1
rc=$?
check "drills over SSH: exit $want_rc (exit $rc)" grep -Eqx "$want_rc" <<<"$rc" ||
	tail -40 "$work/drills.out"
for d in "${drills[@]}"; do
	if [ "$d" = slow_primary ]; then
		check "drills over SSH: $d ends with a verdict" grep -Eq "^  $d +(passed|failed)" "$work/drills.out"
	else
		check "drills over SSH: $d passed" grep -Eq "^  $d +passed" "$work/drills.out"
	fi
done
# The full primary's own word, read over SSH from the log the lab declares.
check "fill_disk_primary bit: the primary logged that its disk was full" \
	grep -Eq "fill_disk on postgres[123] took effect: postgres.log: .*No space left on device" \
	"$work/drills.out"
# The delayer that held the standbys' packets ran from its copy in pgdrill's own directory
# on the hosts (here one directory: the hosts share this machine's disk), put there over
# SSH: pgdrill's own program, byte for byte.
check "slow_standbys: pgdrill's delayer was copied to the hosts over SSH" \
	cmp "$(dirname "$PGDRILL")/pgdrill-delayer" /var/lib/pgdrill-remote/it-ex/bin/pgdrill-delayer
check "slow_standbys: the delayer served the standbys' packets there" \
	grep -Eq "delay on postgres[123] took effect: the delayer held [1-9][0-9]* packets" "$work/drills.out"
# Ended at the revert by PID, over SSH: a process of the host's own, as pgdrill sees it.
check "slow_standbys: no delayer runs after the drill" \
	bash -c "! ps -eo args | grep '^[^ ]*pgdrill-delayer '"
check "barman_restore: into the spare over barman's own SSH, as postgres" \
	grep -q "recover --remote-ssh-command 'ssh -F $work/barman-ssh/config postgres@$NET.16'" \
	"$work/drills.out"
# The independent observer: each node asked over its own socket, not through pgdrill.
check "kill_primary bit: postgres1's postmaster is another process now" \
	test "$(postmaster postgres1)" != "$old_pm"
# (After two failovers, kill_primary's and fill_disk_primary's, any node may be primary.)
check "after the drills: exactly one primary ($(primaries "$BUILT" | tr '\n' ' '))" \
	test "$(primaries "$BUILT" | wc -l)" = 1
check_healthy "after the drills the built lab is healthy" "$BUILT"
check "the restarted daemons logged on the hosts, not here" \
	test -s "/var/lib/pgdrill-remote/it-ex/logs/postgres1/repmgrd.log"

# ---- SIGKILL mid-fault, then down reverts over SSH ----
hba_before=$(md5sum <"$BUILT_DIR/hosts/postgres2/data/pg_hba.conf")
guarded "$PGDRILL" run --runs-dir "$work/runs" "$work/lab.yaml" tests/lua/leave_faults_remote.lua \
	>"$work/left.out" 2>&1 &
pid=$!
check "the faults were applied" wait_until 180 grep -q "ALL FAULTS APPLIED" "$work/left.out" ||
	tail -20 "$work/left.out"
p3=$(postmaster postgres3)
check "postgres3's postmaster is stopped" test "$(proc_state "$p3")" = T
check "postgres2's disk holds a ballast file" bash -c "ls $BUILT_DIR/hosts/postgres2/ | grep -q ballast"
check "haproxy has a pgdrill nftables table" bash -c \
	"ip netns exec pgd-it-ssh.haproxy nft list tables | grep -q pgdrill_partition"
check "postgres2's packets go to a delayer" bash -c \
	"ip netns exec pgd-it-ssh.postgres2 iptables -w 5 -S OUTPUT | grep -q 'pgdrill-delay-.* NFQUEUE' &&
	ps -eo args | grep -q '^[^ ]*pgdrill-delayer '"
# $! is the background subshell; unshare is its child, and --kill-child takes pgdrill.
kill -KILL $(pgrep -P $pid) $pid 2>/dev/null
wait $pid 2>/dev/null
# The lab file changes meanwhile (a user nobody logs in as): down reaches the hosts as
# 'up' recorded them, from the lab's own directory.
write_lab "user=nobody-here"
guarded "$PGDRILL" down "$work/lab.yaml" >"$work/out" 2>&1
rc=$?
check "down after SIGKILL mid-fault: exit 0 (exit $rc)" test "$rc" = 0 || cat "$work/out"
check "down: says the lab file changed and uses the recorded inventory" \
	said "changed since 'up'; the hosts are reached as recorded then"
write_lab
for kind in fill_disk break_hba partition pause delay; do
	check "down: says it reverts $kind" said "reverting $kind on"
done
check "down: postgres3's postmaster runs again" test "$(proc_state "$p3")" != T
check "down: the ballast file is gone" bash -c "! ls $BUILT_DIR/hosts/postgres2/ | grep -q ballast"
check "down: postgres2's pg_hba.conf is its own again" \
	test "$(md5sum <"$BUILT_DIR/hosts/postgres2/data/pg_hba.conf")" = "$hba_before"
check "down: haproxy's nftables table is gone" bash -c \
	"! ip netns exec pgd-it-ssh.haproxy nft list tables | grep -q pgdrill_"
check "down: postgres2's delay rule is gone, and its delayer" bash -c \
	"! ip netns exec pgd-it-ssh.postgres2 iptables -w 5 -S OUTPUT | grep -q pgdrill-delay- &&
	! ps -eo args | grep -q '^[^ ]*pgdrill-delayer '"
check "down: the lab directory is gone" test ! -e "$EX_DIR"
check "down: pgdrill's own directory on the hosts is gone" test ! -e /var/lib/pgdrill-remote
# Whatever down did, nothing below may wait on a stopped server.
kill -CONT "$p3" 2>/dev/null

# ---- a fault the lab does not allow ----
write_lab
sed -i 's/^environment: test/environment: staging/' "$work/lab.yaml"
up --accept-new-host-keys
check "staging lab: up" test $? = 0
pm=$(primaries "$BUILT")
old_pm=$(postmaster "$pm")
guarded "$PGDRILL" run --runs-dir "$work/runs" "$work/lab.yaml" scenarios/kill_primary.lua \
	>"$work/out" 2>&1
check "a fault not allowed: exit 2" test $? = 2
check "a fault not allowed: says which and how to allow it" said "does not allow the fault 'kill'"
check "a fault not allowed: the primary was not touched" test "$(postmaster "$pm")" = "$old_pm"
"$PGDRILL" down "$work/lab.yaml" >"$work/out" 2>&1
check "down: exit 0" test $? = 0
check "down: the lab directory is gone" test ! -e "$EX_DIR"
check "down: the hosts still run their cluster" bash -c "\"$PGDRILL\" status $BUILT >/dev/null"

# ---- pinned keys ----
pins=()
for h in $HOSTS; do pins+=("${h%%:*}.known_host_key=$(fingerprint "${h%%:*}")"); done
write_lab "${pins[@]}"
up
check "pinned: exit 0 without --accept-new-host-keys" test $? = 0
check "pinned: each pinned key is said" test "$(grep -c "pinned host key" "$work/out")" = 6
"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1
write_lab "postgres1.known_host_key=$(fingerprint postgres2)"
up --accept-new-host-keys
check "wrongly pinned: exit 2 even with --accept-new-host-keys" test $? = 2
check "wrongly pinned: says which key it found" said "the host key is $(fingerprint postgres1), not the pinned"
check "wrongly pinned: no lab directory is left" test ! -e "$EX_DIR"

# ---- a changed host key ----
write_lab
up --accept-new-host-keys
check "before the change: up" test $? = 0
stop_sshd postgres1
rm -f "$work/postgres1.key" "$work/postgres1.key.pub"
ssh-keygen -q -t ed25519 -N '' -f "$work/postgres1.key"
check "postgres1's sshd restarts with a new host key" start_sshd postgres1 "$NET.11"
before=$(grep -c "Accepted publickey" "$work/postgres1.log")
"$PGDRILL" status "$work/lab.yaml" >"$work/out" 2>&1
check "changed key: status exits 2" test $? = 2
check "changed key: the error says CHANGED and names the new key" \
	said "host key CHANGED.*$(fingerprint postgres1)"
check "changed key: no login on postgres1" \
	test "$(grep -c "Accepted publickey" "$work/postgres1.log")" = "$before"
"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1
check "changed key: down still forgets the lab" test ! -e "$EX_DIR"

# ---- logins that fail ----
write_lab "key=$work/stranger"
up --accept-new-host-keys
check "refused key: exit 2" test $? = 2
check "refused key: says authentication was refused" said "authentication refused for user $LOGIN"
check "refused key: no lab directory is left" test ! -e "$EX_DIR"

rm -f "$SUDOERS"
write_lab
up --accept-new-host-keys
check "sudo asks for a password: exit 2" test $? = 2
check "sudo asks for a password: says so, with the ways out" said "sudo asks for a password for $LOGIN"
check "sudo asks for a password: no lab directory is left" test ! -e "$EX_DIR"
echo "$LOGIN ALL=(ALL) NOPASSWD: ALL" >"$SUDOERS"
chmod 0440 "$SUDOERS"

write_lab "postgres1.user=root" "postgres1.become=none"
up --accept-new-host-keys
check "root login: exit 0" test $? = 0
check "root login: the primary answers" said "postgres1 .*reached, root"
"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1

# ---- a root reached through a symbolic link is the node's own ----
ln -s "$BUILT_DIR/hosts/postgres2" "$work/postgres2-link"
ROOT_OF[postgres2]=$work/postgres2-link/
write_lab
up --accept-new-host-keys
check "a root through a symbolic link: exit 0" test $? = 0
check "a root through a symbolic link: the data directory is the declared one" \
	said "postgres2: data directory $BUILT_DIR/hosts/postgres2/data (SHOW data_directory): as declared"
"$PGDRILL" down "$work/lab.yaml" >/dev/null 2>&1
ROOT_OF=()

# ---- a declared root that is not the node's: PostgreSQL says where its data is ----
ROOT_OF[postgres2]=postgres3
write_lab
up --accept-new-host-keys
check "another node's root: exit 2" test $? = 2
check "another node's root: says where PostgreSQL's data directory is, and what was declared" \
	said "postgres2: data directory $BUILT_DIR/hosts/postgres2/data (SHOW data_directory): not $BUILT_DIR/hosts/postgres3/data"
check "another node's root: no lab directory is left" test ! -e "$EX_DIR"
ROOT_OF=()

# ---- an address where nothing listens (inside the lab's subnet) ----
EXTRA_HOSTS="ghost:99:witness"
write_lab
up --accept-new-host-keys
check "unreachable host: exit 2" test $? = 2
check "unreachable host: names it" said "host ghost ($LOGIN@$NET.99:22): cannot connect"
check "unreachable host: the others were still checked" said "postgres2 .*reached, root"
check "unreachable host: no lab directory is left" test ! -e "$EX_DIR"
EXTRA_HOSTS=""

# ---- a host where every command hangs (sshd runs 'sleep 120' whatever is asked) ----
stop_sshd postgres2
SSHD_EXTRA="ForceCommand sleep 120" start_sshd postgres2 "$NET.12"
write_lab
t0=$SECONDS
up --accept-new-host-keys
rc=$?
took=$((SECONDS - t0))
check "hanging host: exit 2 (exit $rc)" test "$rc" = 2
check "hanging host: names the host and the deadline" said "postgres2 .*did not finish within"
check "hanging host: up ended on the check's deadline, not the command's end ($took s)" \
	test "$took" -lt 60
check "hanging host: no lab directory is left" test ! -e "$EX_DIR"
# The sessions' 'sleep 120' are this sshd's descendants: ended by PID, with it.
descendants() { local c; for c in $(pgrep -P "$1"); do descendants "$c"; echo "$c"; done; }
kill $(descendants "${SSHD_PID[postgres2]}") 2>/dev/null
stop_sshd postgres2
start_sshd postgres2 "$NET.12"

# ---- a tool missing on a host (haproxy hidden from its sshd's sessions) ----
stop_sshd haproxy
hap=$(command -v haproxy)
SSHD_WRAP=(unshare --mount sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$hap")
check "haproxy's sshd runs where haproxy is missing" start_sshd haproxy "$NET.14"
SSHD_WRAP=(env)
write_lab
up --accept-new-host-keys
check "missing tool: exit 2" test $? = 2
check "missing tool: names the host, the tool and what it stops" \
	said "host haproxy: 'haproxy' is not installed; it stops every drill"
check "missing tool: no lab directory is left" test ! -e "$EX_DIR"
stop_sshd haproxy
start_sshd haproxy "$NET.14"

# ---- bad inventory: file:line:col, exit 2 ----
write_lab "postgres2.known_host_key=MD5:00:11"
up
check "bad fingerprint: exit 2" test $? = 2
check "bad fingerprint: file:line:col" said "lab.yaml:7:[0-9]*: .*known_host_key"
write_lab "key=relative/key"
up
check "relative key path: exit 2" test $? = 2
check "relative key path: says so" said "ssh.key must be an absolute path"

cleanup
trap - EXIT
check "the netns lab is gone" test ! -e "$STATE_DIR/labs/it-ssh"
finish
