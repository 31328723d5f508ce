-- Misuse of the handles that exist only on a running lab (a workload, a host that
-- answers): each call must raise an error naming the function and the argument, and the
-- handle must still work afterwards. Run by tests/integration/test_drills.sh; every
-- expectation is a check, so a wrong message fails the run.
drill.scenario{ name = "api misuse on a lab" }

local function raises(what, needle, fn, ...)
  local ok, err = pcall(fn, ...)
  local found = not ok and string.find(tostring(err), needle, 1, true) ~= nil
  check.that(what, found, ok and "no error" or tostring(err):match("^[^\n]*"))
end

drill.steady()
local wl = workload.start{ rate = 20, clients = 1, readers = 0 }
raises("wl.stop(42)", "bad argument #1 to 'workload:stop' (workload expected, got number)",
  wl.stop, 42)
raises("wl.stats('x')", "bad argument #1 to 'workload:stats' (workload expected, got string)",
  wl.stats, "x")
raises("wl.stats()", "bad argument #1 to 'workload:stats' (workload expected, got no value)",
  wl.stats)
raises("wl.colour", "a workload has no field 'colour' (it has stop, stats, history)",
  function() return wl.colour end)
sleep("1s")
local running = wl:stats()
check.that("the workload still runs after the misuse", running.running == true and
  running.writes.ok > 0, string.format("%d writes ok", running.writes.ok))
wl:stop()
wl:stop() -- a second stop is harmless
check.that("stats after stop say stopped", wl:stats().running == false)

local p = lab.primary()
raises("p:sql('SELEKT')", "syntax error", function() return assert(p:sql("SELEKT 1")) end)
local rows, err, state = p:sql("SELEKT 1")
check.that("a failed query returns nil, message, SQLSTATE", rows == nil and state == "42601",
  tostring(state))
local code, out = p:exec("exit 3")
check.that("exec returns the command's exit status", code == 3, tostring(code))
