#!/usr/bin/env bash
# pgdrill's main job on a fresh Debian 12 machine as root: install, build, bring the
# reference lab up, show its state, take it down again. (The standard drills join here
# as they land.)
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
