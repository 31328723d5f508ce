#!/usr/bin/env bash
# The loader under valgrind on every lab the repository has, valid and invalid:
# no invalid read, no uninitialised use, no leak. Usage: run_valgrind.sh PGDRILL SOURCE_DIR
set -u
bin=$1
cd "$2" || exit 2
pass=0
fail=0
for f in labs/*.yaml tests/labs/invalid/*.yaml; do
	for cmd in validate show; do
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$bin" "$cmd" "$f" >/dev/null 2>/tmp/pgdrill-valgrind.$$
		if [ $? = 99 ]; then
			fail=$((fail + 1))
			echo "FAIL: valgrind $cmd $f"
			head -20 /tmp/pgdrill-valgrind.$$
		else
			pass=$((pass + 1))
		fi
	done
done
rm -f /tmp/pgdrill-valgrind.$$
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
