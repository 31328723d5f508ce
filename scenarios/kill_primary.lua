-- Kill the primary.
--
-- What happens: the primary's postmaster gets SIGKILL, with no warning, the way a
-- kernel OOM kill or a power loss looks to the rest of the cluster. The books workload
-- writes through haproxy the whole time and records what every client saw.
-- Objectives: a standby is promoted and clients can write again within the RTO; no
-- acknowledged write is lost (RPO); never two servers accepting writes at once; no
-- writes routed to a standby; the standbys stream from the new primary with lag under the
-- limit. Afterwards pgdrill rejoins the old primary as a standby (pg_rewind when needed),
-- as a DBA would.
-- What a DBA learns: how long clients really cannot write when the primary dies, which
-- haproxy check styles follow the new primary, whether asynchronous replication lost
-- acknowledged writes (they are listed), and that a failed primary needs a rejoin before
-- it can serve again.
-- The RTO objective is about twice the median measured on the reference lab (3.7 s over
-- 10 runs, bench/rto.sh 10): a failover that slows down fails CI.
local s = drill.scenario{ name = "kill the primary", objectives = { rto = "7s" } }

local TIMELINE = "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))" ..
  "::bit(32)::int AS tl"

drill.steady()
local wl = workload.start{}
sleep("2s") -- the clients' baseline before the fault
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
check.writes{ within = s.objectives.rto }
sleep("2s") -- the clients' view after recovery
check.rto(wl, { max = s.objectives.rto })
check.lost_writes(wl, { rpo = s.objectives.rpo })
check.split_brain(wl)
check.continuity(wl, { max_gap = s.objectives.rto })
check.recovery{ within = s.objectives.recovery_within }
check.lag{ within = s.objectives.recovery_within, workload = wl }
