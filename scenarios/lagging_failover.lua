-- Fail over while the standbys lag behind.
--
-- What happens: the standbys' WAL receivers are paused (SIGSTOP), so the primary goes on
-- acknowledging writes no standby has; then the primary is killed and the receivers
-- resume. repmgrd promotes the standby furthest ahead, which still lacks those writes.
-- Objectives: no acknowledged write lost (RPO 0), writes again within the RTO, no split
-- brain.
-- What a DBA learns: with asynchronous replication a failover throws away what the
-- standbys had not received, and pgdrill lists the ids of those writes. With synchronous
-- replication (`postgres: {synchronous: any}`) the same fault loses nothing: commits
-- wait for a standby instead, and clients see timeouts (indeterminate writes) rather
-- than silent loss.
local s = drill.scenario{ name = "fail over while the standbys lag",
  objectives = { rto = "30s", rpo = 0 } }

drill.steady()
local wl = workload.start{}
sleep("1s")
local old = lab.primary()
local paused = {}
for _, standby in ipairs(lab.standbys()) do
  paused[#paused + 1] = fault.pause(standby, "walreceiver")
end
sleep("1s") -- what the primary acknowledges now, only the primary has
fault.kill(old, "postgres", "KILL")
for _, id in ipairs(paused) do fault.revert(id) end
check.new_primary{ within = s.objectives.rto, ["not"] = old }
check.writes{ within = s.objectives.rto }
sleep("1s")
check.lost_writes(wl, { rpo = s.objectives.rpo })
check.rto(wl, { max = s.objectives.rto })
check.split_brain(wl)
