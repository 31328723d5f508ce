-- A warning a server sends one of pgdrill's own sessions is a `server` event in the
-- journal and on the timeline, with the host (or "client") it came from, never raw libpq
-- output on the terminal. Run by tests/integration/test_drills.sh.
drill.scenario{ name = "server messages" }

drill.steady()
local primary = lab.primary()
check.that("an admin session raises a warning",
  primary:sql("DO $$BEGIN RAISE WARNING 'pgdrill-admin-warning'; END$$") ~= nil)
check.that("a client session raises a warning",
  (check.client("write_tcp", "DO $$BEGIN RAISE WARNING 'pgdrill-client-warning'; END$$")))
