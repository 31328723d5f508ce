-- Fill a standby's disk.
--
-- What happens: a ballast file leaves one standby's disk with 1 MB free while clients
-- keep writing. Its WAL receiver cannot write, replication to it stalls, and the
-- primary keeps the WAL for it in the replication slot.
-- Objectives: writes through haproxy never stop; once the ballast is gone the standby
-- catches up, with lag under the limit, without a rebuild.
-- What a DBA learns: a full disk on a standby is a lag problem, not an outage; and a slot
-- means the primary's disk pays for the standby's.
local kit = require "drillkit"
local s = drill.scenario{ name = "fill a standby's disk" }

drill.steady()
local standby = lab.standbys()[1]
drill.event("filling the disk of " .. standby.name)

local id = fault.fill_disk(standby, { leave = "1MB" })
local ok, err = kit.write_ballast_rows("write_tcp", 200, 100000)
check.that("writes continue while a standby's disk is full", ok, ok and "20 MB written" or err)
check.writes{ listener = "write_tcp", within = "5s" }
local lagging = wait_until(function()
  local _, worst = check.lag{ max = "1MB", within = "0s" }
  return worst and worst > 1024 * 1024 and worst
end, "20s")
drill.event("replication lag on " .. standby.name .. ": " ..
  (lagging and kit.bytes(lagging) or "did not grow"))

fault.revert(id)
check.lag{ within = s.objectives.recovery_within }
check.healthy{ within = s.objectives.recovery_within }
