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
