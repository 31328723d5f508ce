-- Pause the primary for a moment.
--
-- What happens: the primary's postmaster is stopped (SIGSTOP) for 1.5 s and resumed, the
-- way a long I/O stall or a VM pause looks from outside.
-- Objectives: a stall shorter than repmgr's failure detection (monitor interval times
-- reconnect attempts) must not cause a failover or a second primary; writes continue
-- afterwards.
-- What a DBA learns: how much stall the failover settings tolerate, and that tight
-- settings trade false failovers for speed.
local s = drill.scenario{ name = "pause the primary briefly" }

drill.steady()
local primary = lab.primary()
local id = fault.pause(primary, "postgres")
sleep("1500ms")
fault.revert(id)
check.writes{ listener = "write_tcp", within = s.objectives.rto }
sleep("3s") -- give repmgrd time to do something rash, if it would
check.that("no failover after a short stall", lab.primary() == primary,
  "primary is " .. (lab.primary() and lab.primary().name or "nobody"))
check.that("exactly one primary", #lab.primaries() == 1,
  #lab.primaries() .. " primaries")
