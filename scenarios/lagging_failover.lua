-- Fail over while the standbys lag behind.
--
-- What happens: the primary's traffic to the standbys is cut (nftables drops what it
-- sends them), so it goes on acknowledging writes no standby receives; then the primary
-- is killed. repmgrd promotes the standby furthest ahead, which still
-- lacks those writes. The books workload writes through haproxy the whole time.
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
local cut = fault.partition(old, "out", lab.standbys())
sleep("1s") -- what the primary acknowledges now, only the primary has
fault.kill(old, "postgres", "KILL")
check.new_primary{ within = s.objectives.rto, ["not"] = old }
-- Only now: the dead primary's kernel still holds the unsent WAL and would retransmit it
-- to a standby that has not been promoted yet.
fault.revert(cut)
check.writes{ within = s.objectives.rto }
sleep("1s")
check.lost_writes(wl, { rpo = s.objectives.rpo })
check.rto(wl, { max = s.objectives.rto })
check.split_brain(wl)
