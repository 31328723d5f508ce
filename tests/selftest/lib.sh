# Shared by the self-tests of the test runners: run a runner, demand its exit code and a
# line of its output.
PASS=0
FAIL=0
expect() { # exit-code needle description command...
	local want=$1 needle=$2 what=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$needle" <<<"$out"; then
		PASS=$((PASS + 1))
		echo "ok: $what"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL: $what: exit $rc (wanted $want), output without '$needle':"
		tail -15 <<<"$out" | sed 's/^/  | /'
	fi
}
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
