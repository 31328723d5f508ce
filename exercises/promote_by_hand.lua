-- Promote a standby by hand.
--
-- The lab runs with `failover: manual`: repmgrd watches, but only a person promotes.
-- The primary dies (SIGKILL). The trainee finds out which standby to promote, promotes
-- it with repmgr, and points the other standby at it. Promoting both standbys is the
-- classic mistake: two primaries, the exercise is failed.
train.exercise{ name = "the primary is gone: promote a standby by hand", failover = "manual" }

-- Found when the trainee asks the cluster who is primary.
train.detect{ words = { "cluster show", "pg_is_in_recovery", "pg_stat_replication" } }

train.brief[[
The application cannot write since a minute ago: "could not connect to server" on
port 5000 (haproxy's write_tcp). Reads still work. This cluster fails over by hand: no
one will promote anything unless you do.
Bring writes back with no acknowledged write lost, and leave one primary with the other
standby streaming from it.]]

train.hint(1, "repmgr -f \"$REPMGR_CONF\" cluster show, on any PostgreSQL host, says who is " ..
  "down and who is a standby of whom.")
train.hint(2, "Before you promote, compare the standbys: SELECT pg_last_wal_replay_lsn(); " ..
  "the one furthest ahead loses nothing.")
train.hint(3, "repmgr standby promote on the chosen standby; then repmgr standby follow on " ..
  "the other one.")

train.solution[[
  pgdrill exec {lab} {standby1} -- sh -c 'repmgr -f "$REPMGR_CONF" cluster show'
  pgdrill exec {lab} {standby1} -- psql -c 'SELECT pg_last_wal_replay_lsn()'   # and on {standby2}
  pgdrill exec {lab} {standby1} -- sh -c 'repmgr -f "$REPMGR_CONF" standby promote'
  pgdrill exec {lab} {standby2} -- sh -c 'repmgr -f "$REPMGR_CONF" standby follow'
(promote the standby whose replay LSN is highest; with synchronous replication either
holds every acknowledged write)]]

local kit = require "drillkit"
local ACKED, BATCHES = 200, 20

train.breaks(function()
  drill.steady()
  local old, standbys = lab.primary(), lab.standbys()
  -- Writes the application saw committed just before the primary died, each batch its
  -- own transaction: the promotion must keep every one.
  local tag = "acknowledged before the kill " .. tostring(math.random(1e9))
  kit.must("write_tcp",
    "CREATE TABLE IF NOT EXISTS acked_writes (id serial PRIMARY KEY, tag text)")
  for _ = 1, BATCHES do
    kit.must("write_tcp", "INSERT INTO acked_writes (tag) SELECT '" .. tag ..
      "' FROM generate_series(1, " .. ACKED // BATCHES .. ")")
  end
  train.remember("tag", tag)
  train.remember("old", old.name)
  train.remember("standby1", standbys[1].name)
  train.remember("standby2", standbys[2] and standbys[2].name or standbys[1].name)
  fault.kill(old, "postgres", "KILL")
  sleep("3s") -- repmgrd notices; with manual failover it promotes nothing
end)

local function running_primaries()
  local names = {}
  for _, h in ipairs(lab.primaries()) do
    if h.name ~= train.recall("old") then names[#names + 1] = h.name end
  end
  return names
end

train.forbid("two primaries at once", function()
  local p = running_primaries()
  return #p > 1, table.concat(p, " and ") .. " both accept writes"
end)

train.goal("one standby was promoted", function()
  local p = running_primaries()
  return #p == 1, #p == 1 and (p[1] .. " is the primary") or "no primary"
end)

train.goal("no acknowledged write lost", function()
  local p = running_primaries()
  if #p ~= 1 then return false, "no primary yet" end
  local n, err = kit.value(lab.host(p[1]), "SELECT count(*) FROM acked_writes WHERE tag = '" ..
    train.recall("tag") .. "'", "books")
  return n == tostring(ACKED), n and string.format("%s of %d acknowledged rows on %s", n,
    ACKED, p[1]) or err
end)

train.goal("writes through haproxy succeed", function()
  return kit.write_through("write_tcp")
end)

train.goal("the other standby streams from the new primary", function()
  local p = running_primaries()
  if #p ~= 1 then return false, "no primary yet" end
  local streaming, missing = {}, {}
  for _, s in ipairs(lab.standbys()) do
    local n = kit.value(lab.host(p[1]), "SELECT count(*) FROM pg_stat_replication " ..
      "WHERE state = 'streaming' AND application_name = '" .. s.name .. "'")
    local list = (tonumber(n) or 0) > 0 and streaming or missing
    list[#list + 1] = s.name
  end
  return #streaming >= 1 and #missing == 0,
    string.format("streaming from %s: %s; not: %s", p[1], table.concat(streaming, ", "),
      #missing > 0 and table.concat(missing, ", ") or "none")
end)
