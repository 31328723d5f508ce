-- A slow primary.
--
-- What happens: every packet the primary sends is held 2.5 s, longer than repmgr's
-- connect_timeout (2 s) and haproxy's connect timeout (1 s): the primary is alive, its
-- processes run, and it answers everyone far too late. The books workload writes the
-- whole time.
-- What it tells: whether repmgrd fails over on a slow but live primary (its pings time
-- out; the standbys still hear it, late), and if it does, whether the old primary, which
-- never stopped, takes writes beside the new one. The drill reports either outcome; it
-- fails only on what must never happen: two primaries taking writes at once, or an
-- acknowledged write lost.
-- What a DBA learns: "the primary is slow" and "the primary is down" look the same to a
-- timeout; without fencing, a failover on a slow primary can leave two servers writing.
local kit = require "drillkit"
local s = drill.scenario{ name = "a slow primary" }
local DELAY = "2500ms"

drill.steady()
local wl = workload.start{}
sleep("2s") -- the clients' baseline before the fault
local old = lab.primary()
local id = fault.delay(old, DELAY)
drill.expect_effect(id, "a write through haproxy waits or fails", function()
  local t0 = now()
  local ok, err = check.client("write_tcp", "SELECT 1")
  local took = now() - t0
  if not ok then return string.format("a statement through haproxy failed after %.2f s: %s",
    took, tostring(err)) end
  if took >= 2.0 then return string.format("a statement through haproxy took %.2f s", took) end
  return false, string.format("a statement through haproxy took %.2f s", took)
end, "10s", "100ms")

-- Up to 20 s for repmgrd to decide; the outcome goes on the timeline either way.
local promoted = wait_until(function()
  for _, h in ipairs(lab.primaries()) do
    if h ~= old then return h end
  end
end, "20s", "500ms")
if promoted then
  drill.event(string.format("repmgrd promoted %s while %s was slow but alive (primaries "
    .. "now: %s)", promoted.name, old.name, kit.names(lab.primaries())))
else
  drill.event(string.format("no failover: %s stayed the primary through a %s delay", old.name,
    DELAY))
end
fault.revert(id)
sleep("3s") -- the clients' view once the delay is gone
wl:stop()
check.split_brain(wl)
check.lost_writes(wl, { rpo = s.objectives.rpo })
