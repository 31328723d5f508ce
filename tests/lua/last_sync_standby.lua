-- The last synchronous standby goes: a standby is killed, then the primary. The survivor
-- is promoted and, with `synchronous: any`, cannot commit: no standby is left to
-- acknowledge. A drill shaped like this must fail, and say why.
drill.scenario{ name = "the last synchronous standby goes" }
drill.steady()
local wl = workload.start{}
sleep("1s")
local primary = lab.primary()
fault.kill(lab.standbys()[1])
sleep("2s")
fault.kill(primary)
check.new_primary{ ["not"] = primary, within = "30s" }
check.writes{ within = "5s" }
sleep("2s")
wl:stop()
check.rto(wl, { max = "10s" })
