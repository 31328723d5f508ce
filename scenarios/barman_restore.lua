-- Restore from barman.
--
-- What happens: two marks are written through haproxy a few seconds apart. barman's
-- latest backup is restored into a fresh host (the lab's spare host, when it has one: a
-- server of its own on its own address; otherwise a fresh directory on the barman host)
-- and started there, once to the end of the WAL archive and once to a point in time
-- between the marks.
-- Objectives: barman's own check is green and its WAL archive continuous from the oldest
-- backup to what the primary writes now; the latest restore has every acknowledged write
-- (RPO 0 for what reached the archive); the point-in-time restore stops exactly between
-- the two marks.
-- What a DBA learns: that the backups restore, how long a restore takes, and that
-- point-in-time recovery lands where asked, rehearsed before it is needed.
local kit = require "drillkit"
local s = drill.scenario{ name = "restore from barman" }

drill.steady()
check.backups{}
local function client(sql) return kit.must("write_tcp", sql) end
client("CREATE TABLE IF NOT EXISTS restore_marks (id int PRIMARY KEY, at timestamptz DEFAULT now())")
client("DELETE FROM restore_marks")
client("INSERT INTO restore_marks VALUES (1)")
sleep("1s")
local between = client("SELECT now()::text")
sleep("1s")
client("INSERT INTO restore_marks VALUES (2)")

local spare = lab.by_role("spare")[1] -- nil: restore on the barman host
local t0 = now()
local id = fault.barman_restore{ host = spare }
local rows, err = check.restored("SELECT count(*) AS n FROM restore_marks")
check.that("the latest restore has every mark", rows and rows[1].n == "2",
  rows and (rows[1].n .. " of 2 marks") or tostring(err))
drill.event(string.format("latest restore ready in %.1f s", now() - t0))
fault.revert(id)

t0 = now()
id = fault.barman_restore{ target_time = between, host = spare }
rows, err = check.restored("SELECT count(*) AS n FROM restore_marks")
check.that("the point-in-time restore stops between the marks", rows and rows[1].n == "1",
  rows and (rows[1].n .. " of 2 marks, target " .. between) or tostring(err))
drill.event(string.format("point-in-time restore ready in %.1f s", now() - t0))
fault.revert(id)
