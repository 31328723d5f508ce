-- haproxy stopped (SIGSTOP): everything that asks haproxy, or goes through it, must end
-- within its own deadline (the stats socket, the client's connect and query, the waits
-- of the checks). The checks that go through haproxy fail; the drill ends.
drill.scenario{ name = "a paused haproxy" }
drill.steady()
local proxy = lab.by_role("proxy")[1]
fault.pause(proxy, "haproxy")
local ok, err = pcall(drill.steady)
drill.event("drill.steady with haproxy paused: " .. tostring(ok) .. " " .. tostring(err))
local routing = check.routing("write_tcp")
drill.event("check.routing with haproxy paused: " .. tostring(routing and next(routing)))
local c_ok, c_res = check.client("write_tcp", "SELECT 1")
drill.event("check.client with haproxy paused: " .. tostring(c_ok) .. " " .. tostring(c_res))
check.writes{ listener = "write_tcp", within = "3s" }
check.healthy{ within = "3s" }
check.lag{ within = "3s" }
drill.event("ALL ASKED")
