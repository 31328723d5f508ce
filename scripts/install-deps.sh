#!/usr/bin/env bash
# Installs every Debian 12 package pgdrill needs to build, test and run. Idempotent:
# packages already present are not touched and apt is not even asked.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (pgdrill builds labs out of namespaces, mounts and users)" >&2
	exit 2
fi

# Installing PostgreSQL must not create or start a cluster of its own: pgdrill makes
# every cluster itself. This has to be in place before postgresql-common is installed.
conf=/etc/postgresql-common/createcluster.conf
mkdir -p "$(dirname "$conf")"
if ! grep -Eq '^\s*create_main_cluster\s*=\s*false' "$conf" 2>/dev/null; then
	if grep -Eq '^\s*#?\s*create_main_cluster' "$conf" 2>/dev/null; then
		sed -i -E 's/^\s*#?\s*create_main_cluster.*/create_main_cluster = false/' "$conf"
	else
		echo 'create_main_cluster = false' >>"$conf"
	fi
fi

packages=(
	# build
	gcc make cmake pkg-config clang libclang-rt-14-dev
	libyaml-dev liblua5.4-dev libpq-dev libjson-c-dev libssh-dev libssl-dev libvirt-dev
	libnetfilter-queue-dev
	# tests
	libcmocka-dev python3 valgrind bc
	# pgdrill train prepares a tmux session with a shell on every host
	tmux
	# tests: reports rendered in a real browser; journals validated against their schema
	chromium-headless-shell python3-jsonschema
	# run time: the cluster and the machinery of a lab
	postgresql-15 postgresql-client-15 postgresql-15-repmgr barman barman-cli haproxy
	iproute2 nftables e2fsprogs util-linux procps
	# fault.delay: iptables' NFQUEUE target feeds pgdrill's delayer (no netem here)
	iptables
	# the SSH tests run real sshds (loopback, lab hosts); sudo: existing hosts
	openssh-server openssh-client sudo
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}"
