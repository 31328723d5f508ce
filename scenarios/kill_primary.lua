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

local TIMELINE = "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))" ..
  "::bit(32)::int AS tl"

drill.steady()
local old = lab.primary()
local tl_before = tonumber(old:sql(TIMELINE)[1].tl)
drill.event(string.format("the primary is %s, on timeline %d", old.name, tl_before))

fault.kill(old, "postgres", "KILL")
local new = check.new_primary{ within = s.objectives.rto, ["not"] = old }
if new then
  local tl_after = tonumber(new:sql(TIMELINE)[1].tl)
  check.that("the timeline went up", tl_after > tl_before,
    string.format("timeline %d -> %d on %s", tl_before, tl_after, new.name))
end
check.writes{ listener = "write_tcp", within = s.objectives.rto }
check.writes{ listener = "write_agent", within = s.objectives.rto }
check.lag{ within = s.objectives.recovery_within }
