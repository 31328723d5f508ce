-- Restore a dropped table with barman's point-in-time recovery.
--
-- Someone drops the application's `invoices` table on the primary; the application goes
-- on writing elsewhere. Replication has already dropped it on the standbys, so the
-- trainee restores barman's backup into the spare host, replaying WAL up to a moment
-- before the drop, and copies the table back into the primary. Rolling the whole
-- cluster back would lose what was written since: the goals check that it is still there.
train.exercise{ name = "a table was dropped: get it back from barman, lose nothing else" }

-- Found when the trainee asks barman what it can restore.
train.detect{ words = { "list-backup", "show-backup", "recover" } }

train.brief[[
At {dropped_at} UTC someone ran DROP TABLE invoices in database books on the primary
({primary}). It was last seen whole at {before} UTC. The application has gone on
writing other tables since: nothing written after the drop may be lost. The standbys
have dropped it too. barman ({barman}) has the backups and the WAL; a spare host
({spare}) is free for a restore. Put invoices back, every row, on the primary.]]

train.hint(1, "On {barman}: barman -c \"$BARMAN_CONF\" list-backups {server}. A backup " ..
  "plus the WAL after it can be replayed up to a time you name (--target-time), into a " ..
  "directory of your choice: the spare's.")
train.hint(2, "barman restores only WAL it has archived, and the newest segment is still " ..
  "open: barman switch-wal --force --archive {server} closes and archives it. On {spare}, " ..
  "PGDATA and PGHOST are where a server goes; create them for user barman (as root).")
train.hint(3, "As barman on {spare}: barman -c \"$BARMAN_CONF\" recover --target-time " ..
  "'{before}' --target-action promote {server} latest \"$PGDATA\", start it with pg_ctl " ..
  "(-o \"-k $PGHOST -c listen_addresses=* -c primary_conninfo=\"), then on {primary}: " ..
  "pg_dump -h {spare} -d books -t invoices | psql -d books.")

train.solution[[
  pgdrill exec --user barman {lab} {barman} -- sh -c 'barman -c "$BARMAN_CONF" switch-wal --force --archive --archive-timeout 60 {server}'
  pgdrill exec --user root {lab} {spare} -- sh -c 'install -d -o barman -m 700 "$PGDATA" && install -d -o barman -m 755 "$PGHOST"'
  pgdrill exec --user barman {lab} {spare} -- sh -c 'barman -c "$BARMAN_CONF" recover --target-time "{before}" --target-action promote {server} latest "$PGDATA"'
  pgdrill exec --user barman {lab} {spare} -- sh -c 'pg_ctl -D "$PGDATA" -l "$PGHOST/restore.log" -w -t 120 -o "-k $PGHOST -c listen_addresses=* -c primary_conninfo= -c shared_preload_libraries= -c max_wal_senders=16" start'
  pgdrill exec {lab} {primary} -- sh -c 'pg_dump -h {spare} -d books -t invoices | psql -X -q -d books'
(the restored server is a copy of the primary at {before}: same roles, same passwords;
it needs as many WAL senders as the primary had, and no standby settings. Restoring
over the primary instead would lose every write since the drop.)]]

local kit = require "drillkit"
local ROWS = 1000
local LISTENER = "write_tcp"
local TOTAL = "SELECT count(*) || ' rows, sum ' || sum(amount) FROM invoices"

local function one(role)
  local h = lab.by_role(role)[1]
  if not h then error("this exercise needs a host of role " .. role) end
  return h
end

train.breaks(function()
  if not lab.listener(LISTENER) then error("this exercise needs a listener " .. LISTENER) end
  drill.steady()
  local p = lab.primary()
  train.remember("primary", p.name)
  train.remember("spare", one("spare").name)
  train.remember("barman", one("barman").name)
  train.remember("server", lab.barman_server)
  -- The application's tables, written as the application writes them.
  kit.must(LISTENER, "DROP TABLE IF EXISTS invoices; CREATE TABLE invoices AS SELECT g AS id, g * 1.5 AS amount " ..
    "FROM generate_series(1, " .. ROWS .. ") g; " ..
    "CREATE TABLE IF NOT EXISTS payments (id serial PRIMARY KEY, note text)")
  train.remember("whole", assert(kit.value(p, TOTAL, "books")))
  sleep("1500ms")
  train.remember("before", assert(kit.value(p,
    "SELECT date_trunc('second', now())::timestamp(0)::text")))
  sleep("1200ms")
  kit.must(LISTENER, "DROP TABLE invoices")
  train.remember("dropped_at", assert(kit.value(p,
    "SELECT date_trunc('second', now())::timestamp(0)::text")))
  -- What the application writes after the drop, which a restore must not take away.
  local mark = "after the drop " .. tostring(math.random(1e9))
  kit.must(LISTENER, "INSERT INTO payments (note) VALUES ('" .. mark .. "')")
  train.remember("mark", mark)
end)

local function primary() return lab.host(train.recall("primary")) end

train.goal("invoices is back on the primary, every row", function()
  local got, err = kit.value(primary(), TOTAL, "books")
  return got == train.recall("whole"), got or err
end)

train.goal("what the application wrote after the drop is still there", function()
  local n, err = kit.value(primary(), "SELECT count(*) FROM payments WHERE note = '" ..
    train.recall("mark") .. "'", "books")
  return n == "1", n and (n .. " of 1 row written after the drop") or err
end)

train.goal("the standbys have it too", function()
  for _, s in ipairs(lab.standbys()) do
    local got, err = kit.value(s, TOTAL, "books")
    if got ~= train.recall("whole") then return false, s.name .. ": " .. tostring(got or err) end
  end
  return true, "every standby has " .. train.recall("whole")
end)

train.goal("the primary is still the primary", function()
  return primary():is_primary(), train.recall("primary")
end)
