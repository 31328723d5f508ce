-- Kill the primary.
--
-- What happens: the primary's postmaster gets SIGKILL, with no warning, the way a
-- kernel OOM kill or a power loss looks to the rest of the cluster.
-- Objectives: a standby is promoted and writes go through haproxy again within the RTO;
-- the standbys stream from the new primary with lag under the limit. Afterwards pgdrill
-- rejoins the old primary as a standby (pg_rewind when needed), as a DBA would.
-- What a DBA learns: how long clients really cannot write when the primary dies, which
-- haproxy check styles follow the new primary, and that a failed primary needs a rejoin
-- before it can serve again.
local s = drill.scenario{ name = "kill the primary", objectives = { rto = "15s" } }

drill.steady()
local old = lab.primary()
drill.event("the primary is " .. old.name)

fault.kill(old, "postgres", "KILL")
local new = check.new_primary{ within = s.objectives.rto, ["not"] = old }
if new then drill.event(new.name .. " is the primary now") end
check.writes{ listener = "write_tcp", within = s.objectives.rto }
check.writes{ listener = "write_agent", within = s.objectives.rto }
check.lag{ within = s.objectives.recovery_within }
