#!/usr/bin/env bash
# pgdrill's main job on a fresh Debian 12 machine as root: install, build, check the
# reference lab and show it resolved with every default.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build
lab=${1:-labs/tutorial.yaml}
build/pgdrill validate "$lab"
build/pgdrill show "$lab"
