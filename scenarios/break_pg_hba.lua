-- Break pg_hba.conf on the primary.
--
-- What happens: the primary's pg_hba.conf gets lines that refuse the application role
-- and the health-check role from the network, then a reload. PostgreSQL keeps running;
-- repmgr and replication are unaffected, so no failover happens.
-- Objectives: none to meet here: the drill shows how each haproxy check style reacts,
-- and checks that each reacts the way it is documented to.
-- What a DBA learns: a check that asks over the local socket (http-agent) keeps routing
-- to a primary that refuses every client; a check that logs in over the network
-- (tcp-check) marks it down, which is honest but leaves no server for writes; and
-- pgsql-check moves writes to standbys that refuse them.
local s = drill.scenario{ name = "break pg_hba.conf on the primary" }

drill.steady()
local primary = lab.primary()
fault.break_hba(primary, "reject")
sleep("4s") -- a few check intervals

local tcp = check.routing("write_tcp")
local agent = check.routing("write_agent")
check.that("tcp-check marks the refusing primary down", tcp[primary.name] ~= "UP",
  "write_tcp sees " .. primary.name .. " as " .. tostring(tcp[primary.name]))
check.that("http-agent keeps routing to the refusing primary (asks over the local socket)",
  agent[primary.name] == "UP",
  "write_agent sees " .. primary.name .. " as " .. tostring(agent[primary.name]))
local ok, err = check.client("write_agent", "SELECT 1")
check.that("clients of the http-agent listener are refused", not ok, err or "connected")
drill.event("a client through write_agent sees: " .. tostring(err))
ok, err = check.client("write_pgsql", "CREATE TEMP TABLE t (i int)")
drill.event("a write through write_pgsql: " .. (ok and "succeeded" or tostring(err)))
check.that("no failover for a pg_hba mistake", #lab.primaries() == 1 and
  lab.primary() == primary, "primary is still " .. primary.name)
