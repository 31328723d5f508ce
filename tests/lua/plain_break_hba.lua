-- break_pg_hba for a cluster with one write listener (tests/plain_cluster.sh has no
-- pgdrill agent, so scenarios/break_pg_hba.lua's write_agent is not there): the
-- primary's pg_hba.conf, wherever the node keeps it, rejects every remote client; the
-- tcp-check listener must mark it down; the fault's revert puts the file back.
local s = drill.scenario{ name = "break pg_hba.conf on the primary (one listener)" }

drill.steady()
local primary = lab.primary()
fault.break_hba(primary, "reject")
sleep("4s") -- a few check intervals

local tcp = check.routing("write_tcp")
check.that("tcp-check marks the refusing primary down", tcp[primary.name] ~= "UP",
  "write_tcp sees " .. primary.name .. " as " .. tostring(tcp[primary.name]))
local ok, err = check.client("write_tcp", "SELECT 1")
check.that("clients of write_tcp are refused", not ok, err or "connected")
