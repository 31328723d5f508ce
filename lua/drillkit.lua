-- drillkit: small helpers the scenarios share. C supplies the primitives (lab, fault,
-- check, drill, sleep, now, wait_until); this file only composes them.
local kit = {}

-- Runs fn until it returns a truthy value, at most `times` times, `delay` apart.
function kit.retry(fn, times, delay)
  local last
  for _ = 1, times do
    last = fn()
    if last then return last end
    sleep(delay or "200ms")
  end
  return nil
end

-- A readable size: 1536 -> "1.5 kB".
function kit.bytes(n)
  local units = { "B", "kB", "MB", "GB" }
  local i = 1
  while n >= 1024 and i < #units do
    n = n / 1024
    i = i + 1
  end
  return string.format(i == 1 and "%d %s" or "%.1f %s", n, units[i])
end

-- The names of a list of hosts, for messages.
function kit.names(hosts)
  local out = {}
  for i, h in ipairs(hosts) do out[i] = h.name end
  return table.concat(out, ", ")
end

-- Runs SQL through a haproxy listener as the application does and returns its result;
-- raises (ending the drill in error) when it fails: the drill cannot go on without it.
function kit.must(listener, sql)
  local ok, res = check.client(listener, sql)
  if not ok then error("through " .. listener .. ": " .. tostring(res), 2) end
  return res
end

-- Writes `rows` rows of `size` bytes each through a listener (creating the table). The
-- rows are stored as they are, not compressed (a repeated character compresses to almost
-- nothing): `rows * size` bytes of table and of WAL.
function kit.write_ballast_rows(listener, rows, size)
  local ok, err = check.client(listener,
    "CREATE TABLE IF NOT EXISTS drill_rows (id bigserial PRIMARY KEY, pad text);" ..
    " ALTER TABLE drill_rows ALTER pad SET STORAGE EXTERNAL")
  if not ok then return nil, err end
  return check.client(listener, string.format(
    "INSERT INTO drill_rows (pad) SELECT repeat('x', %d) FROM generate_series(1, %d)",
    size, rows))
end

-- Drops the ballast rows' table (through a listener, as it was made) and checkpoints the
-- primary, so that the WAL they made is recycled.
function kit.drop_ballast_rows(listener)
  check.client(listener, "DROP TABLE IF EXISTS drill_rows")
  local primary = lab.primary()
  if primary then primary:sql("CHECKPOINT") end
end

-- How many bytes of WAL `standby` has not received from `primary`, as the two servers
-- say themselves, and the standby's receive position (nil when either does not answer).
function kit.wal_behind(primary, standby)
  local r = standby:sql("SELECT pg_last_wal_receive_lsn()::text AS lsn")
  local lsn = r and r[1] and r[1].lsn
  if not lsn or not lsn:match("^%x+/%x+$") then return nil end
  local p = primary:sql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" .. lsn ..
    "')::bigint AS behind")
  return p and p[1] and tonumber(p[1].behind), lsn
end

-- Lets a standby recycle the WAL it no longer needs before a drill measures its disk: a
-- checkpoint on the primary, replayed by the standby, then a restartpoint there. Without
-- it a restartpoint in the middle of the drill can free tens of MB (a node rejoined after
-- a WAL-heavy drill keeps many segments) and undo a ballast sized a moment before.
-- Returns true, or nil and why.
function kit.settle_wal(primary, standby)
  local cp = primary:sql("CHECKPOINT") and
    primary:sql("SELECT pg_current_wal_lsn()::text AS lsn")
  local lsn = cp and cp[1] and cp[1].lsn
  if not lsn or not lsn:match("^%x+/%x+$") then
    return nil, "CHECKPOINT failed on " .. primary.name
  end
  local caught_up = kit.retry(function()
    local r = standby:sql("SELECT pg_last_wal_replay_lsn() >= '" .. lsn .. "' AS done")
    return r and r[1] and r[1].done == "t"
  end, 50, "200ms")
  if not caught_up then return nil, standby.name .. " did not catch up within 10 s" end
  if not standby:sql("CHECKPOINT") then return nil, "CHECKPOINT failed on " .. standby.name end
  return true
end

-- The first column of the first row of `sql` on `host` (in database `db`, default
-- postgres), as text; nil and the error (its first line) when the server does not
-- answer or the query fails. For exercise goals, which look at a lab a person is half
-- way through repairing.
function kit.value(host, sql, db)
  local rows, err = host:sql(sql, { db = db or "postgres" })
  if not rows then return nil, tostring(err):match("^[^\n]*") end
  if #rows == 0 then return nil, "no rows" end
  local _, v = next(rows[1])
  return v
end

-- A write through `listener` commits: true and the server's address, or false and why.
function kit.write_through(listener)
  local ok, said = check.client(listener,
    "CREATE TEMP TABLE t (i int); SELECT host(inet_server_addr())")
  return ok, ok and ("a write committed on " .. said) or said
end

return kit
