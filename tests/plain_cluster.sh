#!/bin/bash
# A PostgreSQL high-availability cluster built by hand, with nothing of pgdrill: the
# steps a DBA takes following the classic tutorial (initdb, repmgr primary register,
# repmgr standby clone, repmgrd, haproxy with a health check that asks each node whether
# it is in recovery, barman streaming WAL with a first backup from whichever node takes
# writes, and a spare server that barman reaches over SSH as postgres to restore into),
# in a layout of its own: the data directory in DIR/postgresN/main, postgresql.conf,
# pg_hba.conf and repmgr.conf in DIR/postgresN/etc (as Debian keeps them apart), the
# socket in DIR/postgresN/run, port 5433, servers started and stopped with `pg_ctl -D
# DIR/postgresN/etc`; haproxy's stats socket in DIR/proxy/run/admin.sock; barman's
# configuration in DIR/barman/etc/barman.conf (its server is `main`), its password file
# in DIR/barman/pgpass, `barman cron` run by a loop of this script every 5 s (the cron
# job a DBA installs). Each host lives in a network namespace this script makes (pgp-*,
# subnet 10.231.31.0/24, routed unreachable from the machine itself) and runs an sshd
# that takes root's login with DIR/client's key: pgdrill reaches it only as an existing
# lab (tests/integration/test_plain_cluster.sh).
#
# Usage: plain_cluster.sh up DIR     build it (DIR empty or missing), print its lab file
#        plain_cluster.sh down DIR   stop what it started (by the PIDs its files name,
#                                    each checked to be the cluster's) and remove it all
set -eu
NET=10.231.31
NS=pgp
PORT=5433
PGBIN=/usr/lib/postgresql/15/bin
NODES="1 2 3"
cmd=${1:-} W=${2:-}
[ -n "$W" ] && [ "${W#/}" != "$W" ] || { echo "usage: $0 up|down /ABSOLUTE/DIR" >&2; exit 2; }

ns() { local h=$1; shift; ip netns exec "$NS-$h" "$@"; }
# As postgres in node N's namespace (setpriv execs: the PID is the command's own).
as_pg() {
	local n=$1; shift
	ns "n$n" setpriv --reuid=postgres --regid=postgres --init-groups -- \
		env PGPASSFILE="$W/postgres$n/pgpass" "$@"
}
node_dir() { echo "$W/postgres$1"; }
secret() { sed -n "s/^$1=//p" "$W/secrets"; }

# A PID from a file, only when that process's command line names `want` (a path of this
# cluster): nothing else is ever signalled.
ours() { # pidfile want
	local pid
	pid=$(head -1 "$1" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
	echo "$pid"
}
stop_pid() { # pidfile want
	local pid i
	pid=$(ours "$1" "$2") || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}

down() {
	local n d
	for n in $NODES; do
		d=$(node_dir "$n")
		stop_pid "$d/run/repmgrd.pid" "$d/etc/repmgr.conf"
		if [ -f "$d/main/postmaster.pid" ] && ip netns list | grep -qw "$NS-n$n"; then
			as_pg "$n" "$PGBIN/pg_ctl" -D "$d/etc" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
		fi
	done
	stop_pid "$W/proxy/run/haproxy.pid" "$W/proxy/conf/haproxy.cfg"
	stop_pid "$W/barman/run/cron.pid" "$W/barman/etc/barman.conf"
	# barman's WAL receiver, by barman (it signals the PID its lock file names).
	if [ -f "$W/barman/etc/barman.conf" ] && ip netns list | grep -qw "$NS-bar"; then
		as_barman receive-wal --stop main >/dev/null 2>&1 || true
	fi
	for h in n1 n2 n3 proxy bar spare; do stop_pid "$W/$h.sshd.pid" "$W/$h.sshd.conf"; done
	for h in client n1 n2 n3 proxy bar spare sw; do
		ip netns list | grep -qw "$NS-$h" && ip netns delete "$NS-$h"
	done
	ip route del unreachable "$NET.0/24" 2>/dev/null || true
	rm -rf "$W"
}

network() {
	local h last
	ip netns add "$NS-sw"
	ip -n "$NS-sw" link set lo up
	ip -n "$NS-sw" link add br0 type bridge
	ip -n "$NS-sw" link set br0 up
	for h in client:2 n1:11 n2:12 n3:13 proxy:14 bar:15 spare:16; do
		last=${h#*:} h=${h%:*}
		ip netns add "$NS-$h"
		ip -n "$NS-$h" link set lo up
		ip link add "$NS-$h" type veth peer name eth0 netns "$NS-$h"
		ip link set "$NS-$h" netns "$NS-sw"
		ip -n "$NS-sw" link set "$NS-$h" master br0 up
		ip -n "$NS-$h" addr add "$NET.$last/24" dev eth0
		ip -n "$NS-$h" link set eth0 up
	done
	# Nothing for the lab's subnet ever leaves this machine.
	ip route add unreachable "$NET.0/24"
}

sshd_on() { # namespace-host address
	cat >"$W/$1.sshd.conf" <<-EOF
		ListenAddress $2
		HostKey $W/$1.hostkey
		PidFile $W/$1.sshd.pid
		AuthorizedKeysFile $W/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM yes
		StrictModes no
		Subsystem sftp internal-sftp
	EOF
	ssh-keygen -q -t ed25519 -N '' -f "$W/$1.hostkey"
	ns "$1" /usr/sbin/sshd -f "$W/$1.sshd.conf"
}

# postgresql.conf and pg_hba.conf of node N, kept apart from its data directory.
node_config() {
	local n=$1 d
	d=$(node_dir "$n")
	mkdir -p "$d/etc" "$d/run" "$d/log"
	cat >"$d/etc/postgresql.conf" <<-EOF
		# postgres$n, written by tests/plain_cluster.sh
		data_directory = '$d/main'
		hba_file = '$d/etc/pg_hba.conf'
		ident_file = '$d/etc/pg_ident.conf'
		listen_addresses = '*'
		port = $PORT
		unix_socket_directories = '$d/run'
		max_connections = 100
		shared_buffers = 32MB
		wal_level = replica
		max_wal_senders = 10
		max_replication_slots = 10
		wal_keep_size = 64MB
		max_wal_size = 96MB
		hot_standby = on
		wal_log_hints = on
		shared_preload_libraries = 'repmgr'
		# A commit waits for one standby: set once both stream (sync_on).
		synchronous_standby_names = ''
		logging_collector = off
	EOF
	# postgres3 logs as many packaged servers do: through the logging collector, into a
	# file of its own that pg_current_logfile() names (pgdrill discovers it there).
	if [ "$n" = 3 ]; then
		cat >>"$d/etc/postgresql.conf" <<-EOF
			logging_collector = on
			log_directory = '$d/log/collector'
			log_filename = 'postgresql.log'
		EOF
	fi
	cat >"$d/etc/pg_hba.conf" <<-EOF
		local   all          all                      peer
		host    all          all          $NET.0/24   scram-sha-256
		host    replication  repmgr       $NET.0/24   scram-sha-256
		host    replication  streaming_barman  $NET.0/24  scram-sha-256
	EOF
	: >"$d/etc/pg_ident.conf"
	cat >"$d/etc/repmgr.conf" <<-EOF
		node_id=$n
		node_name='postgres$n'
		conninfo='host=$NET.1$n port=$PORT user=repmgr dbname=repmgr connect_timeout=2'
		data_directory='$d/main'
		config_directory='$d/etc'
		pg_bindir='$PGBIN'
		use_replication_slots=yes
		failover=automatic
		promote_command='/usr/bin/repmgr standby promote -f $d/etc/repmgr.conf --log-to-file'
		follow_command='/usr/bin/repmgr standby follow -f $d/etc/repmgr.conf --log-to-file --upstream-node-id=%n'
		service_start_command='$PGBIN/pg_ctl -D $d/etc -l $d/log/postgresql.log -w -t 60 start'
		service_stop_command='$PGBIN/pg_ctl -D $d/etc -m fast -w -t 60 stop'
		service_restart_command='$PGBIN/pg_ctl -D $d/etc -l $d/log/postgresql.log -m fast -w restart'
		service_reload_command='$PGBIN/pg_ctl -D $d/etc reload'
		monitor_interval_secs=1
		reconnect_attempts=3
		reconnect_interval=1
		primary_visibility_consensus=true
		standby_follow_timeout=10
		log_file='$d/log/repmgr.log'
		repmgrd_pid_file='$d/run/repmgrd.pid'
		passfile='$d/pgpass'
	EOF
	printf '*:*:*:repmgr:%s\n*:*:replication:repmgr:%s\n' "$(secret repmgr)" "$(secret repmgr)" \
		>"$d/pgpass"
	chmod 0600 "$d/pgpass"
	chown -R postgres:postgres "$d"
}

pg_start() { # n
	local d
	d=$(node_dir "$1")
	as_pg "$1" "$PGBIN/pg_ctl" -D "$d/etc" -l "$d/log/postgresql.log" -w -t 60 start >/dev/null
}

psql_on() { # n sql...: as postgres over the node's own socket
	local n=$1; shift
	as_pg "$n" psql -X -q -v ON_ERROR_STOP=1 -h "$(node_dir "$n")/run" -p $PORT -U postgres "$@"
}

primary() {
	local d pw
	d=$(node_dir 1)
	node_config 1
	pw=$(mktemp "$W/pw.XXXXXX")
	secret superuser >"$pw"
	chown postgres "$pw"
	mkdir -p "$d/main"
	chown postgres:postgres "$d/main"
	as_pg 1 "$PGBIN/initdb" -D "$d/main" -U postgres -A scram-sha-256 --auth-local=peer \
		--pwfile="$pw" -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
	rm -f "$pw"
	# initdb's own settings files give way to the ones kept apart.
	rm -f "$d/main/postgresql.conf" "$d/main/pg_hba.conf" "$d/main/pg_ident.conf"
	pg_start 1
	psql_on 1 -d postgres <<-EOF
		CREATE ROLE repmgr LOGIN SUPERUSER REPLICATION PASSWORD '$(secret repmgr)';
		CREATE DATABASE repmgr OWNER repmgr;
		CREATE ROLE books LOGIN PASSWORD '$(secret app)';
		CREATE DATABASE books OWNER books;
		CREATE ROLE haproxy_check LOGIN PASSWORD '$(secret check)';
		CREATE ROLE barman LOGIN SUPERUSER PASSWORD '$(secret barman)';
		CREATE ROLE streaming_barman LOGIN REPLICATION PASSWORD '$(secret barman)';
	EOF
	as_pg 1 repmgr -f "$d/etc/repmgr.conf" primary register >/dev/null
}

standby() { # n
	local n=$1 d
	d=$(node_dir "$n")
	node_config "$n"
	as_pg "$n" repmgr -f "$d/etc/repmgr.conf" -h "$NET.11" -p $PORT -U repmgr -d repmgr \
		standby clone --fast-checkpoint >"$d/log/clone.log" 2>&1
	rm -f "$d/main/postgresql.conf" "$d/main/pg_hba.conf" "$d/main/pg_ident.conf"
	pg_start "$n"
	as_pg "$n" repmgr -f "$d/etc/repmgr.conf" standby register >/dev/null
}

# Synchronous replication on every node (any one standby), once the standbys stream.
sync_on() {
	local n i d
	for i in $(seq 150); do
		[ "$(psql_on 1 -d postgres -tAc "SELECT count(*) FROM pg_stat_replication
			WHERE state = 'streaming'")" = 2 ] && break
		sleep 0.2
	done
	for n in $NODES; do
		d=$(node_dir "$n")
		sed -i "s/^synchronous_standby_names = ''$/synchronous_standby_names = 'ANY 1 (*)'/" \
			"$d/etc/postgresql.conf"
		as_pg "$n" "$PGBIN/pg_ctl" -D "$d/etc" reload >/dev/null
	done
}

repmgrd_on() { # n
	local d
	d=$(node_dir "$1")
	as_pg "$1" repmgrd -f "$d/etc/repmgr.conf" >>"$d/log/repmgrd.log" 2>&1
}

proxy() {
	local p=$W/proxy n
	mkdir -p "$p/conf" "$p/run"
	# haproxy asks each node whether it is in recovery: only the primary takes writes.
	cat >"$p/is_primary.sh" <<-EOF
		#!/bin/sh
		# haproxy external check: \$3 \$4 are the server's address and port.
		r=\$(PGPASSWORD='$(secret check)' PGCONNECT_TIMEOUT=1 psql -X -qtA -h "\$3" -p "\$4" \\
			-U haproxy_check -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)
		[ "\$r" = f ]
	EOF
	chmod 0700 "$p/is_primary.sh"
	{
		echo "global"
		echo "    stats socket $p/run/admin.sock mode 600 level admin"
		echo "    external-check"
		echo "    insecure-fork-wanted"
		echo "defaults"
		echo "    mode tcp"
		echo "    timeout connect 1s"
		echo "    timeout client 30m"
		echo "    timeout server 30m"
		echo "    timeout check 2s"
		echo "listen write_tcp"
		echo "    bind $NET.14:5000"
		echo "    option external-check"
		echo "    external-check path /usr/bin:/bin"
		echo "    external-check command $p/is_primary.sh"
		echo "    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions"
		for n in $NODES; do echo "    server postgres$n $NET.1$n:$PORT check"; done
	} >"$p/conf/haproxy.cfg"
	ns proxy haproxy -D -f "$p/conf/haproxy.cfg" -p "$p/run/haproxy.pid"
}

# barman as its own user on its host, with its own configuration file.
as_barman() {
	ns bar setpriv --reuid=barman --regid=barman --init-groups -- \
		env PGPASSFILE="$W/barman/pgpass" barman -c "$W/barman/etc/barman.conf" "$@"
}

# barman streams the primary's WAL through a slot, takes a first backup, and reaches the
# spare over SSH as postgres (its own key, the spare's host key known) to restore there.
barman_host() {
	local b=$W/barman i
	mkdir -p "$b/etc" "$b/home" "$b/log" "$b/run" "$b/ssh" "$W/spare"
	cat >"$b/etc/barman.conf" <<-EOF
		; barman of the plain cluster, written by tests/plain_cluster.sh
		[barman]
		barman_user = barman
		barman_home = $b/home
		barman_lock_directory = $b/run
		log_file = $b/log/barman.log
		log_level = INFO

		[main]
		description = "the plain cluster"
		; Every node, the one that takes writes: barman follows a failover by itself (its
		; WAL receiver ends with the old primary, the next cron starts it on the new one).
		conninfo = host=$NET.11,$NET.12,$NET.13 port=$PORT user=barman dbname=postgres connect_timeout=2 target_session_attrs=read-write
		streaming_conninfo = host=$NET.11,$NET.12,$NET.13 port=$PORT user=streaming_barman connect_timeout=2 target_session_attrs=read-write
		backup_method = postgres
		streaming_archiver = on
		slot_name = barman_plain
		create_slot = auto
		retention_policy = REDUNDANCY 2
		minimum_redundancy = 0
		immediate_checkpoint = true
	EOF
	printf '*:*:*:barman:%s\n*:*:*:streaming_barman:%s\n' "$(secret barman)" "$(secret barman)" \
		>"$b/pgpass"
	ssh-keygen -q -t ed25519 -N '' -f "$b/ssh/id"
	cat "$b/ssh/id.pub" >>"$W/authorized_keys"
	echo "$NET.16 $(cat "$W/spare.hostkey.pub")" >"$b/ssh/known_hosts"
	cat >"$b/ssh/config" <<-EOF
		IdentityFile $b/ssh/id
		UserKnownHostsFile $b/ssh/known_hosts
		StrictHostKeyChecking yes
		BatchMode yes
	EOF
	chown -R barman:barman "$b"
	chmod 0600 "$b/pgpass" "$b/ssh/id"
	as_barman -q receive-wal --create-slot main
	# The cron job, as a loop of ours: it starts the WAL receiver and archives what it gets.
	# (not through ns(): a function in the background is a subshell, whose PID is not the loop's)
	ip netns exec "$NS-bar" setpriv --reuid=barman --regid=barman --init-groups -- \
		env PGPASSFILE="$b/pgpass" sh -c "while :; do barman -c '$b/etc/barman.conf' -q cron; sleep 5; done" \
		>>"$b/log/cron.log" 2>&1 &
	echo $! >"$b/run/cron.pid"
	for i in $(seq 150); do
		[ "$(psql_on 1 -d postgres -tAc "SELECT count(*) FROM pg_stat_replication
			WHERE usename = 'streaming_barman'")" = 1 ] && break
		sleep 0.2
	done
	as_barman -q switch-wal --force --archive --archive-timeout 60 main
	as_barman -q backup --wait --wait-timeout 60 main
	as_barman check main >"$b/log/check.out" 2>&1 || { cat "$b/log/check.out" >&2; exit 1; }
}

up() {
	local n
	if [ -e "$W" ] && [ -n "$(ls -A "$W")" ]; then
		echo "$W is not empty" >&2
		exit 2
	fi
	mkdir -p "$W"
	chmod 0755 "$W"
	{
		for s in superuser repmgr app check barman; do
			echo "$s=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
		done
	} >"$W/secrets"
	chmod 0600 "$W/secrets"
	network
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$W/client"
	cp "$W/client.pub" "$W/authorized_keys"
	sshd_on n1 "$NET.11"
	sshd_on n2 "$NET.12"
	sshd_on n3 "$NET.13"
	sshd_on proxy "$NET.14"
	sshd_on bar "$NET.15"
	sshd_on spare "$NET.16"
	primary
	for n in 2 3; do standby "$n"; done
	sync_on
	for n in $NODES; do repmgrd_on "$n" & done
	wait
	proxy
	barman_host
	lab_file
}

# The lab file that describes this cluster to pgdrill as an existing lab.
lab_file() {
	local n d start stop
	echo "name: plain"
	echo "environment: test"
	echo "provider: {kind: existing, network_namespace: $NS-client, ssh_user: root, ssh_key: $W/client}"
	echo "postgres: {port: $PORT, synchronous: any}"
	echo "credentials: {superuser_password: $(secret superuser), app_password: $(secret app), repmgr_password: $(secret repmgr)}"
	echo "haproxy: {listeners: [{name: write_tcp, port: 5000, check: tcp-check}]}"
	echo "barman: {server_name: main, slot_name: barman_plain}"
	echo "hosts:"
	for n in $NODES; do
		d=$(node_dir "$n")
		start="setpriv --reuid=postgres --regid=postgres --init-groups $PGBIN/pg_ctl -D $d/etc -l $d/log/postgresql.log -w -t 60 start"
		stop="setpriv --reuid=postgres --regid=postgres --init-groups $PGBIN/pg_ctl -D $d/etc -m fast -w -t 60 stop"
		echo "  - name: postgres$n"
		echo "    role: $([ "$n" = 1 ] && echo primary || echo standby)"
		echo "    address: $NET.1$n"
		echo "    root: $d/pgdrill"
		echo "    ssh: {become: none}"
		# postgres1 and 2 log to what their start command names: declared. postgres3's
		# logging collector names its own file: discovered.
		if [ "$n" = 3 ]; then
			echo "    paths: {data: $d/main, repmgr_conf: $d/etc/repmgr.conf, pgpass: $d/pgpass}"
		else
			echo "    paths: {data: $d/main, repmgr_conf: $d/etc/repmgr.conf, pgpass: $d/pgpass, server_log: $d/log/postgresql.log}"
		fi
		echo "    service: {start: \"$start\", stop: \"$stop\"}"
	done
	echo "  - name: haproxy"
	echo "    role: proxy"
	echo "    address: $NET.14"
	echo "    root: $W/proxy/pgdrill"
	echo "    ssh: {become: none}"
	echo "    paths: {haproxy_socket: $W/proxy/run/admin.sock, haproxy_conf: $W/proxy/conf/haproxy.cfg}"
	echo "  - name: barman"
	echo "    role: barman"
	echo "    address: $NET.15"
	echo "    root: $W/barman/pgdrill"
	echo "    ssh: {become: none}"
	echo "    paths: {barman_conf: $W/barman/etc/barman.conf, pgpass: $W/barman/pgpass}"
	echo "  - name: restore"
	echo "    role: spare"
	echo "    address: $NET.16"
	echo "    root: $W/spare"
	echo "    ssh: {become: none}"
	echo "    barman_ssh: \"ssh -F $W/barman/ssh/config postgres@$NET.16\""
}

case $cmd in
up) up ;;
down) down ;;
lab) lab_file ;;
*) echo "usage: $0 up|down|lab DIR" >&2; exit 2 ;;
esac
