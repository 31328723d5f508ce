-- A standby whose disk filled up.
--
-- A file fills one standby's disk while the application writes: the standby cannot store
-- WAL any more, replication to it stops and PostgreSQL there stops when replay cannot
-- extend a file. Writes go on (the other standby acknowledges them). The trainee finds
-- what filled the disk, frees it, starts the standby if it stopped, and lets it catch up
-- from its replication slot; rebuilding it would work too, but is not needed.
local kit = require "drillkit"

train.exercise{ name = "a standby lags further and further: its disk is full" }

-- Found when the trainee looks at the full standby itself.
train.detect{ host = "{standby}" }

train.brief[[
Monitoring says one standby lags more and more behind the primary, and its slot makes
the primary keep WAL for it: left alone, the primary's disk fills next. The application
notices nothing yet. Find out what is wrong with the standby, repair it, and let it
catch up without losing its data.]]

train.hint(1, "On the primary, SELECT application_name, state, replay_lag FROM " ..
  "pg_stat_replication says which standby is missing; then look at that host's disk " ..
  "(df -h \"$PGDATA\").")
train.hint(2, "Something that is not PostgreSQL's takes the space: du -xsh \"$PGDATA\"/../* " ..
  "on {standby} (as root) shows it.")
train.hint(3, "Remove the big file beside the data directory on {standby} (as root), then " ..
  "start PostgreSQL there if it stopped: pg_ctl start -l \"$PGDATA/../run/postgres.log\".")

train.solution[[
  pgdrill exec {lab} {primary} -- psql -c 'SELECT application_name, state FROM pg_stat_replication'
  pgdrill exec {lab} {standby} --user root -- sh -c 'df -h "$PGDATA"; du -xsh "$PGDATA"/../* | sort -h'
  pgdrill exec {lab} {standby} --user root -- sh -c 'rm "$PGDATA"/../pgdrill-ballast-*'
  pgdrill exec {lab} {standby} -- sh -c 'pg_ctl status || pg_ctl start -l "$PGDATA/../run/postgres.log"'
(the standby recovers from its last restartpoint and streams from its slot: nothing is
copied again)]]

train.breaks(function()
  drill.steady()
  local primary, standby = lab.primary(), lab.standbys()[1]
  train.remember("primary", primary.name)
  train.remember("standby", standby.name)
  local settled, why = kit.settle_wal(primary, standby)
  if not settled then error("could not settle " .. standby.name .. "'s WAL: " .. why) end
  fault.fill_disk(standby, { leave = "1MB" })
  local ok, err = kit.write_ballast_rows("write_tcp", 50, 100000)
  if not ok then error("the application's writes failed: " .. tostring(err)) end
  -- The fault bit when the standby stops receiving WAL (or stops answering).
  local last
  local stuck = kit.retry(function()
    local behind, lsn = kit.wal_behind(primary, standby)
    if not behind then return true end
    local same = lsn == last and behind > 1024 * 1024
    last = lsn
    return same
  end, 40, "500ms")
  if not stuck then error(standby.name .. " kept receiving WAL: its disk never filled") end
end)

local function standby() return lab.host(train.recall("standby")) end

train.goal("{standby} streams from the primary again", function()
  local p = lab.primary()
  if not p then return false, "no primary" end
  local state, err = kit.value(p, "SELECT coalesce(max(state), 'absent') FROM " ..
    "pg_stat_replication WHERE application_name = '" .. train.recall("standby") .. "'")
  return state == "streaming", state or err
end)

train.goal("{standby} caught up (less than 16 MB behind)", function()
  local p = lab.primary()
  local behind = p and kit.wal_behind(p, standby())
  return behind ~= nil and behind < 16 * 1024 * 1024,
    behind and (kit.bytes(behind) .. " behind") or "not receiving"
end)
