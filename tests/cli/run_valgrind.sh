#!/usr/bin/env bash
# The loader under valgrind on every lab the repository has, valid and invalid:
# no invalid read, no uninitialised use, no leak, and the exit code the CLI promises
# (0 for a valid lab, 2 for an invalid one). A crash is a failure like any other.
# Usage: run_valgrind.sh PGDRILL SOURCE_DIR [LAB...]  (default: every lab in the tree)
set -u
bin=$1
cd "$2" || exit 2
shift 2
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=(labs/*.yaml tests/labs/invalid/*.yaml)
command -v valgrind >/dev/null || { echo "run_valgrind: valgrind is not installed" >&2; exit 2; }
pass=0
fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for f in "${labs[@]}"; do
	case $f in tests/labs/invalid/*) want=2 ;; *) want=0 ;; esac
	for cmd in validate show; do
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$bin" "$cmd" "$f" >/dev/null 2>"$err"
		rc=$?
		if [ "$rc" = "$want" ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			case $rc in
			99) why="valgrind found errors" ;;
			1[2-9][0-9]) why="killed by signal $((rc - 128))" ;;
			*) why="exit $rc, wanted $want" ;;
			esac
			echo "FAIL: valgrind $cmd $f: $why"
			head -20 "$err"
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] && [ "$fail" = 0 ]
