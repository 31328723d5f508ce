-- A planned switchover.
--
-- What happens: the primary role moves to a standby the way a maintenance window does it:
-- repmgrd paused, the primary stopped cleanly, the standby promoted, the old primary
-- rejoined as a standby, the other standbys following, repmgrd resumed.
-- Objectives: the chosen standby is the only primary, writes go through haproxy within
-- the RTO, every standby streams from the new primary.
-- What a DBA learns: how long a planned switchover interrupts writes, measured rather
-- than guessed, and that the old primary comes back as a standby without a rebuild.
local s = drill.scenario{ name = "planned switchover", objectives = { rto = "20s" } }

drill.steady()
local old = lab.primary()
local target = lab.standbys()[1]
drill.event("switching over from " .. old.name .. " to " .. target.name)
local t0 = now()
fault.switchover(target)
check.that("the chosen standby is the primary", target:is_primary(), target.name)
check.writes{ listener = "write_tcp", within = s.objectives.rto }
drill.event(string.format("switchover took %.1f s", now() - t0))
check.healthy{ within = s.objectives.recovery_within }
