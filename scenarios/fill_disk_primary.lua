-- Fill the primary's disk.
--
-- What happens: a ballast file leaves the primary's disk with 1 MB free while the books
-- workload writes, and the WAL moves on to new 16 MB segments (pg_switch_wal stands in
-- for a burst of writes). PostgreSQL cannot create the segment: it PANICs, its crash
-- recovery cannot write either, it stops, and repmgrd promotes a standby as for any dead
-- primary. (Why not a real burst of small records: the last one is then cut at the end
-- of the segment, the standbys hold its first half, past the point where the new
-- primary's timeline forks, and repmgr refuses to let the other standby follow it,
-- "forked off ... before current recovery point"; with synchronous replication the new
-- primary then cannot commit. Measured here; a drill of its own.)
-- Objectives: a standby is promoted and clients write again within the RTO; no
-- acknowledged write is lost; never two primaries, also when the full primary restarts
-- after its PANIC. Afterwards the ballast goes and pgdrill rejoins the old primary.
-- What a DBA learns: a full disk on the primary is an outage, not a slowdown: WAL is the
-- one file PostgreSQL cannot do without; watch pg_wal's filesystem (and the replication
-- slots that keep WAL there) before it happens.
-- The RTO objective is about twice the median measured on the reference lab (3.4 s over
-- 5 runs, 3.3-4.2 s).
local s = drill.scenario{ name = "fill the primary's disk", objectives = { rto = "7s" } }

drill.steady()
local wl = workload.start{}
sleep("2s") -- the clients' baseline before the fault
local old = lab.primary()
drill.event("filling the disk of the primary, " .. old.name)

local id = fault.fill_disk(old, { leave = "1MB" })
-- The fault must bite: the primary stops answering once it cannot write WAL.
drill.expect_effect(id, "the primary stops: it cannot write WAL", function()
  local rows, err = old:sql("SELECT pg_switch_wal()::text AS lsn")
  if not rows then return old.name .. " stopped answering: " .. tostring(err) end
  return false, old.name .. " still writes WAL (switched at " .. rows[1].lsn .. ")"
end, "30s", "200ms")
check.new_primary{ within = s.objectives.rto, ["not"] = old }
check.writes{ within = s.objectives.rto }
sleep("2s") -- the clients' view after recovery
check.rto(wl, { max = s.objectives.rto })
check.lost_writes(wl, { rpo = s.objectives.rpo })
check.split_brain(wl)
fault.revert(id)
check.recovery{ within = s.objectives.recovery_within }
