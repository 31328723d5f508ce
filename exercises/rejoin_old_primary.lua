-- Rejoin a failed primary as a standby.
--
-- The primary dies (SIGKILL) and repmgrd promotes a standby, as it should. The old
-- primary's data directory is intact but has a past of its own: the trainee brings it
-- back as a standby of the new primary (repmgr node rejoin, with pg_rewind when its
-- timeline diverged). Starting it as it was would make a second primary: failed.
train.exercise{ name = "after a failover: bring the old primary back as a standby",
  failover = "automatic" }

-- Found when the trainee asks repmgr about the cluster or the old primary.
train.detect{ words = { "cluster show", "node status", "node rejoin" } }

train.brief[[
Last night the primary died and repmgr promoted a standby: the application writes
again, but the cluster runs with one standby fewer, and the server that died is still
down. Its disk is fine. Make it a standby of the current primary again, streaming, so
that the next failover has a standby to go to.]]

train.hint(1, "repmgr -f \"$REPMGR_CONF\" cluster show on a running node: who is primary " ..
  "now, and which node is failed?")
train.hint(2, "Do not start the old primary as it is: it would accept writes. repmgr node " ..
  "rejoin starts it as a standby of the node you name.")
train.hint(3, "On {old}: repmgr -f \"$REPMGR_CONF\" node rejoin -d 'host={new} user=repmgr " ..
  "dbname=repmgr' --force-rewind (it runs pg_rewind when the timelines diverged).")

train.solution[[
  pgdrill exec {lab} {new} -- sh -c 'repmgr -f "$REPMGR_CONF" cluster show'
  pgdrill exec {lab} {old} -- sh -c 'repmgr -f "$REPMGR_CONF" node rejoin -d "host={new} user=repmgr dbname=repmgr" --force-rewind'
  pgdrill exec {lab} {new} -- psql -c 'SELECT application_name, state FROM pg_stat_replication'
(a fresh clone, repmgr standby clone --force, also works but copies the whole database;
pg_rewind copies only what changed since the timelines parted)]]

local kit = require "drillkit"

train.breaks(function()
  drill.steady()
  local old = lab.primary()
  train.remember("old", old.name)
  fault.kill(old, "postgres", "KILL")
  local new = check.new_primary{ within = "30s", ["not"] = old }
  if not new then error("repmgrd did not promote a standby within 30 s") end
  train.remember("new", new.name)
  -- The failover is over once repmgr's own record says so (repmgrd writes it just after
  -- the promotion): a rejoin read before that would target the dead primary.
  local settled = kit.retry(function()
    return kit.value(new, "SELECT string_agg(node_name, ',') FROM repmgr.nodes " ..
      "WHERE type = 'primary' AND active", "repmgr") == new.name
  end, 100, "200ms")
  if not settled then error("repmgr did not record " .. new.name .. " as the primary within 20 s") end
  -- "Last night": a checkpoint has long since written the new timeline into the new
  -- primary's control file. Right after a promotion it has not, and pg_rewind, comparing
  -- control files, would find nothing to rewind and leave a node that cannot follow.
  assert(new:sql("CHECKPOINT"))
end)

local function old() return lab.host(train.recall("old")) end
local function new() return lab.host(train.recall("new")) end

train.forbid("the old primary accepts writes again", function()
  return old():is_primary(), train.recall("old") .. " is a primary beside " ..
    train.recall("new")
end)

train.goal("the old primary runs as a standby", function()
  local r, err = kit.value(old(), "SELECT pg_is_in_recovery()::text")
  return r == "true", r and ("in recovery: " .. r) or err
end)

train.goal("it streams from the new primary", function()
  local n, err = kit.value(new(), "SELECT count(*) FROM pg_stat_replication WHERE " ..
    "state = 'streaming' AND application_name = '" .. train.recall("old") .. "'")
  return n == "1", n and (train.recall("new") .. " streams to it: " .. n) or err
end)

train.goal("repmgr knows it as a running standby", function()
  local r, err = kit.value(new(), "SELECT type || ', active ' || active FROM repmgr.nodes " ..
    "WHERE node_name = '" .. train.recall("old") .. "'", "repmgr")
  return r == "standby, active true", r or err
end)
