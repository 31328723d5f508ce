#!/usr/bin/env bash
# pgdrill's main job on a fresh Debian 12 machine as root: install, build, bring the
# reference lab up, run the standard drills on it, print each verdict and where the
# journal and JUnit XML are, take the lab down again, and end with the report's path.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build
lab=${1:-labs/tutorial.yaml}
build/pgdrill validate "$lab"
# Whatever happens below, the lab does not outlive this script.
trap 'build/pgdrill down "$lab" || true' EXIT
build/pgdrill up "$lab"
build/pgdrill status "$lab"
# switchover last: it leaves a different node as primary, which is fine for the report
# and is where the next drill would start. --audit: the report ends with the audit of
# the lab after the drills.
rc=0
build/pgdrill run --audit "$lab" scenarios/kill_primary.lua scenarios/fill_disk_primary.lua \
	scenarios/fill_disk.lua scenarios/break_pg_hba.lua scenarios/barman_restore.lua \
	scenarios/pause_primary.lua \
	scenarios/lagging_failover.lua scenarios/switchover.lua || rc=$?
build/pgdrill down "$lab"
trap - EXIT
latest=$(ls -td runs/*/ | head -1)
echo "the report of these drills: ${latest}report.html"
exit "$rc"
