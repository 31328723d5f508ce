-- Fill a standby's disk.
--
-- What happens: a ballast file leaves one standby's disk with 1 MB free while clients
-- write 5 MB that does not compress. The standby cannot store the WAL or replay it
-- (PostgreSQL stops when replay cannot extend a file), replication to it stalls, and the
-- primary keeps the WAL for it in the replication slot. The drill fails when the fault
-- did not bite (the standby kept receiving WAL).
-- Objectives: writes through haproxy never stop; once the ballast is gone the standby
-- (started again if it stopped) catches up, with lag under the limit, without a rebuild.
-- What a DBA learns: a full disk on a standby is a lag problem, not an outage, as long as
-- another standby acknowledges the commits; and a slot means the primary's disk pays for
-- the standby's.
local kit = require "drillkit"
local s = drill.scenario{ name = "fill a standby's disk" }

drill.steady()
local standby = lab.standbys()[1]
local settled, why = kit.settle_wal(lab.primary(), standby)
if not settled then error("could not settle " .. standby.name .. "'s WAL: " .. why) end
drill.event("filling the disk of " .. standby.name)

local id = fault.fill_disk(standby, { leave = "1MB" })
local ok, err = kit.write_ballast_rows("write_tcp", 50, 100000)
check.that("writes continue while a standby's disk is full", ok, ok and "5 MB written" or err)
check.writes{ listener = "write_tcp", within = "5s" }
-- The fault must bite: the standby stops answering, or stops receiving WAL: more than
-- 1 MB behind the primary and its receive position the same in two readings 0.5 s apart
-- (a standby merely slow under load moves on), read from the two servers themselves.
local primary = lab.primary()
local last
drill.expect_effect(id, "replication to the full standby stops", function()
  local behind, lsn = kit.wal_behind(primary, standby)
  if not behind then return standby.name .. " stopped answering" end
  local stuck = lsn == last and behind > 1024 * 1024
  last = lsn
  if stuck then return standby.name .. " " .. kit.bytes(behind) .. " behind the primary" end
  return false, standby.name .. " was still receiving WAL (" .. kit.bytes(behind)
    .. " behind): the disk never filled"
end, "20s", "500ms")

fault.revert(id)
-- Replay that cannot extend a file ends the standby's startup process, and PostgreSQL
-- stops: with the space back, the DBA starts it; it streams from its slot again.
if not standby:sql("SELECT 1") then
  local started, why = standby:start()
  check.that(standby.name .. " starts again once the space is back", started,
    started and "started; it recovers and streams from its slot" or why)
end
check.lag{ within = s.objectives.recovery_within }
check.healthy{ within = s.objectives.recovery_within }
-- The ballast rows go, and a checkpoint lets the WAL they made be recycled: every disk of
-- the lab is small, and the drills after this one need it.
kit.drop_ballast_rows("write_tcp")
