-- A lossy network around the primary.
--
-- What happens: nftables inside the primary drops 30% of the packets it sends and
-- receives, at random, for 10 s: a flapping switch port or a saturated link. TCP
-- retransmits; nothing is cut off. The books workload writes through haproxy meanwhile.
-- Objectives: no failover (repmgr must not mistake loss for death), no split brain, no
-- acknowledged write lost, writes never stop for longer than the RTO.
-- What a DBA learns: how much latency and how many errors clients see on a bad link,
-- whether the failover settings are tight enough to promote on loss alone, and what
-- haproxy's health checks make of it.
local s = drill.scenario{ name = "lossy network around the primary", objectives = { rto = "10s" } }

drill.steady()
local wl = workload.start{}
sleep("2s")
local primary = lab.primary()
local ids = { fault.loss(primary, 30) }
sleep("10s")
for _, id in ipairs(ids) do fault.revert(id) end
sleep("2s")
check.that("no failover on packet loss", lab.primary() == primary,
  "primary is " .. (lab.primary() and lab.primary().name or "nobody"))
check.lost_writes(wl)
check.split_brain(wl)
check.continuity(wl, { max_gap = s.objectives.rto })
check.recovery{}
