-- The team's own client as the workload: tests/clients/books_client.sh (psql, a new
-- connection per write) writes through haproxy while the primary is killed; the verdicts
-- are about what that client saw. Run from the source directory (the command's path is
-- relative to it).
drill.scenario{ name = "the team's own client through a failover" }
drill.steady()
local wl = workload.start{ kind = "command", cmd = "sh tests/clients/books_client.sh" }
sleep("3s")
local old = lab.primary()
fault.kill(old, "postgres", "KILL")
check.new_primary{ ["not"] = old, within = "30s" }
check.writes{ within = "15s" }
sleep("3s")
wl:stop()
local st = wl:stats()
check.that("the client's own lines were recorded", st.writes.ok > 10,
  st.writes.ok .. " writes ok, " .. st.writes.failed .. " failed")
check.rto(wl, { max = "15s" })
check.lost_writes(wl, { rpo = "0s" })
check.split_brain(wl)
