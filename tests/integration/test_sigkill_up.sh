#!/usr/bin/env bash
# SIGKILL `pgdrill up` half way (processes already running), then `down` must remove
# everything it had made.
PGDRILL=$1
SRC=$2
source "$SRC/tests/integration/lib.sh"
lab=$SRC/tests/labs/integration/sigkill.yaml
cleanup_labs+=("$lab")
state=/var/lib/pgdrill/labs/it-kill/state

"$PGDRILL" up "$lab" >/dev/null 2>&1 &
up_pid=$!
# Wait until the standbys are being cloned: several processes and mounts exist.
pids_recorded() { grep -q '^pid ' "$state" 2>/dev/null; }
check "up started a process within 30 s" wait_until 30 pids_recorded
sleep 0.3
kill -KILL $up_pid
wait $up_pid 2>/dev/null
check "up was killed while processes ran" test "$(grep -c '^pid ' "$state")" -ge 1
check "the lab is not marked ready" bash -c "! grep -q '^ready' $state"
check "namespaces exist before down" bash -c "ip netns list | grep -q 'pgd-it-kill\\.'"
out=$("$PGDRILL" up "$lab" 2>&1)
check "up on a half-built lab refuses and says why" grep -q "half built" <<<"$out"
check "the half-built lab's processes are recorded" record_lab_pids it-kill
check "down after SIGKILL" "$PGDRILL" down "$lab"
assert_no_debris it-kill 10.231.6.0/24
finish
