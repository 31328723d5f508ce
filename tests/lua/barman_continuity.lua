-- barman's archive after the drills so far (run it after a failover drill): barman check
-- green, the archive continuous, and the oldest backup barman keeps restores to a mark
-- written now. A restore from the oldest backup replays every WAL segment since it, across
-- every failover in between: a segment barman missed would stop it short of the mark.
local kit = require("drillkit")
drill.scenario{ name = "barman archive continuous" }
drill.steady()
kit.must("write_tcp",
  "CREATE TABLE IF NOT EXISTS continuity_marks (id serial PRIMARY KEY, at timestamptz DEFAULT now())")
local mark = kit.must("write_tcp", "INSERT INTO continuity_marks DEFAULT VALUES RETURNING id")
check.backups{}
local spare = lab.by_role("spare")[1]
local id = fault.barman_restore{ from = "oldest", host = spare }
local rows, err = check.restored("SELECT count(*) AS n FROM continuity_marks WHERE id = " .. mark)
check.that("the oldest backup restores to the mark written now", rows and rows[1].n == "1",
  rows and ("mark " .. mark .. ": " .. rows[1].n .. " rows") or tostring(err))
fault.revert(id)

-- A target before every backup barman keeps is in no recoverable window: refused before
-- anything is restored, with barman's windows named.
local ok, err = pcall(fault.barman_restore, { target_time = "2001-01-01 00:00:00+00", host = spare })
check.that("a target in no recoverable window is refused with the windows named",
  not ok and tostring(err):find("PITR possible from", 1, true) ~= nil, tostring(err))
