-- Fix a broken pg_hba.conf without a restart.
--
-- Someone edited the primary's pg_hba.conf and reloaded: the application's role and
-- haproxy's health check are refused from the network. PostgreSQL runs, replication
-- runs, no failover happens. The trainee finds the lines, removes them and reloads.
-- Restarting PostgreSQL is not needed (the goal checks it did not happen), and opening
-- the door with `trust` is not a fix: the exercise is failed.
train.exercise{ name = "clients are refused: fix pg_hba.conf without a restart" }

-- The cause is found when the trainee reads the primary's pg_hba rules.
train.detect{ host = "{primary}", words = { "pg_hba" } }

train.brief[[
Since a few minutes ago the application cannot log in through haproxy (port 5000,
write_tcp): its connections are refused, and haproxy shows no server for writes. The
database servers run; nobody restarted anything, but someone "tidied up" a config file.
Let the application in again, without restarting PostgreSQL and without letting in
anyone who was not let in before.]]

train.hint(1, "Connect as the application would, through haproxy (on the haproxy host: " ..
  "psql -h 127.0.0.1 -p 5000 -U books books) and read the error: it says what refused you.")
train.hint(2, "On the primary, SELECT line_number, type, user_name, auth_method FROM " ..
  "pg_hba_file_rules shows the rules in order; the first one that matches decides.")
train.hint(3, "Remove the two reject lines at the top of the primary's pg_hba.conf " ..
  "($PGDATA/pg_hba.conf), then SELECT pg_reload_conf().")

train.solution[[
  pgdrill exec {lab} {primary} -- psql -c 'SELECT line_number, user_name, auth_method FROM pg_hba_file_rules'
  pgdrill exec {lab} {primary} -- sh -c 'sed -i "/^# pgdrill drill:/,+2d" "$PGDATA/pg_hba.conf"'
(the two reject lines at the top, under the comment that came with them)
  pgdrill exec {lab} {primary} -- psql -c 'SELECT pg_reload_conf()'
(a reload is enough: pg_hba.conf is read again on SIGHUP, and a restart would cut off
every session for nothing)]]

local kit = require "drillkit"
local START = "SELECT pg_postmaster_start_time()::text"

train.breaks(function()
  drill.steady()
  local p = lab.primary()
  train.remember("primary", p.name)
  train.remember("started", assert(kit.value(p, START)))
  fault.break_hba(p, "reject")
end)

local function primary()
  return lab.host(train.recall("primary"))
end

train.forbid("a trust line beyond haproxy's health check", function()
  local line = kit.value(primary(), "SELECT min(line_number) FROM pg_hba_file_rules " ..
    "WHERE auth_method = 'trust' AND type <> 'local' AND user_name <> '{haproxy_check}'")
  return line ~= nil and line ~= "", "pg_hba.conf line " .. tostring(line) ..
    " trusts clients from the network"
end)

train.goal("the application writes through haproxy", function()
  return kit.write_through("write_tcp")
end)

train.goal("PostgreSQL was not restarted", function()
  local now, err = kit.value(primary(), START)
  return now == train.recall("started"), now and ("running since " .. now) or err
end)

train.goal("the primary is still the primary", function()
  return primary():is_primary(), train.recall("primary")
end)
